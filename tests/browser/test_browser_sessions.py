"""Sessions and accounts in headless Chromium against `streamlit run`, each test on its own server and warehouse:
a deep link lands on its page after sign-in, reload and a second tab keep the session, the cookie is HttpOnly and
SameSite=Lax, a forged cookie gets the sign-in form, sign-out in one tab ends the other, a role change and a
removal end sessions; the first council drop keeps an account made on the Users page and is refused without a
real administrator; every write leaves its audit row."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import dropkit as dk
from browser_support import choose, sign_in, streamlit_server, submit_sign_in, wait_ready
from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.access import accounts
from raa_core.reference import load_reference
from raa_core.store import warehouse
from raa_core.store.appstate import AppState

pytestmark = pytest.mark.browser

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
PASSWORD = "a long enough passphrase"


@pytest.fixture
def own_app(sample_db: Path, tmp_path: Path):
    """A server of its own over a private copy of the sample (these tests change accounts and load drops)."""
    wh = tmp_path / "wh"
    wh.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, wh / real.name)
    (wh / "raa.duckdb").symlink_to(real.name)
    env = {"RAA_DB": str(wh / "raa.duckdb"), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_UPLOADS": str(wh / "uploads")}
    with streamlit_server(env) as url:
        yield url, wh / "raa.duckdb"


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(120_000)


def raa(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raa_core", *args, "--db", str(db)], input=stdin,
                          capture_output=True, text=True, timeout=300)


def audit_actions(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db.parent / "appstate.sqlite3")
    try:
        return [(r[0], r[1]) for r in con.execute("SELECT actor, action FROM audit ORDER BY id")]
    finally:
        con.close()


def heading(page, name: str):
    return page.locator(MAIN).get_by_role("heading", name=name).first


def click_menu(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    wait_ready(page, 180_000)


def test_a_session_survives_reload_tabs_and_links_and_ends_everywhere(own_app, page, browser) -> None:
    url, db = own_app
    # A deep link: the sign-in form first, then the page asked for.
    sign_in(page, f"{url}/regional_performance", "hos")
    assert page.url == f"{url}/regional_performance"
    heading(page, "Regional performance").wait_for()
    [cookie] = [c for c in page.context.cookies() if c["name"] == "raa_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"] and cookie["expires"] == -1
    assert page.evaluate("document.cookie").find("raa_session") == -1, "script cannot read the cookie"
    page.reload()
    wait_ready(page, 180_000)
    heading(page, "Regional performance").wait_for()
    assert page.locator(".st-key-signed_in_as").count() == 1
    second = page.context.new_page()
    second.goto(f"{url}/budget")
    wait_ready(second, 180_000)
    second.locator(".st-key-signed_in_as").wait_for()
    heading(second, "Pooled budget").wait_for()
    # A forged cookie (another browser): the sign-in form.
    other = browser.new_context()
    other.add_cookies([{**cookie, "value": "forged" + cookie["value"][6:]}])
    stranger = other.new_page()
    stranger.goto(f"{url}/audit")
    stranger.get_by_label("User name").wait_for()
    assert "/signin?next=%2Faudit" in stranger.url
    other.close()
    # Sign-out in one tab ends the other at its next click.
    page.locator(SIDEBAR).get_by_role("button", name="Sign out").click()
    wait_ready(page, 180_000)
    page.get_by_text("You have signed out.").wait_for()
    click_menu(second, "Overview")
    second.get_by_text("You have signed out.").wait_for()
    assert second.locator(".st-key-signed_in_as").count() == 0
    second.reload()
    second.get_by_label("User name").wait_for()

    # A role change and a removal end the person's sessions at their next click.
    assert raa(db, "users", "add", "Jo.Smith", "--role", "finance", stdin=PASSWORD + "\n").returncode == 0
    sign_in(page, f"{url}/budget", " JO.SMITH ", PASSWORD)  # user names without regard to case or spaces
    state = AppState(db.parent / "appstate.sqlite3")
    accounts.set_role(state, "jo.smith", "board", None, load_reference())
    click_menu(page, "Overview")
    page.get_by_text("Your account has changed or been removed").wait_for()
    sign_in(page, f"{url}/budget", "jo.smith", PASSWORD)
    assert raa(db, "users", "remove", "jo.smith").returncode == 0
    click_menu(page, "Overview")
    page.get_by_text("Your account has changed or been removed").wait_for()
    actions = [a for who, a in audit_actions(db) if who in ("hos", "Jo.Smith")]
    assert actions.count("sign_in") == 3 and actions.count("sign_out") >= 3


def test_the_first_council_drop_keeps_real_accounts_and_needs_a_real_administrator(own_app, page, tmp_path) -> None:
    url, db = own_app
    sign_in(page, f"{url}/users", "admin")
    heading(page, "Users").wait_for()

    def add(name: str, role: str) -> None:
        main = page.locator(MAIN)
        main.get_by_label("User name").fill(name)
        choose(page, "Role", role, MAIN)
        main.get_by_label("Initial password (at least 12 characters)").fill(PASSWORD)
        main.get_by_label("Initial password again").fill(PASSWORD)
        main.get_by_role("button", name="Add user").click()
        wait_ready(page, 180_000)
        page.get_by_text(f"Added {name} as").wait_for()

    add("jo.smith", "Council finance lead")
    dk.write_drop(tmp_path / "council", 303, "2026-11-22")
    refused = raa(db, "ingest", str(tmp_path / "council"), "--today", SAMPLE_TODAY.isoformat())
    assert refused.returncode == 1 and "no real administrator or Head of Service" in refused.stderr
    assert "Nothing was loaded" in refused.stderr
    add("kim.admin", "Administrator")
    loaded = raa(db, "ingest", str(tmp_path / "council"), "--today", SAMPLE_TODAY.isoformat())
    assert loaded.returncode == 0, loaded.stderr
    listed = raa(db, "users", "list").stdout
    assert "jo.smith" in listed and "kim.admin" in listed and "analyst303" not in listed
    # The demo admin's session ends at the next click; the real administrator signs in.
    click_menu(page, "Overview")
    page.get_by_text("Your account has changed or been removed").wait_for()
    page.goto(f"{url}/audit")
    submit_sign_in(page, "admin", "demo-admin")
    assert "were not accepted" in page.get_by_role("alert").inner_text()
    sign_in(page, f"{url}/audit", "kim.admin", PASSWORD)
    heading(page, "Audit").wait_for()
    written = audit_actions(db)
    assert [a for _, a in written].count("user_added") == 2 and ("admin", "user_added") in written
    assert [a for _, a in written].count("demo_mode_left") == 1
