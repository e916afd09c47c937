"""Identifiers never leave the child-level scope, as each role sees the app: every page a role may open
(AppTest, the whole element tree's text, tables' cells and tooltips) is searched for every identifier of the
sample's drops; a council analyst sees their own council's, and that view is audited."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import personalkit
from appkit import connect
from conftest import APP, signed_in
from raa_core import access
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store import appstate, warehouse

ROLES = personalkit.ROLES


def page_text(at: AppTest) -> str:
    """Every element's text: its message as Streamlit sends it (labels, help, tooltips), tables as CSV."""
    parts: list[str] = []

    def walk(node) -> None:
        value = getattr(node, "value", None)
        if node.type in ("arrow_data_frame", "dataframe", "table") and value is not None:
            parts.append(value.to_csv(index=False))
        elif getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts)


def open_as(role: str, la_code: int | None, script: str | None = None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=120), role, la_code)
    at.run()
    if script:
        at.switch_page(script)
        at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(("role", "la_code"), ROLES)
def test_no_page_a_role_opens_names_a_child_outside_its_child_level_councils(app_env, role, la_code) -> None:
    from raa_app import navigation

    ref = load_reference()
    viewer = Viewer(user="t", role=role, la_code=la_code)
    allowed = access.child_level_councils(viewer, ref)
    with connect(app_env) as con:
        values = personalkit.identifiers(con)
    for page in access.pages(viewer, ref):
        if page == "boardpack":
            continue  # the pack's PDF and workbook are searched in tests/core/access/test_personal_data.py
        at = open_as(role, la_code, None if page == "overview" else navigation.page(page)[0])
        assert not personalkit.found(page_text(at), values, allowed), (role, la_code, page)


def test_an_analyst_sees_their_own_councils_rows_and_the_view_is_audited(app_env) -> None:
    at = open_as("council_analyst", 886)
    with connect(app_env) as con:
        values = personalkit.identifiers(con)
    text = page_text(at)
    assert personalkit.found(text, {886: values[886]}), "the own council's rows help fix its drop"
    assert "(the first data row is row 1)" in text
    state = appstate.AppState.beside(warehouse.Warehouse(app_env))
    rows = [r for r in appstate.audit_rows(state) if r["action"] == "child_level_view" and r["page"] == "overview"]
    assert rows and rows[0]["la_code"] == 886 and rows[0]["actor"] == "analyst886.test"


def test_the_board_sees_counts_and_the_overview_opens_the_data_protection_page(app_env) -> None:
    at = open_as("board", None)
    text = page_text(at)
    assert ": 3 rows" in text and "first data row" not in text
    [doc] = [e for e in at.expander if e.label == "How personal data is handled"]
    assert "Who sees them" in page_text(at) and doc is not None


def test_the_audit_trail_its_csv_and_the_server_log_name_no_child(app_env, tmp_path, monkeypatch) -> None:
    """The audit trail records who saw which council's rows, never the rows: after analysts and the Head of
    Service are shown identifiers (audited views), the Audit page, its CSV download (built as the page builds it)
    and every event the app logged carry no identifier of any council."""
    from raa_core.access import audit
    from raa_core.presentation import export

    log = tmp_path / "server.log"
    monkeypatch.setenv("RAA_LOG_FILE", str(log))
    from raa_core import logs

    logs.configure()
    try:
        for role, la_code in [("council_analyst", 886), ("council_analyst", 887), ("hos", None), ("board", None)]:
            open_as(role, la_code)
        open_as("board", None, "pages/audit.py")  # refused: an event in the server log
        at = open_as("admin", None, "pages/audit.py")
    finally:
        logs.configure()
    with connect(app_env) as con:
        values = personalkit.identifiers(con)
    state = appstate.AppState.beside(warehouse.Warehouse(app_env))
    ref = load_reference()
    events = audit.events(state, Viewer(user="a", role="admin"), ref=ref)
    assert (events["action"] == "child_level_view").sum() >= 3
    csv = export.table_csv(audit.events_words(events, ref)).decode("utf-8-sig")
    assert "child-level view" in csv.lower() or "child_level_view" in csv
    assert not personalkit.found(csv, values) and not personalkit.found(page_text(at), values)
    assert '"kind":"refused"' in log.read_text() and not personalkit.found(log.read_text(), values)
