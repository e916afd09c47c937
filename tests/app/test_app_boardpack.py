"""AppTest: the Board pack page builds the pack for the chosen period, lists the sections it could not
build, offers both files, forces publication suppression for the board and takes a saved scenario."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, SAMPLE_AS_AT, signed_in
from raa_core import boardpack
from raa_core.contributions import saved_scenarios
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

PAGE = "pages/boardpack.py"


def open_page(role: str = "hos") -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=180), role)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def build(at: AppTest) -> AppTest:
    at.button(key="pack_build").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_board_builds_a_suppressed_pack_and_sees_what_is_missing(app_env) -> None:
    at = open_page("board")
    assert at.title[0].value == "Board pack"
    assert not at.toggle, "the board cannot switch suppression off"
    assert any("always suppressed" in i.value or "always are" in i.value for i in at.info)
    assert at.selectbox(key="pack_period").value == "2026-27"
    assert at.segmented_control(key="pack_unit").value == "£'000"  # the board reads £'000
    build(at)
    done = at.success[0].value
    assert done.startswith("Board pack 2026-27 built") and f"of {len(boardpack.SECTIONS)} complete" in done
    # no scenario chosen: the scenario section is listed as not in the pack, with the reason
    warned = [w.value for w in at.warning]
    assert any(w.startswith("**Contribution scenario**: No contribution scenario was chosen") for w in warned), warned
    assert "1 section" in "".join(m.value for m in at.markdown)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the PDF", "Download the workbook"]
    assert {b.proto.label: b.proto.url for b in at.get("download_button")}  # both files are served
    pack = at.session_state["pack_files"]
    assert pack["request"].publication is True and pack["request"].role == "board"
    assert pack["pdf"][0] == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_AS_AT}.pdf"
    assert pack["xlsx"][0] == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_AS_AT}.xlsx"
    assert pack["pdf"][1][:5] == b"%PDF-" and pack["xlsx"][1][:2] == b"PK"


def test_changing_a_choice_asks_for_a_new_build(app_env) -> None:
    at = build(open_page("board"))
    at.selectbox(key="pack_period").set_value("2024-27").run()
    assert not at.exception
    assert not at.get("download_button")
    assert any("build the pack again" in c.value for c in at.caption)


def test_the_head_of_service_may_build_an_unsuppressed_pack_with_a_saved_scenario(app_env) -> None:
    state = AppState.beside(Warehouse(app_env))
    scenario = parse_scenario(DEFAULT_SCENARIO | {"name": "Board option A"})
    saved_scenarios.save(state, scenario, Viewer(user="hos.test", role="hos", la_code=None))
    at = open_page("hos")
    at.toggle(key="pack_publication").set_value(False)
    at.radio(key="pack_sc_source").set_value("A saved scenario").run()
    assert at.selectbox(key="pack_sc_saved").value == "Board option A"
    build(at)
    pack = at.session_state["pack_files"]
    assert pack["request"].publication is False
    assert parse_scenario(pack["request"].scenario).name == "Board option A"
    assert not any("Contribution scenario" in w.value for w in at.warning)


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_roles_without_the_pack_are_refused(app_env, role) -> None:
    at = open_page(role)
    assert any("This page is not available to you" in e.value for e in at.error)
    # nothing of the page: only the sidebar's own controls (sign out; change your own password)
    assert [b.key for b in at.button if not b.key.startswith("FormSubmitter:own_password")] == ["sign_out"]


def test_every_signed_in_page_carries_the_print_styles_once(app_env) -> None:
    """Pages print to A4 landscape without the sidebar and buttons (the styles come from the shell, placed once
    with the focus styles)."""
    from raa_app.shell import PRINT_CSS

    for page in ("pages/overview.py", "pages/budget.py", PAGE):
        at = AppTest.from_file(APP, default_timeout=180)
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        bodies = [h.proto.body for h in at.get("html")]  # the main area, the sidebar and the event container
        assert sum(b.count(PRINT_CSS) for b in bodies) == 1, page
        assert "@page { size: A4 landscape" in PRINT_CSS and '[data-testid="stSidebar"]' in PRINT_CSS
        assert sum("window.raaPrintFit" in b for b in bodies) == 1
