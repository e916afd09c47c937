"""The ASGLB as collected today: the row-level template, the v3 items counted from it (values worked by hand),
"not provided" where a drop lacks their columns, and every aggregate reconciled with the template's rows."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import stat
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse, snap
from raa_core import cli
from raa_core.errors import BadInput
from raa_core.ingest import coverage
from raa_core.ingest.contract import ASGLB_V3_COLUMNS
from raa_core.performance import asglb, asglb_rows
from raa_core.periods import Period
from raa_core.requests import CURRENT
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

D = dt.date
Q = asglb.parse_quarter("2026-27Q2")  # 1 July to 30 September 2026


def _kid(cid: str, **more: Any) -> dict[str, Any]:
    return {"child_id": cid, "sex": "F", "date_of_birth": D(2024, 1, 1), "entered_care_date": D(2026, 1, 1)} | more


#: Kent's children, each built to land in one v3 item (worked by hand below).
KENT_CHILDREN = [
    # FfA decision 10 Jul and placement 20 Jul; placed 1 Aug with a voluntary agency, 2 of a group of 3 together
    _kid("KT-000001", adm_decision_date=D(2026, 3, 1), placement_order_date=D(2026, 5, 1),
         ffa_decision_date=D(2026, 7, 10), ffa_placed_date=D(2026, 7, 20), matched_date=D(2026, 7, 25),
         placed_date=D(2026, 8, 1), placement_provider="vaa", sibling_group_size=3, siblings_placed_together=2,
         family_finding_status="placed"),
    # placed on the quarter's last day with the council's own adopters, both of a pair together
    _kid("KT-000002", adm_decision_date=D(2026, 3, 1), matched_date=D(2026, 9, 1), placed_date=D(2026, 9, 30),
         placement_provider="own", sibling_group_size=2, siblings_placed_together=2, family_finding_status="placed"),
    # plan reversed 15 Aug: the court did not make a placement order (RD2)
    _kid("KT-000003", adm_decision_date=D(2026, 2, 1), plan_reversed_date=D(2026, 8, 15), plan_reversed_code="RD2",
         family_finding_status="ended", sibling_group_size=1),
    # waiting since 2 Jun: 120 days at 30 Sep (more than 90), linked
    _kid("KT-000004", adm_decision_date=D(2026, 6, 2), family_finding_status="linked", sibling_group_size=1),
    # waiting since 15 Jul: 77 days, family finding
    _kid("KT-000005", adm_decision_date=D(2026, 7, 15), family_finding_status="family_finding", sibling_group_size=1),
    # waiting since 2 Jul: exactly 90 days at 30 Sep, so not "more than 90"
    _kid("KT-000006", adm_decision_date=D(2026, 7, 2), family_finding_status="not_started", sibling_group_size=1),
]
#: Kent's households (enquiry before registration before approval...).
KENT_ADOPTERS = [
    # registered 10 Jan, approved 10 Jul: on the day 6 months later, within
    {"household_id": "KT-A00001", "enquiry_date": D(2025, 12, 1), "roi_date": D(2026, 1, 10),
     "approval_date": D(2026, 7, 10), "agency_type": "la_raa", "adopters_count": 2, "adopters_sex": "MF",
     "adopters_legal_status": "L11", "adopters_ethnicity": "WBRI"},
    # registered 9 Jan, approved 10 Jul: a day late
    {"household_id": "KT-A00002", "enquiry_date": D(2025, 12, 1), "roi_date": D(2026, 1, 9),
     "approval_date": D(2026, 7, 10), "agency_type": "vaa", "adopters_count": 1, "adopters_sex": "F1",
     "adopters_legal_status": "L0", "adopters_ethnicity": "BAFR"},
    # fast-track: left out of approval timeliness
    {"household_id": "KT-A00003", "enquiry_date": D(2026, 2, 1), "roi_date": D(2026, 3, 1), "fast_track": True,
     "approval_date": D(2026, 8, 1), "agency_type": "la_raa", "adopters_count": 2, "adopters_sex": "MM",
     "adopters_legal_status": "L2", "adopters_ethnicity": "WBRI"},
    # approved 1 Apr, matched 1 Jul (on the day 3 months later: within), placed, disrupted 1 Sep
    {"household_id": "KT-A00004", "enquiry_date": D(2025, 9, 1), "approval_date": D(2026, 4, 1),
     "matched_date": D(2026, 7, 1), "placed_date": D(2026, 7, 20), "disruption_date": D(2026, 9, 1),
     "agency_type": "la_raa", "adopters_count": 2, "adopters_sex": "FF", "adopters_legal_status": "L12",
     "adopters_ethnicity": "WBRI"},
    # approved 15 Mar, matched 20 Jul: more than 3 months
    {"household_id": "KT-A00005", "enquiry_date": D(2025, 9, 1), "approval_date": D(2026, 3, 15),
     "matched_date": D(2026, 7, 20), "agency_type": "la_raa", "adopters_count": 1, "adopters_sex": "M1",
     "adopters_legal_status": "L0", "adopters_ethnicity": "WBRI"},
]
#: Bexley sends the v2 columns only: its v3 items are "not provided".
BEXLEY_CHILDREN = [{"child_id": "BX-000001", "sex": "M", "date_of_birth": D(2024, 1, 1),
                    "entered_care_date": D(2026, 1, 1), "adm_decision_date": D(2026, 5, 1),
                    "placed_date": D(2026, 8, 1), "matched_date": D(2026, 7, 1)}]
BEXLEY_ADOPTERS = [{"household_id": "BX-A00001", "enquiry_date": D(2025, 12, 1), "roi_date": D(2026, 1, 20),
                    "approval_date": D(2026, 7, 1)}]
#: Kent's figure for every v3 item, worked by hand from the rows above.
KENT_EXPECTED = {
    "children_ffa_decisions": 1, "children_ffa_placements": 1,
    "children_placements_own": 1, "children_placements_other_la_raa": 0, "children_placements_vaa": 1,
    "children_placed_siblings_together": 1, "children_placed_siblings_apart": 1,
    "children_reversals_RD1": 0, "children_reversals_RD2": 1, "children_reversals_RD3": 0,
    "children_reversals_RD4": 0,
    "waiting_over_90_days": 1,
    "waiting_family_finding_not_started": 1, "waiting_family_finding_family_finding": 1,
    "waiting_family_finding_linked": 1, "waiting_family_finding_matched": 0,
    "adopters_disruptions": 1,
    "adopters_approvals_timed": 2, "adopters_approvals_within_6m": 1,
    "adopters_matches_timed": 2, "adopters_matches_within_3m": 1,
    "adopters_approvals_la_raa": 2, "adopters_approvals_vaa": 1,
    "adopters_approvals_single": 1, "adopters_approvals_couple": 2,
    "adopters_approvals_sex_M1": 0, "adopters_approvals_sex_F1": 1, "adopters_approvals_sex_MM": 1,
    "adopters_approvals_sex_FF": 0, "adopters_approvals_sex_MF": 1,
    "adopters_approvals_legal_L0": 1, "adopters_approvals_legal_L11": 1, "adopters_approvals_legal_L12": 0,
    "adopters_approvals_legal_L2": 1, "adopters_approvals_legal_L3": 0, "adopters_approvals_legal_L4": 0,
    "adopters_approvals_ethnic_minority": 1,
}


@pytest.fixture()
def hand_built() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    add_drop(con, 886, "2026-11-20", children=KENT_CHILDREN, adopters=KENT_ADOPTERS)
    add_drop(con, 303, "2026-11-20", children=BEXLEY_CHILDREN, adopters=BEXLEY_ADOPTERS)
    return con  # Medway sent nothing: no data


def test_every_v3_item_has_a_value_worked_by_hand(hand_built, ref) -> None:
    assert set(KENT_EXPECTED) == {i.key for i in asglb_rows.ROW_ITEMS}
    ret = asglb.asglb_return(snap(hand_built, ref=ref), CURRENT, Q).set_index(["item", "area"])
    for key, value in KENT_EXPECTED.items():
        assert (ret.loc[(key, "886"), "status"], ret.loc[(key, "886"), "value"]) == ("figure", value), key


def test_absent_columns_are_not_provided_never_zero_and_the_raa_counts_the_councils_providing(hand_built, ref) -> None:
    ret = asglb.asglb_return(snap(hand_built, ref=ref), CURRENT, Q).set_index(["item", "area"])
    bexley = ret.loc[("children_placements_own", "303")]
    assert bexley["status"] == "not provided" and pd.isna(bexley["value"])
    assert bexley["note"] == "not provided: the council's children drop does not carry placement_provider"
    raa = ret.loc[("children_placements_vaa", "RAA")]
    assert (raa["value"], raa["note"]) == (1, "councils with data only; councils providing the columns only")
    # items resting on v2 columns only are figures for Bexley: its one approval, registered 20 Jan, within 6 months
    assert ret.loc[("adopters_approvals_within_6m", "303"), "value"] == 1
    assert ret.loc[("adopters_approvals_timed", "RAA"), "value"] == 3
    # Medway sent nothing: no data, in words
    assert ret.loc[("children_placements_own", "887"), "status"] == "no data"
    wide = asglb.wide(asglb.asglb_return(snap(hand_built, ref=ref), CURRENT, Q)).set_index("item")
    assert wide.loc["children_placements_own", "Bexley"] == "not provided"


def test_a1_left_the_return_and_a10_is_its_headline(hand_built, ref) -> None:
    assert "timeliness_A1" not in asglb.ITEM_KEYS and "timeliness_A10" in asglb.ITEM_KEYS
    ret = asglb.asglb_return(snap(hand_built, ref=ref), CURRENT, Q)
    assert not ret["item"].str.contains("A1$").any()
    assert all(i.rule and i.section for i in asglb.ITEMS)


def test_the_template_has_the_collections_sections_and_says_not_provided(hand_built, ref) -> None:
    t = asglb_rows.template(snap(hand_built, ref=ref), CURRENT, Q)
    assert list(t.children["child_id"]) == ["BX-000001", *(k["child_id"] for k in KENT_CHILDREN)]
    assert len(t.adopters) == len(KENT_ADOPTERS) + 1
    kid = t.children.set_index("child_id").loc["KT-000001"]
    assert (kid["siblings_placed_apart"], kid["waiting_at_quarter_end"]) == (1, False)
    assert t.children.set_index("child_id").loc["KT-000004", "days_waiting_at_quarter_end"] == 120
    sheets = {name: frame for name, frame, _ in asglb_rows.sheet_frames(t)}
    kids = sheets["Children"].set_index("Characteristics: child_id")
    assert kids.loc["BX-000001", "Key dates and outcomes: placement_provider"] == "not provided"
    assert kids.loc["BX-000001", "Characteristics: siblings_placed_apart"] == "not provided"
    assert kids.loc["KT-000001", "Key dates and outcomes: placement_provider"] == "vaa"
    assert {c.split(": ")[0] for c in sheets["Children"].columns} == {
        "Characteristics", "Key dates and outcomes", "Reversals and disruptions"}
    assert {c.split(": ")[0] for c in sheets["Adopters"].columns} == {
        "Characteristics", "Key dates and outcomes", "Disruptions", "Enquiries"}


def test_a_council_analysts_template_holds_their_council_only(hand_built, ref) -> None:
    book = asglb.quarter_rows(snap(hand_built, ref=ref), CURRENT, "2026-27Q2", (886,))
    wb = openpyxl.load_workbook(io.BytesIO(book))
    ids = [row[1].value for row in wb["Children"].iter_rows(min_row=4)]
    assert ids == [k["child_id"] for k in KENT_CHILDREN]
    homes = [row[1].value for row in wb["Adopters"].iter_rows(min_row=4)]
    assert homes == [h["household_id"] for h in KENT_ADOPTERS]


def test_the_template_is_checked_by_the_drop_rules_before_it_is_written(ref) -> None:
    con = empty_warehouse()
    # loaded without the drop checks (a factory): 3 of a group of 2 placed together breaks a drop rule
    add_drop(con, 886, "2026-11-20", children=[_kid("KT-000009", adm_decision_date=D(2026, 7, 1),
                                                    sibling_group_size=2, siblings_placed_together=3)], adopters=[])
    t = asglb_rows.template(snap(con, ref=ref), CURRENT, Q)
    found = [(i.rule, i.column) for i in asglb_rows.check(t, ref) if i.severity == "error"]
    assert found == [("negative_count", "siblings_placed_together")]
    with pytest.raises(BadInput, match="siblings_placed_together"):
        asglb.quarter_rows(snap(con, ref=ref), CURRENT, "2026-27Q2")


# --- Reconciliation: every aggregate equals the count of the template's rows satisfying its rule --------------

def _in(rows: pd.DataFrame, col: str, q: Period) -> pd.Series:
    return asglb_rows.in_quarter(rows, col, q)


#: The return's count items computed by SQL (the pages' functions) that count a date in the quarter: item ->
#: (dataset, date column, a flag that must be set too).
_DATED = {
    "children_adm_decisions": ("children", "adm_decision_date", None),
    "children_placement_orders": ("children", "placement_order_date", None),
    "children_matches": ("children", "matched_date", None),
    "children_placements": ("children", "placed_date", None),
    "children_early_permanence_placements": ("children", "placed_date", "early_permanence"),
    "children_adoption_orders": ("children", "adoption_order_date", None),
    "children_reversals": ("children", "plan_reversed_date", None),
    "children_disruptions": ("children", "disruption_date", None),
    "adopters_enquiries": ("adopters", "enquiry_date", None),
    "adopters_rois": ("adopters", "roi_date", None),
    "adopters_approvals": ("adopters", "approval_date", None),
    "adopters_fast_track_approvals": ("adopters", "approval_date", "fast_track"),
    "adopters_matches": ("adopters", "matched_date", None),
    "adopters_placements": ("adopters", "placed_date", None),
    "adopters_withdrawals": ("adopters", "withdrawn_date", None),
}


def _dated(col: str, flag: str | None) -> Any:
    return lambda r, q: _in(r, col, q) & (r[flag].fillna(False).astype(bool) if flag else True)


#: Each restated here as a rule over the template's rows.
SQL_ITEMS = {k: (d, _dated(c, f)) for k, (d, c, f) in _DATED.items()} | {
    "waiting_waiting": ("children", lambda r, q: r["waiting_at_quarter_end"].fillna(False).astype(bool))}


def _reconcile(s: Any, q: Period) -> int:
    """Assert every count item of the return equals its rule over the template's rows; returns the items checked."""
    ret = asglb.asglb_return(s, CURRENT, q)
    t = asglb_rows.template(s, CURRENT, q)
    rules = {k: (d, f) for k, (d, f) in SQL_ITEMS.items()} | {i.key: (i.dataset, i.test) for i in asglb_rows.ROW_ITEMS}
    checked = 0
    for r in ret[ret["status"] == "figure"].itertuples():
        if r.item not in rules:
            continue
        dataset, test = rules[r.item]
        rows = t.children if dataset == "children" else t.adopters
        hit = test(rows, q)
        if r.area != asglb.RAA:
            hit = hit & (rows["la_code"].astype(str) == r.area)
        elif r.item in {i.key for i in asglb_rows.ROW_ITEMS}:
            item = next(i for i in asglb_rows.ROW_ITEMS if i.key == r.item)
            ok = [a for a in t.provided[dataset][item.needs[0]] if a != "region" and all(
                t.provided[dataset][c][a] for c in item.needs)] if item.needs else None
            hit = hit if ok is None else hit & rows["la_code"].astype(str).isin(ok)
        assert int(r.value) == int(hit.sum()), (r.item, r.area)
        checked += 1
    return checked


def test_every_aggregate_reconciles_with_the_rows_over_the_sample(sample_con, ref) -> None:
    s = snap(sample_con, ref=ref)
    for q in (Q, asglb.parse_quarter("2025-26Q4")):
        assert _reconcile(s, q) == 4 * (len(SQL_ITEMS) + len(asglb_rows.ROW_ITEMS))


_DAY = st.integers(0, 500).map(lambda n: D(2025, 10, 1) + dt.timedelta(days=n))


@st.composite
def _child(draw: st.DrawFn, n: int) -> dict[str, Any]:
    entered = draw(st.integers(0, 300).map(lambda k: D(2025, 6, 1) + dt.timedelta(days=k)))
    kid = _kid(f"KT-{n:06d}", entered_care_date=entered, date_of_birth=entered - dt.timedelta(days=400))
    steps = sorted(draw(st.lists(_DAY, min_size=4, max_size=4)))
    upto = draw(st.integers(0, 4))
    for col, day in list(zip(("adm_decision_date", "placement_order_date", "matched_date", "placed_date"),
                             steps, strict=True))[:upto]:
        kid[col] = max(day, entered)
    if draw(st.booleans()):
        kid["ffa_decision_date"] = draw(_DAY)
        kid["ffa_placed_date"] = kid["ffa_decision_date"] + dt.timedelta(days=draw(st.integers(0, 30)))
    if draw(st.booleans()) and "placed_date" not in kid:
        kid["plan_reversed_date"] = draw(_DAY)
        kid["plan_reversed_code"] = draw(st.sampled_from(["RD1", "RD2", "RD3", "RD4"]))
    size = draw(st.integers(1, 4))
    kid |= {"sibling_group_size": size, "siblings_placed_together": draw(st.integers(0, size)),
            "placement_provider": draw(st.sampled_from(["own", "other_la_raa", "vaa"])),
            "family_finding_status": draw(st.sampled_from(["not_started", "family_finding", "linked", "matched"]))}
    return kid


@st.composite
def _household(draw: st.DrawFn, n: int) -> dict[str, Any]:
    days = sorted(draw(st.lists(_DAY, min_size=5, max_size=5)))
    upto = draw(st.integers(1, 5))
    home: dict[str, Any] = {"household_id": f"KT-A{n:05d}", "fast_track": draw(st.booleans())}
    for col, day in list(zip(("enquiry_date", "roi_date", "approval_date", "matched_date", "placed_date"), days,
                             strict=True))[:upto]:
        home[col] = day
    if draw(st.booleans()):
        home["withdrawn_date"] = draw(_DAY)
    home |= {"agency_type": draw(st.sampled_from(["la_raa", "vaa"])), "adopters_count": draw(st.sampled_from([1, 2])),
             "adopters_sex": draw(st.sampled_from(["M1", "F1", "MM", "FF", "MF"])),
             "adopters_legal_status": draw(st.sampled_from(["L0", "L11", "L12", "L2", "L3", "L4"])),
             "adopters_ethnicity": draw(st.sampled_from(["WBRI", "BAFR", "MWBC", "AIND"]))}
    if draw(st.booleans()):
        home["disruption_date"] = draw(_DAY)
    return home


@hyp_settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_aggregates_reconcile_with_the_rows_over_generated_drops(data: st.DataObject, ref) -> None:
    con = empty_warehouse()
    kids = [data.draw(_child(i)) for i in range(1, data.draw(st.integers(1, 12)) + 1)]
    homes = [data.draw(_household(i)) for i in range(1, data.draw(st.integers(1, 12)) + 1)]
    add_drop(con, 886, "2027-03-01", children=kids, adopters=homes)
    add_drop(con, 303, "2027-03-01", children=[dict(k, child_id=k["child_id"].replace("KT", "BX"))
                                               for k in kids[:3]], adopters=[])
    assert _reconcile(snap(con, ref=ref), Q) > 0


# --- raa asglb --rows ------------------------------------------------------------------------------------------

def test_cli_writes_the_row_level_template_owner_only_and_audited(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.xlsx"
    shutil.copytree(sample_db.parent, tmp_path / "wh", symlinks=True)  # private: the audit is written beside it
    db = tmp_path / "wh" / sample_db.name
    assert cli.main(["asglb", "--quarter", "2026-27Q2", "--rows", "--out", str(out), "--db", str(db),
                     "--today", "2026-11-20"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames == ["Children", "Adopters"]
    headers = [c.value for c in wb["Children"][3]]
    assert headers[:2] == ["Characteristics: la_code", "Characteristics: child_id"]
    assert "Reversals and disruptions: plan_reversed_code" in headers
    with AppState.beside(Warehouse(db)).connect() as c:
        audit = c.execute("SELECT actor, action, page, detail FROM audit").fetchall()
    assert [(a[1], a[2], a[3]) for a in audit] == [
        ("export", "raa asglb", f"Wrote the ASGLB row-level template for Q2 2026-27 (July to September 2026) "
                                f"(child-level data) to {out.name}.")]
    assert audit[0][0].startswith("cli:")


def test_the_sample_carries_every_v3_column(sample_con, ref) -> None:
    s = snap(sample_con, ref=ref)
    for table, cols in ASGLB_V3_COLUMNS.items():
        assert all(coverage.provided(s, CURRENT, table, list(cols)).values()), table
