"""Sign-in and roles in headless Chromium against `streamlit run`: each demo user sees exactly what roles.csv
allows (pages, councils, child-level rows), forbidden URLs are refused, wrong passwords, lock-out and unlock,
session expiry, an analyst confined to their council, and the audit of who saw child-level rows."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dropkit as dk
from browser_support import (
    assert_no_exception,
    choose,
    nav_links,
    open_path,
    select_options,
    sign_in,
    streamlit_server,
    submit_sign_in,
    wait_ready,
)
from conftest import SAMPLE_DROPS, SAMPLE_TODAY

pytestmark = pytest.mark.browser

PAGES = {  # URL path: (menu title, heading)
    "overview": ("Overview", "Overview"),
    "regional_performance": ("Regional performance", "Regional performance"),
    "local_performance": ("Local performance", "Local performance"),
    "forecast": ("Forecast", "Pipeline forecast"),
    "budget": ("Pooled budget", "Pooled budget"),
    "scenarios": ("Contribution scenarios", "Contribution scenarios"),
    "boardpack": ("Board pack", "Board pack"),
    "data_drops": ("Data drops", "Data drops"),
    "audit": ("Audit", "Audit"),
    "users": ("Users", "Users"),
}
REGION = "Region (all three councils)"
ALL_COUNCILS = [REGION, "Bexley (303)", "Kent (886)", "Medway (887)"]
CHILD_ROWS = "children adopted in"  # the caption under each child's A1 days (child-level rows)
NO_CHILD_ROWS = "Each child's days are"  # the caption where the bands stand in for them
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'

# user: (pages, council choices, {council chosen: (council shown on Local performance, child-level rows?)})
MATRIX = {
    "board": (["overview", "regional_performance", "forecast", "budget", "scenarios", "boardpack"], ALL_COUNCILS, {}),
    "hos": (list(PAGES), ALL_COUNCILS, {REGION: ("Bexley (303)", True), "Bexley (303)": ("Bexley (303)", True),
                                        "Kent (886)": ("Kent (886)", True), "Medway (887)": ("Medway (887)", True)}),
    "finance": (["overview", "regional_performance", "local_performance", "forecast", "budget", "scenarios"],
                ALL_COUNCILS,
                {REGION: ("Bexley (303)", False), "Bexley (303)": ("Bexley (303)", False),
                 "Kent (886)": ("Kent (886)", False), "Medway (887)": ("Medway (887)", False)}),
    "analyst303": (["overview", "regional_performance", "local_performance", "data_drops"], [REGION, "Bexley (303)"],
                   {REGION: ("Bexley (303)", True), "Bexley (303)": ("Bexley (303)", True)}),
    "analyst886": (["overview", "regional_performance", "local_performance", "data_drops"], [REGION, "Kent (886)"],
                   {REGION: ("Kent (886)", True), "Kent (886)": ("Kent (886)", True)}),
    "analyst887": (["overview", "regional_performance", "local_performance", "data_drops"], [REGION, "Medway (887)"],
                   {REGION: ("Medway (887)", True), "Medway (887)": ("Medway (887)", True)}),
    "admin": (["overview", "data_drops", "audit", "users"], ALL_COUNCILS, {}),
}


@pytest.fixture(autouse=True)
def _patient(page):
    """The machine may be busy (other test runs): wait up to 2 minutes for any one thing."""
    page.set_default_timeout(120_000)


def refused(page) -> bool:
    """The page shows the refusal and nothing else in the main area."""
    main = page.locator(MAIN)
    errors = main.locator('[data-testid="stAlertContentError"]')
    if errors.count() != 1 or "This page is not available to you" not in errors.inner_text():
        return False
    for other in ("stHeading", "stDataFrame", "stPlotlyChart", "stMetric", "stForm", "stDownloadButton",
                  "stMarkdown", "stCaptionContainer"):
        assert main.locator(f'[data-testid="{other}"]').count() == 0, f"a refused page shows a {other}"
    return True


@pytest.mark.parametrize("user", list(MATRIX))
def test_each_demo_user_sees_exactly_their_pages_councils_and_child_rows(live_app, page, user) -> None:
    pages, councils, local = MATRIX[user]
    sign_in(page, live_app, user)
    assert_no_exception(page)
    assert nav_links(page) == [PAGES[p][0] for p in pages]
    who = page.locator(".st-key-signed_in_as").inner_text()
    assert f"Signed in as {user}" in who
    assert select_options(page, "Council", SIDEBAR) == councils

    # Every page the menu does not list is refused when opened by its URL (and shows nothing else).
    for path in PAGES:
        if path not in pages:
            open_path(page, path)
            assert_no_exception(page)
            assert refused(page), f"{user} should be refused {path}"
            assert f"{user} (" in page.locator(MAIN).inner_text()
            assert page.locator(".st-key-signed_in_as").is_visible(), "every page says who is signed in"

    if "local_performance" in pages:
        open_path(page, "local_performance")
        page.get_by_role("heading", name="Local performance").first.wait_for()
        for chosen, (shown, child_rows) in local.items():
            choose(page, "Council", chosen, SIDEBAR)
            assert_no_exception(page)
            name, code = shown[:-6], shown[-4:-1]
            page.get_by_role("heading", name=f"{name} ({code}) ·").first.wait_for()
            text = page.locator(MAIN).inner_text()
            assert (CHILD_ROWS in text) is child_rows, (user, chosen)
            assert (NO_CHILD_ROWS in text) is not child_rows, (user, chosen)


def test_a_board_member_sees_only_the_publication_view(live_app, page) -> None:
    sign_in(page, f"{live_app}/regional_performance", "board")
    toggle = page.locator('[data-testid="stCheckbox"]', has_text="Publication view").locator("input")
    assert toggle.is_checked() and toggle.is_disabled()
    assert "suppressed for publication" in page.locator(MAIN).inner_text()


def test_analyst_of_886_cannot_upload_for_887(live_app, page, tmp_path) -> None:
    sign_in(page, f"{live_app}/data_drops", "analyst886")
    assert select_options(page, "Council", MAIN) == ["Kent (886)"]
    # 887's drop (its manifest names 887) uploaded under the only council offered: refused, nothing loaded.
    folder = dk.write_drop(tmp_path, 887, "2026-11-21", manifest=True)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        sorted(str(p) for p in folder.iterdir()))
    page.get_by_role("button", name="Check and load").click()
    wait_ready(page, 180_000)
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for()
    assert "rejected" in error.inner_text()
    assert "manifest says council 887" in page.locator(MAIN).inner_text() or \
        page.locator('[data-testid="stDataFrame"]').count() > 0


def _audit(live_wh: Path, action: str) -> list[tuple]:
    with sqlite3.connect(live_wh.parent / "appstate.sqlite3") as con:
        return con.execute("SELECT actor, role, page, la_code, detail FROM audit WHERE action = ? ORDER BY id",
                           [action]).fetchall()


def test_child_level_views_are_audited_and_the_audit_page_exports_them(live_app, live_wh, page) -> None:
    sign_in(page, f"{live_app}/local_performance", "analyst887")
    assert CHILD_ROWS in page.locator(MAIN).inner_text()
    views = [v for v in _audit(live_wh, "child_level_view") if v[0] == "analyst887"]
    assert views and views[-1][:4] == ("analyst887", "council_analyst", "local_performance", 887)
    assert "A1 days of each child" in views[-1][4]
    page.locator(SIDEBAR).get_by_role("button", name="Sign out").click()
    wait_ready(page, 180_000)
    page.get_by_text("You have signed out.").wait_for()

    sign_in(page, f"{live_app}/audit", "admin")
    assert page.get_by_role("heading", name="Audit").first.is_visible()
    choose(page, "Actions", "Child-level view", MAIN)
    page.keyboard.press("Escape")
    wait_ready(page, 180_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    mine = [r for r in rows if r["Who"] == "analyst887"]
    assert mine and mine[0]["Action"] == "Child-level view" and mine[0]["Council"] == "Medway"
    assert mine[0]["Page"] == "Local performance" and mine[0]["Role"] == "Council performance analyst"
    assert {r["Action"] for r in rows} == {"Child-level view"}
    exports = _audit(live_wh, "export")
    assert exports and exports[-1][0] == "admin" and exports[-1][2] == "audit"


def _raa(live_wh: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raa_core", "users", *args, "--db", str(live_wh)],
                          input=stdin, capture_output=True, text=True, timeout=60)


def _try(page, url: str, user: str, password: str) -> None:
    page.goto(url)
    submit_sign_in(page, user, password)


def test_wrong_password_lock_out_after_5_and_unlock(live_app, live_wh, page) -> None:
    assert _raa(live_wh, "add", "lockme", "--role", "finance", stdin="the right password\n").returncode == 0
    messages = []
    for _ in range(5):
        _try(page, live_app, "lockme", "a wrong password")
        messages.append(page.get_by_role("alert").inner_text())
    _try(page, live_app, "nobody-at-all", "a wrong password")
    unknown = page.get_by_role("alert").inner_text()
    assert len(set(messages)) == 1 and messages[0] == unknown, "never says whether the name or the password was wrong"
    assert "user name and password were not accepted" in unknown
    # Locked: the right password is refused now, with the same message.
    _try(page, live_app, "lockme", "the right password")
    assert page.get_by_role("alert").inner_text() == unknown
    assert page.locator(".st-key-signed_in_as").count() == 0
    assert [r[0] for r in _audit(live_wh, "lock_out")].count("lockme") == 1
    listed = _raa(live_wh, "list")
    assert "lockme" in listed.stdout and "locked until" in listed.stdout
    assert _raa(live_wh, "unlock", "lockme").returncode == 0
    sign_in(page, live_app, "lockme", "the right password")
    assert nav_links(page) == ["Overview", "Regional performance", "Local performance", "Forecast", "Pooled budget",
                                "Contribution scenarios"]


@pytest.fixture
def short_sessions(live_wh):
    """A server whose sessions end after 5 s without a click and 14 s in all."""
    env = {"RAA_DB": str(live_wh), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_SESSION_IDLE_SECONDS": "5", "RAA_SESSION_MAX_SECONDS": "14"}
    with streamlit_server(env) as url:
        yield url


def test_sessions_expire_when_idle_and_in_all(short_sessions, page) -> None:
    sign_in(page, short_sessions, "finance")
    time.sleep(6)
    page.locator('[data-testid="stSidebarNavLink"]', has_text="Pooled budget").click()
    wait_ready(page, 180_000)
    page.get_by_text("Your session ended after 5 seconds without activity").wait_for()
    assert page.locator(".st-key-signed_in_as").count() == 0
    assert page.get_by_role("heading", name="Pooled budget").count() == 0

    sign_in(page, short_sessions, "finance")
    start = time.monotonic()
    window = ["3 years", "1 year"]
    while not page.get_by_text("reached its limit").count() and time.monotonic() - start < 40:
        page.locator(SIDEBAR).get_by_text(window[0], exact=True).click()  # a click every second or so
        window.reverse()
        wait_ready(page, 180_000)
        time.sleep(0.5)
    page.get_by_text("Your session reached its limit of 14 seconds").wait_for(timeout=5_000)
    # The absolute limit (14 s from sign-in), not the idle one (5 s: a click every second keeps it away). `start`
    # is taken after sign-in returned, which on a loaded machine is seconds after the session began.
    assert 6 < time.monotonic() - start < 40
    assert page.locator(".st-key-signed_in_as").count() == 0
