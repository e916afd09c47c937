"""The ASGLB quarterly return: `raa asglb` writes a workbook whose every figure equals raa_core's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pytest

from factories import add_drop, empty_warehouse, req, snap
from raa_core import cli
from raa_core.performance import asglb, journeys, recruitment
from raa_core.periods import parse_period
from raa_core.requests import CURRENT, DataRequest

D = dt.date
Q = asglb.parse_quarter("2026-27Q2")


def test_quarters_are_the_asglbs_q1_april_to_june() -> None:
    assert (Q.start, Q.end) == (D(2026, 7, 1), D(2026, 9, 30))
    q1 = asglb.parse_quarter("2018-19 Q1")
    assert (q1.start, q1.end) == (D(2018, 4, 1), D(2018, 6, 30))
    assert asglb.parse_quarter("2018-19q4").end == D(2019, 3, 31)
    for bad in ("2018-20Q1", "2018-19Q5", "2018Q1", ""):
        with pytest.raises(ValueError, match="2026-27Q2"):
            asglb.parse_quarter(bad)


@pytest.fixture(scope="module")
def sample_return(sample_con: duckdb.DuckDBPyConnection, ref: Any):
    return asglb.asglb_return(snap(sample_con, ref=ref), CURRENT, Q)


def test_one_row_per_item_and_area_with_n_and_rule(sample_return, ref) -> None:
    ret = sample_return
    assert len(ret) == len(asglb.ITEMS) * 4
    assert list(dict.fromkeys(ret["area"])) == ["303", "886", "887", "RAA"]
    assert (ret["rule"].str.len() > 0).all()
    figures = ret[ret["status"] == "figure"]
    assert figures["n"].notna().all()
    not_held = ret[ret["status"] == "not held"]
    assert set(not_held["item"]) == {"sgo_granted", "sgo_support", "support_assessments", "asf_applications",
                                     "complaints"}
    assert not_held["value"].isna().all()


def test_every_figure_equals_raa_core(sample_con, sample_return, ref) -> None:
    ret = sample_return.set_index(["item", "area"])
    act = journeys.activity(snap(sample_con, ref=ref), req(), Q).set_index("area")
    waiting = journeys.children_waiting(snap(sample_con, ref=ref), req(), Q.end).set_index("area")
    homes = recruitment.adopters_waiting(snap(sample_con, ref=ref), req(), Q.end).set_index("area")
    for area, key in (("886", "886"), ("RAA", "region")):
        assert ret.at[("children_adoption_orders", area), "value"] == act.at[key, "adoption_orders"]
        assert ret.at[("children_placements", area), "value"] == act.at[key, "placements"]
        for c in journeys.WAITING_COUNTS:
            assert ret.at[(f"waiting_{c}", area), "value"] == waiting.at[key, c], c
        assert ret.at[("adopters_approved_waiting", area), "value"] == homes.at[key, "waiting"]


def test_cli_writes_a_workbook_that_reads_back_to_the_same_figures(
    sample_db: Path, sample_return, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "asglb.xlsx"
    code = cli.main(["asglb", "--quarter", "2026-27Q2", "--out", str(out), "--json", "--db", str(sample_db)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["quarter"] == "2026-27 Q2" and out.exists()
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["Return", "Data"]
    data = list(book["Data"].iter_rows(values_only=True))
    assert data[0][0].startswith("ASGLB quarterly return, 2026-27 Q2")
    head, rows = data[2], data[3:]
    got = {(r[head.index("item")], r[head.index("area")]): r for r in rows}
    expected = sample_return
    assert len(got) == len(expected)
    for r in expected.itertuples():
        cell = got[(r.item, r.area)]
        value, n, status = cell[head.index("value")], cell[head.index("n")], cell[head.index("status")]
        assert status == r.status
        assert (None if value is None else int(value)) == (None if pd.isna(r.value) else int(r.value))
        assert (None if n is None else int(n)) == (None if pd.isna(r.n) else int(r.n))
    wide = list(book["Return"].iter_rows(values_only=True))
    header = wide[2]
    assert header[:4] == ("section", "item", "label", "unit") and header[-1] == "rule"
    assert {"Bexley", "Kent", "Medway", "RAA", "RAA n"} <= set(header)
    rows_by_item = {r[1]: r for r in wide[3:]}
    assert rows_by_item["complaints"][header.index("Kent")] == "not held"
    kent_orders = rows_by_item["children_adoption_orders"][header.index("Kent")]
    assert kent_orders == int(expected.set_index(["item", "area"]).at[("children_adoption_orders", "886"), "value"])
    json_rows = {(r["item"], r["area"]): r for r in doc["rows"]}
    assert json_rows[("children_adoption_orders", "886")]["value"] == kent_orders


def test_a_council_without_a_drop_by_the_date_says_so_not_zero(tmp_path: Path, ref) -> None:
    con = empty_warehouse()
    kid = {"child_id": "a", "sex": "F", "date_of_birth": D(2015, 1, 1), "entered_care_date": D(2016, 1, 1),
           "adm_decision_date": D(2016, 6, 1), "placement_order_date": D(2016, 8, 1)}
    add_drop(con, 886, "2018-05-01", children=[kid], adopters=[])
    add_drop(con, 303, "2018-09-25", children=[dict(kid, child_id="b")])
    q = asglb.parse_quarter("2018-19Q1")
    ret = asglb.asglb_return(snap(con, ref=ref), DataRequest(as_at=D(2018, 6, 30)), q).set_index(["item", "area"])
    bexley = ret.loc[("waiting_with_po", "303")]
    assert bexley["status"] == "no data" and bexley["note"] == "no drop received by 30 Jun 2018; first drop 25 Sep 2018"
    assert ret.loc[("waiting_with_po", "886"), "value"] == 1
    # Kent's drop of 1 May 2018 ends inside the quarter: its figures count so far, and say so
    assert ret.loc[("waiting_with_po", "RAA"), "note"] == "councils with data only; in progress: counts to 1 May 2018"
    assert ret.loc[("timeliness_A10", "886"), "note"] == ("no children adopted in the quarter; in progress: counts to "
                                                         "1 May 2018")
    assert ret.loc[("adopters_enquiries", "886"), "status"] == "figure"
    assert ret.loc[("adopters_enquiries", "887"), "note"] == "no drop received by 30 Jun 2018; none received since"
    with pytest.raises(ValueError):
        asglb.asglb_return(snap(con, ref=ref), CURRENT, parse_period("2018-19"))


def test_cli_refuses_a_bad_quarter(sample_db: Path, tmp_path: Path) -> None:
    assert cli.main(["asglb", "--quarter", "2026Q2", "--out", str(tmp_path / "x.xlsx"), "--db", str(sample_db)]) == 2
    assert cli.main(["asglb", "--quarter", "2026-27Q2", "--out", str(tmp_path / "no" / "x.xlsx"),
                     "--db", str(sample_db)]) == 2


def test_the_rule_column_is_plain_words_not_markdown() -> None:
    """The return's rule reads as words in Excel: no `**` bold marks from the pages' Markdown definitions."""
    rules = [i.rule for i in asglb.ITEMS]
    assert rules and not [r for r in rules if "**" in r or "\\" in r]
    assert any(r.startswith("A10: average days") for r in rules)


def test_a_quarter_after_the_latest_drop_or_before_records_begin_is_no_data_not_zero(ref) -> None:
    """Review: `raa asglb --quarter 2027-28Q1` gave every item as a 0 figure. A quarter after a council's latest
    drop, or ending before its first record, is 'no data' with the reason; one its latest drop ends inside is
    a figure marked in progress."""
    con = empty_warehouse()
    kid = {"child_id": "a", "sex": "F", "date_of_birth": D(2015, 1, 1), "entered_care_date": D(2016, 1, 1),
           "adm_decision_date": D(2016, 6, 1), "placement_order_date": D(2016, 8, 1)}
    for la in (303, 886, 887):
        add_drop(con, la, "2018-05-01", children=[kid], adopters=[])
    after = asglb.asglb_return(snap(con, ref=ref), CURRENT, asglb.parse_quarter("2018-19Q3")).set_index(["item", "area"])
    for area in ("303", "886", "887", "RAA"):
        row = after.loc[("children_adoption_orders", area)]
        assert row["status"] == "no data" and pd.isna(row["value"])
    assert after.loc[("children_adoption_orders", "886"), "note"] == "after the latest drop (1 May 2018)"
    assert after.loc[("children_adoption_orders", "RAA"), "note"] == "no council holds data for the quarter"
    before = asglb.asglb_return(snap(con, ref=ref), CURRENT, asglb.parse_quarter("2014-15Q1")).set_index(["item", "area"])
    assert before.loc[("waiting_with_po", "303"), "note"] == "before the council's records begin (1 Jan 2016)"
    assert before.loc[("waiting_with_po", "303"), "status"] == "no data"
    during = asglb.asglb_return(snap(con, ref=ref), CURRENT, asglb.parse_quarter("2018-19Q1")).set_index(["item", "area"])
    assert during.loc[("waiting_with_po", "886"), "status"] == "figure"
    assert during.loc[("waiting_with_po", "886"), "note"] == "in progress: counts to 1 May 2018"
    assert during.loc[("complaints", "886"), "status"] == "not held"
