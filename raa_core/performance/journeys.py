"""Children's adoption journeys: stage durations, children waiting at a date, and activity per period.

Children waiting follow the ASGLB's counts (docs/indicators.md): a child whose latest placement
disrupted is waiting again from the disruption date unless the plan was reversed. Every value reaches SQL
as a parameter (`raa_core.store.sql.Bind`).

Stages run entered care -> ADM decision -> placement order -> match -> placed -> adoption order; each
stage counts the children who have both dates, in the period of the later date. A later stage recorded
before the earlier one counts 0 days (as A2 counts a match before the placement order). All figures are
per council and for the region (all children together), from set-based DuckDB SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from raa_core.access import require_children
from raa_core.performance.indicators import (
    cohort_sql,
    dates_values_sql,
    labels_sql,
    months_after_sql,
    span_sql,
    zero_counts_sql,
)
from raa_core.periods import FIRST_YEAR, Period, parse_period, quarters
from raa_core.presentation import display
from raa_core.presentation.text import count_text
from raa_core.reference import Reference
from raa_core.requests import CURRENT, AsAt, PerformanceRequest, Viewer
from raa_core.snapshot import Snapshot
from raa_core.store.sql import (
    Bind,
    area_sql,
    areas_sql,
    councils_sql,
    period_grid_sql,
    periods_sql,
    round_mean_sql,
    round_median_sql,
    round_pct_sql,
    state_source,
)
from raa_core.suppression import Relation

#: (from, to, date column of from, date column of to), in journey order.
STAGES: tuple[tuple[str, str, str, str], ...] = (
    ("entered_care", "adm_decision", "entered_care_date", "adm_decision_date"),
    ("adm_decision", "placement_order", "adm_decision_date", "placement_order_date"),
    ("placement_order", "match", "placement_order_date", "matched_date"),
    ("match", "placed", "matched_date", "placed_date"),
    ("placed", "adoption_order", "placed_date", "adoption_order_date"),
)
STAGE_LABELS: dict[str, str] = {
    "entered_care": "Entered care",
    "adm_decision": "ADM decision",
    "placement_order": "Placement order",
    "match": "Match",
    "placed": "Placed",
    "adoption_order": "Adoption order",
}
#: Activity measures counted per period, in display order.
ACTIVITY_COUNTS: tuple[str, ...] = (
    "adm_decisions",
    "placement_orders",
    "matches",
    "placements",
    "adoption_orders",
    "adopted_without_placement",
    "reversals",
    "disruptions",
    "early_permanence_placements",
    "interagency_placements",
    "sibling_groups_placed_together",
    "children_in_sibling_groups_placed_together",
)
#: The funnel's stages: activity measure per journey stage.
FUNNEL: tuple[tuple[str, str], ...] = (
    ("ADM decision", "adm_decisions"),
    ("Placement order", "placement_orders"),
    ("Match", "matches"),
    ("Placed", "placements"),
    ("Adoption order", "adoption_orders"),
)
#: Ageing bands for children waiting: (label, upper bound in months since the decision, inclusive).
WAITING_BANDS: tuple[tuple[str, int | None], ...] = (
    ("up to 3 months", 3),
    ("3 to 6 months", 6),
    ("6 to 12 months", 12),
    ("12 to 18 months", 18),
    ("over 18 months", None),
)

#: Bands of A1 (entering care to placement) in calendar months: (label, placed before entered + months).
#: The first three bands are exactly A3's "placed within 14 months".
A1_BANDS: tuple[tuple[str, int | None], ...] = (
    ("under 6 months", 6),
    ("6 to 12 months", 12),
    ("12 to 14 months", 14),
    ("14 to 18 months", 18),
    ("18 to 24 months", 24),
    ("24 months or more", None),
)


def as_period_list(periods: Period | Sequence[Period]) -> list[Period]:
    """One period or several, as a list."""
    return [periods] if isinstance(periods, Period) else list(periods)


def area_codes(snapshot: Snapshot, request: AsAt = CURRENT) -> list[str]:
    """Council areas to report (reference councils and any with a drop by the request's `as_at`), as strings in
    code order."""
    with snapshot.cursor() as con:
        return _area_codes(con, snapshot.ref, request.as_at)


def _area_codes(con: duckdb.DuckDBPyConnection, ref: Reference | None, as_at: dt.date | None = None) -> list[str]:
    """`area_codes` over a cursor the caller holds."""
    b = Bind()
    codes = b.run(con, f"SELECT la_code FROM ({councils_sql(b, ref, as_at)}) ORDER BY la_code").fetchall()
    return [str(c[0]) for c in codes]


def latest_date(snapshot: Snapshot, request: AsAt = CURRENT) -> dt.date | None:
    """The newest extract date among accepted drops (on or before the request's `as_at`): how far the data
    reaches."""
    with snapshot.cursor() as con:
        return _latest_date(con, request.as_at)


def _latest_date(con: duckdb.DuckDBPyConnection, as_at: dt.date | None = None) -> dt.date | None:
    """`latest_date` over a cursor the caller holds."""
    b = Bind()
    when = f"WHERE extract_date <= {b.typed(as_at, 'DATE')}" if as_at is not None else ""
    got: dt.date | None = b.run(con, f"SELECT max(extract_date) FROM drops {when}").fetchall()[0][0]
    return got


def series_quarters(snapshot: Snapshot, request: AsAt = CURRENT, first: str | Period = FIRST_YEAR) -> list[Period]:
    """Quarters from the first quarter of `first` to the quarter of the latest extract (or the request's
    `as_at`)."""
    with snapshot.cursor() as con:
        return _series_quarters(con, first, request.as_at)


def _series_quarters(
    con: duckdb.DuckDBPyConnection, first: str | Period = FIRST_YEAR, as_at: dt.date | None = None
) -> list[Period]:
    """`series_quarters` over a cursor the caller holds."""
    start = (parse_period(first) if isinstance(first, str) else first).start
    end = _latest_date(con, as_at) or as_at or start
    return quarters(start, max(end, start))


def quarter_end_dates(snapshot: Snapshot, request: AsAt = CURRENT, first: str | Period = FIRST_YEAR
                      ) -> list[dt.date]:
    """Quarter ends from `first` up to the latest extract (by the request's `as_at`), plus the latest extract
    date itself."""
    with snapshot.cursor() as con:
        return _quarter_end_dates(con, first, request.as_at)


def _quarter_end_dates(
    con: duckdb.DuckDBPyConnection, first: str | Period = FIRST_YEAR, as_at: dt.date | None = None
) -> list[dt.date]:
    """`quarter_end_dates` over a cursor the caller holds."""
    qs = _series_quarters(con, first, as_at)
    latest = _latest_date(con, as_at) or as_at
    dates = [q.end for q in qs if latest is None or q.end <= latest]
    if latest is not None and (not dates or dates[-1] != latest):
        dates.append(latest)
    return dates


def as_int_columns(df: pd.DataFrame, counts: Sequence[str], nullable: Sequence[str] = ()) -> pd.DataFrame:
    """Counts as int64 and nullable figures as Int64, whatever DuckDB's result types were."""
    for col in counts:
        df[col] = df[col].astype("int64")
    for col in nullable:
        df[col] = df[col].astype("Int64")
    return df


def as_dates(df: pd.DataFrame, col: str = "at") -> pd.DataFrame:
    """A date column as `datetime.date` values, whatever DuckDB's result type was."""
    df[col] = [d.date() if hasattr(d, "date") else d for d in df[col]]
    return df


def _waiting_at_dates(
    con: duckdb.DuckDBPyConnection,
    b: Bind,
    agg: str,
    counts: Sequence[str],
    dates: Sequence[dt.date],
    ref: Reference | None,
    as_at: dt.date | None,
) -> pd.DataFrame:
    """A row per date and area from `agg` (at_date, area, `counts`, s and m: total and median days waiting), over
    a cursor the caller holds (a helper of the snapshot-taking waiting series here and in `recruitment`).

    `agg` was built with the parameters of `b`. Columns: at, area, the counts (0 where none wait),
    mean_days, median_days; `waiting` must be a count.
    """
    df = b.run(
        con,
        f"""
        WITH agg AS ({agg})
        SELECT d.at_date AS "at", a.area, {zero_counts_sql(counts)},
               {round_mean_sql("agg.s", "agg.waiting")} AS mean_days, {round_median_sql("agg.m")} AS median_days
        FROM ({dates_values_sql(b, dates)}) d CROSS JOIN ({areas_sql(b, ref, as_at)}) a
        LEFT JOIN agg ON agg.at_date = d.at_date AND agg.area = a.area
        ORDER BY d.dord, a.aord
    """,
    ).df()
    return as_int_columns(as_dates(df), counts, ["mean_days", "median_days"])


def _band_counts(
    con: duckdb.DuckDBPyConnection,
    b: Bind,
    rows: str,
    labels: Sequence[str],
    ref: Reference | None,
    as_at: dt.date | None,
) -> pd.DataFrame:
    """Children per area in each band of `rows` (SQL built with `b`: a row per child with la_code, band), over a
    cursor the caller holds (a helper of the snapshot-taking band tables here).

    Columns area, band_order, band, children; every band of every area is listed (0 where empty), in area
    then band order.
    """
    df = b.run(
        con,
        f"""
        WITH agg AS (
            SELECT {area_sql()} AS area, band, count(*) AS children
            FROM ({rows}) r GROUP BY GROUPING SETS ((la_code, band), (band))
        )
        SELECT a.area, g.band_order, g.band, {zero_counts_sql(["children"])}
        FROM ({areas_sql(b, ref, as_at)}) a CROSS JOIN ({labels_sql(b, labels, "band_order", "band")}) g
        LEFT JOIN agg ON agg.area = a.area AND agg.band = g.band_order
        ORDER BY a.aord, g.band_order
    """,
    ).df()
    return as_int_columns(df, ["band_order", "children"])


def _stages_sql(b: Bind) -> str:
    cols = (
        ("stage_order", list(range(1, len(STAGES) + 1)), "INTEGER[]"),
        ("from_stage", [a for a, *_ in STAGES], "VARCHAR[]"),
        ("to_stage", [t for _, t, *_ in STAGES], "VARCHAR[]"),
        ("stage", [f"{STAGE_LABELS[a]} → {STAGE_LABELS[t]}" for a, t, *_ in STAGES], "VARCHAR[]"),
    )
    return "SELECT " + ", ".join(f"unnest({b.typed(v, t)}) AS {c}" for c, v, t in cols)


#: The columns of a `stage_durations` row that read the not-provided words (`stages_not_provided`).
STAGE_FIGURES: tuple[str, ...] = ("n", "mean_days", "median_days")


def stages_not_provided(snapshot: Snapshot, request: AsAt = CURRENT) -> dict[str, dict[str, str]]:
    """{area: {stage label: words}} for the journey stages a council's 903 files cannot give (placement order to
    match, match to placed: 903 has a match date only for children adopted in the return's year) and the region
    counting it, as `coverage.not_provided_counts` judges them (keys `stage_<from>_to_<to>`): the stage's n and
    days read the words, never a number (`coverage.mark_not_provided` with `by="stage"` and `STAGE_FIGURES`;
    docs/ssda903.md)."""
    from raa_core.ingest import coverage

    label = {f"{a}_to_{t}": f"{STAGE_LABELS[a]} → {STAGE_LABELS[t]}" for a, t, *_ in STAGES}
    marks = coverage.not_provided_counts(snapshot, request, tuple(label), "stage_")
    return {area: {label[k]: words for k, words in m.items()} for area, m in marks.items()}


def stages_marked(frame: pd.DataFrame, marks: dict[str, dict[str, str]], words: bool = True) -> pd.DataFrame:
    """A `stage_durations` frame (as computed, as text, or as a chart draws it: `words` False) with the words of
    `stages_not_provided` in each stage a council's 903 files cannot give."""
    from raa_core.ingest import coverage

    return coverage.mark_not_provided(frame, marks, by="stage", figures=STAGE_FIGURES, words=words)


def stage_durations(snapshot: Snapshot, request: PerformanceRequest, periods: Period | Sequence[Period] | None = None) -> pd.DataFrame:
    """Mean and median days of each journey stage, by period of the stage's later date, per area.

    Columns: period, stage_order, from_stage, to_stage, stage, area, n, mean_days, median_days, low_n (n below
    the low-number limit of settings).
    """
    with snapshot.cursor() as con:
        return _stage_durations(con, request.period if periods is None else periods, snapshot.ref, request.as_at)


def _stage_durations(
    con: duckdb.DuckDBPyConnection,
    periods: Period | Sequence[Period],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`stage_durations` over a cursor the caller holds."""
    plist = as_period_list(periods)
    b = Bind()
    source = state_source(b, "children", as_at)
    pairs = ", ".join(f"{{'o': {i}, 'd0': {ca}, 'd1': {cb}}}" for i, (_, _, ca, cb) in enumerate(STAGES, start=1))
    any_in = " OR ".join(span_sql(b, cb, plist) for *_, cb in STAGES)
    low = ref.settings.low_n_below if ref is not None else 6
    figures = (
        f"g.from_stage, g.to_stage, g.stage, a.area, {zero_counts_sql(['n'])}, "
        f"{round_mean_sql('agg.s', 'agg.n')} AS mean_days, {round_median_sql('agg.m')} AS median_days, "
        f"coalesce(agg.n, 0) < {b(int(low))} AS low_n"
    )
    df = b.run(
        con,
        f"""
        WITH p AS ({periods_sql(b, plist)}),
        st AS (SELECT la_code, s.o AS stage_order, greatest(datediff('day', s.d0, s.d1), 0) AS days, s.d1
               FROM (SELECT la_code, unnest([{pairs}]) AS s FROM {source} WHERE {any_in})
               WHERE s.d0 IS NOT NULL AND {span_sql(b, "s.d1", plist)}),
        agg AS (SELECT p.period, st.stage_order, {area_sql("st.la_code")} AS area,
                       count(*) AS n, sum(st.days) AS s, median(st.days) AS m
                FROM st JOIN p ON st.d1 BETWEEN p.pstart AND p.pend
                GROUP BY GROUPING SETS ((p.period, st.stage_order, st.la_code), (p.period, st.stage_order)))
        {period_grid_sql(b, f"g.stage_order, {figures}", ref, as_at, _stages_sql(b), "stage_order")}
    """,
    ).df()
    df["low_n"] = df["low_n"].astype(bool)
    return as_int_columns(df, ["stage_order", "n"], ["mean_days", "median_days"])


def waiting_rows_sql(b: Bind, source: str, dates: Sequence[dt.date], extra: str = "") -> str:
    """One row per child waiting at each date, with what the counts and breakdowns need (SQL built with `b`).

    Waiting at a date (docs/indicators.md, ASGLB): an ADM decision or placement order on or before it,
    plan not reversed and not adopted by it, and not placed at it: never placed, or the latest placement
    disrupted on or before it (`disruption_date` on or after `placed_date`). A child counts as matched at the
    date where the match is on or before it and was not undone by a disruption (a match after the disruption
    counts). "12 months or more since the order" means the date is on or after the day 12 calendar months
    later (ASGLB: "or more"). `extra` adds columns of the child row `s`.
    """
    bands = " ".join(
        f"WHEN d.at_date <= {months_after_sql(b, 's.first_decision', m)} THEN {i}"
        for i, (_, m) in enumerate(WAITING_BANDS)
        if m is not None
    )
    po = "s.placement_order_date"
    first = b.typed(min(dates) if dates else None, "DATE")
    last = b.typed(max(dates) if dates else None, "DATE")
    more = f", {extra}" if extra else ""
    return f"""
        WITH d AS ({dates_values_sql(b, dates)}),
        s AS (SELECT *, least(adm_decision_date, placement_order_date) AS first_decision,
                     coalesce(least(plan_reversed_date, adoption_order_date), DATE 'infinity') AS ended,
                     CASE WHEN disruption_date >= placed_date THEN disruption_date END AS disrupted
              FROM {source} WHERE (adm_decision_date IS NOT NULL OR placement_order_date IS NOT NULL)
                AND least(adm_decision_date, placement_order_date) <= {last}
                AND coalesce(least(plan_reversed_date, adoption_order_date), DATE 'infinity') > {first}),
        w AS (
            SELECT d.at_date, d.dord, s.la_code,
                coalesce({po} <= d.at_date, false) AS with_po,
                coalesce(s.matched_date <= d.at_date
                         AND (s.disrupted IS NULL OR s.disrupted > d.at_date OR s.matched_date > s.disrupted),
                         false) AS matched,
                coalesce({po} <= d.at_date AND {months_after_sql(b, po, 12)} <= d.at_date, false) AS po_12m_plus,
                coalesce({po} <= d.at_date AND {months_after_sql(b, po, 18)} <= d.at_date, false) AS po_18m_plus,
                coalesce({po} <= d.at_date
                         AND {months_after_sql(b, "s.entered_care_date", 18)} <= d.at_date, false) AS po_care_18m_plus,
                coalesce(s.disrupted <= d.at_date, false) AS after_disruption,
                datediff('day', s.first_decision, d.at_date) AS days_waiting,
                CASE {bands} ELSE {len(WAITING_BANDS) - 1} END AS band{more}
            FROM s JOIN d ON s.first_decision <= d.at_date AND s.ended > d.at_date
             AND NOT coalesce(s.placed_date <= d.at_date AND (s.disrupted IS NULL OR s.disrupted > d.at_date), false)
        )
        SELECT * FROM w
    """


#: Counts of children waiting at a date (ASGLB), each a whole or a part of `waiting`.
WAITING_COUNTS: tuple[str, ...] = (
    "waiting",
    "not_matched",
    "matched_not_placed",
    "with_po",
    "with_po_not_matched",
    "with_po_matched_not_placed",
    "po_care_18m_plus",
    "po_12m_plus",
    "po_18m_plus",
    "after_disruption",
)
#: How the waiting counts add up (`suppression.Relation`, so secondary suppression cannot be undone by
#: subtraction): not matched + matched = waiting, and the same for those with a placement order; the rest are
#: "of which" counts, their remainder not published.
WAITING_RELATIONS: tuple[Relation, ...] = (
    Relation("waiting", ("not_matched", "matched_not_placed")),
    Relation("with_po", ("with_po_not_matched", "with_po_matched_not_placed")),
    Relation("waiting", ("with_po",), complete=False),
    Relation("not_matched", ("with_po_not_matched",), complete=False),
    Relation("matched_not_placed", ("with_po_matched_not_placed",), complete=False),
    Relation("with_po", ("po_12m_plus",), complete=False),
    Relation("po_12m_plus", ("po_18m_plus",), complete=False),
    Relation("with_po", ("po_care_18m_plus",), complete=False),
    Relation("waiting", ("after_disruption",), complete=False),
)
#: How the waiting-bands table adds up, for publication (`suppression.suppress_table`): an area's bands add up to
#: its children waiting (published by the waiting table, so never hidden by the bands'), each band's region to its
#: councils.
WAITING_BANDS_PARTS_OF: tuple[str, None, str] = ("children", None, "band_order")
#: "Of which" counts among the activity counts of a period.
ACTIVITY_RELATIONS: tuple[Relation, ...] = (
    Relation("placements", ("early_permanence_placements",), complete=False),
    Relation("placements", ("interagency_placements",), complete=False),
    Relation("adoption_orders", ("adopted_without_placement",), complete=False),
)
#: Labels of the waiting counts, as the ASGLB words them.
WAITING_LABELS: dict[str, str] = {
    "waiting": "Children waiting (ADM decision or placement order, not placed, reversed or adopted)",
    "not_matched": "Waiting, not matched",
    "matched_not_placed": "Matched, not yet placed",
    "with_po": "With a placement order",
    "with_po_not_matched": "With a placement order, not matched",
    "with_po_matched_not_placed": "With a placement order, matched but not placed",
    "po_care_18m_plus": "With a placement order, 18 months or more since entering care",
    "po_12m_plus": "12 months or more since the placement order",
    "po_18m_plus": "18 months or more since the placement order",
    "after_disruption": "Waiting again after a placement disrupted",
}

#: The waiting figures named on the pages and in the board pack, each by the key of its term (`display.TERMS`)
#: and definition (`indicators.DEFINITIONS`, the help beside it and the pack's definitions list) with its count
#: (docs/indicators.md "Children waiting"): one name, one count, everywhere.
WAITING_TERMS: dict[str, str] = {"children_waiting": "waiting", "children_waiting_with_po": "with_po"}


def waiting_line(children: int, with_po: int, households: int) -> str:
    """The pack's sentence of the region's waiting figures, in the pages' words (`WAITING_TERMS`): "Children
    waiting in the region: 163, of them children waiting with a placement order: 85; approved adopter households
    waiting for a match: 40." """
    return (f"{display.TERMS['children_waiting']} in the region: {count_text(children)}, of them "
            f"{display.TERMS['children_waiting_with_po'].lower()}: {count_text(with_po)}; approved adopter "
            f"households waiting for a match: {count_text(households)}.")


def waiting_series(snapshot: Snapshot, request: PerformanceRequest, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Children waiting at each date, per area (see `children_waiting` for the columns)."""
    with snapshot.cursor() as con:
        return _waiting_series(con, dates, snapshot.ref, request.as_at)


def _waiting_series(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`waiting_series` over a cursor the caller holds."""
    dates = list(dates)
    b = Bind()
    agg = f"""
        SELECT at_date, {area_sql()} AS area, count(*) AS waiting,
            count_if(NOT matched) AS not_matched, count_if(matched) AS matched_not_placed,
            count_if(with_po) AS with_po, count_if(with_po AND NOT matched) AS with_po_not_matched,
            count_if(with_po AND matched) AS with_po_matched_not_placed,
            count_if(po_care_18m_plus) AS po_care_18m_plus, count_if(po_12m_plus) AS po_12m_plus,
            count_if(po_18m_plus) AS po_18m_plus, count_if(after_disruption) AS after_disruption,
            sum(days_waiting) AS s, median(days_waiting) AS m
        FROM ({waiting_rows_sql(b, state_source(b, "children", as_at), dates)}) w
        GROUP BY GROUPING SETS ((at_date, la_code), (at_date))
    """
    return _waiting_at_dates(con, b, agg, WAITING_COUNTS, dates, ref, as_at)


def children_waiting(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """Children waiting at a date as the ASGLB counts them (docs/indicators.md), a row per area.

    Columns: at, area; waiting (the whole), split not_matched + matched_not_placed; with_po (with a
    placement order), split with_po_not_matched + with_po_matched_not_placed; po_care_18m_plus (with an
    order and 18 months or more since entering care); po_12m_plus / po_18m_plus (12 / 18 months or more
    since the order); after_disruption (waiting again after a disrupted placement); mean_days / median_days
    waiting since the first of the ADM decision and the placement order. Each count is its own n.
    """
    with snapshot.cursor() as con:
        return _children_waiting(con, at or request.waiting_at(snapshot.today), snapshot.ref, request.as_at)


def _children_waiting(
    con: duckdb.DuckDBPyConnection,
    at: dt.date,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`children_waiting` over a cursor the caller holds."""
    return _waiting_series(con, [at], ref, as_at)


def waiting_bands(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """Children waiting at a date by ageing band (months since the decision), per area: area, band, children."""
    with snapshot.cursor() as con:
        return _waiting_bands(con, at or request.waiting_at(snapshot.today), snapshot.ref, request.as_at)


def _waiting_bands(
    con: duckdb.DuckDBPyConnection,
    at: dt.date,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`waiting_bands` over a cursor the caller holds."""
    b = Bind()
    rows = waiting_rows_sql(b, state_source(b, "children", as_at), [at])
    return _band_counts(con, b, rows, [label for label, _ in WAITING_BANDS], ref, as_at)


def waiting_days(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """Days waiting of each child waiting at a date (no identifiers), for a distribution chart."""
    with snapshot.cursor() as con:
        return _waiting_days(con, at or request.waiting_at(snapshot.today), request.la_code, request.as_at)


def _waiting_days(
    con: duckdb.DuckDBPyConnection,
    at: dt.date,
    la_code: int | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`waiting_days` over a cursor the caller holds."""
    b = Bind()
    source = state_source(b, "children", as_at)
    where = f"WHERE la_code = {b(int(la_code))}" if la_code is not None else ""
    return b.run(
        con,
        f"""
        SELECT la_code, days_waiting, band AS band_order, with_po
        FROM ({waiting_rows_sql(b, source, [at])}) w {where} ORDER BY la_code, days_waiting
    """,
    ).df()


_EVENTS: tuple[tuple[str, str], ...] = (
    ("adm_decisions", "adm_decision_date"),
    ("placement_orders", "placement_order_date"),
    ("matches", "matched_date"),
    ("placements", "placed_date"),
    ("adoption_orders", "adoption_order_date"),
    ("reversals", "plan_reversed_date"),
    ("disruptions", "disruption_date"),
)


def activity(snapshot: Snapshot, request: PerformanceRequest, periods: Period | Sequence[Period] | None = None) -> pd.DataFrame:
    """Journey events counted per period and area, with early-permanence and interagency shares.

    Columns: period, area, the `ACTIVITY_COUNTS`, early_permanence_pct and interagency_pct (whole % of
    placements; null without placements). `adoption_orders` counts every child adopted, including those
    adopted without a recorded adoptive placement (also counted apart as `adopted_without_placement`, and
    left out of A1, A2, A3 and A10). A sibling group (two or more children sharing a `sibling_group_id`)
    counts in the period of its first placement.
    """
    with snapshot.cursor() as con:
        return _activity(con, request.period if periods is None else periods, snapshot.ref, request.as_at)


def _activity(
    con: duckdb.DuckDBPyConnection,
    periods: Period | Sequence[Period],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`activity` over a cursor the caller holds."""
    plist = as_period_list(periods)
    b = Bind()
    source = state_source(b, "children", as_at)
    cols = ", ".join(f"{c} AS {m}" for m, c in _EVENTS)
    any_in = " OR ".join(span_sql(b, c, plist) for _, c in _EVENTS)
    counts = ", ".join(f"count_if(measure = {b(m)}) AS {m}" for m, _ in _EVENTS)
    figures = (
        f"a.area, {zero_counts_sql(ACTIVITY_COUNTS)}, "
        f"{round_pct_sql('agg.early_permanence_placements', 'agg.placements')} AS early_permanence_pct, "
        f"{round_pct_sql('agg.interagency_placements', 'agg.placements')} AS interagency_pct"
    )
    df = b.run(
        con,
        f"""
        WITH p AS ({periods_sql(b, plist)}),
        e AS (
            SELECT la_code, measure, d, ep, ia, unplaced, 1 AS size FROM (
                UNPIVOT (SELECT la_code, coalesce(early_permanence, false) AS ep,
                                coalesce(interagency, false) AS ia, placed_date IS NULL AS unplaced, {cols}
                         FROM {source} WHERE {any_in})
                ON {", ".join(m for m, _ in _EVENTS)} INTO NAME measure VALUE d)
            WHERE {span_sql(b, "d", plist)}
            UNION ALL
            SELECT la_code, 'sibling_groups', min(placed_date), false, false, false, count(*) FROM {source}
            WHERE sibling_group_id IS NOT NULL AND placed_date IS NOT NULL
            GROUP BY la_code, sibling_group_id HAVING count(*) >= 2
        ),
        agg AS (
            SELECT p.period, {area_sql("e.la_code")} AS area, {counts},
                count_if(measure = 'adoption_orders' AND unplaced) AS adopted_without_placement,
                count_if(measure = 'placements' AND ep) AS early_permanence_placements,
                count_if(measure = 'placements' AND ia) AS interagency_placements,
                count_if(measure = 'sibling_groups') AS sibling_groups_placed_together,
                sum(size) FILTER (WHERE measure = 'sibling_groups') AS children_in_sibling_groups_placed_together
            FROM e JOIN p ON e.d BETWEEN p.pstart AND p.pend
            GROUP BY GROUPING SETS ((p.period, e.la_code), (p.period))
        )
        {period_grid_sql(b, figures, ref, as_at)}
    """,
    ).df()
    return as_int_columns(df, ACTIVITY_COUNTS, ["early_permanence_pct", "interagency_pct"])


def activity_not_provided(snapshot: Snapshot, request: AsAt = CURRENT) -> dict[str, dict[str, str]]:
    """{area: {activity count: words}} for the `ACTIVITY_COUNTS` a council's 903 files cannot give (matches in a
    period, sibling groups placed together) and the region total counting it, as `coverage.not_provided_counts`
    judges them under the ASGLB's `children_` keys: shown in place of the count, never a zero (docs/ssda903.md)."""
    from raa_core.ingest import coverage

    return coverage.not_provided_counts(snapshot, request, ACTIVITY_COUNTS, "children_")


def activity_quarterly(snapshot: Snapshot, request: PerformanceRequest, first: str | Period = FIRST_YEAR) -> pd.DataFrame:
    """Activity for every quarter from Q1 of `first` to the latest quarter with data."""
    with snapshot.cursor() as con:
        return _activity_quarterly(con, first, snapshot.ref, request.as_at)


def _activity_quarterly(
    con: duckdb.DuckDBPyConnection,
    first: str | Period = FIRST_YEAR,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`activity_quarterly` over a cursor the caller holds."""
    return _activity(con, _series_quarters(con, first, as_at), ref, as_at)


def funnel(activity_df: pd.DataFrame, area: str, period: str | None = None) -> pd.DataFrame:
    """The journey funnel of one area (and period): stage and count, in journey order."""
    rows = activity_df[activity_df["area"] == area]
    if period is not None:
        rows = rows[rows["period"] == period]
    return pd.DataFrame({"stage": [s for s, _ in FUNNEL], "count": [int(rows[m].sum()) for _, m in FUNNEL]})


def a1_distribution(snapshot: Snapshot, request: PerformanceRequest, *, viewer: Viewer) -> pd.DataFrame:
    """Each cohort child's A1 days (and A2, A10, within 14 months) for one period, without identifiers.

    The mean of `a1_days` is the scorecard's A1 before rounding; a chart shows the spread behind it.
    Child-level rows: raises `access.AccessDenied` unless `viewer` may see that council's children
    (`la_code` None: every council's).
    """
    with snapshot.cursor() as con:
        return _a1_distribution(con, request.period, request.la_code, request.as_at, viewer=viewer)


def _a1_distribution(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    la_code: int | None = None,
    as_at: dt.date | None = None,
    *,
    viewer: Viewer,
) -> pd.DataFrame:
    """`a1_distribution` over a cursor the caller holds."""
    require_children(viewer, la_code)
    b = Bind()
    source = state_source(b, "children", as_at)
    where = f"WHERE la_code = {b(int(la_code))}" if la_code is not None else ""
    return b.run(
        con,
        f"""
        SELECT la_code, a1 AS a1_days, a2 AS a2_days, a10 AS a10_days, a3 AS within_14_months
        FROM ({cohort_sql(b, source, [period])}) c {where} ORDER BY la_code, a1_days, a10_days
    """,
    ).df()


def a1_bands(snapshot: Snapshot, request: PerformanceRequest) -> pd.DataFrame:
    """The A1 cohort by time from entering care to placement, in `A1_BANDS`, per area: area, band, children.

    A publishable view of the A1 distribution (counts per band rather than each child's days); the bands
    below 14 months add up to A3's count.
    """
    with snapshot.cursor() as con:
        return _a1_bands(con, request.period, snapshot.ref, request.as_at)


def _a1_bands(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`a1_bands` over a cursor the caller holds."""
    b = Bind()
    cases = " ".join(
        f"WHEN s.placed_date < {months_after_sql(b, 's.entered_care_date', m)} THEN {i}"
        for i, (_, m) in enumerate(A1_BANDS)
        if m is not None
    )
    extra = f"CASE {cases} ELSE {len(A1_BANDS) - 1} END AS band"
    rows = cohort_sql(b, state_source(b, "children", as_at), [period], extra)
    return _band_counts(con, b, rows, [label for label, _ in A1_BANDS], ref, as_at)
