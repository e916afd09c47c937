"""Characteristics of the children adopted, placed and waiting (docs/indicators.md, ASGLB).

Each group is broken down by age at entering care and at placement (under 1, 1-4, 5-9, 10+ completed
years), sex, ethnicity group (SSDA903 codes grouped White, Mixed, Asian, Black, Other, Not known), being
in a sibling group, disability (`disabled`), and "harder to place": aged 5 or over at the ADM decision, in a
sibling group, of an ethnic minority background (any known group other than White) or disabled, any of
these. Groups: **adopted** = adoption order in the period (including children adopted without a recorded
placement); **placed** = adoptive placement starting in the period; **waiting** = waiting at a date as
`journeys.children_waiting` counts them (age at placement does not apply to them). Every value reaches
SQL as a parameter; small-number rules apply where the pages and exports show the figures.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from raa_core.performance.journeys import as_int_columns, waiting_rows_sql
from raa_core.periods import Period
from raa_core.presentation import date_text
from raa_core.reference import Reference
from raa_core.requests import PerformanceRequest
from raa_core.snapshot import Snapshot
from raa_core.store.sql import Bind, area_sql, areas_sql, round_pct_sql, state_source

GROUPS: dict[str, str] = {
    "adopted": "Children adopted in the period",
    "placed": "Children placed for adoption in the period",
    "waiting": "Children waiting at the date",
}
#: How a characteristics table adds up, for publication (`suppression.suppress_table`): within each group and
#: dimension (`BREAKDOWN`), an area's categories add up to its `n` (every child falls in one category, "not
#: recorded" included), and each category's region to its councils.
BREAKDOWN: tuple[str, ...] = ("group", "dimension")
PARTS_OF: tuple[str, str, str] = ("children", "n", "category_order")
#: The first paragraph of this module's docstring: the help shown beside the characteristics tables.
HELP: str = (__doc__ or "").split("\n\n")[0]
#: What each group's children did, as the no-children words say it ("no children adopted in 2018-19").
GROUP_VERBS: dict[str, str] = {"adopted": "adopted", "placed": "placed", "waiting": "waiting"}


def group_heading(group: str, period: Period, at: dt.date) -> str:
    """A group's heading for a period and date: "Children adopted in 2018-19", "Children waiting at 31 Mar 2019"."""
    return GROUPS[group].replace("the period", period.name).replace("the date", date_text(at))


def group_choice(group: str, period: Period, at: dt.date) -> str:
    """A group as a choice names it: "adopted in 2018-19", "placed in 2018-19", "waiting on 31 Mar 2019"."""
    return f"waiting on {date_text(at)}" if group == "waiting" else f"{GROUP_VERBS[group]} in {period.name}"


def no_children_words(group: str, period: Period) -> str:
    """The words shown instead of an empty table: "no children adopted in 2018-19" (`coverage`)."""
    from raa_core.ingest.coverage import no_children_message

    return no_children_message(GROUP_VERBS[group], period.name)


def holds_children(chars: pd.DataFrame, group: str, area: str) -> bool:
    """Whether a `characteristics` frame counts any child of a group in an area (n above 0)."""
    n = chars[(chars["group"] == group) & (chars["area"] == area)]["n"]
    return bool(len(n)) and int(n.max() or 0) > 0


def table_rows(text: pd.DataFrame, percent_sign: bool = False) -> pd.DataFrame:
    """The rows of a characteristics table as shown (a `characteristics` frame as text): characteristic,
    category, children and % of n, the percentage followed by `%` where `percent_sign` and there is a figure
    (not where it is blank, suppressed or words: `marked`). Columns: dimension_label, category, children, pct."""
    rows = text[["dimension_label", "category", "children", "pct"]]
    if not percent_sign:
        return rows
    return rows.assign(pct=[f"{v}%" if str(v)[:1].isdigit() else v for v in rows["pct"]])


def not_provided(snapshot: Snapshot, request: PerformanceRequest) -> dict[str, dict[str, str]]:
    """{area: {dimension: words}} for the `DIMENSIONS` a council's 903 files cannot give ("In a sibling group",
    and "Harder to place", which counts sibling groups) and the region counting it, in every group, as
    `coverage.not_provided_counts` judges them (the ASGLB's `waiting_` keys): their rows' children and % read the
    words, never a zero (`marked`; docs/ssda903.md)."""
    from raa_core.ingest import coverage

    return coverage.not_provided_counts(snapshot, request, tuple(d for d, _, _ in DIMENSIONS), "waiting_")


#: The columns of a characteristics row that read the not-provided words (`not_provided`).
NOT_PROVIDED_FIGURES: tuple[str, ...] = ("children", "pct")


def marked(frame: pd.DataFrame, marks: dict[str, dict[str, str]]) -> pd.DataFrame:
    """A `characteristics` frame (as computed or as text) with the words of `not_provided` in the children and %
    of each dimension a council's 903 files cannot give: the table shown and the download."""
    from raa_core.ingest import coverage

    return coverage.mark_not_provided(frame, marks, by="dimension", figures=NOT_PROVIDED_FIGURES)


AGE_BANDS: tuple[str, ...] = ("under 1", "1 to 4", "5 to 9", "10 and over")
ETHNICITY_GROUPS: tuple[str, ...] = ("White", "Mixed", "Asian", "Black", "Other", "Not known")
#: SSDA903 ethnicity codes by group (DfE CLA return guidance); any other code, or none, is "Not known".
ETHNICITY_CODES: dict[str, str] = {
    **dict.fromkeys(("WBRI", "WIRI", "WOTH", "WIRT", "WROM"), "White"),
    **dict.fromkeys(("MWBC", "MWBA", "MWAS", "MOTH"), "Mixed"),
    **dict.fromkeys(("AIND", "APKN", "ABAN", "AOTH"), "Asian"),
    **dict.fromkeys(("BCRB", "BAFR", "BOTH"), "Black"),
    **dict.fromkeys(("CHNE", "OOTH"), "Other"),
    **dict.fromkeys(("REFU", "NOBT"), "Not known"),
}
#: (dimension, label, categories), in display order.
DIMENSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("age_entering_care", "Age at entering care", AGE_BANDS),
    ("age_at_placement", "Age at placement", AGE_BANDS),
    ("sex", "Sex", ("Male", "Female")),
    ("ethnicity", "Ethnicity group", ETHNICITY_GROUPS),
    ("sibling_group", "In a sibling group", ("In a sibling group", "Not in a sibling group")),
    ("disabled", "Disability", ("Disabled", "Not disabled")),
    ("harder_to_place", "Harder to place", ("Harder to place", "Not harder to place")),
)
COLUMNS: list[str] = [
    "group",
    "dimension",
    "dimension_label",
    "category_order",
    "category",
    "area",
    "children",
    "n",
    "pct",
    "low_n",
]


def _age_band_sql(b: Bind, dob: str, on: str) -> str:
    """Index into AGE_BANDS of the completed years between `dob` and `on` (NULL where `on` is NULL)."""
    years = f"date_sub('year', {dob}, {on})"
    return (
        f"CASE WHEN {on} IS NULL THEN NULL WHEN {years} < {b(1)} THEN 0 WHEN {years} < {b(5)} THEN 1 "
        f"WHEN {years} < {b(10)} THEN 2 ELSE 3 END"
    )


def _rows_sql(b: Bind, source: str, period: Period, at: dt.date) -> str:
    """A row per child in each group: la_code, grp, dob, sex, ethnicity, sib, disabled, entered, decided, placed."""
    start, end = b.typed(period.start, "DATE"), b.typed(period.end, "DATE")
    person = (
        "date_of_birth AS dob, sex, ethnicity, sibling_group_id IS NOT NULL AS sib, "
        "coalesce(disabled, false) AS disabled, entered_care_date AS entered, "
        "coalesce(adm_decision_date, placement_order_date, entered_care_date) AS decided"
    )
    extra = (
        "s.date_of_birth AS dob, s.sex, s.ethnicity, s.sibling_group_id IS NOT NULL AS sib, "
        "coalesce(s.disabled, false) AS disabled, s.entered_care_date AS entered, "
        "coalesce(s.adm_decision_date, s.placement_order_date, s.entered_care_date) AS decided"
    )
    waiting = waiting_rows_sql(b, source, [at], extra)
    return f"""
        SELECT la_code, 'adopted' AS grp, {person}, placed_date AS placed FROM {source}
        WHERE adoption_order_date BETWEEN {start} AND {end}
        UNION ALL
        SELECT la_code, 'placed', {person}, placed_date FROM {source} WHERE placed_date BETWEEN {start} AND {end}
        UNION ALL
        SELECT la_code, 'waiting', dob, sex, ethnicity, sib, disabled, entered, decided, CAST(NULL AS DATE)
        FROM ({waiting}) w
    """


def characteristics(snapshot: Snapshot, request: PerformanceRequest, at: dt.date | None = None) -> pd.DataFrame:
    """Children adopted and placed in `period`, and waiting at `at`, by each characteristic, per area.

    Columns (`COLUMNS`): group, dimension, dimension_label, category_order, category, area, children (in
    the category), n (children in the group and area), pct (whole percent of n; null where n = 0), low_n
    (n below the low-number limit). Every category of every dimension of every group and area is listed
    (0 where none); age at placement is not listed for children waiting.
    """
    with snapshot.cursor() as con:
        return _characteristics(con, request.period, at or request.waiting_at(snapshot.today), snapshot.ref, request.as_at)


def _characteristics(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    at: dt.date,
    ref: Reference | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """`characteristics` over a cursor the caller holds."""
    b = Bind()
    source = state_source(b, "children", as_at)
    codes = list(ETHNICITY_CODES)
    groups_of = [ETHNICITY_GROUPS.index(ETHNICITY_CODES[c]) for c in codes]
    eth = (
        f"coalesce(list_extract({b.typed(groups_of, 'INTEGER[]')}, "
        f"list_position({b.typed(codes, 'VARCHAR[]')}, upper(trim(r.ethnicity)))), {b(len(ETHNICITY_GROUPS) - 1)})"
    )
    minority = f"({eth}) BETWEEN {b(1)} AND {b(4)}"
    harder = f"(date_sub('year', r.dob, r.decided) >= {b(5)} OR r.sib OR {minority} OR r.disabled)"
    dims = [d for d, _, _ in DIMENSIONS]
    values = {
        "age_entering_care": _age_band_sql(b, "r.dob", "r.entered"),
        "age_at_placement": _age_band_sql(b, "r.dob", "r.placed"),
        "sex": f"CASE r.sex WHEN {b('M')} THEN 0 WHEN {b('F')} THEN 1 END",
        "ethnicity": eth,
        "sibling_group": "CASE WHEN r.sib THEN 0 ELSE 1 END",
        "disabled": "CASE WHEN r.disabled THEN 0 ELSE 1 END",
        "harder_to_place": f"CASE WHEN {harder} THEN 0 ELSE 1 END",
    }
    cells = ", ".join(f"{{'dim': {b(d)}, 'cat': {values[d]}}}" for d in dims)
    grid = [
        (g, d, label, i, cat)
        for g in GROUPS
        for d, label, cats in DIMENSIONS
        if not (g == "waiting" and d == "age_at_placement")
        for i, cat in enumerate(cats)
    ]
    cats_sql = ", ".join(
        f"unnest({b.typed([row[k] for row in grid], t)}) AS {c}"
        for k, (c, t) in enumerate(
            (
                ("grp", "VARCHAR[]"),
                ("dim", "VARCHAR[]"),
                ("dim_label", "VARCHAR[]"),
                ("cat", "INTEGER[]"),
                ("category", "VARCHAR[]"),
            )
        )
    )
    low = ref.settings.low_n_below if ref is not None else 6
    df = b.run(
        con,
        f"""
        WITH r AS ({_rows_sql(b, source, period, at)}),
        cells AS (SELECT r.la_code, r.grp, unnest([{cells}], recursive := true) FROM r),
        agg AS (SELECT grp, dim, cat, {area_sql()} AS area, count(*) AS children
                FROM cells WHERE cat IS NOT NULL GROUP BY GROUPING SETS ((grp, dim, cat, la_code), (grp, dim, cat))),
        tot AS (SELECT grp, {area_sql()} AS area, count(*) AS n FROM r GROUP BY GROUPING SETS ((grp, la_code), (grp))),
        g AS (SELECT *, row_number() OVER () AS gord FROM (SELECT {cats_sql}))
        SELECT g.grp AS "group", g.dim AS dimension, g.dim_label AS dimension_label, g.cat AS category_order,
               g.category, a.area, CAST(coalesce(agg.children, 0) AS BIGINT) AS children,
               CAST(coalesce(tot.n, 0) AS BIGINT) AS n,
               {round_pct_sql("coalesce(agg.children, 0)", "tot.n")} AS pct,
               coalesce(tot.n, 0) < {b(int(low))} AS low_n
        FROM g CROSS JOIN ({areas_sql(b, ref, as_at)}) a
        LEFT JOIN agg ON agg.grp = g.grp AND agg.dim = g.dim AND agg.cat = g.cat AND agg.area = a.area
        LEFT JOIN tot ON tot.grp = g.grp AND tot.area = a.area
        ORDER BY g.gord, a.aord
        """,
    ).df()
    df["low_n"] = df["low_n"].astype(bool)
    return as_int_columns(df, ["category_order", "children", "n"], ["pct"])[COLUMNS]
