"""Shared fixtures: the bundled sample as a warehouse, and a live app in headless Chromium."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from raa_core.ingest import drops
from raa_core.reference import load_reference
from raa_core.store import warehouse

# Property tests check rules, not speed (performance targets live in bench/): no per-example deadline,
# which otherwise fails at random on a loaded machine.
settings.register_profile("raa", deadline=None)
settings.load_profile("raa")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DROPS = REPO / "data" / "drops"
APP = str(REPO / "app.py")
#: The tests' calendar "today" (RAA_TODAY): three days after the bundled sample's as-at date.
SAMPLE_TODAY = dt.date(2026, 11, 23)
#: The bundled sample's as-at date (its newest extract): while only the sample is held, the pages show it as at
#: this date, whatever the calendar says.
SAMPLE_AS_AT = dt.date(2026, 11, 20)


@pytest.fixture(scope="session")
def ref():
    return load_reference()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built once per test session from the bundled sample drops, via real ingestion."""
    db = tmp_path_factory.mktemp("sample_wh") / "raa.duckdb"
    report = drops.ingest(db, SAMPLE_DROPS, load_reference(), today=SAMPLE_TODAY, actor="test session")
    assert not report.by("rejected"), [r.errors for r in report.by("rejected")]
    return db


@pytest.fixture(scope="session")
def sample_con(sample_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.Warehouse(sample_db).connect()
    yield con
    con.close()


def _serve_through_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest behave like a running server: every run goes through app.py's st.navigation.

    AppTest resets Streamlit's legacy `pages/` folder flag before each run, so with a `pages/` folder it
    would run a switched-to page alone; a live server leaves that mode on its first run (see
    `raa_app.legacy_pages`, tested in the browser).
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


#: The app tests' users (in the app-state store of `app_env`): one per role, analysts of each council.
TEST_USERS = {("hos", None): "hos.test", ("board", None): "board.test", ("finance", None): "finance.test",
              ("admin", None): "admin.test", ("council_analyst", 303): "analyst303.test",
              ("council_analyst", 886): "analyst886.test", ("council_analyst", 887): "analyst887.test"}


def signed_in(at, role: str = "hos", la_code: int | None = None):
    """Sign an AppTest in as the test user of a role (the Head of Service unless told otherwise), as the
    sign-in form would."""
    import datetime as dt

    from raa_app.gate import SESSION, Session
    from raa_core.requests import Viewer

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    viewer = Viewer(user=TEST_USERS[(role, la_code)], role=role, la_code=la_code)
    at.session_state[SESSION] = Session(viewer, now, now, "password")
    return at


def _add_test_users(db: Path) -> None:
    """The test users, without passwords (they cannot use the form: tests put their session in place)."""
    from raa_core.store.appstate import AppState
    from raa_core.store.warehouse import Warehouse

    with AppState.beside(Warehouse(db)).connect() as con:
        con.executemany("INSERT OR IGNORE INTO users (username, role, la_code, created_at) VALUES (?, ?, ?, '2026-11-23')",
                        [(name, role, la) for (role, la), name in TEST_USERS.items()])


def _sign_in_every_apptest(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTests of the pages start signed in as the Head of Service (every page, every council); a test of
    another role calls `signed_in(at, ...)` before its first run."""
    from streamlit.testing.v1 import AppTest

    original = AppTest.from_file.__func__

    def from_file(cls, *args, **kwargs):
        return signed_in(original(cls, *args, **kwargs))

    monkeypatch.setattr(AppTest, "from_file", classmethod(from_file))


@pytest.fixture
def app_env(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app (AppTest) at a private copy of the sample warehouse; clears Streamlit caches."""
    import streamlit as st

    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, db.parent / real.name)
    (db.parent / "raa.duckdb").symlink_to(real.name)
    monkeypatch.setenv("RAA_DB", str(db))
    monkeypatch.setenv("RAA_DROPS", str(SAMPLE_DROPS))
    monkeypatch.setenv("RAA_TODAY", SAMPLE_TODAY.isoformat())
    _serve_through_app_py(monkeypatch)
    _add_test_users(db)
    _sign_in_every_apptest(monkeypatch)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield db
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def councils_drops(app_env: Path) -> Path:
    """The app's warehouse with its drops marked as councils' real drops, not the bundled sample.

    While only the sample is held, freshness is judged against the sample's own as-at date (never stale);
    tests of staleness need drops that age with the calendar.
    """
    con = duckdb.connect(str(warehouse.current_file(app_env)))
    try:
        con.execute("DELETE FROM sample_drops")
    finally:
        con.close()
    return app_env


#: The suite's top folders and the marker each gives its tests: `core` (raa_core, no Streamlit; also run under a
#: second time zone), `app` (AppTest of the pages), `browser` (headless Chromium against `streamlit run`),
#: `repo` (checks of the repository itself: the lock file, names in the code).
SUITES = ("core", "app", "browser", "repo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.path)).relative_to(REPO / "tests").parts
        if parts and parts[0] in SUITES:
            item.add_marker(parts[0])
    # Browser tests last: they are the slowest and need the whole stack.
    items.sort(key=lambda i: "browser" in i.keywords)


os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


@pytest.fixture(scope="session")
def live_wh(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live app's warehouse link: a private copy of the sample (its app-state store lies beside it)."""
    wh = tmp_path_factory.mktemp("live_wh")
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, wh / real.name)
    (wh / "raa.duckdb").symlink_to(real.name)
    return wh / "raa.duckdb"


@pytest.fixture(scope="session")
def live_app(live_wh: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port over a private copy of the sample warehouse; yields its URL."""
    from browser_support import streamlit_server

    env = {"RAA_DB": str(live_wh), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_UPLOADS": str(live_wh.parent / "uploads")}
    with streamlit_server(env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from browser_support import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh browser page; a screenshot is kept in tests/artifacts/ for every browser test."""
    from browser_support import screenshot

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    try:
        screenshot(pg, request.node.name)
    finally:
        context.close()
