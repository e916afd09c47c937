"""Adopter recruitment: activity, households waiting, timeliness, conversion and sufficiency.

Timeliness follows the two-stage process (docs/indicators.md): stage 1 completed within 2 months of the
registration of interest (fast-track households have no stage 1 and are left out), stage 2 completed
(approval) within 4 months of its start, approval within 6 months of registration, and a match within
3 months of approval. "Within n months" means on or before the day n calendar months later. Each measure
counts the households whose later date falls in the period. Per council and region, set-based SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from raa_core.ingest import coverage
from raa_core.performance import journeys
from raa_core.performance.indicators import (
    dates_values_sql,
    months_after_sql,
    span_sql,
    zero_counts_sql,
)
from raa_core.performance.journeys import (
    _waiting_at_dates,
    as_dates,
    as_int_columns,
    as_period_list,
    quarter_end_dates,
    waiting_rows_sql,
)
from raa_core.periods import Period
from raa_core.presentation.display import area_label
from raa_core.reference import Reference
from raa_core.requests import PerformanceRequest
from raa_core.snapshot import Snapshot
from raa_core.store.sql import Bind, area_sql, areas_sql, period_grid_sql, periods_sql, round_pct_sql, state_source
from raa_core.suppression import Relation

RECRUITMENT_COUNTS: tuple[str, ...] = (
    "enquiries",
    "rois",
    "stage1_completed",
    "stage2_started",
    "approvals",
    "fast_track_approvals",
    "early_permanence_approvals",
    "matches",
    "interagency_matches",
    "placements",
    "children_placed",
    "withdrawals",
    "approved_withdrawn",
)
#: (measure, label, start column, end column, months, extra condition on the household `h`).
TIMELINESS: tuple[tuple[str, str, str, str, int, str], ...] = (
    (
        "stage1_2m",
        "Stage 1 completed within 2 months of registration",
        "roi_date",
        "stage1_end_date",
        2,
        "NOT coalesce(h.fast_track, false)",
    ),
    (
        "stage2_4m",
        "Stage 2 completed (approved) within 4 months of its start",
        "stage2_start_date",
        "approval_date",
        4,
        "true",
    ),
    ("approval_6m", "Approved within 6 months of registration", "roi_date", "approval_date", 6, "true"),
    ("match_3m", "Matched within 3 months of approval", "approval_date", "matched_date", 3, "true"),
)


#: (measure, date column, weight: how much each household adds to the measure).
_EVENTS: tuple[tuple[str, str, str], ...] = (
    ("enquiries", "enquiry_date", "1"),
    ("rois", "roi_date", "1"),
    ("stage1_completed", "stage1_end_date", "1"),
    ("stage2_started", "stage2_start_date", "1"),
    ("approvals", "approval_date", "1"),
    ("fast_track_approvals", "approval_date", "CAST(ft AS INTEGER)"),
    ("early_permanence_approvals", "approval_date", "CAST(ep AS INTEGER)"),
    ("matches", "matched_date", "1"),
    ("interagency_matches", "matched_date", "CAST(ia AS INTEGER)"),
    ("placements", "placed_date", "1"),
    ("children_placed", "placed_date", "kids"),
    ("withdrawals", "withdrawn_date", "1"),
    ("approved_withdrawn", "withdrawn_date", "CAST(aw AS INTEGER)"),
)


def recruitment_activity(snapshot: Snapshot, request: PerformanceRequest, periods: Period | Sequence[Period] | None = None) -> pd.DataFrame:
    """Households reaching each step per period and area (fast-track and early-permanence approvals apart).

    Columns: period, area, `RECRUITMENT_COUNTS`; `approved_withdrawn` counts the households that withdrew in
    the period after their approval and before any match (docs/indicators.md).
    """
    with snapshot.cursor() as con:
        return _recruitment_activity(con, request.period if periods is None else periods, snapshot.ref, request.as_at)


def _recruitment_activity(
    con: duckdb.DuckDBPyConnection,
    periods: Period | Sequence[Period],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`recruitment_activity` over a cursor the caller holds."""
    plist = as_period_list(periods)
    b = Bind()
    source = state_source(b, "adopters", as_at)
    dates = list(dict.fromkeys(c for _, c, _ in _EVENTS))
    any_in = " OR ".join(span_sql(b, c, plist) for c in dates)
    sums = ", ".join(f"sum({w}) FILTER (WHERE step = {b(c)}) AS {m}" for m, c, w in _EVENTS)
    df = b.run(con, f"""
        WITH p AS ({periods_sql(b, plist)}),
        e AS (
            UNPIVOT (SELECT la_code, coalesce(fast_track, false) AS ft, coalesce(early_permanence, false) AS ep,
                            coalesce(interagency_child, false) AS ia, coalesce(children_placed, 0) AS kids,
                            coalesce(approval_date <= withdrawn_date AND NOT coalesce(matched_date <= withdrawn_date,
                                                                                        false), false) AS aw,
                            {", ".join(dates)} FROM {source} WHERE {any_in})
            ON {", ".join(dates)} INTO NAME step VALUE d
        ),
        agg AS (
            SELECT p.period, {area_sql("e.la_code")} AS area, {sums}
            FROM e JOIN p ON e.d BETWEEN p.pstart AND p.pend
            GROUP BY GROUPING SETS ((p.period, e.la_code), (p.period))
        )
        {period_grid_sql(b, f"a.area, {zero_counts_sql(RECRUITMENT_COUNTS)}", ref, as_at)}
    """).df()
    return as_int_columns(df, RECRUITMENT_COUNTS)


ADOPTER_WAITING_COUNTS: tuple[str, ...] = ("waiting", "over_3m", "over_6m", "early_permanence")
#: "Of which" counts of the households waiting (`suppression.Relation`).
ADOPTER_WAITING_RELATIONS: tuple[Relation, ...] = (
    Relation("waiting", ("over_3m",), complete=False),
    Relation("over_3m", ("over_6m",), complete=False),
    Relation("waiting", ("early_permanence",), complete=False),
)


def _adopters_waiting_agg_sql(b: Bind, source: str, dates: Sequence[dt.date]) -> str:
    """Approved households waiting at each date, aggregated per (date, area) with GROUPING SETS."""
    first = b.typed(min(dates) if dates else None, "DATE")
    last = b.typed(max(dates) if dates else None, "DATE")
    return f"""
        WITH d AS ({dates_values_sql(b, dates)}),
        h AS (SELECT la_code, approval_date, coalesce(early_permanence, false) AS ep,
                     coalesce(least(matched_date, withdrawn_date), DATE 'infinity') AS stopped
              FROM {source} WHERE approval_date <= {last}
                AND coalesce(least(matched_date, withdrawn_date), DATE 'infinity') > {first}),
        w AS (SELECT d.at_date, h.la_code, h.ep,
                     {months_after_sql(b, "h.approval_date", 3)} < d.at_date AS over_3m,
                     {months_after_sql(b, "h.approval_date", 6)} < d.at_date AS over_6m,
                     datediff('day', h.approval_date, d.at_date) AS days
              FROM h JOIN d ON h.approval_date <= d.at_date AND h.stopped > d.at_date)
        SELECT at_date, {area_sql()} AS area, count(*) AS waiting, count_if(over_3m) AS over_3m,
               count_if(over_6m) AS over_6m, count_if(ep) AS early_permanence,
               sum(days) AS s, median(days) AS m
        FROM w GROUP BY GROUPING SETS ((at_date, la_code), (at_date))
    """


def adopters_waiting_series(snapshot: Snapshot, request: PerformanceRequest, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Approved households not yet matched (nor withdrawn) at each date, per area, and for how long.

    Columns: at, area, waiting, over_3m, over_6m (more than 3 / 6 months since approval),
    early_permanence (of those waiting), mean_days, median_days.
    """
    with snapshot.cursor() as con:
        return _adopters_waiting_series(con, dates, snapshot.ref, request.as_at)


def _adopters_waiting_series(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`adopters_waiting_series` over a cursor the caller holds."""
    dates = list(dates)
    b = Bind()
    agg = _adopters_waiting_agg_sql(b, state_source(b, "adopters", as_at), dates)
    return _waiting_at_dates(con, b, agg, ADOPTER_WAITING_COUNTS, dates, ref, as_at)


def adopters_waiting(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """Approved households waiting for a match at one date, per area (see `adopters_waiting_series`)."""
    with snapshot.cursor() as con:
        return _adopters_waiting(con, at or request.waiting_at(snapshot.today), snapshot.ref, request.as_at)


def _adopters_waiting(
    con: duckdb.DuckDBPyConnection,
    at: dt.date,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`adopters_waiting` over a cursor the caller holds."""
    return _adopters_waiting_series(con, [at], ref, as_at)


ASSESSMENT_COUNTS: tuple[str, ...] = ("in_assessment", "in_stage1", "in_stage2")
#: Stage 1 + stage 2 = households in assessment.
ASSESSMENT_RELATIONS: tuple[Relation, ...] = (Relation("in_assessment", ("in_stage1", "in_stage2")),)
#: "Of which" counts among the recruitment counts of a period.
RECRUITMENT_RELATIONS: tuple[Relation, ...] = (
    Relation("approvals", ("fast_track_approvals",), complete=False),
    Relation("approvals", ("early_permanence_approvals",), complete=False),
    Relation("withdrawals", ("approved_withdrawn",), complete=False),
    Relation("matches", ("interagency_matches",), complete=False),
)


def households_in_assessment(snapshot: Snapshot, request: PerformanceRequest, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Households in assessment at each date, per area, split stage 1 / stage 2 (docs/indicators.md).

    In assessment at a date: registration of interest accepted on or before it, not approved and not
    withdrawn by it. Stage 2 once `stage2_start_date` is on or before the date, and a fast-track household
    (no stage 1) from its registration; stage 1 otherwise (including a household between the stages).
    Columns: at, area, in_assessment = in_stage1 + in_stage2.
    """
    with snapshot.cursor() as con:
        return _households_in_assessment(con, dates, snapshot.ref, request.as_at)


def _households_in_assessment(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`households_in_assessment` over a cursor the caller holds."""
    dates = list(dates)
    b = Bind()
    source = state_source(b, "adopters", as_at)
    df = b.run(con, f"""
        WITH d AS ({dates_values_sql(b, dates)}),
        w AS (SELECT d.at_date, h.la_code,
                     coalesce(h.fast_track, false) OR coalesce(h.stage2_start_date <= d.at_date, false) AS stage2
              FROM {source} h JOIN d ON h.roi_date <= d.at_date
               AND NOT coalesce(h.approval_date <= d.at_date, false)
               AND NOT coalesce(h.withdrawn_date <= d.at_date, false)),
        agg AS (SELECT at_date, {area_sql()} AS area, count(*) AS in_assessment,
                       count_if(NOT stage2) AS in_stage1, count_if(stage2) AS in_stage2
                FROM w GROUP BY GROUPING SETS ((at_date, la_code), (at_date)))
        SELECT d.at_date AS "at", a.area, {zero_counts_sql(ASSESSMENT_COUNTS)}
        FROM d CROSS JOIN ({areas_sql(b, ref, as_at)}) a
        LEFT JOIN agg ON agg.at_date = d.at_date AND agg.area = a.area
        ORDER BY d.dord, a.aord
    """).df()
    return as_int_columns(as_dates(df), ASSESSMENT_COUNTS)


def timeliness(snapshot: Snapshot, request: PerformanceRequest, periods: Period | Sequence[Period] | None = None) -> pd.DataFrame:
    """Share of households completing each step in time, per period and area.

    Columns: period, measure, label, area, within, n, pct (whole percent; null where n = 0), low_n.
    """
    with snapshot.cursor() as con:
        return _timeliness(con, request.period if periods is None else periods, snapshot.ref, request.as_at)


def _timeliness(
    con: duckdb.DuckDBPyConnection,
    periods: Period | Sequence[Period],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`timeliness` over a cursor the caller holds."""
    plist = as_period_list(periods)
    b = Bind()
    source = state_source(b, "adopters", as_at)
    steps = ", ".join(
        f"{{'o': {i}, 'd': h.{end}, 'ok': h.{end} <= {months_after_sql(b, 'h.' + start, months)}, "
        f"'keep': h.{start} IS NOT NULL AND h.{end} IS NOT NULL AND {cond}}}"
        for i, (_, _, start, end, months, cond) in enumerate(TIMELINESS)
    )
    low = ref.settings.low_n_below if ref is not None else 6
    any_in = " OR ".join(span_sql(b, f"h.{end}", plist) for _, _, _, end, _, _ in TIMELINESS)
    figures = (
        f"g.measure, g.label, a.area, {zero_counts_sql(['within', 'n'])}, "
        f"{round_pct_sql('agg.within', 'agg.n')} AS pct, coalesce(agg.n, 0) < {b(int(low))} AS low_n"
    )
    by_measure = (
        f"SELECT unnest({b.typed(list(range(len(TIMELINESS))), 'INTEGER[]')}) AS mord, "
        f"unnest({b.typed([m for m, *_ in TIMELINESS], 'VARCHAR[]')}) AS measure, "
        f"unnest({b.typed([label for _, label, *_ in TIMELINESS], 'VARCHAR[]')}) AS label"
    )
    df = b.run(con, f"""
        WITH p AS ({periods_sql(b, plist)}),
        t AS (SELECT la_code, s.o AS mord, s.d, s.ok
              FROM (SELECT h.la_code, unnest([{steps}]) AS s FROM {source} h WHERE {any_in})
              WHERE s.keep AND {span_sql(b, "s.d", plist)}),
        agg AS (SELECT p.period, t.mord, {area_sql("t.la_code")} AS area, count_if(t.ok) AS within, count(*) AS n
                FROM t JOIN p ON t.d BETWEEN p.pstart AND p.pend
                GROUP BY GROUPING SETS ((p.period, t.mord, t.la_code), (p.period, t.mord)))
        {period_grid_sql(b, figures, ref, as_at, by_measure, "mord")}
    """).df()
    df["low_n"] = df["low_n"].astype(bool)
    return as_int_columns(df, ["within", "n"], ["pct"])


def conversion(snapshot: Snapshot, request: PerformanceRequest, periods: Period | Sequence[Period] | None = None) -> pd.DataFrame:
    """Enquiry-to-approval conversion: of the households enquiring in a period, how many were approved.

    Columns: period, area, enquiries, rois, approved, withdrawn, in_process (neither approved nor
    withdrawn yet), pct_approved (whole percent of enquiries approved by the date of the data).
    """
    with snapshot.cursor() as con:
        return _conversion(con, request.period if periods is None else periods, snapshot.ref, request.as_at)


def _conversion(
    con: duckdb.DuckDBPyConnection,
    periods: Period | Sequence[Period],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`conversion` over a cursor the caller holds."""
    plist = as_period_list(periods)
    b = Bind()
    source = state_source(b, "adopters", as_at)
    counts = ["enquiries", "rois", "approved", "withdrawn"]
    figures = (
        f"a.area, {zero_counts_sql(counts)}, "
        "CAST(coalesce(agg.enquiries - agg.approved - agg.withdrawn, 0) AS BIGINT) AS in_process, "
        f"{round_pct_sql('agg.approved', 'agg.enquiries')} AS pct_approved"
    )
    df = b.run(con, f"""
        WITH p AS ({periods_sql(b, plist)}),
        agg AS (
            SELECT p.period, {area_sql("h.la_code")} AS area, count(*) AS enquiries,
                   count(h.roi_date) AS rois, count(h.approval_date) AS approved,
                   count_if(h.withdrawn_date IS NOT NULL AND h.approval_date IS NULL) AS withdrawn
            FROM {source} h JOIN p ON h.enquiry_date BETWEEN p.pstart AND p.pend
            WHERE {span_sql(b, "h.enquiry_date", plist)}
            GROUP BY GROUPING SETS ((p.period, h.la_code), (p.period))
        )
        {period_grid_sql(b, figures, ref, as_at)}
    """).df()
    return as_int_columns(df, [*counts, "in_process"], ["pct_approved"])


def sufficiency(snapshot: Snapshot, request: PerformanceRequest, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Approved households waiting against children waiting with a placement order, at each date.

    Columns: at, area, adopters_waiting, children_waiting_with_po, surplus (households minus children),
    adopters_per_child (2 decimals; null where no child waits).
    """
    with snapshot.cursor() as con:
        return _sufficiency(con, dates, snapshot.ref, request.as_at)


def _sufficiency(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`sufficiency` over a cursor the caller holds."""
    dates = list(dates)
    b = Bind()
    kids = waiting_rows_sql(b, state_source(b, "children", as_at), dates)
    df = b.run(con, f"""
        WITH homes AS ({_adopters_waiting_agg_sql(b, state_source(b, "adopters", as_at), dates)}),
        kids AS (SELECT at_date, {area_sql()} AS area, count_if(with_po) AS with_po
                 FROM ({kids}) w GROUP BY GROUPING SETS ((at_date, la_code), (at_date))),
        g AS (
            SELECT d.at_date, d.dord, a.area, a.aord, CAST(coalesce(homes.waiting, 0) AS BIGINT) AS adopters_waiting,
                   CAST(coalesce(kids.with_po, 0) AS BIGINT) AS children_waiting_with_po
            FROM ({dates_values_sql(b, dates)}) d CROSS JOIN ({areas_sql(b, ref, as_at)}) a
            LEFT JOIN homes ON homes.at_date = d.at_date AND homes.area = a.area
            LEFT JOIN kids ON kids.at_date = d.at_date AND kids.area = a.area
        )
        SELECT at_date AS "at", area, adopters_waiting, children_waiting_with_po,
               adopters_waiting - children_waiting_with_po AS surplus,
               CASE WHEN children_waiting_with_po > 0
                    THEN round(adopters_waiting / children_waiting_with_po, 2) END AS adopters_per_child
        FROM g ORDER BY dord, aord
    """).df()
    df = as_dates(df)
    df["adopters_per_child"] = df["adopters_per_child"].astype("Float64")
    return as_int_columns(df, ["adopters_waiting", "children_waiting_with_po", "surplus"])


def sufficiency_series(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """`sufficiency` at every quarter end from the first reporting year to the latest data
    (`journeys.quarter_end_dates`), and at `at` (default: the request's waiting date), in date order."""
    day = at or request.waiting_at(snapshot.today)
    return sufficiency(snapshot, request, sorted({*quarter_end_dates(snapshot, request), day}))


# --- The DfE scorecard's adopter indicators (A11-A13) and context figures (A4, A5, A15, A16) ------------------

#: The scorecard's adopter and context indicators in the order they are shown (docs/indicators.md).
EXTRA_INDICATORS: tuple[str, ...] = ("A11", "A12", "A13", "A4", "A5", "A15", "A16")
#: Each one's rule in words and its source, as every output shows it.
EXTRA_DEFINITIONS: dict[str, str] = {
    "A11": "A11: approved adoptive families waiting to be matched: households approved on or before the period's "
           "last day, not matched and not withdrawn by it. Source: DfE adoption scorecard, adopter indicators.",
    "A12": "A12: families matched in the period who waited 3 months or more after approval, as a whole percent of "
           "the families matched in the period with an approval date: matched on or after the day 3 calendar "
           "months after approval. Source: DfE adoption scorecard, adopter indicators.",
    "A13": "A13: adoption applications waiting to be assessed: households whose registration of interest was "
           "accepted on or before the period's last day, not approved and not withdrawn by it. Source: DfE "
           "adoption scorecard, adopter indicators.",
    "A4": "A4: children adopted as a percentage of all children leaving care. Needs every care leaver, which "
          "SSDA903 files carry and Parquet drops do not: not provided from Parquet drops. Source: DfE adoption "
          "scorecard, context.",
    "A5": "A5: decisions changed away from adoption: plan_reversed_date in the period. Source: DfE adoption "
          "scorecard, context.",
    "A15": "A15: new ADM decisions that the child should be placed for adoption: adm_decision_date in the period. "
           "Source: DfE adoption scorecard, context.",
    "A16": "A16: new placement orders granted: placement_order_date in the period. Source: DfE adoption "
           "scorecard, context.",
}
#: Each one's short words for a table row.
EXTRA_LABELS: dict[str, str] = {
    "A11": "A11: approved families waiting to be matched",
    "A12": "A12: families matched who waited 3 months or more after approval (%)",
    "A13": "A13: applications waiting to be assessed",
    "A4": "A4: children adopted as % of children leaving care",
    "A5": "A5: decisions changed away from adoption",
    "A15": "A15: new ADM decisions",
    "A16": "A16: new placement orders",
}
EXTRA_COLUMNS: list[str] = ["indicator", "area", "value", "count", "n", "unit", "status", "note"]


def _a12_sql(b: Bind, source: str, period: Period) -> str:
    """Per area: matches in the period with an approval date (n) and those 3 months or more after approval (k)."""
    late = months_after_sql(b, "approval_date", 3)
    return f"""
        SELECT area, n, k, {round_pct_sql("k", "n")} AS pct FROM (
        SELECT {area_sql()} AS area, count(*) AS n, count_if(matched_date >= {late}) AS k
        FROM {source}
        WHERE matched_date BETWEEN {b.typed(period.start, 'DATE')} AND {b.typed(period.end, 'DATE')}
          AND approval_date IS NOT NULL
        GROUP BY GROUPING SETS ((la_code), ()))
    """


def extra_indicators(snapshot: Snapshot, request: PerformanceRequest) -> pd.DataFrame:
    """A11, A12, A13, A4, A5, A15, A16 of the request's period: a row per indicator and area (each council, then
    `region`), columns `EXTRA_COLUMNS`.

    value: the count (A11, A13, A5, A15, A16) or whole percent (A12, from unrounded counts); count and n: A12's
    numerator and denominator (for the others both the count). status `figure`, `no data` (no drop of the dataset
    by the as-at date; note says so in words) or `not provided` (A4 from Parquet drops). A11 and A13 are counted at
    the period's last day. Rules and sources: `EXTRA_DEFINITIONS`.
    """
    period = request.period
    areas = [str(c) for c in snapshot.ref.la_codes] + ["region"]
    gaps = {t: coverage.missing(snapshot, request, t) for t in ("children", "adopters")}
    act = journeys.activity(snapshot, request).set_index("area")
    waiting = adopters_waiting(snapshot, request, period.end).set_index("area")
    homes = households_in_assessment(snapshot, request, [period.end]).set_index("area")
    b = Bind()
    with snapshot.cursor() as con:
        a12 = b.run(con, _a12_sql(b, state_source(b, "adopters", request.as_at), period)).df().set_index("area")

    def got(frame: pd.DataFrame, area: str, col: str) -> int:
        return int(frame.at[area, col]) if area in frame.index and not pd.isna(frame.at[area, col]) else 0

    rows = []
    for ind in EXTRA_INDICATORS:
        table = "adopters" if ind in ("A11", "A12", "A13") else "children"
        for area in areas:
            row = {"indicator": ind, "area": area, "value": None, "count": None, "n": None,
                   "unit": "%" if ind in ("A12", "A4") else "count", "status": "figure", "note": ""}
            if ind == "A4":
                row |= {"status": coverage.NOT_PROVIDED, "note": coverage.NOT_PROVIDED + ": Parquet drops carry no "
                        "care leavers other than the adopted (A4 needs every child leaving care: SSDA903 files)"}
            elif area in gaps[table]:
                row |= {"status": "no data", "note": gaps[table][area]}
            elif ind == "A12":
                k, n = got(a12, area, "k"), got(a12, area, "n")
                row |= {"count": k, "n": n, "value": got(a12, area, "pct") if n else None,
                        "note": "" if n else "no families matched in the period"}
            else:
                source, col = {"A11": (waiting, "waiting"), "A13": (homes, "in_assessment"),
                               "A5": (act, "reversals"), "A15": (act, "adm_decisions"),
                               "A16": (act, "placement_orders")}[ind]
                v = got(source, area, col)
                row |= {"value": v, "count": v, "n": v}
            rows.append(row)
    out = pd.DataFrame(rows, columns=EXTRA_COLUMNS)
    for col in ("value", "count", "n"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def extra_table(shown: pd.DataFrame, names: dict[str, str], areas: Sequence[str] | None = None) -> pd.DataFrame:
    """The adopter and context indicators as a table for a page or the pack: a row per indicator (its short
    words), a column per area (`areas`, default every area of the frame) holding the shown figure (A12 with its
    % sign) or, where there is none, the words ("not provided", the no-data message). `shown` is the text of
    `extra_indicators` (publication strings, or `suppression.as_text`)."""
    wanted = list(dict.fromkeys(shown["area"])) if areas is None else list(areas)
    rows = []
    for ind in EXTRA_INDICATORS:
        row = {"Indicator": EXTRA_LABELS[ind]}
        for area in wanted:
            hit = shown[(shown["indicator"] == ind) & (shown["area"] == area)]
            if not len(hit):
                continue
            r = hit.iloc[0]
            value = str(r["value"]) if r["status"] == "figure" and str(r["value"]) not in ("", "None", "<NA>") else ""
            row[area_label(area, names)] = (f"{value}%" if value and value != "x" and r["unit"] == "%" else value) or (
                r["status"] if r["status"] == coverage.NOT_PROVIDED else str(r["note"]))
        rows.append(row)
    return pd.DataFrame(rows)


def extra_report(extra: pd.DataFrame) -> list[dict[str, object]]:
    """The `adopter_and_context` rows of `raa kpi`'s JSON (docs/command-line.md): per indicator and area the
    value (null where none), count, n, unit, status, note and the definition with its source."""
    out = []
    for r in extra.to_dict(orient="records"):
        row: dict[str, object] = {k: (None if not isinstance(v, str) and pd.isna(v) else
                                      (int(v) if k in ("value", "count", "n") else v)) for k, v in r.items()}
        row["definition"] = EXTRA_DEFINITIONS[str(r["indicator"])]
        out.append(row)
    return out
