"""The ASGLB's row-level template: one row per child and one per adopter household for a quarter, and the
return's ASGLB v3 items, each a count of the template's rows that satisfy its rule (docs/asglb.md).

The collection is a child-level and household-level template sent securely; the aggregate items are what is
published. The template holds personal identifiers and dates of birth, so it reaches people with child-level
rights only (`raa_core.access.policy`); the aggregates do not. Every v3 item names the contract v3 columns it
needs: where a council's drop does not carry them the item is "not provided" (`coverage.provided`), never zero,
and the template's cells of those columns say so too.

Scope of the rows for a quarter: a child whose record has any date in the quarter, or whose journey had begun
(any step) by its last day and had not ended (adoption order or plan reversed) before its first; a household
with any date in the quarter, or that had enquired by its last day and had not withdrawn or had a child placed
before its first. Waiting at the quarter's last day is the pages' rule (`journeys.waiting_rows_sql`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from raa_core.ingest import coverage
from raa_core.ingest.contract import (
    ADOPTERS,
    ADOPTERS_LEGAL_STATUS,
    ADOPTERS_SEX,
    AGENCY_TYPES,
    ASGLB_V3_COLUMNS,
    CHILDREN,
    REVERSAL_CODES,
    ColType,
    Issue,
    TableSpec,
)
from raa_core.ingest.drop_files import check_table, plan_file
from raa_core.performance.characteristics import ETHNICITY_CODES
from raa_core.performance.journeys import waiting_rows_sql
from raa_core.periods import Period, add_months
from raa_core.reference import Reference
from raa_core.requests import AsAt
from raa_core.snapshot import Snapshot
from raa_core.store.sql import Bind, state_source

#: The template's sections and their columns, as the collection groups them.
CHILD_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Characteristics", ("la_code", "child_id", "sex", "date_of_birth", "ethnicity", "disabled", "sibling_group_id",
                         "sibling_group_size", "siblings_placed_together", "siblings_placed_apart")),
    ("Key dates and outcomes", ("entered_care_date", "adm_decision_date", "placement_order_date",
                                "placed_with_consent", "ffa_decision_date", "ffa_placed_date",
                                "fostered_by_adopters_from", "early_permanence", "family_finding_status",
                                "matched_date", "placed_date", "placement_provider", "adoption_order_date",
                                "waiting_at_quarter_end", "days_waiting_at_quarter_end")),
    ("Reversals and disruptions", ("plan_reversed_date", "plan_reversed_code", "plan_reversed_reason",
                                   "disruption_date")),
)
ADOPTER_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Characteristics", ("la_code", "household_id", "adopters_count", "adopters_sex", "adopters_legal_status",
                         "adopters_ethnicity", "agency_type", "fast_track", "early_permanence")),
    ("Key dates and outcomes", ("roi_date", "stage1_end_date", "stage2_start_date", "approval_date",
                                "matched_date", "placed_date", "children_placed", "interagency_child",
                                "withdrawn_date", "withdrawn_reason")),
    ("Disruptions", ("disruption_date",)),
    ("Enquiries", ("enquiry_date",)),
)
CHILD_COLUMNS: tuple[str, ...] = tuple(c for _, cols in CHILD_SECTIONS for c in cols)
ADOPTER_COLUMNS: tuple[str, ...] = tuple(c for _, cols in ADOPTER_SECTIONS for c in cols)

#: A rule over the template's rows for a quarter: which rows count.
RowTest = Callable[[pd.DataFrame, Period], "pd.Series[bool]"]


@dataclass(frozen=True)
class RowItem:
    """An aggregate item of the return counted from the row-level template: its rule in words and as a test."""

    key: str
    section: str
    label: str
    dataset: str  # children or adopters
    rule: str
    test: RowTest
    needs: tuple[str, ...] = ()  # contract v3 columns it rests on ("not provided" without them)
    unit: str = "children"


def _ts(d: dt.date) -> pd.Timestamp:
    return pd.Timestamp(d)


def in_quarter(rows: pd.DataFrame, col: str, q: Period) -> pd.Series:
    """Rows whose `col` date falls in the quarter (a blank date never does)."""
    d = pd.to_datetime(rows[col])
    return ((d >= _ts(q.start)) & (d <= _ts(q.end))).fillna(False).astype(bool)


def _is(rows: pd.DataFrame, col: str, value: object) -> pd.Series:
    return (rows[col] == value).fillna(False).astype(bool)


def _within(rows: pd.DataFrame, start: str, end: str, months: int) -> pd.Series:
    """`end` on or before the day `months` calendar months after `start` (both recorded; `periods.add_months`)."""
    out = []
    for a, b in zip(pd.to_datetime(rows[start]), pd.to_datetime(rows[end]), strict=True):
        out.append(bool(not pd.isna(a) and not pd.isna(b) and b.date() <= add_months(a.date(), months)))
    return pd.Series(out, index=rows.index, dtype=bool)


def _recorded(rows: pd.DataFrame, col: str) -> pd.Series:
    return rows[col].notna().astype(bool)


_MINORITY = tuple(code for code, group in ETHNICITY_CODES.items() if group in ("Mixed", "Asian", "Black", "Other"))
_RD_WORDS = {"RD1": "the child's needs changed", "RD2": "the court did not make a placement order",
             "RD3": "prospective adopters could not be found", "RD4": "any other reason"}
_PROVIDER_WORDS = {"own": "the council's own or its RAA's", "other_la_raa": "another council's or RAA's",
                   "vaa": "a voluntary adoption agency's"}
_SEX_WORDS = {"M1": "one man", "F1": "one woman", "MM": "two men", "FF": "two women", "MF": "a man and a woman"}
_LEGAL_WORDS = {"L0": "single adopter", "L11": "married couple (opposite sex)", "L12": "married couple (same sex)",
                "L2": "civil partners", "L3": "unmarried couple", "L4": "other"}
_AGENCY_WORDS = {"la_raa": "a council or RAA", "vaa": "a voluntary adoption agency"}
_FF_WAITING = ("not_started", "family_finding", "linked", "matched")
_CA, _WT, _AD, _AA = ("Children: activity in the quarter (ASGLB v3)", "Children waiting at the end of the quarter "
                      "(ASGLB v3)", "Adopters: activity in the quarter (ASGLB v3)", "Adopters approved in the quarter: "
                      "household characteristics (ASGLB v3)")


def _waiting(rows: pd.DataFrame) -> pd.Series:
    return rows["waiting_at_quarter_end"].fillna(False).astype(bool)


def _approved(rows: pd.DataFrame, q: Period) -> pd.Series:
    return in_quarter(rows, "approval_date", q)


ROW_ITEMS: tuple[RowItem, ...] = (
    RowItem("children_ffa_decisions", _CA, "Decisions to place on a fostering-for-adoption or concurrent-planning "
            "basis", "children", "ffa_decision_date in the quarter",
            lambda r, q: in_quarter(r, "ffa_decision_date", q), ("ffa_decision_date",)),
    RowItem("children_ffa_placements", _CA, "Children placed on a fostering-for-adoption or concurrent-planning "
            "basis", "children", "ffa_placed_date in the quarter",
            lambda r, q: in_quarter(r, "ffa_placed_date", q), ("ffa_placed_date",)),
    *(RowItem(f"children_placements_{p}", _CA, f"Children placed for adoption with {w} adopters", "children",
              f"placed_date in the quarter and placement_provider = {p}",
              lambda r, q, p=p: in_quarter(r, "placed_date", q) & _is(r, "placement_provider", p),
              ("placement_provider",)) for p, w in _PROVIDER_WORDS.items()),
    RowItem("children_placed_siblings_together", _CA, "Children placed in the quarter whose whole sibling group "
            "was placed together", "children", "placed_date in the quarter, sibling_group_size 2 or more and "
            "siblings_placed_together = sibling_group_size",
            lambda r, q: in_quarter(r, "placed_date", q) & (r["sibling_group_size"] >= 2).fillna(False).astype(bool)
            & (r["siblings_placed_together"] == r["sibling_group_size"]).fillna(False).astype(bool),
            ("sibling_group_size", "siblings_placed_together")),
    RowItem("children_placed_siblings_apart", _CA, "Children placed in the quarter apart from some of their "
            "siblings", "children", "placed_date in the quarter, sibling_group_size 2 or more and "
            "siblings_placed_together < sibling_group_size",
            lambda r, q: in_quarter(r, "placed_date", q) & (r["sibling_group_size"] >= 2).fillna(False).astype(bool)
            & (r["siblings_placed_together"] < r["sibling_group_size"]).fillna(False).astype(bool),
            ("sibling_group_size", "siblings_placed_together")),
    *(RowItem(f"children_reversals_{c}", _CA, f"Children no longer to be adopted: {c}, {w}", "children",
              f"plan_reversed_date in the quarter and plan_reversed_code = {c} (SSDA903 REASON_PLACED_CEASED)",
              lambda r, q, c=c: in_quarter(r, "plan_reversed_date", q) & _is(r, "plan_reversed_code", c),
              ("plan_reversed_code",)) for c, w in _RD_WORDS.items() if c in REVERSAL_CODES),
    RowItem("waiting_over_90_days", _WT, "Children waiting more than 90 days", "children",
            "waiting at the quarter's last day and more than 90 days since the first of the ADM decision and the "
            "placement order (the start the pages use for time waiting; docs/asglb.md)",
            lambda r, q: _waiting(r) & (r["days_waiting_at_quarter_end"] > 90).fillna(False).astype(bool)),
    *(RowItem(f"waiting_family_finding_{s}", _WT, f"Waiting, family-finding status {s.replace('_', ' ')}",
              "children", f"waiting at the quarter's last day and family_finding_status = {s} (as the drop records "
              f"it on its extract date)", lambda r, q, s=s: _waiting(r) & _is(r, "family_finding_status", s),
              ("family_finding_status",)) for s in _FF_WAITING),
    RowItem("adopters_disruptions", _AD, "Households whose placement disrupted", "adopters",
            "disruption_date in the quarter", lambda r, q: in_quarter(r, "disruption_date", q), ("disruption_date",),
            "households"),
    RowItem("adopters_approvals_timed", _AD, "Approvals counted for timeliness (not fast-track, registration "
            "recorded)", "adopters", "approval_date in the quarter, not fast_track, roi_date recorded",
            lambda r, q: _approved(r, q) & ~r["fast_track"].fillna(False).astype(bool) & _recorded(r, "roi_date"),
            (), "households"),
    RowItem("adopters_approvals_within_6m", _AD, "of which approved within 6 months of registration", "adopters",
            "as approvals counted for timeliness, and approval_date on or before roi_date + 6 calendar months",
            lambda r, q: _approved(r, q) & ~r["fast_track"].fillna(False).astype(bool)
            & _within(r, "roi_date", "approval_date", 6), (), "households"),
    RowItem("adopters_matches_timed", _AD, "Matches counted for timeliness (approval recorded)", "adopters",
            "matched_date in the quarter and approval_date recorded",
            lambda r, q: in_quarter(r, "matched_date", q) & _recorded(r, "approval_date"), (), "households"),
    RowItem("adopters_matches_within_3m", _AD, "of which matched within 3 months of approval", "adopters",
            "matched_date in the quarter and on or before approval_date + 3 calendar months",
            lambda r, q: in_quarter(r, "matched_date", q) & _within(r, "approval_date", "matched_date", 3), (),
            "households"),
    *(RowItem(f"adopters_approvals_{a}", _AA, f"Approved households of {_AGENCY_WORDS[a]}", "adopters",
              f"approval_date in the quarter and agency_type = {a}",
              lambda r, q, a=a: _approved(r, q) & _is(r, "agency_type", a), ("agency_type",), "households")
      for a in AGENCY_TYPES),
    *(RowItem(f"adopters_approvals_{w}", _AA, f"Approved households of {n}", "adopters",
              f"approval_date in the quarter and adopters_count = {k}",
              lambda r, q, k=k: _approved(r, q) & _is(r, "adopters_count", k), ("adopters_count",), "households")
      for k, w, n in ((1, "single", "one adopter"), (2, "couple", "two adopters"))),
    *(RowItem(f"adopters_approvals_sex_{s}", _AA, f"Approved households of {_SEX_WORDS[s]} ({s})", "adopters",
              f"approval_date in the quarter and adopters_sex = {s}",
              lambda r, q, s=s: _approved(r, q) & _is(r, "adopters_sex", s), ("adopters_sex",), "households")
      for s in ADOPTERS_SEX),
    *(RowItem(f"adopters_approvals_legal_{s}", _AA, f"Approved households: {_LEGAL_WORDS[s]} ({s})", "adopters",
              f"approval_date in the quarter and adopters_legal_status = {s}",
              lambda r, q, s=s: _approved(r, q) & _is(r, "adopters_legal_status", s), ("adopters_legal_status",),
              "households") for s in ADOPTERS_LEGAL_STATUS),
    RowItem("adopters_approvals_ethnic_minority", _AA, "Approved households of an ethnic minority background",
            "adopters", "approval_date in the quarter and adopters_ethnicity in the Mixed, Asian, Black or Other "
            "groups (SSDA903 codes)", lambda r, q: _approved(r, q) & r["adopters_ethnicity"].isin(_MINORITY),
            ("adopters_ethnicity",), "households"),
)


@dataclass(frozen=True)
class Template:
    """The row-level template of a quarter: the raw rows (for counting) and which councils provide which v3
    columns (area code as a string -> column -> bool; `coverage.provided`)."""

    quarter: Period
    children: pd.DataFrame
    adopters: pd.DataFrame
    provided: dict[str, dict[str, dict[str, bool]]]  # table -> column -> area -> provided


def _child_rows(b: Bind, source: str, q: Period) -> str:
    dates = ["adm_decision_date", "placement_order_date", "matched_date", "placed_date", "adoption_order_date",
             "plan_reversed_date", "disruption_date", "ffa_decision_date", "ffa_placed_date",
             "fostered_by_adopters_from"]
    start, end = b.typed(q.start, "DATE"), b.typed(q.end, "DATE")
    any_in = " OR ".join(f"s.{d} BETWEEN {start} AND {end}" for d in dates)
    wait = waiting_rows_sql(b, source, [q.end], "s.child_id AS w_child, s.entered_care_date AS w_entered")
    return f"""
        SELECT s.*, s.sibling_group_size - s.siblings_placed_together AS siblings_placed_apart,
               w.w_child IS NOT NULL AS waiting_at_quarter_end, w.days_waiting AS days_waiting_at_quarter_end
        FROM {source} s LEFT JOIN ({wait}) w
          ON w.la_code = s.la_code AND w.w_child = s.child_id AND w.w_entered = s.entered_care_date
        WHERE ({any_in}) OR (least({", ".join(f"s.{d}" for d in dates)}) <= {end}
              AND coalesce(least(s.adoption_order_date, s.plan_reversed_date), DATE 'infinity') >= {start})
        ORDER BY s.la_code, s.child_id, s.entered_care_date
    """


def _adopter_rows(b: Bind, source: str, q: Period) -> str:
    dates = ["enquiry_date", "roi_date", "stage1_end_date", "stage2_start_date", "approval_date", "matched_date",
             "placed_date", "withdrawn_date", "disruption_date"]
    start, end = b.typed(q.start, "DATE"), b.typed(q.end, "DATE")
    any_in = " OR ".join(f"{d} BETWEEN {start} AND {end}" for d in dates)
    return f"""
        SELECT * FROM {source}
        WHERE ({any_in}) OR (enquiry_date <= {end}
              AND coalesce(least(withdrawn_date, placed_date), DATE 'infinity') >= {start})
        ORDER BY la_code, household_id
    """


def template(snapshot: Snapshot, request: AsAt, q: Period) -> Template:
    """The row-level template of quarter `q` from the drops' state as at the request's as-at date.

    Children's columns `CHILD_COLUMNS`, households' `ADOPTER_COLUMNS` (dates as pandas timestamps, counts as
    nullable integers, a v3 column a council does not provide blank here and "not provided" in `sheet_frames`).
    """
    b = Bind()
    kids_sql = _child_rows(b, state_source(b, "children", request.as_at), q)
    with snapshot.cursor() as con:
        kids = b.run(con, kids_sql).df()
        b2 = Bind()
        homes = b2.run(con, _adopter_rows(b2, state_source(b2, "adopters", request.as_at), q)).df()
    provided = {t: {c: coverage.provided(snapshot, request, t, [c]) for c in cols}
                for t, cols in ASGLB_V3_COLUMNS.items()}
    for frame in (kids, homes):
        for col in ("sibling_group_size", "siblings_placed_together", "siblings_placed_apart", "adopters_count",
                    "children_placed", "days_waiting_at_quarter_end"):
            if col in frame.columns:
                frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    return Template(q, kids[[*CHILD_COLUMNS]].reset_index(drop=True), homes[[*ADOPTER_COLUMNS]].reset_index(drop=True),
                    provided)


def only(t: Template, councils: tuple[int, ...]) -> Template:
    """The template with the rows of `councils` only (a council analyst's own council)."""
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["la_code"].astype(int).isin(list(councils))].reset_index(drop=True)
    return Template(t.quarter, keep(t.children), keep(t.adopters), t.provided)


def _usable(t: Template, item: RowItem, area: str) -> bool:
    """Whether the councils' drops (the region: any council's) provide every column the item needs."""
    return all(t.provided[item.dataset][c][area] for c in item.needs)


def item_counts(t: Template, areas: list[str]) -> dict[tuple[str, str], tuple[int | None, str]]:
    """(item key, area) -> (count of the template's rows satisfying the item's rule, or None where not provided;
    the words of a not-provided cell). `region` counts the rows of the councils that provide the columns."""
    out: dict[tuple[str, str], tuple[int | None, str]] = {}
    for item in ROW_ITEMS:
        rows = t.children if item.dataset == "children" else t.adopters
        hit = item.test(rows, t.quarter)
        for area in areas:
            if not _usable(t, item, area):
                out[(item.key, area)] = (None, coverage.not_provided_message(item.dataset, item.needs))
                continue
            note = ""
            if area == "region":
                mask = hit
                if item.needs:
                    every = [a for a in t.provided[item.dataset][item.needs[0]] if a != "region"]
                    councils = [a for a in every if _usable(t, item, a)]
                    mask = hit & rows["la_code"].astype(str).isin(councils)
                    note = "councils providing the columns only" if len(councils) < len(every) else ""
            else:
                mask = hit & (rows["la_code"].astype(str) == area)
            out[(item.key, area)] = (int(mask.sum()), note)
    return out


def sheet_frames(t: Template) -> list[tuple[str, pd.DataFrame, str]]:
    """The template's sheets for the workbook: children, then adopter households, each column headed
    `Section: column`; a v3 column a council's drop does not carry reads "not provided" on that council's rows."""
    title = f"ASGLB row-level template, {t.quarter.name}: personal data (child-level rights only; send securely)"
    out = []
    for name, frame, sections, table in (("Children", t.children, CHILD_SECTIONS, "children"),
                                         ("Adopters", t.adopters, ADOPTER_SECTIONS, "adopters")):
        shown = frame.astype(object).where(frame.notna(), None)
        for col, areas in t.provided[table].items():
            absent = [a for a, ok in areas.items() if a != "region" and not ok]
            hit = shown["la_code"].astype(str).isin(absent)
            shown.loc[hit, col] = coverage.NOT_PROVIDED
            if col in ("sibling_group_size", "siblings_placed_together"):
                shown.loc[hit, "siblings_placed_apart"] = coverage.NOT_PROVIDED
        for col in shown.columns:
            if str(frame[col].dtype).startswith("datetime"):
                shown[col] = [v.date() if isinstance(v, pd.Timestamp) else v for v in shown[col]]
        shown.columns = [f"{s}: {c}" for s, cols in sections for c in cols]
        out.append((name, shown, title))
    return out


_ARROW = {ColType.DATE: pa.date32(), ColType.BOOL: pa.bool_(), ColType.INT: pa.int64(), ColType.STRING: pa.string()}


def _arrow(spec: TableSpec, rows: pd.DataFrame) -> pa.Table:
    """The template's rows of one council as the contract's file would hold them (its columns, its types; a
    contract column the template does not carry is written empty, as v3 asks every column to be present)."""
    cols = [c for c in spec.columns if c.type in _ARROW and (c.name in rows.columns or not c.may_be_absent)]
    arrays = []
    for c in cols:
        if c.name not in rows.columns:
            arrays.append(pa.nulls(len(rows), type=_ARROW[c.type]))
            continue
        values = [None if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)) else v
                  for v in rows[c.name].tolist()]
        if c.type is ColType.DATE:
            values = [v.date() if isinstance(v, pd.Timestamp) else v for v in values]
        elif c.type is ColType.INT:
            values = [None if v is None else int(v) for v in values]
        elif c.type is ColType.BOOL:
            values = [None if v is None else bool(v) for v in values]
        arrays.append(pa.array(values, type=_ARROW[c.type]))
    return pa.Table.from_arrays(arrays, names=[c.name for c in cols])


def check(t: Template, ref: Reference) -> list[Issue]:
    """The template checked by the drops' own rules (`drop_files.check_table`: every column, row and key rule of
    the contract) before it is written, each council's rows as that council's file: the issues found (errors
    stop the template being written; `raa asglb --rows`)."""
    issues: list[Issue] = []
    with tempfile.TemporaryDirectory(prefix="raa-asglb-") as tmp:
        con = duckdb.connect()
        try:
            for spec, frame in ((CHILDREN, t.children), (ADOPTERS, t.adopters)):
                plans = []
                for n, (la, rows) in enumerate(frame.groupby("la_code", sort=True)):
                    path = Path(tmp) / f"{la}-{spec.file}"
                    pq.write_table(_arrow(spec, rows), path)
                    plans.append(plan_file(n, path, spec, ref))
                readable = [p for p in plans if p.selects is not None]  # the rest carry their own errors
                if readable:
                    check_table(con, spec, readable, dict.fromkeys(range(len(readable))), ref, f"stage_{spec.name}")
                issues += [i for p in plans for i in p.issues]
        finally:
            con.close()
    return issues
