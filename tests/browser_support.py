"""Run the real app with `streamlit run` and drive it in Debian's headless Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("RAA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_process(env: dict[str, str], timeout_s: float = 90, script: Path | None = None,
                      ) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """Start `streamlit run app.py` (or `script`) headless on a free port; yields (URL, process, log file) once
    /_stcore/health answers."""
    port = free_port()
    log = (ARTIFACTS / f"streamlit-{port}.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script or REPO / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited early: {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit did not become healthy: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url, proc, log
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def streamlit_server(env: dict[str, str], timeout_s: float = 90) -> Iterator[str]:
    """Start `streamlit run app.py` headless on a free port; yields its URL once /_stcore/health answers."""
    with streamlit_process(env, timeout_s) as (url, _, _):
        yield url


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright. A browser that cannot start fails the test (never skips)."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} not found: the test command installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


#: The app is ready: connected, no script running, no skeleton left (a string for async Playwright too).
READY_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def wait_ready(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the app is connected, no script is running and no skeleton is left."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state')
            === 'notRunning'""", timeout=timeout_ms)


def assert_no_exception(page: Page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: The demo users' passwords (README; created only while the warehouse holds just the bundled sample).
DEMO_PASSWORDS = {"board": "demo-board", "hos": "demo-hos", "finance": "demo-finance", "analyst303": "demo-analyst303",
                  "analyst886": "demo-analyst886", "analyst887": "demo-analyst887", "admin": "demo-admin"}


def sign_in(page: Page, url: str, user: str, password: str | None = None, timeout_ms: int = 120_000) -> None:
    """Open `url` and sign in with the embedded form (a demo user's documented password by default); returns
    once the signed-in page is ready, with the 'signed in as' line in the sidebar.

    Signed out, any page of the app answers with the server's sign-in form (raa_app/server.py), which comes back
    to `url` once the password is accepted."""
    page.goto(url)
    submit_sign_in(page, user, password or DEMO_PASSWORDS[user], timeout_ms)
    page.locator(".st-key-signed_in_as").wait_for(timeout=timeout_ms)
    wait_ready(page, timeout_ms)
    close_page_not_found(page)


def submit_sign_in(page: Page, user: str, password: str, timeout_ms: int = 120_000) -> None:
    """Fill and send the server's sign-in form (already open), as a person does."""
    name = page.get_by_label("User name")
    name.wait_for(timeout=timeout_ms)
    name.fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def close_page_not_found(page: Page) -> None:
    """Close Streamlit's 'Page not found' notice (shown over the main page for a URL that names no page), as a
    person does; the page behind it stays inert until then."""
    dialog = page.locator('[role="dialog"]').filter(has_text="Page not found")
    if dialog.count():
        dialog.get_by_role("button", name="Close").click()
        dialog.wait_for(state="hidden")


def open_path(page: Page, path: str, timeout_ms: int = 180_000) -> None:
    """Go to one of the app's URLs within the same session (as a link does; `goto` would start a new
    session, signed out), e.g. a page the menu does not list."""
    page.evaluate("""(path) => {
        window.history.pushState({}, '', path);
        window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
    }""", "/" + path.lstrip("/"))
    page.wait_for_timeout(300)
    wait_ready(page, timeout_ms)


def nav_links(page: Page) -> list[str]:
    """The titles in the sidebar's navigation menu, in order."""
    return [t.inner_text().split("\n")[-1] for t in page.locator('[data-testid="stSidebarNavLink"]').all()]


def open_select(page: Page, label: str, scope: str = "") -> None:
    """Open a selectbox's menu as a person does: scroll it into view first (a long sidebar scrolls, and a
    scroll while the menu opens closes it again), click, and wait for the options."""
    root = page.locator(scope) if scope else page
    box = root.get_by_role("combobox", name=label).first
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box.click()
    page.get_by_role("option").first.wait_for()


def select_options(page: Page, label: str, scope: str = "") -> list[str]:
    """The options of a selectbox (opened, read, closed)."""
    open_select(page, label, scope)
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [o.strip() for o in options]


def choose(page: Page, label: str, option: str, scope: str = "", timeout_ms: int = 180_000) -> None:
    """Pick an option of a selectbox and wait for the rerun."""
    open_select(page, label, scope)
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_timeout(300)
    wait_ready(page, timeout_ms)
