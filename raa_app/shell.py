"""The app shell shared by every page: the one Warehouse and AppState per process, the sidebar, downloads.

The `Warehouse` object (raa_core) owns the connections, one per version file; every use takes its own
cursor of the run's pinned version (`with shell.snapshot().cursor() as con:`), as a DuckDB connection must not be
shared between the threads of Streamlit's sessions. Each script run pins one warehouse version (`pin_snapshot`) and every figure of the run is
read from it through the one cached data layer (`raa_app.data.load`, keyed by the snapshot), so an ingest shows
up on the next click and never half-way through a page. What people write (comments, audit) goes to the app-state store beside the warehouse.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from raa_app import data, errors, gate
from raa_core import access, clock, periods, presentation
from raa_core.access import accounts
from raa_core.errors import BadInput
from raa_core.finance import commentary
from raa_core.ingest import coverage, drops, freshness
from raa_core.presentation import display, export
from raa_core.presentation.text import day_from_text
from raa_core.reference import Reference, load_reference
from raa_core.requests import Method, MonitoringRequest, PerformanceRequest, Viewer, read_day
from raa_core.snapshot import Snapshot, pin
from raa_core.store import appstate as appstate_store
from raa_core.store.appstate import AppState, record
from raa_core.store.warehouse import DEFAULT_DB, Warehouse, health

REPO = Path(__file__).resolve().parent.parent
ALL = "region"
_RUN_KEY = "_raa_run"
#: The as-at date the sidebar last offered as today (a date equal to it was never chosen by the person).
_AS_AT_DEFAULT = "_raa_as_at_default"


#: Print styles: every page prints to A4 landscape without the sidebar, the header and toolbar,
#: buttons or download buttons; the main column takes the page width; charts, tables and tiles fit it and are
#: not split across pages.
PRINT_CSS = """<style>
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  [data-testid="stSidebarNav"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stDownloadButton"], [data-testid="stButton"],
  [data-testid="stFormSubmitButton"], [data-testid="stElementToolbar"], [data-testid="stPageLink"],
  [data-testid="stFileUploader"], footer { display: none !important; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    overflow: visible !important; height: auto !important; position: static !important; }
  [data-testid="stMain"] { margin-left: 0 !important; width: 100% !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; width: 100% !important; padding: 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stMetric"], [data-testid="stTable"],
  [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; page-break-inside: avoid; }
  [data-testid="stPlotlyChart"], .js-plotly-plot, .plot-container, .svg-container {
    max-width: 100% !important; overflow: hidden !important; }
}
</style>"""
#: A focus indicator that can be seen (WCAG 2.2 2.4.7, and 3:1 against the white and the sidebar's grey for
#: 1.4.11): Streamlit marks a focused menu link or the scrolling main column by a faint background change only,
#: and a focused text, select or date field by its border's colour alone.
#: The theme's primary colour, only when the focus came from the keyboard (`:focus-visible`). Captions: Streamlit
#: draws them in a faded text colour below 4.5:1 on white (1.4.3); a grey of 7.5:1 instead.
FOCUS_CSS = """<style>
[data-testid="stSidebar"] a:focus-visible, [data-testid="stMain"]:focus-visible,
[data-testid="stMain"] a:focus-visible, [data-testid="stSidebarContent"]:focus-visible {
  outline: 2px solid #1d5b79 !important; outline-offset: -2px; }
[data-testid="stSelectbox"] div:has(> input:focus-visible), [data-testid="stTextInputRootElement"]:focus-within,
[data-testid="stDateInputFieldsScroller"]:focus-within {
  outline: 2px solid #1d5b79 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] :is(p, li, strong, em) { color: #4a5059 !important; opacity: 1 !important; }
</style>"""
#: Nothing cut off at 1366 px or in print: Streamlit keeps metric labels and values, widget labels (a checkbox's
#: and a switch's too: theirs is a stWidgetLabel inside the control's label), page links and tab labels on one
#: line and ends them with an ellipsis when the column is narrower; here they wrap instead
#: (tests/browser/test_browser_reading.py finds any text cut off). Only text boxes are loosened: a checkbox's
#: square and a switch's track are empty boxes of a set size, which `height: auto` would flatten to nothing
#: (the same test checks every checkbox and switch is drawn).
WRAP_CSS = """<style>
:is([data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stMetricDelta"],
    [data-testid="stWidgetLabel"], [data-testid="stPageLink-NavLink"], [data-baseweb="tab"])
  :is(p, div, span, label):not([data-testid="stIconMaterial"]),
:is([data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stWidgetLabel"]) {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; height: auto !important; }
</style>"""
#: The printable width of A4 landscape with 10 mm margins in CSS pixels (277 mm at 96 px per inch).
PRINT_WIDTH_PX = 1047
#: Charts are drawn for the screen's width: just before printing each is zoomed so the main column fits the
#: printed width (and put back afterwards), so no chart is cut at the page edge.
PRINT_JS = """<script>
(function () {
  if (window.raaPrintFit) { return; }
  const charts = () => document.querySelectorAll('[data-testid="stPlotlyChart"]');
  window.raaPrintFit = function () {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main) { return 1; }
    const style = getComputedStyle(main);
    const width = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const zoom = Math.min(1, %(width)d / Math.max(width, 1));
    charts().forEach(e => { e.style.zoom = zoom; });
    return zoom;
  };
  window.addEventListener('beforeprint', window.raaPrintFit);
  window.addEventListener('afterprint', () => { charts().forEach(e => { e.style.zoom = ''; }); });
})();
</script>"""


def print_styles() -> None:
    """Add the print styles, the keyboard focus indicator and wrapping text to the page (called once per run by app.py, for a
    signed-in viewer): the CSS goes to Streamlit's event container (no space on screen), the chart fitting
    script to the sidebar."""
    st.html(PRINT_CSS + FOCUS_CSS + WRAP_CSS)
    with st.sidebar:
        st.html(PRINT_JS % {"width": PRINT_WIDTH_PX}, unsafe_allow_javascript=True)


def db_path() -> Path:
    return Path(os.environ.get("RAA_DB", DEFAULT_DB))


def drops_root() -> Path:
    return Path(os.environ.get("RAA_DROPS", REPO / "data" / "drops"))


def calendar_today() -> dt.date:
    """The calendar's today in London (`clock.today`), or RAA_TODAY for reproducible demos and tests: the latest
    extract date an upload may carry, and the day a first start builds the warehouse on."""
    fixed = os.environ.get("RAA_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else clock.today()


def today() -> dt.date:
    """The day the pages' figures are as at: the calendar's today, or, while the warehouse holds only the
    bundled sample, the sample's own as-at date (a newcomer who clones months later sees the sample as
    current: children waiting counted at its date, its year in progress, the sidebar's as-at date its date,
    nothing stale). It is the pinned snapshot's day (`pin_snapshot`), so freshness is judged on the same day
    (`freshness.judged_on`)."""
    return snapshot().today


def reference() -> Reference:
    return load_reference()


@st.cache_resource(max_entries=4, show_spinner=False)
def _warehouse(path: str) -> Warehouse:
    wh = Warehouse(path)
    wh.counting = bool(os.environ.get("RAA_PROFILE"))  # the page bench counts statements per script run
    return wh


def warehouse() -> Warehouse:
    """The process's one Warehouse object (for the configured path)."""
    return _warehouse(str(db_path()))


@st.cache_resource(max_entries=4, show_spinner=False)
def _appstate(path: str) -> AppState:
    state = AppState.beside(_warehouse(path))
    state.migrate()
    commentary.migrate_from_warehouse(state, _warehouse(path))  # comments of earlier versions, moved once
    return state


def appstate() -> AppState:
    """The process's one app-state store (beside the warehouse), migrated on first use."""
    return _appstate(str(db_path()))


class RunProfile:
    """One script run's timing: run seconds (wall, and CPU of the run's thread: what the run costs whatever the
    machine's load), warehouse cursors taken, SQL statements run through them and their seconds.

    Written as a JSON line to `$RAA_PROFILE` when set (bench/pages.py reads it); nothing otherwise."""

    def __init__(self) -> None:
        self.page = ""
        self.start = time.perf_counter()
        self.cpu = time.thread_time()
        warehouse().usage(reset=True)

    def write(self) -> None:
        target = os.environ.get("RAA_PROFILE")
        if not target:
            return
        cursors, statements, seconds = warehouse().usage()
        line = {"page": self.page, "seconds": round(time.perf_counter() - self.start, 4),
                "cpu_seconds": round(time.thread_time() - self.cpu, 4), "cursors": cursors,
                "queries": statements, "query_seconds": round(seconds, 4)}
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")


@contextlib.contextmanager
def profiled() -> Iterator[RunProfile]:
    """Profile the script run inside the block (see `RunProfile`)."""
    prof = RunProfile()
    try:
        yield prof
    finally:
        prof.write()


_SNAPSHOT_KEY = "_raa_snapshot"


def pin_snapshot() -> Snapshot:
    """Pin the warehouse's current version for this script run (app.py calls it once, at the top of each run):
    every figure of the run is read from it (`snapshot()`, `raa_app.data.load`). Its day is the one the CLI
    would judge on too (`raa_core.snapshot.pin` applies `freshness.judged_on`: see `today`)."""
    snap = pin(warehouse(), reference(), calendar_today())
    st.session_state[_SNAPSHOT_KEY] = snap
    return snap


def snapshot() -> Snapshot:
    """This run's pinned `Snapshot` (a fragment's rerun keeps the one its page was drawn from, unless retention
    has since removed that version: then the current version is pinned again, as a full run would)."""
    got = st.session_state.get(_SNAPSHOT_KEY)
    return got if isinstance(got, Snapshot) and got.held() else pin_snapshot()


def council_status(dataset: str = "performance") -> pd.DataFrame:
    """Freshness of each council's data today for a dataset (newest drop, stale flag, rows, warnings)."""
    return data.load(freshness.council_status, dataset)


def ensure_warehouse() -> None:
    """Build the warehouse from the bundled drops on first start, once however many sessions start together.

    `drops.first_build` holds the writer lock: a session that waited while another built is told so, never
    "0 drops loaded"; a damaged warehouse falls back to its newest intact version (shown as an error banner)
    and is never rebuilt empty.
    """
    wh = warehouse()
    problem = health(wh.path).problem
    if problem:
        st.error(f"Warehouse problem: {problem}. Tell the system administrator.", icon=":material/warning:")
    if wh.exists():
        return
    root = drops_root()
    with st.status(f"First start: building the warehouse from {root.name}/ …", expanded=True) as status:
        bar = st.progress(0.0, text="finding drops")

        def progress(i: int, n: int, path: str) -> None:
            bar.progress(i / max(n, 1), text=f"{i} of {n} drops: {path}")

        report = drops.first_build(wh.path, root, reference(), today=calendar_today(), progress=progress,
                                   actor="first start (bundled drops)")
        if report is None:
            status.update(label="The warehouse was built by another session", state="complete", expanded=False)
            return
        counts = {k: len(report.by(k)) for k in ("accepted", "unchanged", "rejected")}
        status.update(label=f"Warehouse built: {counts['accepted']} drops loaded, {counts['rejected']} rejected",
                      state="complete", expanded=False)


@dataclass(frozen=True)
class Run:
    """What this script run asks for, built once from the sidebar by app.py and handed to the page.

    `performance` is the request every performance figure is computed for; `year` and `as_at_date` (the
    sidebar's date, today unless chosen) build the budget page's `MonitoringRequest` with its own period
    and method (`monitoring_request`)."""

    viewer: Viewer
    performance: PerformanceRequest
    year: str
    as_at_date: dt.date

    @property
    def la_code(self) -> int | None:
        return self.performance.la_code

    @property
    def as_at(self) -> dt.date | None:
        """None for the current state (the date is today), else the date of an 'as at' view."""
        return self.performance.as_at

    def monitoring_request(self, period: int | None = None, method: str = "default") -> MonitoringRequest:
        return MonitoringRequest(year=self.year, period=period, method=Method(method), as_at=self.as_at)


def year_options() -> list[str]:
    """The sidebar's financial years, newest first: from the year of today back to the first reporting year."""
    return [p.name for p in reversed(periods.years(periods.FIRST_YEAR, periods.financial_year_of(today())))]


def demo_users() -> list[str]:
    """The demo users present: created while the warehouse holds only the bundled sample, else removed. None
    after the store was found damaged and set aside (the cached list named the old store's accounts)."""
    names = data.load(accounts.sync_demo_users_for, str(appstate().path))
    return [] if names and appstate_store.set_aside_notice(appstate()) else names


def signed_in() -> Viewer | None:
    """The signed-in viewer, or None (each page then shows the sign-in screen and nothing else)."""
    return gate.session_viewer(appstate(), reference(), demo_allowed=lambda: bool(demo_users()))


def viewer() -> Viewer:
    """The signed-in viewer of this run (a run without one stops: pages show the sign-in screen first)."""
    sess = gate.current()
    if sess is None:
        st.stop()
    return sess.viewer


def page_viewer(page: str) -> Viewer:
    """First call of every page script: the viewer if their role may open the page; the sign-in screen for
    a person not signed in; else a refusal and nothing else."""
    return gate.page_viewer(page, appstate(), reference(), demo_users())


def still_signed_in(part: Callable[..., None]) -> Callable[..., None]:
    """`part` with the session checked again first: when it has expired, or the account was removed or
    changed, the whole app reruns, which shows the sign-in screen and its notice. (A fragment's rerun skips
    app.py, where the session is otherwise checked, so without this a part of a page could still save.)"""

    @functools.wraps(part)
    def checked(*args: object, **kwargs: object) -> None:
        if signed_in() is None:
            st.rerun(scope="app")
        part(*args, **kwargs)

    return checked


def fragment(part: Callable[..., None]) -> Callable[..., None]:
    """`st.fragment` for the part of a page that reruns alone (every page uses this, never st.fragment
    itself), with the session re-checked on each of its reruns (`still_signed_in`)."""
    return st.fragment(still_signed_in(part))


def typed_day(label: str, key: str, example: dt.date, *, help: str, value: dt.date | None = None,
              read: Callable[[str], dt.date | None] | None = None,
              where: Any = None) -> tuple[dt.date | None, BadInput | None]:
    """A day typed by a person in a text field, not a calendar (whose day, month and year segments are small
    targets, and which kept what was typed only when a day was clicked): "20 Nov 2026", "20/11/2026" or
    "2026-11-20" (`presentation.day_from_text`, its hint's example `example`; `read` reads it instead where a
    day has a range, as the as-at date's `requests.read_day`). `value` fills a field not yet shown in this
    session, written as the app writes days. Placed in `where` (a column; the page's current container when
    None). Gives the day (None for an empty field) and None, or None and the BadInput saying in plain English,
    after the field's label, why the typed text is not a day: the caller shows it (`errors.show`) and says what is shown instead."""
    if value is not None and key not in st.session_state:
        st.session_state[key] = presentation.date_text(value)
    typed = (where or st).text_input(label, key=key, max_chars=40, help=help) or ""
    try:
        return (read or (lambda text: day_from_text(text, example)))(typed), None
    except BadInput as exc:  # named by its field: a page may have two ("From", "To")
        return None, BadInput(f"{label}: {exc}")


def day_field(label: str, key: str, today_: dt.date, *, help: str, value: dt.date | None = None) -> dt.date:
    """The as-at date (`typed_day` read by `requests.read_day`), applied on Enter or on leaving the field.
    Empty is `today_`; a day that cannot be read, in the future or before any council's data is said under
    the field, and `today_`'s figures are shown. Placed in the caller's container."""
    day, problem = typed_day(label, key, today_, help=help, value=value, read=lambda text: read_day(text, today_))
    if problem is not None:
        errors.show(problem, after=f". The figures shown are as at {presentation.date_text(today_)}.")
    return day or today_


def sidebar() -> Run:
    """Render the shared sidebar (who is signed in, council, year, window, as-at date) and build this run's
    requests for the signed-in viewer (a council-bound role chooses only its own council)."""
    ref = reference()
    me = viewer()
    names = {ALL: display.region_label(ref)} | {
        str(c): display.council_option(ref, c) for c in ref.la_codes if c in access.councils(me, ref)}
    with st.sidebar:
        st.markdown(f"### {ref.settings.raa_name}")
        gate.who_is_signed_in(appstate(), ref)
        if demo_users():
            gate.demo_banner()
        area = st.selectbox("Council", list(names), format_func=names.__getitem__, key="council")
        years = year_options()
        newest = data.load(coverage.newest_year)
        year = st.selectbox("Financial year", years, key="year", index=years.index(newest) if newest in years else 0,
                            help="Defaults to the year of the newest drop")
        window = st.radio("Performance window", list(periods.WINDOWS), horizontal=True, key="window",
                          help="Scorecard indicators for the financial year, or the 3 years ending with it")
        day = today()
        # A date never chosen follows today: past midnight, or when councils' drops replace the sample (whose
        # day is its own as-at date), the pages stay on today's figures rather than turning to history.
        if st.session_state.get("as_at") in (None, st.session_state.get(_AS_AT_DEFAULT)):
            st.session_state["as_at"] = presentation.date_text(day)
        st.session_state[_AS_AT_DEFAULT] = presentation.date_text(day)
        # A text field, not a calendar: a typed day applies on Enter or on leaving the field, by keyboard alone
        # (the calendar field kept what was typed only when a day was clicked).
        as_at = day_field("As at", "as_at", day, help="Use the drops received by this day (history), and count "
                          "waiting at it. Type a day, for example 20 Nov 2026, and press Enter.")
        st.caption(data.load(coverage.held_range_words))
    la_code = None if area == ALL or area not in names else int(area)
    run = Run(
        viewer=me,
        performance=PerformanceRequest(
            period=periods.window(year, window),
            la_code=la_code,
            as_at=None if as_at >= day else as_at,
            publication=bool(st.session_state.get("publication", False)) or access.publication_only(me, ref),
        ),
        year=year,
        as_at_date=as_at,
    )
    st.session_state[_RUN_KEY] = run
    return run


def run() -> Run:
    """This run's requests (built by app.py's `sidebar()` before the page runs)."""
    got = st.session_state.get(_RUN_KEY)
    if not isinstance(got, Run):
        raise RuntimeError("the page ran without app.py: open the app through `streamlit run app.py`")
    return got


def visible_pages() -> list[str]:
    """The pages the signed-in viewer's role may open (reference data `roles.csv`)."""
    return access.pages(viewer(), reference())


def download_name(name: str, ext: str, *, period: str | None = None, region: bool = False,
                  area: str | int | None = None) -> str:
    """A download's file name (raa_core.presentation.file_name) carrying the council (`area` when the table is
    about one council, else the council chosen in the sidebar; Region for the whole RAA, or always with
    `region=True` for a whole-RAA file), the period (the sidebar's performance period unless given; "" for
    none) and the as-at date: `raa_budget_lines_Northshire_2026-27_P7_as-at_2026-11-23.csv`."""
    r = run()
    chosen = r.la_code if area is None else (None if str(area) == ALL else int(area))
    council = None if region or chosen is None else display.council_label(reference(), chosen)
    return presentation.file_name(name, ext, council=council, period=r.performance.period.name if period is None
                                  else period, as_at=r.as_at_date)


def download_table(df: pd.DataFrame, name: str, key: str, *, period: str | None = None, region: bool = False,
                   area: str | int | None = None) -> None:
    """CSV and Excel buttons for the table behind a chart (files are built only when clicked); the file names
    carry council, period and as-at date (`download_name`)."""
    c1, c2 = st.columns(2)
    page = st.session_state.get("raa_page")
    csv_name, xlsx_name = (download_name(name, ext, period=period, region=region, area=area)
                           for ext in ("csv", "xlsx"))
    csv = gate.audited_export(appstate(), lambda: export.table_csv(df), csv_name, page)
    xlsx = gate.audited_export(appstate(), lambda: export.table_xlsx(df, sheet=name[:31], title=name), xlsx_name,
                               page)
    c1.download_button("Download CSV", csv, csv_name, "text/csv", key=f"{key}_csv",
                       on_click="ignore", width="stretch", icon=":material/download:")
    c2.download_button("Download Excel", xlsx, xlsx_name,
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
                       on_click="ignore", width="stretch", icon=":material/table_view:")


def audited(build: Callable[[], bytes], name: str) -> Callable[[], bytes]:
    """A download's file builder that records the export (who, page, file) when the file is built."""
    return gate.audited_export(appstate(), build, name, st.session_state.get("raa_page"))


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
    _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand the heap pages an upload freed back to the system (glibc keeps them otherwise, so the server's
    memory stayed at its peak after the sessions ended; bench/uploads.py). A no-op off glibc."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def download_csv(df: pd.DataFrame, name: str, key: str, *, period: str | None = None) -> None:
    """One CSV button (built when clicked, audited as an export), named by `download_name`."""
    file = download_name(name, "csv", period=period, region=True)
    csv = gate.audited_export(appstate(), lambda: export.table_csv(df), file, st.session_state.get("raa_page"))
    st.download_button("Download CSV", csv, file, "text/csv", key=f"{key}_csv", on_click="ignore",
                       icon=":material/download:")


def audit_child_view(page: str, la_code: int | None, what: str) -> None:
    """Record that the viewer is shown child-level rows of a council on a page (see gate.audit_child_view)."""
    gate.audit_child_view(appstate(), page, la_code, what)


def drop_issues(issues: pd.DataFrame, page: str, la_code: int | None = None) -> pd.DataFrame:
    """Drop issues as the signed-in viewer may see them (`access.issues_for`, the one rule: row numbers and
    keys for their own councils' child-level users, counts for everyone else); showing identifiers is audited
    as a child-level view of the page."""
    shown, identified = access.issues_for(viewer(), issues, la_code, reference())
    if identified:
        councils = sorted(identified)
        what = "drop issues with row numbers and identifiers"
        if len(councils) == 1:
            audit_child_view(page, councils[0], what)
        else:
            names = [reference().council_name(c) for c in councils]
            audit_child_view(page, None, f"{what} of {', '.join(names[:-1])} and {names[-1]}")
    return shown


def audit_upload(la_code: int, detail: str) -> None:
    """Record an upload of a council's drop by the signed-in viewer."""
    me = viewer()
    record(appstate(), actor=me.user, role=me.role, action="upload", page="data_drops", la_code=la_code,
           detail=detail)
