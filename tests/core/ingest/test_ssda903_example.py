"""The analyst's guide's worked example (docs/ssda903.md): synthetic 903 files that load with one command."""

from __future__ import annotations

import re
from pathlib import Path

from raa_core.cli import main
from raa_core.store import warehouse

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "data" / "examples" / "ssda903"


def test_the_guides_command_loads_the_worked_example(tmp_path: Path, capsys) -> None:
    doc = (ROOT / "docs" / "ssda903.md").read_text(encoding="utf-8")
    [command] = re.findall(r"python -m raa_core ingest (\S+) --db \S+", doc)
    assert (ROOT / command) == EXAMPLE
    db = tmp_path / "raa.duckdb"
    assert main(["ingest", str(ROOT / command), "--db", str(db), "--today", "2026-10-01"]) == 0
    out = capsys.readouterr().out
    assert "accepted  887/2026-09-30 (children data as SSDA903 files)" in out
    assert "reviews.csv" in out
    con = warehouse.Warehouse(db).connect()
    try:
        rows = con.execute("SELECT child_id, placed_date IS NOT NULL, adoption_order_date IS NOT NULL, "
                           "disruption_date IS NOT NULL, plan_reversed_reason FROM children ORDER BY child_id").fetchall()
        forms = con.execute("SELECT children_form FROM drops").fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == [f"EX-0{i}" for i in range(1, 8)]
    assert [r[2] for r in rows] == [True, True, True, False, False, False, False]
    assert rows[3][3] is True and rows[4][4] == "prospective adopters could not be found"
    assert forms == [("903",)]


def test_figures_903_cannot_give_are_marked_not_provided_never_zero(tmp_path: Path, ref) -> None:
    """The ASGLB return (and the pack and page built on it) says which figures a 903 council cannot give."""
    from factories import snap
    from raa_core.ingest import coverage, ssda903
    from raa_core.performance import asglb
    from raa_core.requests import CURRENT

    db = tmp_path / "raa.duckdb"
    assert main(["ingest", str(EXAMPLE), "--db", str(db), "--today", "2026-10-01"]) == 0
    con = warehouse.Warehouse(db).connect()
    try:
        s = snap(con, ref)
        assert coverage.children_from_903(s) == ["887"]
        ret = asglb.asglb_return(s, CURRENT, asglb.parse_quarter("2026-27Q2"))
    finally:
        con.close()
    medway = ret[ret["area"] == "887"].set_index("item")
    items = ssda903.NOT_PROVIDED_MEASURES & set(medway.index)  # the rest are the activity's sibling counts
    assert {"children_matches", "waiting_matched_not_placed", "waiting_sibling_group"} <= items
    for item in sorted(items):
        assert medway.loc[item, "status"] == "not provided", item
        assert medway.loc[item, "note"] == "not provided by this council's 903 files"
        assert medway.loc[item, "value"] is None or str(medway.loc[item, "value"]) == "<NA>"
    assert medway.loc["waiting_waiting", "status"] == "figure" and medway.loc["waiting_waiting", "value"] == 2  # EX-06, EX-07
    region = ret[(ret["area"] != "887") & ret["item"].isin(ssda903.NOT_PROVIDED_MEASURES)]
    assert "Medway sent SSDA903 files" in " ".join(region[region["status"] == "not provided"]["note"])
    wide = asglb.wide(ret).set_index("item")
    # the wide sheet's cell says the status; the return's note (above) says why, naming the 903 files
    assert wide.loc["waiting_matched_not_placed", "Medway"] == "not provided"


def test_a_zip_of_903_files_is_checked_from_the_data_drops_page(tmp_path: Path, ref) -> None:
    """The upload path (a zip of the drop folder) reads the 903 CSV files like a drop folder."""
    import datetime as dt

    import dropkit as dk
    from raa_core.ingest import uploads

    folder = EXAMPLE / "887" / "2026-09-30"
    out = uploads.check_upload([dk.folder_zip(folder, "887/2026-09-30/")], 887, None, ref, dt.date(2026, 10, 1),
                               tmp_path / "staging")
    assert out.result.outcome == "accepted", out.result.errors
    assert out.result.children_form == "903"
    assert uploads.outcome_text(out).endswith("; children data as SSDA903 files")
