"""AppTest: the Audit page counts its events with nouns that agree (never "1 errors", "1 children")."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import APP
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
