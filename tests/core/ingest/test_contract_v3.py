"""Contract v3: every contract column present (a missing one named with the nearest unknown header), columns
that may be absent, and a sharp fall in a column's values warned with the figures it moves (docs/drop-contract.md)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq

import dropkit as dk
from raa_core.ingest import contract, drops
from raa_core.ingest.drops import DropFolder

TODAY = dt.date(2022, 10, 20)
SAMPLE = Path(__file__).resolve().parents[3] / "data" / "drops"


def test_renamed_column_is_refused_with_the_suggestion(tmp_path: Path, ref) -> None:
    """The Kent example: placement_order_date renamed placement_order_dt passed v2 with one warning."""
    newest = sorted((SAMPLE / "886").iterdir())[-1]
    folder = tmp_path / "886" / newest.name
    shutil.copytree(newest, folder)
    (folder / "manifest.json").unlink(missing_ok=True)
    kids = pq.read_table(folder / "children.parquet")
    pq.write_table(kids.rename_columns(["placement_order_dt" if n == "placement_order_date" else n
                                        for n in kids.column_names]), folder / "children.parquet")
    result = drops.check_only(DropFolder(f"886/{newest.name}", folder, 886, dt.date.fromisoformat(newest.name)), ref,
                              dt.date(2026, 12, 1))
    [err] = [e for e in result.errors if e.rule == "missing_column"]
    assert err.column == "placement_order_date" and err.file == "children.parquet"
    assert "placement_order_dt: did you mean placement_order_date?" in err.message


def test_every_optional_column_must_be_present_but_may_be_empty(tmp_path: Path, ref) -> None:
    folder = dk.write_drop(tmp_path, 886, "2022-10-07", exact=True,
                           children=dk.table("children", dk.children()).drop_columns(["ethnicity"]))
    result = drops.check_only(DropFolder("886/2022-10-07", folder, 886, dt.date(2022, 10, 7)), ref, TODAY)
    [err] = result.errors
    assert (err.rule, err.column) == ("missing_column", "ethnicity")
    assert "did you mean" not in err.message  # no unknown column near it


def test_a_column_marked_may_be_absent_can_be_left_out(tmp_path: Path, ref) -> None:
    """The mechanism optional later additions use: `may_be_absent=True` lets a file leave the column out."""
    spec = contract.CHILDREN
    cols = tuple(c.model_copy(update={"may_be_absent": True}) if c.name == "ethnicity" else c for c in spec.columns)
    relaxed = spec.model_copy(update={"columns": cols})
    assert "ethnicity" not in relaxed.must_be_present and "sex" in relaxed.must_be_present
    from raa_core.ingest import drop_files

    folder = dk.write_drop(tmp_path, 886, "2022-10-07", exact=True,
                           children=dk.table("children", dk.children()).drop_columns(["ethnicity"]))
    plan = drop_files.plan_file(0, folder / "children.parquet", relaxed, ref)
    assert not [i for i in plan.issues if i.severity == "error"] and plan.selects is not None
    strict = drop_files.plan_file(0, folder / "children.parquet", spec, ref)
    assert [i.rule for i in strict.issues] == ["missing_column"]


def test_a_sharp_fall_in_a_columns_values_warns_with_the_figures_it_moves(tmp_path: Path, ref) -> None:
    before = [dict(r) for r in dk.children()]
    dk.write_drop(tmp_path, 886, "2022-10-07", children=before)
    after = [{**r, "placement_order_date": None} for r in before]
    dk.write_drop(tmp_path, 886, "2022-10-14", children=after)
    db = tmp_path / "wh" / "raa.duckdb"
    drops.ingest_folders(db, [d for d in drops.discover(tmp_path) if d.path == "886/2022-10-07"], ref, TODAY)
    folder = tmp_path / "886" / "2022-10-14"
    # before loading (the Data drops page's check) and while loading, the same warning
    checked = drops.check_only(DropFolder("886/2022-10-14", folder, 886, dt.date(2022, 10, 14)), ref, TODAY,
                               compare_with=db)
    report = drops.ingest(db, tmp_path, ref, today=TODAY)
    [loaded] = report.by("accepted")
    for result in (checked, loaded):
        [warn] = [w for w in result.warnings if w.rule == "fill_fall"]
        assert warn.column == "placement_order_date"
        assert "0% of rows" in warn.message and "100%" in warn.message
        assert "A2 would count 0 children instead of 2" in warn.message
        assert "children waiting with a placement order would count 0 children instead of 1" in warn.message
    # without a warehouse to compare with, nothing is claimed
    alone = drops.check_only(DropFolder("886/2022-10-14", folder, 886, dt.date(2022, 10, 14)), ref, TODAY)
    assert not [w for w in alone.warnings if w.rule == "fill_fall"]
