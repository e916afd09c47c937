"""The app shell shared by every page: warehouse access, sidebar filters, download buttons.

Connection handling lives here only. Each warehouse version is its own file, so a connection is cached
per version file and every script run takes its own cursor (a DuckDB connection is not thread-safe).
Query results are cached with the version token in the key, so an ingest shows up on the next click.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from raa_core import drops, export, freshness, periods, warehouse
from raa_core.reference import Reference, load_reference

REPO = Path(__file__).resolve().parent.parent
ALL = "region"


def page_guard() -> None:
    """Leave Streamlit's legacy `pages/` folder mode before anything is drawn.

    A freshly started server runs its first script run in that mode (it sees a `pages/` folder): a page
    URL then runs the page alone (no shared sidebar, every file listed as a page), and even app.py runs
    nested in a generated navigation, so the widgets of that first run lose their state on the next
    click. Called first by app.py and every page: turn the mode off and rerun, before any widget exists;
    app.py's st.navigation then serves the requested page."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def db_path() -> Path:
    return Path(os.environ.get("RAA_DB", warehouse.DEFAULT_DB))


def drops_root() -> Path:
    return Path(os.environ.get("RAA_DROPS", REPO / "data" / "drops"))


def today() -> dt.date:
    """Today, or RAA_TODAY for reproducible demos and tests."""
    fixed = os.environ.get("RAA_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def reference() -> Reference:
    return load_reference()


def version() -> str:
    return warehouse.version(db_path())


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(version_file: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(version_file, read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh read-only cursor on the current warehouse version, for this run only."""
    f = warehouse.current_file(db_path())
    if f is None:
        raise FileNotFoundError(f"no warehouse at {db_path()}")
    return _connection(str(f)).cursor()


@st.cache_data(show_spinner=False, max_entries=8)
def _council_status(version: str, today: dt.date) -> pd.DataFrame:
    return freshness.council_status(cursor(), reference(), today)


def council_status() -> pd.DataFrame:
    """Freshness of each council's data today (newest drop, stale flag, rows, warnings)."""
    return _council_status(version(), today())


def ensure_warehouse() -> None:
    """Build the warehouse from the bundled drops on first start, once however many sessions start together.

    `drops.first_build` holds the writer lock: a session that waited while another built is told so, never
    "0 drops loaded"; a damaged warehouse falls back to its newest intact version (shown as an error banner)
    and is never rebuilt empty.
    """
    db = db_path()
    problem = warehouse.health(db).problem
    if problem:
        st.error(f"Warehouse problem: {problem}. Tell the system administrator.", icon=":material/warning:")
    if warehouse.current_file(db) is not None:
        return
    root = drops_root()
    with st.status(f"First start: building the warehouse from {root.name}/ …", expanded=True) as status:
        bar = st.progress(0.0, text="finding drops")

        def progress(i: int, n: int, path: str) -> None:
            bar.progress(i / max(n, 1), text=f"{i} of {n} drops: {path}")

        report = drops.first_build(db, root, reference(), today=today(), progress=progress)
        if report is None:
            status.update(label="The warehouse was built by another session", state="complete", expanded=False)
            return
        counts = {k: len(report.by(k)) for k in ("accepted", "unchanged", "rejected")}
        status.update(label=f"Warehouse built: {counts['accepted']} drops loaded, {counts['rejected']} rejected",
                      state="complete", expanded=False)


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, shared by every page."""

    la_code: int | None
    year: str
    three_year: bool
    as_at: dt.date

    @property
    def period(self) -> str:
        """The indicator period: the financial year, or the 3-year period ending with it."""
        if not self.three_year:
            return self.year
        return periods.three_year(int(self.year[:4]) - 2).name

    @property
    def area(self) -> str:
        return ALL if self.la_code is None else str(self.la_code)


def year_options(first: int = 2015) -> list[str]:
    last = periods.financial_year_of(today()).start.year
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(last, first - 1, -1)]


@st.cache_data(show_spinner=False)
def _newest_year(version: str) -> str | None:
    """The financial year of the newest drop held (the sidebar's default year)."""
    newest = cursor().execute("SELECT max(extract_date) FROM drops").fetchall()[0][0]
    return periods.financial_year_of(newest).name if newest else None


def sidebar() -> Filters:
    """Render the shared sidebar (council, period, as-at date) and return the choices."""
    ref = reference()
    names = {ALL: "Region (all three councils)"} | {str(c.la_code): f"{c.short_name} ({c.la_code})" for c in ref.councils}
    roles = ref.role_labels()
    with st.sidebar:
        st.markdown("### Bexley, Kent & Medway RAA")
        st.selectbox("View as", list(roles), format_func=roles.__getitem__, key="view_as",
                     help="Shows the pages for your role. Roles tidy the navigation; they are not a login.")
        area = st.selectbox("Council", list(names), format_func=names.__getitem__, key="council")
        years = year_options()
        newest = _newest_year(version())
        year = st.selectbox("Financial year", years, key="year", index=years.index(newest) if newest in years else 0,
                            help="Defaults to the year of the newest drop")
        window = st.radio("Performance window", ["1 year", "3 years"], horizontal=True, key="window",
                          help="Scorecard indicators for the financial year, or the 3 years ending with it")
        as_at = st.date_input("As at", value=today(), max_value=today(), key="as_at", format="YYYY-MM-DD",
                              help="Use the drops received by this date (history), and count waiting at it")
    return Filters(None if area == ALL else int(area), year, window == "3 years", as_at)


def visible_pages() -> list[str]:
    """The pages the chosen role sees (reference data `roles.csv`); the first role is the default."""
    ref = reference()
    role = st.session_state.get("view_as") or next(iter(ref.role_labels()))
    return ref.pages_for(role)


def filters() -> Filters:
    """The current sidebar choices (the sidebar is rendered by app.py before each page)."""
    area = st.session_state.get("council", ALL)
    return Filters(
        None if area == ALL else int(area),
        st.session_state.get("year", _newest_year(version()) or year_options()[0]),
        st.session_state.get("window", "1 year") == "3 years",
        st.session_state.get("as_at", today()),
    )


def as_at_or_none(f: Filters) -> dt.date | None:
    """None (current state) when the as-at date is today, else the date for an 'as at' view."""
    return None if f.as_at >= today() else f.as_at


def download_table(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel buttons for the table behind a chart (files are built only when clicked)."""
    c1, c2 = st.columns(2)
    c1.download_button("Download CSV", lambda: export.table_csv(df), f"{name}.csv", "text/csv", key=f"{key}_csv",
                       on_click="ignore", width="stretch", icon=":material/download:")
    c2.download_button("Download Excel", lambda: export.table_xlsx(df, sheet=name[:31], title=name), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
                       on_click="ignore", width="stretch", icon=":material/table_view:")



def release_uploads(files: list) -> None:
    """Free an upload's bytes on the server now, not when the session ends.

    Streamlit keeps uploaded files in memory for the whole session (a 190 MB drop per session); once the
    drop has been checked or loaded its bytes are no longer needed. Uses the uploader's own removal call
    (the one its delete button makes).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or ctx.uploaded_file_mgr is None:
        return
    for f in files or []:
        file_id = getattr(f, "file_id", None)
        if file_id:
            ctx.uploaded_file_mgr.remove_file(ctx.session_id, file_id)
