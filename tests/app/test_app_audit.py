"""AppTest: the Audit page counts its events with nouns that agree (never "1 errors", "1 children")."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_core import clock
from raa_core.presentation import date_text
from raa_core.store.appstate import AppState, record
from raa_core.store.warehouse import Warehouse


def test_the_audit_page_counts_one_event_in_the_singular(app_env) -> None:
    record(AppState.beside(Warehouse(app_env)), actor="hos.test", role="hos", action="export", page="budget",
           detail="raa_budget_lines_Region_2026-27_P7_as-at_2026-11-23.csv")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    counted = [m.value for m in at.markdown if "child-level view" in m.value]
    # the export, and the Overview's drop warnings with their row numbers shown to the Head of Service (a
    # child-level view, audited): one of them, in the singular
    assert counted == ["**2 events** · **1 child-level view**"]


def test_the_audit_days_are_typed_and_a_bad_one_is_said_in_words(app_env) -> None:
    """From and To are typed days (no calendar and its small day buttons), written as the app writes days; a
    day that cannot be read, or From after To, is said in plain English and no events are shown."""
    record(AppState.beside(Warehouse(app_env)), actor="hos.test", role="hos", action="export", page="budget",
           detail="raa_budget_lines_Region_2026-27_P7_as-at_2026-11-23.csv")
    today = clock.today()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    since, until = at.text_input(key="audit_from"), at.text_input(key="audit_to")
    assert (since.label, since.value) == ("From", date_text(today - dt.timedelta(days=30)))
    assert (until.label, until.value) == ("To", date_text(today))
    assert not at.get("date_input")
    until.input("31/02/2026").run()
    [error] = at.error
    assert "To: “31/02/2026” is not a date" in error.value and error.value.endswith("Correct the day to see the events.")
    for far in ("9999-12-31", "1 Jan 0001"):  # a day the dates behind the events cannot reach is said, never a crash
        at.text_input(key="audit_to").input(far).run()
        assert not at.exception, at.exception
        [error] = at.error
        assert f"To: “{far}” is too far from today: write a day from 1 Jan 1900 to 31 Dec 2199" in error.value
    assert not at.dataframe
    at.text_input(key="audit_to").input(date_text(today - dt.timedelta(days=31))).run()
    [error] = at.error
    assert "is after the last" in error.value and not at.dataframe
    at.text_input(key="audit_from").input("").run()  # no first day: every event up to the last day
    assert not at.error and "**0 events**" in [m.value.split(" · ")[0] for m in at.markdown]
    at.text_input(key="audit_to").input(f"  {today:%d/%m/%Y} ").run()  # as the UK writes a day, spaces ignored
    assert not at.error and "**2 events**" in [m.value.split(" · ")[0] for m in at.markdown]
