"""Audit: who signed in or failed to, who was locked out, who saw child-level rows of which council on which
page, and who exported or uploaded what (for the administrator and the Head of Service)."""

import datetime as dt

import streamlit as st

from raa_app import shell, tables
from raa_core import clock
from raa_core.access import audit
from raa_core.presentation import count_noun, display
from raa_core.store import appstate

viewer = shell.page_viewer("audit")

ref = shell.reference()
state = shell.appstate()
today = clock.today()

st.title("Audit")
st.caption("Every sign-in, failed sign-in and lock-out, every view of child-level rows (who, which council, which "
           "page, when), every export and upload. Times and dates are London's. Rows are never changed or deleted.")

if set_aside := appstate.set_aside_notice(state):  # the store was found damaged: accounts need restoring
    st.warning(set_aside, icon=":material/warning:")
councils = {c.la_code: display.council_option(ref, c.la_code) for c in ref.councils}
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
dates = c1.date_input("From, to", value=(today - dt.timedelta(days=30), today), max_value=today, key="audit_dates",
                      format="YYYY-MM-DD")
since = dates[0] if len(dates) > 0 else None
until = dates[1] if len(dates) > 1 else since
people = c2.multiselect("People", audit.actors(state), key="audit_people", placeholder="Everyone")
actions = c3.multiselect("Actions", list(audit.ACTIONS), format_func=audit.ACTIONS.__getitem__, key="audit_actions",
                         placeholder="Every action")
la_codes = c4.multiselect("Council", list(councils), format_func=councils.__getitem__, key="audit_councils",
                          placeholder="Every council")

events = audit.events(state, viewer, since=since, until=until, actors=people or None, actions=actions or None,
                      la_codes=la_codes or None, ref=ref)
shown = audit.events_words(events, ref)
child_views = int((events["action"] == "child_level_view").sum())
st.markdown(f"**{count_noun(len(events), 'event')}** · **{count_noun(child_views, 'child-level view')}**")
tables.show_frame(
    shown,
    hide_index=True, width="stretch",
    column_config={"When (London time)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
)
shell.download_csv(shown, "audit", "audit", period=f"{since or 'start'}_to_{until or today}")
