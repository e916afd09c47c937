"""DfE adoption scorecard indicators A1, A2, A3 and A10, per council, region and mean of councils.

Rules (docs/indicators.md): the cohort is the children whose adoption order falls in the period and
who were placed for adoption before it (a child adopted without a recorded placement counts as adopted in
the activity, not here); A1 = mean days entered care -> placed; A2 = mean days placement order -> match (0
where the match came first) for children with a placement (or freeing) order placed before the adoption
order, whether or not first placed with consent (DfE: the test is the order); A3 = children
placed before the day 14 calendar months after entering care (count and %); A10 = A1 ending at the day
the child moved in with foster carers who went on to adopt. Means round half away from zero to whole days;
percentages to whole percent from unrounded counts. Thresholds come from a named set (`dfe`, the default,
or `business_case`, the request's `thresholds`) and every row says which. Every value reaches SQL as a
parameter (`raa_core.store.sql.Bind`). `region` counts all children together; `region_mean`
is the plain mean of the (rounded) council figures, as the business case computed its "Regional Average".
Everything runs as one set-based DuckDB query over the children table, whatever the number of periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from raa_core.errors import BadInput
from raa_core.ingest import coverage
from raa_core.periods import (
    FIRST_YEAR,
    Period,
    add_months_sql,
    financial_year,
    financial_year_of,
    parse_period,
    previous,
    three_year,
)
from raa_core.presentation.display import (
    INDICATOR_COLUMNS,
    INDICATOR_NAMES,
    INDICATOR_SHORT,
    LOW_N_MARK,
    area_label,
)
from raa_core.presentation.text import publication_convention
from raa_core.reference import THRESHOLD_SETS, Reference
from raa_core.requests import CURRENT, AsAt, PerformanceRequest
from raa_core.snapshot import Snapshot
from raa_core.store.sql import (
    REGION_ORDER,
    Bind,
    area_sql,
    areas_sql,
    periods_sql,
    round_mean_sql,
    round_median_sql,
    round_pct_sql,
    state_source,
)
from raa_core.suppression import EMPTY, HIDDEN

INDICATORS: tuple[str, ...] = ("A1", "A2", "A3", "A10")
TIME_INDICATORS: tuple[str, ...] = ("A1", "A2", "A10")
SCORECARD_COLUMNS: list[str] = [
    "indicator",
    "area",
    "value",
    "median",
    "n",
    "threshold",
    "difference",
    "low_n",
    "count",
    "national",
    "threshold_set",
]
LABELS: dict[str, str] = INDICATOR_NAMES  # the words are the labels table's (kind "indicator")
_INT_COLUMNS = ("value", "median", "threshold", "difference", "count", "national")
SHORT_LABELS: dict[str, str] = INDICATOR_SHORT  # kind "indicator_short"
#: Better direction of each indicator: days are better lower, A3's percentage higher.
LOWER_IS_BETTER: dict[str, bool] = {"A1": True, "A2": True, "A3": False, "A10": True}

#: The rule behind every figure on the performance pages, as shown to users (docs/indicators.md).
DEFINITIONS: dict[str, str] = {
    "A1": (
        "**A1: average days from entering care to moving in with the adoptive family.** Children whose "
        "adoption order falls in the period; days = placed date - date entered care; mean rounded to the "
        "nearest whole day (halves away from zero), median beside it, n = children counted."
    ),
    "A2": (
        "**A2: average days from court authority to place (placement order) to the match with the adoptive "
        "family.** Children adopted in the period who had a placement (or freeing) order and were placed "
        "before the adoption order; a match before the order counts 0 days. The test is the order, as DfE words "
        "it: a child first placed with consent who also has a placement order counts."
    ),
    "A3": (
        "**A3: children placed within 14 months of entering care.** Of the children adopted in the period, "
        "those whose placed date is before the day 14 calendar months after they entered care (31 December + "
        "14 months = 28/29 February). Count and whole percent, computed from the unrounded counts."
    ),
    "A10": (
        "**A10: average days from entering care to moving in with the family who adopted.** As A1, but the "
        "journey ends on the day the child moved in with foster carers who went on to adopt (foster to adopt "
        "and early permanence), where that came first."
    ),
    "region": (
        "**Region (all children)** counts every child of the partner councils together, so the council with "
        "most children weighs most."
    ),
    "region_mean": (
        "**Mean of councils** is the plain mean of the three council figures (each council weighs the same), "
        "as the business case computed its 'Regional Average': A1 2018-19 (340 + 363 + 569) / 3 = 424."
    ),
    "threshold": (
        "**Threshold**: the threshold in force at the end of the period, from a named set in reference data. "
        "**DfE** (the default): the scorecard's months as floor(months × 365.25 / 12) days, so 14 months = 426 "
        "days (A1, A10) and 4 months = 121 days (A2), with 21/18/16 and 7/6/5 months for earlier periods. "
        "**Business case**: the 425 / 121 days the business case used (the reconciliation uses it). A3 has no "
        "threshold. Difference = figure - threshold; negative is better for the time measures."
    ),
    "rag": (
        "**RAG**: green where the figure meets the threshold (at or below it for days, at or above it for a "
        "percentage), red where it misses it; grey where there is no threshold or no figure."
    ),
    "change": (
        "**Change** on the previous period: the previous financial year, or the rolling 3-year period one year "
        "earlier. Green is better (fewer days, a higher A3 percentage)."
    ),
    "national": "**National**: England's figure for the same period as printed in the business case (reference only).",
    "low_n": (
        "**Low number**: a figure resting on fewer than {low_n} children is marked {mark}; averages over a "
        "handful of children swing wildly (one child can move a small council's A2 by months)."
    ),
    "publication": (
        "**Publication view** shows what may be published. {convention} Percentages with a numerator of "
        "{pct_numerator_max} or fewer or a denominator of {pct_denominator_max} or fewer, and averages over "
        "{mean_n_max} or fewer children, are shown x. Downloads follow the view."
    ),
    "trend": (
        "**Trends**: the indicator for each financial year (annual) and each rolling 3-year period (named by "
        "its first and last years, e.g. 2015-18 = 1 Apr 2015 to 31 Mar 2018), by council and for the "
        "region, with the threshold line."
    ),
    "sufficiency": (
        "**Sufficiency**: approved adopter households not yet matched (nor withdrawn) against children "
        "waiting with a placement order (not placed, not reversed, not adopted), at each quarter end and at "
        "the latest date."
    ),
    "children_waiting": (
        "**Children waiting**: children with an ADM decision or placement order who are not yet placed, whose "
        "plan was not reversed and who are not adopted, at the date. Time waiting counts from the first of the "
        "ADM decision and the placement order."
    ),
    "children_waiting_with_po": (
        "**Children waiting with a placement order**: of the children waiting, those whose placement "
        "order was made on or before the date: the count sufficiency sets approved adopter households against. "
        "It is part of the children waiting, never the same figure."
    ),
    "waiting_bands": (
        "**Ageing bands**: children waiting at the date by calendar months since the ADM decision (or placement "
        "order, if earlier): up to 3, 3 to 6, 6 to 12, 12 to 18 and over 18 months."
    ),
    "funnel": (
        "**Journey funnel**: children reaching each step in the period (ADM decisions, placement orders, "
        "matches, placements, adoption orders), counted by the date of the step."
    ),
    "stages": (
        "**Stage durations**: mean and median days of each stage (entered care -> ADM decision -> placement "
        "order -> match -> placed -> adoption order), for the children who have both dates, in the period of "
        "the later date. A later step recorded before the earlier one counts 0 days."
    ),
    "a1_distribution": (
        "**Distribution of A1 days**: each adopted child's days from entering care to placement (the A1 cohort), "
        "so the spread behind the mean is visible; the bands put the 14-month (A3) line in context."
    ),
    "pipeline": (
        "**Adopter pipeline**: households reaching each step in the period: enquiries, registrations of "
        "interest, stage 1 completed, stage 2 started, approvals, matches and placements."
    ),
    "timeliness": (
        "**Adopter timeliness**: stage 1 completed within 2 months of registration (fast-track households have "
        "no stage 1 and are left out), stage 2 completed within 4 months of its start, approval within 6 months "
        "of registration, match within 3 months of approval; 'within n months' means on or before the day n "
        "calendar months later, counted in the period of the later date."
    ),
    "compare": (
        "**Against the region and the best partner**: the council's figure beside the region's (all children) "
        "and the best partner's: the best figure of the other councils for the same period (fewest days; highest "
        "A3 percentage), never the council itself, and never a figure resting on fewer than {low_n} children "
        "while another council's rests on more."
    ),
    "reconciliation": (
        "**Reconciliation**: each figure the business case printed (reference data) beside the figure "
        "computed from the drops; A1 and A2 compare days, A3 compares the count (a printed percentage that "
        "cannot come from whole children is shown beside the computed one)."
    ),
    "stale": (
        "**Stale**: a council whose newest drop is older than the freshness limit in settings; its figures are "
        "the last ones received."
    ),
}


def dates_values_sql(b: Bind, dates: Sequence[dt.date]) -> str:
    """SQL table (at_date, dord) of the given dates in order (empty if none)."""
    dates = list(dates)
    return (
        f"SELECT unnest({b.typed(dates, 'DATE[]')}) AS at_date, "
        f"unnest({b.typed(list(range(len(dates))), 'INTEGER[]')}) AS dord"
    )


def span_sql(b: Bind, expr: str, periods: Sequence[Period]) -> str:
    """SQL condition: `expr` falls within the span of the given periods (a cheap pre-filter for joins)."""
    if not periods:
        return "false"
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    return f"({expr} BETWEEN {b.typed(start, 'DATE')} AND {b.typed(end, 'DATE')})"


def labels_sql(b: Bind, labels: Sequence[str], order: str, label: str) -> str:
    """SQL table (`order`, `label`) of labels numbered from 0 in order (bands, measures, stages)."""
    return (
        f"SELECT unnest({b.typed(list(range(len(labels))), 'INTEGER[]')}) AS {order}, "
        f"unnest({b.typed(list(labels), 'VARCHAR[]')}) AS {label}"
    )


def months_after_sql(b: Bind, date_expr: str, months: int) -> str:
    """`date_expr` plus `months` calendar months (clamped to the month's end), the months as a parameter."""
    return add_months_sql(date_expr, b(months))


def zero_counts_sql(columns: Sequence[str], rel: str = "agg") -> str:
    """Select list of counts from a LEFT JOINed aggregate `rel`, as BIGINT and 0 where it has no row."""
    return ", ".join(f"CAST(coalesce({rel}.{c}, 0) AS BIGINT) AS {c}" for c in columns)


def cohort_sql(b: Bind, source: str, periods: Sequence[Period], extra: str = "") -> str:
    """One row per child in each period's cohort with its A1, A2, A3 and A10 terms (and `extra` columns of `s`).

    The cohort is the children whose adoption order falls in the period and who had an adoptive placement
    before it; a child adopted without a recorded placement (SSDA903 rule 390) counts as adopted in the
    activity but is left out of A1, A2, A3 and A10, as DfE does. A2 counts every child with a placement (or
    freeing) order who was matched and placed before the adoption order, whether or not the child was first
    placed with consent: DfE's test is the order (v2).
    """
    within = months_after_sql(b, "s.entered_care_date", 14)
    more = f"{extra}," if extra else ""
    return f"""
        SELECT p.period, p.pord, s.la_code, {more}
            datediff('day', s.entered_care_date, s.placed_date) AS a1,
            CASE WHEN s.placement_order_date IS NOT NULL
                      AND s.matched_date IS NOT NULL AND s.placed_date < s.adoption_order_date
                 THEN greatest(datediff('day', s.placement_order_date, s.matched_date), 0) END AS a2,
            s.placed_date < {within} AS a3,
            datediff('day', s.entered_care_date,
                CASE WHEN s.fostered_by_adopters_from < s.placed_date
                     THEN greatest(s.fostered_by_adopters_from, s.entered_care_date)
                     ELSE s.placed_date END) AS a10
        FROM {source} s JOIN ({periods_sql(b, list(periods))}) p
          ON s.adoption_order_date BETWEEN p.pstart AND p.pend
        WHERE s.placed_date IS NOT NULL
    """


def _scorecard_sql(
    b: Bind,
    periods: Sequence[Period],
    ref: Reference,
    as_at: dt.date | None,
    threshold_set: str,
) -> str:
    """One query: cohort terms -> per-area aggregates -> one row per indicator -> mean of councils."""
    mean, med = round_mean_sql, round_median_sql
    source = state_source(b, "children", as_at)
    per = periods_sql(b, list(periods))
    pairs = [(p, ind) for p in periods for ind in INDICATORS]
    facts = (
        f"SELECT unnest({b.typed([p.name for p, _ in pairs], 'VARCHAR[]')}) AS period, "
        f"unnest({b.typed([i for _, i in pairs], 'VARCHAR[]')}) AS indicator, "
        f"unnest({b.typed([ref.threshold(i, p.end, threshold_set) for p, i in pairs], 'BIGINT[]')}) AS threshold, "
        f"unnest({b.typed([_national(ref, i, p.name) for p, i in pairs], 'BIGINT[]')}) AS national"
    )
    council = f"aord < {b(REGION_ORDER)}"
    w = "OVER (PARTITION BY period, indicator)"
    return f"""
    WITH p AS ({per}),
    agg AS (
        SELECT period, {area_sql()} AS area,
            count(a1) AS n1, sum(a1) AS s1, median(a1) AS m1,
            count(a2) AS n2, sum(a2) AS s2, median(a2) AS m2,
            count(a3) AS n3, count_if(a3) AS k3,
            count(a10) AS n10, sum(a10) AS s10, median(a10) AS m10
        FROM ({cohort_sql(b, source, periods)}) c GROUP BY GROUPING SETS ((period, la_code), (period))
    ),
    long AS (
        SELECT p.period, p.pord, a.area, a.aord, unnest([
            {{'indicator': 'A1', 'iord': 1, 'n': coalesce(n1, 0), 'value': {mean("s1", "n1")},
              'median': {med("m1")}, 'count': CAST(NULL AS BIGINT)}},
            {{'indicator': 'A2', 'iord': 2, 'n': coalesce(n2, 0), 'value': {mean("s2", "n2")},
              'median': {med("m2")}, 'count': CAST(NULL AS BIGINT)}},
            {{'indicator': 'A3', 'iord': 3, 'n': coalesce(n3, 0), 'value': {round_pct_sql("k3", "n3")},
              'median': CAST(NULL AS BIGINT), 'count': coalesce(k3, 0)}},
            {{'indicator': 'A10', 'iord': 4, 'n': coalesce(n10, 0), 'value': {mean("s10", "n10")},
              'median': {med("m10")}, 'count': CAST(NULL AS BIGINT)}}
        ], recursive := true)
        FROM p CROSS JOIN ({areas_sql(b, ref, as_at)} UNION ALL SELECT 'region_mean', {b(REGION_ORDER + 1)}) a
        LEFT JOIN agg ON agg.period = p.period AND agg.area = a.area
    ),
    win AS (
        SELECT *, sum(value) FILTER (WHERE {council}) {w} AS rm_s, count(value) FILTER (WHERE {council}) {w} AS rm_c,
               sum(n) FILTER (WHERE {council}) {w} AS rm_n, sum(count) FILTER (WHERE {council}) {w} AS rm_k
        FROM long
    ),
    fig AS (
        SELECT period, pord, area, aord, indicator, iord,
            CASE WHEN area = 'region_mean' THEN {mean("rm_s", "rm_c")} ELSE value END AS value,
            CASE WHEN area = 'region_mean' THEN NULL ELSE median END AS median,
            CAST(CASE WHEN area = 'region_mean' THEN rm_n ELSE n END AS BIGINT) AS n,
            CAST(CASE WHEN area = 'region_mean' THEN rm_k ELSE count END AS BIGINT) AS count
        FROM win
    )
    SELECT fig.period, fig.indicator, fig.area, fig.value, fig.median, fig.n, f.threshold,
           fig.value - f.threshold AS difference, fig.n < {b(int(ref.settings.low_n_below))} AS low_n,
           fig.count, f.national, CASE WHEN f.threshold IS NOT NULL THEN {b(threshold_set)} END AS threshold_set
    FROM fig LEFT JOIN ({facts}) f
      ON f.period = fig.period AND f.indicator = fig.indicator
    ORDER BY fig.pord, fig.iord, fig.aord
    """


def scorecards(snapshot: Snapshot, request: PerformanceRequest, periods: Sequence[Period]) -> pd.DataFrame:
    """The scorecard for several periods at once (one query); a `period` column leads the scorecard's.

    The request gives the as-at state and the threshold set (`thresholds`: `dfe`, the default, or
    `business_case`); each row's `threshold_set` says which set its threshold and difference come from (null
    where there is no threshold, as for A3). Rules: docs/indicators.md.
    """
    b = Bind()
    sql = _scorecard_sql(b, periods, snapshot.ref, request.as_at, request.thresholds)
    with snapshot.cursor() as con:
        df = b.run(con, sql).df()
    for col in _INT_COLUMNS:
        df[col] = df[col].astype("Int64")
    df["n"] = df["n"].astype("int64")
    df["low_n"] = df["low_n"].astype(bool)
    return df


def _national(ref: Reference, indicator: str, period: str) -> int | None:
    fig = ref.national_figure(indicator, period)
    if fig is None:
        return None
    return fig.pct if indicator == "A3" else fig.value


def scorecard(snapshot: Snapshot, request: PerformanceRequest) -> pd.DataFrame:
    """A1, A2, A3, A10 for the request's period: a row per indicator and area (councils, `region`,
    `region_mean`)."""
    return scorecards(snapshot, request, [request.period]).drop(columns="period")


def latest_adoption_year(snapshot: Snapshot, request: AsAt = CURRENT) -> Period | None:
    """The financial year of the latest adoption order in the state as at the request's `as_at`, or None if there
    is none."""
    b = Bind()
    source = state_source(b, "children", request.as_at)
    with snapshot.cursor() as con:
        latest = b.run(con, f"SELECT max(adoption_order_date) FROM {source}").fetchall()
    return financial_year_of(latest[0][0]) if latest and latest[0][0] is not None else None


def trend_periods(
    kind: str, first: str | Period = FIRST_YEAR, last: str | Period | None = None, latest: Period | None = None
) -> list[Period]:
    """Successive years, or rolling 3-year periods, from `first` to `last` (default: the `latest` year).

    For 3-year periods the first window starts with `first`'s first year and the last ends with `last`'s
    last year.
    """
    start = parse_period(first) if isinstance(first, str) else first
    end = parse_period(last) if isinstance(last, str) else last
    if end is None:
        end = latest if latest is not None else financial_year_of(start.end)
    last_year = end.end.year - 1  # start year of the final financial year
    if kind == "year":
        return [financial_year(y) for y in range(start.first_year, last_year + 1)]
    if kind == "three_year":
        return [three_year(y) for y in range(start.first_year, last_year - 1)]
    raise BadInput(f"trend kind must be 'year' or 'three_year', not {kind!r}")


def trend(
    snapshot: Snapshot,
    request: PerformanceRequest,
    indicator: str | None = None,
    kind: str = "year",
    first: str | Period = FIRST_YEAR,
    last: str | Period | None = None,
) -> pd.DataFrame:
    """The scorecard over successive periods from `first` (the first reporting year) to `last` (default: the
    year of the latest adoption order), for trend charts; `indicator` None keeps all four. The request gives
    the as-at state and thresholds (its period is not used: a trend spans many)."""
    if indicator is not None and indicator not in INDICATORS:
        raise BadInput(f"indicator must be one of {', '.join(INDICATORS)}, not {indicator!r}")
    periods = trend_periods(kind, first, last, latest_adoption_year(snapshot, request))
    df = scorecards(snapshot, request, periods)
    if indicator is not None:
        df = df[df["indicator"] == indicator].reset_index(drop=True)
    return df


def definition(key: str, ref: Reference | None = None) -> str:
    """The definition shown beside a figure (Markdown), with settings (low-n limit, suppression) filled in."""
    text = DEFINITIONS[key]
    if ref is None:
        return text
    s = ref.settings
    return text.format(
        low_n=s.low_n_below,
        mark=f"\\{LOW_N_MARK}",  # escaped for Markdown
        count_max=s.suppression.count_max,
        pct_numerator_max=s.suppression.pct_numerator_max,
        pct_denominator_max=s.suppression.pct_denominator_max,
        mean_n_max=s.suppression.mean_n_max,
        convention=publication_convention(s.suppression),
    )


def region_and_mean(scorecard_df: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: the child-weighted region figure and n beside the plain mean of council figures.

    Columns: indicator, region, region_n, region_mean, councils (council figures in the mean), gap
    (mean of councils - region).
    """
    rows = []
    for ind in INDICATORS:
        sc = scorecard_df[scorecard_df["indicator"] == ind].set_index("area")
        councils = sc[~sc.index.isin(["region", "region_mean"])]
        region = _opt_int(sc.at["region", "value"]) if "region" in sc.index else None
        mean = _opt_int(sc.at["region_mean", "value"]) if "region_mean" in sc.index else None
        rows.append(
            {
                "indicator": ind,
                "region": region,
                "region_n": (_opt_int(sc.at["region", "n"]) or 0) if "region" in sc.index else 0,
                "region_mean": mean,
                "councils": int(
                    (councils["value"].notna() | councils.get("value_hidden", pd.Series(False, index=councils.index)))
                    .astype(bool)
                    .sum()
                ),
                "gap": None if region is None or mean is None else mean - region,
            }
        )
        if "value_hidden" in sc.columns:  # a masked (publication) scorecard: carry the flags along
            hid = {a: bool(sc.at[a, "value_hidden"]) if a in sc.index else False for a in ("region", "region_mean")}
            rows[-1] |= {
                "region_n_hidden": bool(sc.at["region", "n_hidden"]) if "n_hidden" in sc.columns else False,
                "region_hidden": hid["region"],
                "region_mean_hidden": hid["region_mean"],
                "gap_hidden": hid["region"] or hid["region_mean"],
            }
    out = pd.DataFrame(rows)
    for col in ("region", "region_mean", "gap"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def low_n_of(scorecard_df: pd.DataFrame, area: str, indicator: str | None = None) -> bool:
    """Whether a figure of an area (any, or one indicator's) rests on fewer children than the low-number limit:
    the scorecard SQL's own `low_n` flag (settings `low_n_below`, docs/indicators.md)."""
    rows = scorecard_df[scorecard_df["area"] == area]
    if indicator is not None:
        rows = rows[rows["indicator"] == indicator]
    return bool(rows["low_n"].astype(bool).any())


def low_n_marked(frame: pd.DataFrame, area: str, figure: str) -> bool:
    """Whether a chart or table of `frame` (rows with `area`, a `low_n` flag and the `figure` column drawn)
    marks any of `area`'s figures as a low number, so the note saying what the mark means goes with it exactly
    when a mark does: a row without a figure carries no mark, and a row 903 cannot give is not provided, not a
    low number (`coverage.mark_not_provided` clears its flag; docs/ssda903.md)."""
    rows = frame[frame["area"] == area]
    return bool((rows["low_n"].astype(bool) & rows[figure].notna()).any())


def adopted_none(scorecard_df: pd.DataFrame, area: str) -> bool:
    """Whether no child of an area's A1 cohort was adopted in the scorecard's period (n = 0): the page then says
    so in words (`coverage.no_children_message`), never 0 days."""
    rows = scorecard_df[(scorecard_df["indicator"] == "A1") & (scorecard_df["area"] == area)]
    return int(rows["n"].sum()) == 0


def threshold_of(scorecard_df: pd.DataFrame, indicator: str) -> int | None:
    """The threshold a scorecard judged an indicator against (the same for every area), or None (A3)."""
    got = scorecard_df[scorecard_df["indicator"] == indicator]["threshold"].dropna()
    return int(got.iloc[0]) if len(got) else None


def rag(indicator: str, value: int | None, threshold: int | None) -> str | None:
    """`green` where the figure meets the threshold (days at or below, A3 % at or above), else `red`.

    None where there is no figure or no threshold (A3 has none in reference data).
    """
    if value is None or threshold is None or pd.isna(value) or pd.isna(threshold):
        return None
    meets = value <= threshold if LOWER_IS_BETTER[indicator] else value >= threshold
    return "green" if meets else "red"


def _opt_int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _opt_str(v: Any) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


HEADLINE_COLUMNS: list[str] = [
    "indicator",
    "label",
    "area",
    "period",
    "value",
    "median",
    "n",
    "count",
    "threshold",
    "threshold_set",
    "difference",
    "national",
    "low_n",
    "rag",
    "previous_period",
    "previous_value",
    "previous_n",
    "change",
]


def headline_from(sc: pd.DataFrame, period: str, previous_period: str, area: str) -> pd.DataFrame:
    """Headline tiles from a `scorecards` frame holding both periods: a row per indicator for one area.

    `change` = figure - previous period's figure (null where either is missing); `rag` as `rag()`.
    """
    rows = []
    for ind in INDICATORS:

        def pick(p: str, ind: str = ind) -> dict[str, Any]:
            hit = sc[(sc["period"] == p) & (sc["indicator"] == ind) & (sc["area"] == area)]
            return hit.iloc[0].to_dict() if len(hit) else {}

        now, before = pick(period), pick(previous_period)
        value, prev = _opt_int(now.get("value")), _opt_int(before.get("value"))
        rows.append(
            {
                "indicator": ind,
                "label": LABELS[ind],
                "area": area,
                "period": period,
                "value": value,
                "median": _opt_int(now.get("median")),
                "n": int(now.get("n", 0) or 0),
                "count": _opt_int(now.get("count")),
                "threshold": _opt_int(now.get("threshold")),
                "threshold_set": _opt_str(now.get("threshold_set")),
                "difference": _opt_int(now.get("difference")),
                "national": _opt_int(now.get("national")),
                "low_n": bool(now.get("low_n", True)),
                "rag": rag(ind, value, _opt_int(now.get("threshold"))),
                "previous_period": previous_period,
                "previous_value": prev,
                "previous_n": int(before.get("n", 0) or 0),
                "change": None if value is None or prev is None else value - prev,
            }
        )
    out = pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    out["rag"] = pd.Series([r["rag"] for r in rows], index=out.index, dtype=object)  # None, not NaN
    out["threshold_set"] = pd.Series([r["threshold_set"] for r in rows], index=out.index, dtype=object)
    for col in ("value", "median", "count", "threshold", "difference", "national", "previous_value", "change"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def headline_scorecards(snapshot: Snapshot, request: PerformanceRequest) -> pd.DataFrame:
    """The scorecard of the request's period and of the period before it (for tiles' change), in one query."""
    return scorecards(snapshot, request, [previous(request.period), request.period])


def headline(snapshot: Snapshot, request: PerformanceRequest, area: str | None = None) -> pd.DataFrame:
    """A1, A2, A3, A10 of one area (default: the request's) and the request's period with n, threshold, national,
    RAG and change (see `headline_from`)."""
    p = request.period
    return headline_from(headline_scorecards(snapshot, request), p.name, previous(p).name, area or request.area)


def compare_council(scorecard_df: pd.DataFrame, area: str) -> pd.DataFrame:
    """One council's figures beside the region's and the best council's (lowest days, highest A3 %).

    The best partner is chosen among the other councils (never the council itself: it is the benchmark the
    council is set against), among those whose figure rests on enough children (not low n) where there are any: a
    figure over one child is no benchmark.

    Columns: indicator, council, council_n, region, region_n, best, best_area, best_n, and council_low,
    region_low, best_low: the scorecard's own `low_n` flag of each figure shown (False where there is none
    or it is suppressed).
    From a masked (publication) scorecard the `<col>_hidden` flags come along, and hidden figures are
    never picked as the best.
    """
    masked = "value_hidden" in scorecard_df.columns
    rows = []
    for ind in INDICATORS:
        sc = scorecard_df[scorecard_df["indicator"] == ind]
        councils = sc[~sc["area"].isin(["region", "region_mean", area]) & sc["value"].notna()]
        if (~councils["low_n"].astype(bool)).any():
            councils = councils[~councils["low_n"].astype(bool)]
        best = None
        if len(councils):
            pick = councils["value"].astype("int64")
            best = councils.loc[pick.idxmax() if ind == "A3" else pick.idxmin()].to_dict()
        own = sc[sc["area"] == area]
        region = sc[sc["area"] == "region"]
        found = {
            "council": own.iloc[0].to_dict() if len(own) else {},
            "region": region.iloc[0].to_dict() if len(region) else {},
            "best": best or {},
        }
        row: dict[str, Any] = {"indicator": ind}
        for key, rec in found.items():
            row[key] = _opt_int(rec.get("value"))
            row[f"{key}_n"] = _opt_int(rec.get("n")) or 0
            # a suppressed figure is shown as `x`, never marked (nor is the mark's note shown for it)
            row[f"{key}_low"] = (row[key] is not None and bool(rec.get("low_n", False))
                                 and not bool(rec.get("value_hidden", False)))
            if key == "best":
                row["best_area"] = None if best is None else str(best["area"])
        if masked:
            for key, rec in found.items():
                row[f"{key}_hidden"] = bool(rec.get("value_hidden", False))
                row[f"{key}_n_hidden"] = bool(rec.get("n_hidden", False))
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("council", "region", "best"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


#: Each indicator's row label in the council-against-region table, with its unit.
TABLE_LABELS = INDICATOR_COLUMNS  # the presentation layer's one labels table


def compare_marked(comp: pd.DataFrame) -> bool:
    """Whether the council-against-region table (`compare_table`) marks any figure as a low number, so the
    note saying what the mark means goes with it."""
    return bool(comp[[f"{key}_low" for key in ("council", "region", "best")]].astype(bool).to_numpy().any())


def compare_table(comp_text: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The council-against-region table as shown: a `compare_council` frame as text, the indicator as its
    `TABLE_LABELS` row label, a figure resting on fewer than `low_n_below` children followed by `LOW_N_MARK`
    (as in the chart beside it; a suppressed figure is never marked) and the best partner's figure followed by
    its name ("363* (Northshire)"). Columns: indicator, council, council_n, region, best."""
    def marked(key: str) -> list[str]:
        # a flag column as text (suppression.as_text) reads "yes" or "": both, like bools, are truthy or not
        return [f"{v}{LOW_N_MARK}" if bool(low) and v not in (EMPTY, HIDDEN) else v
                for v, low in zip(comp_text[key], comp_text[f"{key}_low"], strict=True)]

    return comp_text.assign(
        council=marked("council"),
        region=marked("region"),
        best=[f"{b} ({area_label(a, names)})" if a else b
              for b, a in zip(marked("best"), comp_text["best_area"], strict=True)],
        indicator=[TABLE_LABELS[i] for i in comp_text["indicator"]],
    )[["indicator", "council", "council_n", "region", "best"]]


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):
        return v.item()
    return v


def kpi_report(snapshot: Snapshot, request: PerformanceRequest) -> dict[str, Any]:
    """The JSON document of `raa kpi --period P [--as-at DATE] [--thresholds SET]` (docs/command-line.md).

    Every row carries `threshold_set`: the named set its threshold and difference come from. `no_data`
    names each council that had sent no children drop by the request's as-at date, with the words shown
    instead of its figures (its rows then have n = 0 and null values: no data, not zero).
    """
    period, as_at, threshold_set = request.period, request.as_at, request.thresholds
    df = scorecard(snapshot, request)
    rows: list[dict[str, Any]] = []
    for rec in df.to_dict(orient="records"):
        row = {
            k: _plain(rec[k]) for k in ("indicator", "area", "value", "median", "n", "threshold", "difference", "low_n")
        }
        row["threshold_set"] = threshold_set
        row["low_n"] = bool(rec["low_n"])
        if rec["indicator"] == "A3":
            row["count"] = _plain(rec["count"])
        rows.append(row)
    return {
        "period": period.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_at": as_at.isoformat() if as_at else None,
        "no_data": coverage.missing(snapshot, request, "children"),
        "threshold_set": threshold_set,
        "thresholds": THRESHOLD_SETS[threshold_set],
        "rows": rows,
    }
