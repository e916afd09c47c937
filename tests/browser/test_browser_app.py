"""Headless Chromium against `streamlit run app.py`: the app opens, every page renders, a drop is uploaded."""

from __future__ import annotations

import pytest

import dropkit as dk
from browser_support import assert_no_exception, nav_links, sign_in, wait_ready

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient(page):
    """A fresh server builds the warehouse on its first start, and the machine may be busy: wait up to 2 minutes
    for any one thing (readiness is still waited for explicitly)."""
    page.set_default_timeout(120_000)


def test_app_opens_on_overview_with_no_error(live_app, page) -> None:
    sign_in(page, live_app, "hos")
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Overview").is_visible()
    for council in ("Bexley (303)", "Kent (886)", "Medway (887)"):
        assert page.get_by_text(council, exact=True).first.is_visible()


@pytest.mark.parametrize("path,heading", [
    ("regional_performance", "Regional performance"), ("local_performance", "Local performance"),
    ("budget", "Pooled budget"), ("data_drops", "Data drops"),
])
def test_every_page_renders_without_error(live_app, page, path, heading) -> None:
    sign_in(page, f"{live_app}/{path}", "hos")
    assert_no_exception(page)
    assert page.get_by_role("heading", name=heading).first.is_visible()


def test_upload_a_bad_drop_shows_located_errors(live_app, live_wh, page, tmp_path) -> None:
    """A zip of one drop folder: its date comes from manifest.json, errors are located, nothing stays on disk."""
    import zipfile

    folder = dk.write_drop(tmp_path, 887, "2026-11-20", manifest=True,
                           children=[*dk.children(), dict(dk.children()[0], sex="X")])
    archive = tmp_path / "medway-drop.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"887/2026-11-20/{f.name}")
    sign_in(page, f"{live_app}/data_drops", "hos")
    page.get_by_label("Council").last.click()
    page.get_by_role("option", name="Medway (887)").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(archive))
    page.get_by_role("button", name="Check only").click()
    wait_ready(page)
    assert_no_exception(page)
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for()
    assert "887/2026-11-20: rejected" in error.inner_text()
    page.get_by_text("taken from manifest.json").wait_for()
    # every issue is a line of text with its whole message, readable without opening the table
    issue = page.locator('[data-testid="stMarkdownContainer"] li').filter(has_text="value_not_allowed")
    assert issue.is_visible() and "sex must be M or F" in issue.inner_text()
    assert page.get_by_text("The same issues as a table").is_visible()
    staging = live_wh.parent / "uploads"
    assert staging.is_dir() and not [p for p in staging.rglob("*") if p.is_file()]
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
    # the upload is in the audit trail: who, which drop, the verdict, where the date came from, files deleted
    from raa_core.store.appstate import AppState
    from raa_core.store.warehouse import Warehouse

    with AppState.beside(Warehouse(live_wh)).connect() as con:
        rows = con.execute("SELECT actor, role, la_code, detail FROM audit WHERE action = 'upload' "
                           "ORDER BY id DESC LIMIT 1").fetchall()
    [(actor, role, la_code, detail)] = [tuple(r) for r in rows]
    assert (role, la_code) == ("hos", 887) and actor
    assert detail.startswith("Check only of drop 887/2026-11-20: rejected, with ")
    assert "extract date from manifest.json" in detail and detail.endswith("the uploaded files were deleted.")


@pytest.fixture
def fresh_app(sample_db, tmp_path):
    """A newly started server (its first script run is the one under test) over a copy of the sample."""
    import shutil

    from browser_support import streamlit_server
    from conftest import SAMPLE_TODAY
    from raa_core.store import warehouse

    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, tmp_path / real.name)
    (tmp_path / "raa.duckdb").symlink_to(real.name)
    with streamlit_server({"RAA_DB": str(tmp_path / "raa.duckdb"), "RAA_TODAY": SAMPLE_TODAY.isoformat()}) as url:
        yield url


@pytest.mark.parametrize("path,heading", [
    ("data_drops", "Data drops"), ("budget", "Pooled budget"), ("regional_performance", "Regional performance"),
    ("local_performance", "Local performance"), ("overview", "Overview"), ("", "Overview"), ("audit", "Audit"),
    # the old helper modules' names (once served as blank pages) and an unknown name: the default page
    ("shell", "Overview"), ("performance_view", "Overview"), ("no_such_page", "Overview"),
])
def test_first_request_on_a_fresh_server_lands_in_the_navigation(fresh_app, page, path, heading) -> None:
    """The first request after start-up is a page URL: the server's sign-in form (keeping the page asked for),
    then app.py's sidebar and grouped navigation, with the page asked for (or the default page for a name that
    is not a page)."""
    from browser_support import DEMO_PASSWORDS, close_page_not_found, submit_sign_in

    page.goto(f"{fresh_app}/{path}")
    assert "/signin" in page.url
    submit_sign_in(page, "hos", DEMO_PASSWORDS["hos"])
    page.locator(".st-key-signed_in_as").wait_for(timeout=120_000)
    wait_ready(page)
    # Streamlit tells a visitor whose URL names no page that it ran the main page instead
    assert (page.get_by_text("Page not found").count() > 0) == (path in ("shell", "performance_view", "no_such_page"))
    close_page_not_found(page)
    # The first run hands over to app.py with a rerun: wait for the shared sidebar it draws.
    page.get_by_text("Performance window").wait_for(timeout=30_000)
    wait_ready(page)
    assert_no_exception(page)
    assert nav_links(page) == ["Overview", "Regional performance", "Local performance", "Forecast", "Pooled budget",
                               "Contribution scenarios", "Board pack", "Data drops", "Audit", "Users"]
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    assert page.get_by_role("heading", name=heading).first.is_visible()


def test_first_sign_in_on_a_fresh_server_counts_and_the_role_limits_pages(fresh_app, page) -> None:
    """The very first click after start-up (signing in) counts; a Board member sees Overview, Regional
    performance and the budget."""
    sign_in(page, fresh_app, "board")
    page.wait_for_function(
        """() => document.querySelectorAll('[data-testid="stSidebarNavLink"]').length === 6""", timeout=30_000)
    assert nav_links(page) == ["Overview", "Regional performance", "Forecast", "Pooled budget",
                               "Contribution scenarios", "Board pack"]
    # the Overview's "Go to" links (the statement's link at the foot of the sidebar is on every page)
    assert [a.inner_text().split("\n")[-1] for a in page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').all()] == [
        "Regional performance", "Pooled budget", "Contribution scenarios", "Board pack"]
    assert_no_exception(page)
