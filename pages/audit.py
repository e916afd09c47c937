"""Audit: who signed in or failed to, who was locked out, who saw child-level rows of which council on which
page, and who exported or uploaded what (for the administrator and the Head of Service)."""

import datetime as dt

import streamlit as st

from raa_app import errors, shell, tables
from raa_core import clock
from raa_core.access import audit
from raa_core.errors import BadInput
from raa_core.presentation import count_noun, date_text, display
from raa_core.presentation.text import GRID_TIME_FORMAT
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
c1, c2, c3, c4, c5 = st.columns([1, 1, 2, 2, 2])
people = c3.multiselect("People", audit.actors(state), key="audit_people", placeholder="Everyone")
actions = c4.multiselect("Actions", list(audit.ACTIONS), format_func=audit.ACTIONS.__getitem__, key="audit_actions",
                         placeholder="Every action")
la_codes = c5.multiselect("Council", list(councils), format_func=councils.__getitem__, key="audit_councils",
                          placeholder="Every council")
# Typed days, not a calendar (its small day buttons): an empty field sets no bound
since, bad_since = shell.typed_day(
    "From", "audit_from", today, value=today - dt.timedelta(days=30), where=c1,
    help=f"The first day of events shown. Type a day, for example {date_text(today)}, and press Enter; leave it "
         "empty for every day from the start.")
until, bad_until = shell.typed_day(
    "To", "audit_to", today, value=today, where=c2,
    help=f"The last day of events shown. Type a day, for example {date_text(today)}, and press Enter; leave it "
         "empty for every day to today.")
try:
    if problem := bad_since or bad_until:
        raise problem
    events = audit.events(state, viewer, since=since, until=until, actors=people or None, actions=actions or None,
                          la_codes=la_codes or None, ref=ref)
except BadInput as exc:
    errors.show(exc, after=". Correct the day to see the events.")
    st.stop()

shown = audit.events_words(events, ref)
child_views = int((events["action"] == "child_level_view").sum())
st.markdown(f"**{count_noun(len(events), 'event')}** · **{count_noun(child_views, 'child-level view')}**")
tables.show_frame(
    shown,
    hide_index=True, width="stretch",
    column_config={"When (London time)": st.column_config.DatetimeColumn(format=GRID_TIME_FORMAT)},
)
shell.download_csv(shown, "audit", "audit", period=f"{since or 'start'}_to_{until or today}")
