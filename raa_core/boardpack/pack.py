"""The Partnership Board pack: every figure of a quarter's board report, gathered once, written twice.

`build(snapshot, request)` gathers the pack for a period and an as-at date from the same `raa_core`
functions the pages and the CLI call (so the figures agree everywhere), section by section:

cover (period, as-at, data freshness per council and dataset, classification marking), headline
scorecard with thresholds and RAG, trends, children and adopters waiting, ASGLB headline items, budget
monitoring with movement and commentary, the chosen contribution scenario, data-quality warnings per
council, and a definitions appendix.

A section that cannot be built (no ledger for the period, a source that is not there) is kept with the
reason stated (`Section.unavailable`), never dropped and never a crash. With
`publication=True` (always when the `board` role exports) small numbers are suppressed by the rules of
`suppression` (docs/indicators.md, "Small numbers"). `boardpack_pdf` and `boardpack_xlsx` write the one
`BoardPack` (so the workbook and the PDF hold the same figures); `raa boardpack` and the Board pack page
call them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
from pydantic import BaseModel, ConfigDict

from raa_core import access, suppression
from raa_core.errors import NoData
from raa_core.finance import budget_tables, commentary, monitoring
from raa_core.ingest import coverage, freshness
from raa_core.ingest.contract import DATASETS, TABLES
from raa_core.ingest.coverage import NOT_PROVIDED
from raa_core.performance import indicators, journeys, recruitment
from raa_core.performance.publication import published_extra
from raa_core.periods import FIRST_YEAR, Period, financial_year, parse_period, previous, quarter_of, three_year
from raa_core.presentation import (
    BOARD_UNIT,
    BUDGET_LINES,
    BUDGET_SUMMARY,
    COMMENTS,
    Col,
    MoneyUnit,
    TableSpec,
    count_noun,
    date_text,
    display,
    missing,
    money_text,
    publication_convention,
    tile_money,
    utc_minute,
)
from raa_core.reference import Reference
from raa_core.requests import MonitoringRequest, PerformanceRequest
from raa_core.snapshot import Snapshot, over
from raa_core.store import sql
from raa_core.store.appstate import AppState

#: Section keys in the order of the pack, with their titles (the contents page and the workbook's sheets).
SECTIONS: dict[str, str] = {
    "cover": "Cover and data freshness",
    "scorecard": "Headline scorecard",
    "trends": "Trends",
    "waiting": "Children and adopters waiting",
    "forecast": "Pipeline forecast",
    "asglb": "ASGLB headline items",
    "budget": "Budget monitoring",
    "scenario": "Contribution scenario",
    "quality": "Data-quality warnings",
    "definitions": "Definitions",
}
#: The workbook sheet of a section that has no table (one that could not be built).
SHEETS: dict[str, str] = {
    "cover": "Freshness", "scorecard": "Scorecard", "trends": "Trends", "waiting": "Waiting", "forecast": "Forecast",
    "asglb": "ASGLB",
    "budget": "Budget", "scenario": "Scenario", "quality": "Warnings", "definitions": "Definitions",
}
TREND_YEARS = 5
DEFAULT_CLASSIFICATION = "OFFICIAL"
Progress = Callable[[int, int, str], None]


class PackRequest(BaseModel):
    """What the pack is for: the period (a financial year like 2026-27, or a 3-year period like 2024-27),
    the as-at date (None: the current state), the money unit (board default £'000), publication
    suppression (always on for the `board` role), the forecast method and the contribution scenario."""

    model_config = ConfigDict(frozen=True)

    period: str
    as_at: dt.date | None = None
    unit: MoneyUnit = BOARD_UNIT
    publication: bool = True
    method: str = "default"
    scenario: str | None = None  # the chosen contribution scenario's JSON (docs/command-line.md)
    role: str | None = None


@dataclass(frozen=True)
class PackTable:
    """A table of the pack: its title, the spec that formats it, the source frame (exact values; strings
    `x` where suppressed) and a note printed under it."""

    title: str
    spec: TableSpec
    frame: pd.DataFrame
    sheet: str
    note: str = ""
    unit: MoneyUnit | None = None  # None: the pack's unit


@dataclass(frozen=True)
class PackChart:
    """A static chart for the PDF: a title and a draw function taking the pack's unit (matplotlib)."""

    title: str
    kind: str
    data: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    """One section: a title, lines of text, tables and charts; `unavailable` says why it could not be built."""

    key: str
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[PackTable] = field(default_factory=list)
    charts: list[PackChart] = field(default_factory=list)
    unavailable: str | None = None


@dataclass
class BoardPack:
    """The whole pack, ready to be written as a workbook and a PDF."""

    request: PackRequest
    period: Period
    as_at: dt.date
    produced_at: dt.datetime
    classification: str
    year: str
    raa_name: str  # the agency's name, from reference data (settings.raa_name)
    monitoring_period: int | None
    sections: list[Section]

    @property
    def unit(self) -> MoneyUnit:
        return self.request.unit

    @property
    def title(self) -> str:
        return f"Partnership Board pack {self.period.name}"

    @property
    def subtitle(self) -> str:
        """Period and as-at, as printed in every header."""
        return f"Period {self.period.name} · as at {date_text(self.as_at)}"

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def classification(ref: Reference) -> str:
    """The protective marking printed on every page: `settings.classification` in reference data, else OFFICIAL."""
    return str(getattr(ref.settings, "classification", None) or DEFAULT_CLASSIFICATION)


def pack_period(text: str) -> Period:
    """The pack's period: a financial year (2026-27) or a 3-year period (2024-27); ValueError otherwise."""
    return parse_period(text)


def period_choices(years: list[str]) -> list[str]:
    """The periods a pack may be built for, given financial years newest first: the years, then the 3-year
    periods ending with each of them (docs/indicators.md, reporting periods)."""
    return years + [three_year(int(y[:4]) - 2).name for y in years]


def as_at_asked(chosen: dt.date, today: dt.date) -> dt.date | None:
    """The request's as-at date from a chosen date: today or later asks for the current state (None)."""
    return None if chosen >= today else chosen


def budget_year(period: Period) -> str:
    """The financial year whose budget the pack monitors: the period's (last) financial year."""
    return financial_year(period.end.year - 1).name


def _noun_rows(n: int, noun: str) -> str:
    return count_noun(n, noun)


# --- specs of the pack's own tables ----------------------------------------------------------------------

FRESHNESS = TableSpec(
    "freshness",
    (
        Col("council", "Council"),
        Col("dataset", "Dataset"),
        Col("newest", "Newest drop", "date"),
        Col("age_days", "Age", "days"),
        Col("rows", "Rows held", "count"),
        Col("status", "Status"),
    ),
)
SCORECARD = TableSpec(
    "scorecard",
    (
        Col("indicator", "Indicator"),
        Col("area", "Area"),
        Col("value", "Figure", "number", decimals=0),
        Col("n", "Children", "count"),
        Col("threshold", "Threshold", "number", decimals=0),
        Col("difference", "Difference", "number", decimals=0),
        Col("rag", "RAG", "rag"),
        Col("previous_value", "Previous period", "number", decimals=0),
        Col("change", "Change", "number", decimals=0),
        Col("national", "England", "number", decimals=0),
    ),
)
TREND = TableSpec(
    "trend",
    (
        Col("indicator", "Indicator"),
        Col("period", "Year"),
        Col("area", "Area"),
        Col("value", "Figure", "number", decimals=0),
        Col("n", "Children", "count"),
        Col("threshold", "Threshold", "number", decimals=0),
    ),
)
CHILDREN_WAITING = TableSpec(
    "children_waiting",
    (
        Col("area", "Area"),
        Col("waiting", display.TERMS["children_waiting"], "count"),
        Col("not_matched", "Not matched", "count"),
        Col("with_po", display.TERMS["children_waiting_with_po"], "count"),
        Col("po_12m_plus", "Order 12 months or more", "count"),
        Col("po_18m_plus", "Order 18 months or more", "count"),
        Col("after_disruption", "After a disruption", "count"),
        Col("mean_days", "Mean wait", "days"),
        Col("median_days", "Median wait", "days"),
    ),
)
ADOPTERS_WAITING = TableSpec(
    "adopters_waiting",
    (
        Col("area", "Area"),
        Col("waiting", "Approved households waiting", "count"),
        Col("over_3m", "Waiting over 3 months", "count"),
        Col("over_6m", "Waiting over 6 months", "count"),
        Col("early_permanence", "Early permanence", "count"),
        Col("mean_days", "Mean wait", "days"),
        Col("median_days", "Median wait", "days"),
    ),
)
WARNINGS = TableSpec(
    "warnings",
    (
        Col("council", "Council"),
        Col("extract_date", "Drop", "date"),
        Col("file", "File"),
        Col("rule", "Rule"),
        Col("row_count", "Rows", "count"),
        Col("message", "Message", width="large"),
    ),
)
DEFINITIONS_SPEC = TableSpec("definitions", (Col("term", "Term"), Col("definition", "Definition", width="large")))


# --- building ----------------------------------------------------------------------------------------------


def _dataset_freshness(con: duckdb.DuckDBPyConnection, ref: Reference, as_at: dt.date) -> pd.DataFrame:
    """Per council and dataset (file of the drop contract): the newest drop holding it on or before the
    as-at date, its age in days and the rows the council's current state holds."""
    councils = pd.DataFrame([{"la_code": c.la_code, "council": c.short_name} for c in ref.councils])
    datasets = pd.DataFrame([{"dataset": t.name, "file": t.file, "dord": i} for i, t in enumerate(TABLES)])
    con.register("_pack_councils", councils)
    con.register("_pack_datasets", datasets)
    try:
        rows_sql = " UNION ALL ".join(
            f"SELECT CAST($dataset{i} AS VARCHAR) AS dataset, la_code, count(*) AS n FROM {t.name}_current "
            "GROUP BY la_code" for i, t in enumerate(TABLES)
        )
        params: dict[str, Any] = {"as_at": as_at, **{f"dataset{i}": t.name for i, t in enumerate(TABLES)}}
        df = sql.query(
            con,
            f"""
            WITH newest AS (
                SELECT d.la_code, s.dataset, max(d.extract_date) AS newest
                FROM drops d JOIN _pack_datasets s ON list_contains(d.files, s.file)
                WHERE d.extract_date <= CAST($as_at AS DATE) GROUP BY d.la_code, s.dataset),
            held AS ({rows_sql})
            SELECT c.la_code, c.council, s.dataset, n.newest, coalesce(h.n, 0) AS rows
            FROM _pack_councils c CROSS JOIN _pack_datasets s
            LEFT JOIN newest n ON n.la_code = c.la_code AND n.dataset = s.dataset
            LEFT JOIN held h ON h.la_code = c.la_code AND h.dataset = s.dataset
            ORDER BY c.la_code, s.dord
            """,
            params,
        ).df()
    finally:
        con.unregister("_pack_councils")
        con.unregister("_pack_datasets")
    df["newest"] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in df["newest"]]
    df["age_days"] = [None if d is None else (as_at - d).days for d in df["newest"]]
    # Freshness is judged per dataset (drop contract v2): each table's limit is its dataset's.
    limits = {table: ref.settings.freshness_days[name] for name, tables in DATASETS.items() for table in tables}
    df["status"] = [
        "no drop" if a is None else ("stale" if a > limits[t] else "fresh")
        for a, t in zip(df["age_days"], df["dataset"], strict=True)
    ]
    df["rows"] = df["rows"].astype(int)
    return df


def _cover(con: duckdb.DuckDBPyConnection, ref: Reference, pack: BoardPack) -> Section:
    s = Section("cover", SECTIONS["cover"])
    fresh = _dataset_freshness(con, ref, pack.as_at)
    stale = fresh[fresh["status"] != "fresh"]
    s.lines = [
        f"Period: {pack.period.name} ({date_text(pack.period.start)} to {date_text(pack.period.end)}).",
        f"Figures as at {date_text(pack.as_at)}: the drops received by that date.",
        f"Budget monitoring: {pack.year}, "
        f"{monitoring.period_label(pack.year, pack.monitoring_period)}.",
        f"Money in {pack.unit.label}.",
        f"Publication view. {publication_convention(ref.settings.suppression)}"
        if pack.request.publication else "Unsuppressed figures: not for publication.",
        f"Produced {utc_minute(pack.produced_at)} UTC"
        + (f" for the {pack.request.role} role." if pack.request.role else "."),
        "Data freshness limits: "
        + ", ".join(f"{name} {count_noun(days, 'day')}" for name, days in ref.settings.freshness_days.items())
        + ";"
        f" {count_noun(len(stale), 'dataset')} stale or missing.",
    ]
    s.tables.append(PackTable("Data freshness per council and dataset", FRESHNESS, fresh, "Freshness"))
    return s


def _performance(pack: BoardPack, period: Period | None = None) -> PerformanceRequest:
    """The performance figures the pack asks for: its period (or another), as at its as-at date, DfE thresholds."""
    return PerformanceRequest(period=period or pack.period, as_at=pack.request.as_at)


def _scorecard(snap: Snapshot, pack: BoardPack, names: dict[int, str]) -> Section:
    s = Section("scorecard", SECTIONS["scorecard"])
    ref = snap.ref
    p = pack.period
    sc = indicators.headline_scorecards(snap, _performance(pack))
    areas = [str(c.la_code) for c in ref.councils] + ["region", "region_mean"]
    heads = pd.concat([indicators.headline_from(sc, p.name, previous(p).name, a) for a in areas], ignore_index=True)
    heads = heads.sort_values("indicator", key=lambda c: c.map(indicators.INDICATORS.index), kind="stable")
    shown: pd.DataFrame = heads
    if pack.request.publication:
        shown = suppression.publication_headline(heads, sc, ref.settings)
    shown = shown.assign(
        indicator=[indicators.SHORT_LABELS[i] for i in heads["indicator"]],
        area=[display.area_label(a, names) for a in heads["area"]],
        rag=[r if r else None for r in shown["rag"]],
    )
    s.lines = [
        f"DfE adoption scorecard for {p.name}: A1, A2 and A10 in days (lower is better), A3 in % (higher is "
        "better). Thresholds: the DfE scorecard set in reference data (named set 'dfe').",
        "RAG: green where the figure meets the threshold, red where it misses it; blank without a threshold.",
    ]
    if pack.request.publication:
        s.lines.append(f"Suppressed for publication. {publication_convention(ref.settings.suppression)}")
    s.tables.append(PackTable(f"Scorecard {p.name} against {previous(p).name}", SCORECARD, shown.reset_index(drop=True),
                              "Scorecard"))
    region = heads[heads["area"] == "region"]
    s.charts.append(PackChart("Region against threshold", "scorecard", region.reset_index(drop=True)))
    s.tables.append(_adopter_context(snap, pack, names))
    return s


def _adopter_context(snap: Snapshot, pack: BoardPack, names: dict[int, str]) -> PackTable:
    """The DfE scorecard's adopter and context indicators (`recruitment.extra_indicators`), a row per indicator and
    a column per council and the region, suppressed for publication as every count (`publication.published_extra`);
    the note gives each one's rule and source."""
    extra = recruitment.extra_indicators(snap, _performance(pack))
    shown = published_extra(snap, extra, True)[0] if pack.request.publication else suppression.as_text(extra)
    table = recruitment.extra_table(shown, {str(k): v for k, v in names.items()})
    spec = TableSpec("adopter_context", (Col("Indicator", "Indicator", width="large"),
                                         *(Col(c, c) for c in table.columns if c != "Indicator")))
    return PackTable(f"Adopter and context indicators {pack.period.name}", spec, table, "Adopter indicators",
                     note=" ".join(recruitment.EXTRA_DEFINITIONS.values()))


def _trends(snap: Snapshot, pack: BoardPack, names: dict[int, str]) -> Section:
    s = Section("trends", SECTIONS["trends"])
    ref = snap.ref
    last = financial_year(pack.period.end.year - 1)
    first = financial_year(max(FIRST_YEAR.first_year, last.first_year - TREND_YEARS + 1))
    tr = indicators.trend(snap, _performance(pack), kind="year", first=first, last=last)
    shown: pd.DataFrame = tr
    if pack.request.publication:
        shown = suppression.suppress_scorecard(tr, ref.settings)
    shown = shown.assign(indicator=list(tr["indicator"]), area=[display.area_label(a, names) for a in tr["area"]])
    keep = (tr["area"] != "region_mean").to_numpy()
    s.lines = [f"Each indicator by financial year, {first.name} to {last.name}, for each council and the region "
               "(A1, A2, A10 in days; A3 in %)."]
    years = list(dict.fromkeys(tr["period"]))
    wide = shown[keep].pivot_table(index=["indicator", "area"], columns="period", values="value", aggfunc="first",
                                   sort=False)
    wide = wide.reindex(columns=years).reset_index()
    wide["indicator"] = [indicators.SHORT_LABELS[i] for i in wide["indicator"]]
    spec = TableSpec("trend", (Col("indicator", "Indicator"), Col("area", "Area"),
                               *(Col(y, y, "number", decimals=0) for y in years)))
    s.tables.append(PackTable("Indicators by year", spec, wide, "Trends"))
    chart_data = tr[keep].copy()
    if pack.request.publication:
        chart_data = suppression.masked(tr, suppression.suppress_scorecard(tr, ref.settings))[keep]
    chart_data = chart_data.assign(area_name=[display.area_label(a, names) for a in chart_data["area"]])
    s.charts.append(PackChart("Indicators by year", "trends", chart_data.reset_index(drop=True),
                              {"titles": {i: indicators.SHORT_LABELS[i] for i in indicators.INDICATORS}}))
    return s


def _waiting(snap: Snapshot, pack: BoardPack, names: dict[int, str]) -> Section:
    s = Section("waiting", SECTIONS["waiting"])
    ref, request = snap.ref, _performance(pack)
    at = min(pack.as_at, journeys.latest_date(snap, request) or pack.as_at)
    kids = journeys.children_waiting(snap, request, at)
    adopters = recruitment.adopters_waiting(snap, request, at)
    kid_counts = list(journeys.WAITING_COUNTS)
    adopter_counts = ["waiting", "over_3m", "over_6m", "early_permanence"]
    kids_shown, adopters_shown = kids, adopters
    if pack.request.publication:
        kids_shown = suppression.suppress_table(kids, ref.settings, counts=kid_counts,
                                                means={"mean_days": "waiting", "median_days": "waiting"},
                                                relations=journeys.WAITING_RELATIONS)
        adopters_shown = suppression.suppress_table(adopters, ref.settings, counts=adopter_counts,
                                                    means={"mean_days": "waiting", "median_days": "waiting"},
                                                    relations=recruitment.ADOPTER_WAITING_RELATIONS)
    marks = coverage.not_provided_counts(snap, request, journeys.WAITING_COUNTS, "waiting_")
    kids_shown = coverage.mark_not_provided(kids_shown, marks)  # 903 files lack it: said, never a zero
    kids_keep = (kids["area"] != "region_mean").to_numpy()
    adopters_keep = (adopters["area"] != "region_mean").to_numpy()
    kids_shown = kids_shown.assign(area=[display.area_label(a, names) for a in kids["area"]])[kids_keep]
    adopters_shown = adopters_shown.assign(area=[display.area_label(a, names) for a in adopters["area"]])[adopters_keep]
    region_kids = kids[kids["area"] == "region"]
    region_adopters = adopters[adopters["area"] == "region"]
    n_kids, n_po = (int(region_kids[c].iloc[0]) if len(region_kids) else 0 for c in ("waiting", "with_po"))
    n_adopters = int(region_adopters["waiting"].iloc[0]) if len(region_adopters) else 0
    s.lines = [f"At {date_text(at)}."]
    if not pack.request.publication or min(n_kids, n_po) > ref.settings.suppression.count_max:
        s.lines.append(journeys.waiting_line(n_kids, n_po, n_adopters))
    s.tables.append(PackTable("Children waiting (ADM decision or placement order, not yet placed)",
                              CHILDREN_WAITING, kids_shown.reset_index(drop=True), "Children waiting"))
    s.tables.append(PackTable("Approved adopter households waiting for a match", ADOPTERS_WAITING,
                              adopters_shown.reset_index(drop=True), "Adopters waiting"))
    dates = journeys.quarter_end_dates(snap, request,
                                       financial_year(max(FIRST_YEAR.first_year, pack.period.end.year - 3)))
    series_k = journeys.waiting_series(snap, request, dates)
    series_a = recruitment.adopters_waiting_series(snap, request, dates)
    both = pd.DataFrame({
        "at": list(series_k[series_k["area"] == "region"]["at"]),
        "children": list(series_k[series_k["area"] == "region"]["waiting"]),
        "adopters": list(series_a[series_a["area"] == "region"]["waiting"]),
    })
    s.charts.append(PackChart("Children and adopter households waiting at each quarter end (region)", "waiting",
                              both))
    return s


def asglb_quarter(as_at: dt.date) -> Period:
    """The ASGLB quarter the pack reports: the last quarter ended on or before the as-at date."""
    q = quarter_of(as_at)
    return q if as_at >= q.end else previous(q)


def _asglb(snap: Snapshot, pack: BoardPack) -> Section:
    """The ASGLB quarterly return's items for the last complete quarter (`performance.asglb`), one row per
    item with each council and the RAA; suppressed for publication (counts of 1..count_max, and averages
    over mean_n_max or fewer children, shown x)."""
    from raa_core.performance import asglb

    s = Section("asglb", SECTIONS["asglb"])
    ref = snap.ref
    q = asglb_quarter(pack.as_at)
    ret = asglb.asglb_return(snap, _performance(pack), q)
    limits = ref.settings.suppression

    rounding = pack.request.publication and limits.convention == "round"
    hidden = asglb.hidden_cells(ret, limits.count_max, limits.mean_n_max, counts=not rounding) \
        if pack.request.publication else set()

    def shown(r: Any) -> Any:
        if r.status != "figure":
            return r.status if r.status in ("not held", NOT_PROVIDED) else (r.note or "no data")
        if missing(r.value):
            return None
        if (r.item, r.area) in hidden:
            return suppression.HIDDEN
        if rounding and r.unit != "days":  # the ASGLB's own published convention (settings)
            return suppression.rounded_count(r.value, "region" if r.area == asglb.RAA else r.area, limits)
        return int(r.value)

    ret = ret.assign(shown=[shown(r) for r in ret.itertuples(index=False)])
    areas = list(dict.fromkeys(ret["area_name"]))
    wide = pd.DataFrame([
        {"label": g["label"].iloc[0], "unit": g["unit"].iloc[0], **dict(zip(g["area_name"], g["shown"], strict=True))}
        for _order, g in ret.groupby("order", sort=True)
    ])
    spec = TableSpec("asglb", (Col("label", "Item", width="large"), Col("unit", "Unit"),
                               *(Col(a, a, "number", decimals=0) for a in areas)))
    s.lines = [f"ASGLB quarterly return items for {q.name} ({date_text(q.start)} to {date_text(q.end)}); waiting "
               "and households in assessment are counted at the quarter's last day."]
    if pack.request.publication:
        s.lines.append(publication_convention(limits))
    s.tables.append(PackTable(f"ASGLB items {q.name}", spec, wide, "ASGLB"))
    return s


def _budget(snapshot: Snapshot, pack: BoardPack, names: dict[int, str], labels: dict[str, str],
            state: AppState | None) -> Section:
    s = Section("budget", SECTIONS["budget"])
    ref, year = snapshot.ref, pack.year
    sign = 1 if ref.settings.overspend_positive else -1
    if pack.monitoring_period is None:
        s.unavailable = (f"No council has a ledger for {year} by {date_text(pack.as_at)}: there is no "
                         "monitoring to report for this period.")
        return s
    latest = commentary.comments(state, year, pack.monitoring_period) if state is not None else None
    request = MonitoringRequest(year=year, period=pack.monitoring_period, method=pack.request.method,
                                as_at=pack.request.as_at)
    mon = monitoring.monitor(snapshot, request, comments=latest)
    reached = mon.lines.groupby("la_code")["period"].max() if not mon.lines.empty else pd.Series(dtype=int)
    for c in ref.councils:
        p = reached.get(c.la_code)
        if missing(p):
            s.lines.append(f"{c.short_name}: no ledger for {year} by {date_text(pack.as_at)}; its lines show "
                           "budgets only and no forecast.")
        elif int(p) < pack.monitoring_period:
            s.lines.append(f"{c.short_name}: ledger loaded to P{int(p)} only; its figures are at that period.")
    total = mon.total(None, None)

    def money(key: str, signed: bool = False) -> str:
        v = total[key]
        return "none" if missing(v) else tile_money(v * sign if signed else v, pack.unit)

    s.lines.insert(0, (
        f"{year} at {monitoring.period_label(year, mon.period)}, forecast by the {pack.request.method} method. "
        f"Cash-limited budget {money('budget')}, forecast outturn {money('forecast')}, variance "
        f"{money('variance', True)} ({'overspend' if sign > 0 else 'underspend'} positive); movement since the "
        f"previous period {money('movement', True)}."
    ))
    s.tables.append(PackTable("Summary by council and budget area", BUDGET_SUMMARY,
                              budget_tables.summary(mon, names, sign), "Budget summary"))
    lines = budget_tables.lines(mon, names, labels, sign)
    s.tables.append(PackTable("Cost lines with movement and commentary", BUDGET_LINES, lines, "Budget lines"))
    recorded = commentary.history(state, year, mon.period) if state is not None else None
    if state is None:
        s.lines.append("Variance commentary is kept in the app's store, which this build was not given.")
    elif recorded is not None and not recorded.empty:
        s.tables.append(PackTable("Variance commentary recorded for the period", COMMENTS,
                                  budget_tables.comments(recorded, names, labels), "Commentary"))
    else:
        s.lines.append(f"No variance commentary recorded for {monitoring.period_label(year, mon.period)}.")
    trend = monitoring.forecast_trend(snapshot, request.model_copy(update={"period": mon.period}))
    s.charts.append(PackChart("Forecast outturn by period against the budget (all areas)", "outturn",
                              trend.reset_index(drop=True)))
    var = lines[["line", "variance"]].copy()
    s.charts.append(PackChart("Forecast variance by line", "variance", var))
    return s


SCENARIO = TableSpec(
    "scenario",
    (
        Col("year", "Year"),
        Col("council", "Council"),
        Col("contribution", "Contribution", "money"),
        Col("share_pct", "Share", "percent", decimals=2),
        Col("baseline_pct", "Baseline share", "percent", decimals=2),
        Col("demand_pct", "Demand share", "percent", decimals=2),
        Col("change_prev_pct", "Change on previous year", "percent", signed=True),
        Col("bound", "Bound", codes=display.BOUND_LABELS),
        Col("flags", "Flags", width="medium"),
    ),
)


def _scenario(snapshot: Snapshot, pack: BoardPack) -> Section:
    """The chosen contribution scenario (the contributions engine, docs/finance.md), from its saved JSON
    (docs/command-line.md)."""
    from raa_core import contributions
    from raa_core.contributions.scenario import ContributionsRequest, parse_scenario

    ref = snapshot.ref
    s = Section("scenario", SECTIONS["scenario"])
    if not pack.request.scenario:
        s.unavailable = ("No contribution scenario was chosen for this pack. To include one, choose a saved "
                         "scenario on the Board pack page before making the pack.")
        return s
    scenario = parse_scenario(pack.request.scenario)
    result = contributions.run(snapshot, ContributionsRequest(scenario=scenario, as_at=pack.request.as_at))
    t = contributions.table(result, ref)

    def pct(v: Any) -> Any:
        return None if missing(v) else Decimal(v) * 100

    frame = pd.DataFrame({
        "year": t["year"], "council": t["council"], "contribution": t["contribution"],
        "share_pct": [pct(v) for v in t["share"]], "baseline_pct": [pct(v) for v in t["baseline_share"]],
        "demand_pct": [pct(v) for v in t["demand_share"]], "change_prev_pct": list(t["change_prev_pct"]),
        "bound": list(t["bound"]), "flags": list(t["flags"]),
    })
    s.lines = [f"Scenario: {scenario.name} (base year {scenario.base_year}, "
               f"{display.label('contribution_scope', scenario.scope)})."]
    s.lines += contributions.explanation(result, t["year"].iloc[-1], ref) if len(t) else []
    s.tables.append(PackTable("Contributions by council and year", SCENARIO, frame, "Scenario"))
    return s


FORECAST = TableSpec(
    "forecast",
    (Col("area", "Area"), Col("measure", "Measure"), Col("forecast", "Forecast"), Col("range80", "80% range"),
     Col("range95", "95% range")),
)


def _forecast(snap: Snapshot, pack: BoardPack) -> Section:
    """The pipeline forecast of the next 12 months (raa_core.forecast.uses.board_summary, docs/forecast.md)."""
    from raa_core.errors import RaaError
    from raa_core.forecast.uses import board_summary

    s = Section("forecast", SECTIONS["forecast"])
    try:
        s.lines, frame = board_summary(snap, _performance(pack).with_(publication=pack.request.publication))
    except RaaError as exc:
        s.unavailable = f"This section could not be built: {exc}"
        return s
    s.tables.append(PackTable("Pipeline forecast, next 12 months", FORECAST, frame, "Forecast"))
    return s


def _quality(snap: Snapshot, pack: BoardPack, names: dict[int, str]) -> Section:
    s = Section("quality", SECTIONS["quality"])
    ref = snap.ref
    warn = freshness.open_warnings(snap)
    warn = warn[pd.to_datetime(warn["extract_date"]).dt.date <= pack.as_at] if not warn.empty else warn
    for c in ref.councils:
        mine = warn[warn["la_code"] == c.la_code] if not warn.empty else warn
        s.lines.append(f"{c.short_name}: {count_noun(len(mine), 'open warning')} on its current drop.")
    status = freshness.council_status(snap)
    for r in status.itertuples(index=False):
        if int(r.rejected_since or 0):
            s.lines.append(f"{r.council}: {count_noun(int(r.rejected_since), 'drop')} rejected since its newest "
                           "accepted drop.")
    frame = pd.DataFrame({
        "council": [names.get(int(v), str(v)) for v in warn["la_code"]],
        "extract_date": list(warn["extract_date"]),
        "file": list(warn["file"]),
        "rule": [display.label("drop_rule", r) for r in warn["rule"]],
        "row_count": list(warn["row_count"]),
        "message": list(access.issues_for(None, warn, ref=ref)[0]["message"]),  # a board document: counts only
    }) if not warn.empty else pd.DataFrame(columns=["council", "extract_date", "file", "rule", "row_count", "message"])
    s.tables.append(PackTable("Open warnings on each council's current drop", WARNINGS, frame, "Warnings"))
    return s


def _definitions(ref: Reference) -> Section:
    s = Section("definitions", SECTIONS["definitions"])
    rag = ref.settings.rag
    rows = [
        (display.label("term", k), display.plain_text(indicators.definition(k, ref)))
        for k in ("A1", "A2", "A3", "A10", "region", "region_mean", "threshold", "rag", "change", "national",
                  "low_n", "publication", *journeys.WAITING_TERMS, "sufficiency", "stale")
    ]
    rows += [
        ("Budget", "The approved budget of a cost line for the financial year (cash-limited; the Adoption "
                   "Support Fund is outside it)."),
        ("Forecast outturn", "The expected spend for the whole year at the period, by the chosen forecast method "
                             "(default: the council's submitted forecast, else the establishment for staffing "
                             "lines, else the run rate)."),
        ("Variance", "Forecast outturn less budget; an overspend is positive unless the pack says otherwise."),
        ("Budget RAG", f"Red: an overspend of {money_text(rag.red_gbp, pence=False)} or more, or {rag.red_pct}% of budget or more; amber: "
                       f"any smaller overspend, or an underspend of more than {rag.amber_underspend_pct}% of budget; "
                       "green otherwise."),
        ("Movement", "The forecast now less the forecast at the previous period."),
        ("£'000", "Thousands of pounds to one decimal place, rounded half up from the exact pounds and pence; "
                  "figures are rounded separately, so columns need not add to the rounded totals."),
    ]
    s.tables.append(PackTable("Definitions", DEFINITIONS_SPEC, pd.DataFrame(rows, columns=["term", "definition"]),
                               "Definitions"))
    return s


def build(
    snapshot: Snapshot,
    request: PackRequest,
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    state: AppState | None = None,
) -> BoardPack:
    """Gather every section of the pack from one pinned snapshot (see the module docstring); the pack is as at
    the request's date, else the snapshot's day. `progress(step, steps, label)` is called before each section.
    Variance commentary comes from the app-state store `state`. Raises ValueError for a period that is not a
    financial year or 3-year period."""
    with snapshot.cursor() as con:
        return _build(con, snapshot, request, progress, now, state)


def _build(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, request: PackRequest, progress: Progress | None,
           now: dt.datetime | None, state: AppState | None) -> BoardPack:
    ref = snapshot.ref
    period = pack_period(request.period)
    as_at = request.as_at or snapshot.today
    year = budget_year(period)
    latest = monitoring.latest_period(snapshot, MonitoringRequest(year=year, as_at=request.as_at))
    pack = BoardPack(
        request=request, period=period, as_at=as_at, produced_at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        classification=classification(ref), year=year, raa_name=ref.settings.raa_name, monitoring_period=latest,
        sections=[],
    )
    names = {c.la_code: c.short_name for c in ref.councils}
    labels = {c.cost_line: c.label for c in ref.cost_lines}
    snap = over(con, ref, as_at, version=snapshot.version)  # the pinned version, judged on the pack's as-at day
    steps: list[tuple[str, Callable[[], Section]]] = [
        ("cover", lambda: _cover(con, ref, pack)),
        ("scorecard", lambda: _scorecard(snap, pack, names)),
        ("trends", lambda: _trends(snap, pack, names)),
        ("waiting", lambda: _waiting(snap, pack, names)),
        ("forecast", lambda: _forecast(snap, pack)),
        ("asglb", lambda: _asglb(snap, pack)),
        ("budget", lambda: _budget(snap, pack, names, labels, state)),
        ("scenario", lambda: _scenario(snap, pack)),
        ("quality", lambda: _quality(snap, pack, names)),
        ("definitions", lambda: _definitions(ref)),
    ]
    for i, (key, make) in enumerate(steps):
        if progress is not None:
            progress(i, len(steps), SECTIONS[key])
        try:
            section = make()
        except (duckdb.Error, KeyError, ValueError, NoData) as exc:  # a part that cannot be built is stated, not dropped
            section = Section(key, SECTIONS[key], unavailable=f"This section could not be built: {exc}")
        pack.sections.append(section)
    if progress is not None:
        progress(len(steps), len(steps), "done")
    return pack


def money_total(pack: BoardPack) -> Decimal | None:
    """The RAA's cash-limited forecast outturn in the pack (for checks), None without monitoring."""
    sec = pack.section("budget")
    if sec.unavailable or not sec.tables:
        return None
    summary = sec.tables[0].frame
    raa = summary[(summary["council"] == "RAA") & (summary["area"] == "All areas")]
    return None if raa.empty else raa["forecast"].iloc[0]
