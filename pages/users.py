"""Users: the embedded sign-in's accounts, for the administrator: who may sign in, as what, and for which
council; add a user, change a user's role or council, reset a password, unlock a locked account, remove one.
Every change is one audit row of its own (raa_core.access.accounts.administer)."""

import streamlit as st

from raa_app import errors, shell, tables
from raa_core.access import accounts
from raa_core.presentation import display
from raa_core.presentation.text import GRID_MINUTE_FORMAT
from raa_core.store import appstate

viewer = shell.page_viewer("users")
ref = shell.reference()
state = shell.appstate()

st.title("Users")
st.caption("People who sign in with a user name and password on this server (the embedded sign-in). Passwords are "
           "stored only as argon2 hashes. With an identity provider configured, people sign in there instead and "
           "their role comes from the mapping in the server's configuration.")

if set_aside := appstate.set_aside_notice(state):  # the store was found damaged: accounts need restoring
    st.warning(set_aside, icon=":material/warning:")
if msg := st.session_state.pop("users_done", None):
    st.success(msg, icon=":material/check_circle:")

listed = accounts.users_frame(state, ref)
tables.show_frame(
    listed,
    hide_index=True, width="stretch",
    column_config={"Created (UTC)": st.column_config.DatetimeColumn(format=GRID_MINUTE_FORMAT)},
)

roles = {r.role: r.label for r in ref.roles}
councils = {c.la_code: display.council_option(ref, c.la_code) for c in ref.councils}
left, right = st.columns(2)
with left.form("users_add", clear_on_submit=True, border=True):
    st.header("Add a user")
    name = st.text_input("User name", key="users_add_name")
    role = st.selectbox("Role", list(roles), format_func=roles.__getitem__, key="users_add_role")
    council = st.selectbox("Council (council-bound roles only)", [None, *councils],
                           format_func=lambda c: "No council" if c is None else councils[c], key="users_add_council")
    password = st.text_input(f"Initial password (at least {accounts.MIN_PASSWORD} characters)", type="password",
                             key="users_add_password")
    again = st.text_input("Initial password again", type="password", key="users_add_again")
    if st.form_submit_button("Add user", icon=":material/person_add:"):
        if password != again:
            st.error("The two passwords differ.", icon=":material/error:")
        else:
            try:
                st.session_state["users_done"] = accounts.administer(
                    state, viewer, "add", name, ref, password=password, role=role, la_code=council)
                st.rerun()
            except accounts.UserError as exc:
                errors.show(exc, "Not added: ", ".")

with right.container(border=True):
    st.header("Change, unlock or remove")
    if listed.empty:
        st.caption("No users yet.")
    else:
        who = st.selectbox("User", list(listed[accounts.USER_HEADINGS["user"]]), key="users_pick")
        with st.form("users_change", border=False):
            new_role = st.selectbox("New role", list(roles), format_func=roles.__getitem__, key="users_new_role")
            new_council = st.selectbox("Council (council-bound roles only)", [None, *councils],
                                       format_func=lambda c: "No council" if c is None else councils[c],
                                       key="users_new_council")
            if st.form_submit_button("Change role", icon=":material/manage_accounts:"):
                try:
                    st.session_state["users_done"] = accounts.administer(
                        state, viewer, "role", who, ref, role=new_role, la_code=new_council)
                    st.rerun()
                except accounts.UserError as exc:
                    errors.show(exc, "Not changed: ", ".")
        with st.form("users_reset", clear_on_submit=True, border=False):
            reset = st.text_input(f"New password (at least {accounts.MIN_PASSWORD} characters; they must change it "
                                  "at their next sign-in)", type="password", key="users_reset_password")
            if st.form_submit_button("Reset password", icon=":material/key:"):
                try:
                    st.session_state["users_done"] = accounts.administer(state, viewer, "reset", who, ref,
                                                                         password=reset)
                    st.rerun()
                except accounts.UserError as exc:
                    errors.show(exc, "Not reset: ", ".")
        c1, c2 = st.columns(2)
        sure = st.checkbox("Yes, remove this user", key="users_sure")
        action = None
        if c1.button("Unlock", key="users_unlock", icon=":material/lock_open:", width="stretch"):
            action = "unlock"
        if c2.button("Remove", key="users_remove", icon=":material/person_remove:", width="stretch",
                     disabled=not sure):
            action = "remove"
        if action:
            try:
                st.session_state["users_done"] = accounts.administer(state, viewer, action, who, ref)
                st.rerun()
            except accounts.UserError as exc:
                errors.show(exc, "Not done: ", ".")
