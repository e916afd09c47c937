"""Contract v3's optional ASGLB columns through real ingestion: loaded and checked when carried, recorded as
provided, and "not provided" (never zero) when a drop leaves them out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dropkit as dk
from raa_core.ingest import coverage, drops
from raa_core.ingest.contract import ASGLB_V3_COLUMNS
from raa_core.reference import load_reference
from raa_core.requests import CURRENT
from raa_core.snapshot import pin
from raa_core.store.warehouse import Warehouse

TODAY = dt.date(2022, 10, 10)
V3_CHILD = {"ffa_decision_date": dt.date(2019, 2, 1), "ffa_placed_date": dt.date(2019, 2, 10),
            "placement_provider": "vaa", "family_finding_status": "placed", "sibling_group_size": 2,
            "siblings_placed_together": 2, "plan_reversed_code": None}
V3_HOME = {"adopters_count": 2, "adopters_sex": "MF", "adopters_legal_status": "L11", "adopters_ethnicity": "WBRI",
           "disruption_date": None, "agency_type": "la_raa"}


def _ingest(root: Path, db: Path) -> list[drops.DropResult]:
    return drops.ingest(db, root, load_reference(), today=TODAY).results


def test_carried_columns_are_loaded_and_recorded_absent_ones_are_not_provided(tmp_path: Path) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-10-07", children=[r | V3_CHILD for r in dk.children()],
                  adopters=[r | V3_HOME for r in dk.adopters()])
    dk.write_drop(root, 303, "2022-10-07")  # version 2 columns only
    assert [r.outcome for r in _ingest(root, db)] == ["accepted", "accepted"]
    snap = pin(Warehouse(db), load_reference(), TODAY)
    for table, cols in ASGLB_V3_COLUMNS.items():
        got = coverage.provided(snap, CURRENT, table, list(cols))
        assert (got["886"], got["303"], got["887"], got["region"]) == (True, False, False, True), table
    with snap.cursor() as con:
        assert con.execute("SELECT DISTINCT placement_provider FROM children_current WHERE la_code = 886"
                           ).fetchall() == [("vaa",)]
    # one column left out of Kent's next drop: that column alone is not provided now
    no_provider = [{k: v for k, v in (r | V3_CHILD).items() if k != "placement_provider"} for r in dk.children()]
    dk.write_drop(root, 886, "2022-10-08", children=no_provider)
    assert _ingest(root, db)[-1].outcome == "accepted"
    snap = pin(Warehouse(db), load_reference(), TODAY)
    assert not coverage.provided(snap, CURRENT, "children", ["placement_provider"])["886"]
    assert coverage.provided(snap, CURRENT, "children", ["ffa_decision_date"])["886"]


def test_a_code_outside_the_collections_is_a_drop_error(tmp_path: Path) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    kids = [r | V3_CHILD for r in dk.children()]
    kids[0] = kids[0] | {"placement_provider": "interagency", "plan_reversed_code": "RD9",
                         "siblings_placed_together": 3}
    homes = [r | V3_HOME | {"adopters_sex": "XY", "adopters_count": 3} for r in dk.adopters()]
    dk.write_drop(root, 886, "2022-10-07", children=kids, adopters=homes)
    (result,) = _ingest(root, db)
    assert result.outcome == "rejected"
    found = {(i.column, i.rule) for i in result.errors}
    assert {("placement_provider", "value_not_allowed"), ("plan_reversed_code", "value_not_allowed"),
            ("siblings_placed_together", "negative_count"), ("adopters_sex", "value_not_allowed"),
            ("adopters_count", "value_not_allowed")} <= found


def test_a_warehouse_last_written_before_v3_provides_none(ref) -> None:
    from factories import add_drop, empty_warehouse, snap

    con = empty_warehouse()
    add_drop(con, 886, "2022-10-07", children=[dk.children()[0] | V3_CHILD])
    con.execute("DROP TABLE drop_columns")
    got = coverage.provided(snap(con, ref=ref), CURRENT, "children", ["placement_provider"])
    assert not any(got.values())
