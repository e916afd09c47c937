"""Datasets travel independently; a snapshot cannot lose everything; freshness per dataset; the sample marker."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

import dropkit as dk
from factories import snap
from raa_core.ingest import drops, freshness
from raa_core.reference import load_reference
from raa_core.store import warehouse

TODAY = dt.date(2022, 10, 10)
REF = load_reference()


def _ingest(con: duckdb.DuckDBPyConnection, root: Path, today: dt.date = TODAY,
            actor: str | None = None) -> drops.IngestReport:
    return drops.ingest_into(con, drops.discover(root), REF, today, actor=actor)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    warehouse.create_schema(c)
    return c


def test_each_table_state_is_the_newest_drop_that_carried_it(con, tmp_path) -> None:
    dk.write_drop(tmp_path, 886, "2022-09-01")
    dk.write_drop(tmp_path, 886, "2022-09-30", children=dk.children()[:2], adopters=None, ledger=None, budget=None,
                  establishment=None)
    dk.write_drop(tmp_path, 886, "2022-10-07", children=None, adopters=None, budget=None, establishment=None,
                  ledger=dk.ledger()[:3])
    report = _ingest(con, tmp_path)
    assert len(report.by("accepted")) == 3
    counts = {t: con.execute(f"SELECT count(*) FROM {t}_current").fetchall()[0][0]
              for t in ("children", "adopters", "ledger", "budget", "establishment")}
    assert counts == {"children": 2, "adopters": 2, "ledger": 3, "budget": 2, "establishment": 2}


def test_freshness_is_judged_per_dataset(con, tmp_path) -> None:
    """Fresh for finance and stale for performance: the contract's example."""
    dk.write_drop(tmp_path, 886, "2022-09-01", ledger=None, budget=None, establishment=None)
    dk.write_drop(tmp_path, 886, "2022-10-07", children=None, adopters=None)
    _ingest(con, tmp_path)
    status = freshness.council_status(snap(con, ref=REF, today=TODAY)).set_index("la_code")
    kent = status.loc[886]
    assert (kent.performance_drop, kent.performance_age_days, kent.performance_stale) == (
        dt.date(2022, 9, 1), 39, True)
    assert (kent.finance_drop, kent.finance_age_days, kent.finance_stale) == (dt.date(2022, 10, 7), 3, False)
    assert kent.stale and not freshness.council_status(snap(con, ref=REF, today=TODAY), "finance").set_index("la_code").loc[886].stale
    assert status.loc[303].performance_stale and status.loc[303].finance_stale  # nothing received
    later = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 11, 12)), "finance").set_index("la_code")
    assert later.loc[886].finance_age_days == 36 and later.loc[886].stale  # 35 days (settings)


def test_zero_rows_after_rows_is_an_error(con, tmp_path) -> None:
    dk.write_drop(tmp_path / "a", 886, "2022-09-30")
    _ingest(con, tmp_path / "a")
    dk.write_drop(tmp_path / "b", 886, "2022-10-07", children=dk.table("children", dk.children())[:0])
    [bad] = _ingest(con, tmp_path / "b").by("rejected")
    [e] = [e for e in bad.errors if e.rule == "snapshot_emptied"]
    assert e.file == "children.parquet" and "had 3" in e.message and "30 Sep 2022" in e.message


def test_zero_rows_in_a_first_drop_is_allowed(con, tmp_path) -> None:
    dk.write_drop(tmp_path, 886, "2022-10-07", adopters=dk.table("adopters", dk.adopters())[:0])
    assert _ingest(con, tmp_path).by("accepted")


@pytest.mark.parametrize(("before", "after", "warned"), [(10, 8, False), (10, 7, True), (5, 4, False),
                                                         (50, 39, True), (50, 40, False)])
def test_fall_of_more_than_20_percent_is_a_warning(con, tmp_path, before, after, warned) -> None:
    def households(n: int) -> list[dict]:
        return [{"household_id": f"KH-{i}", "enquiry_date": dt.date(2021, 1, 4)} for i in range(n)]

    dk.write_drop(tmp_path, 886, "2022-09-30", adopters=households(before))
    dk.write_drop(tmp_path, 886, "2022-10-07", adopters=households(after))
    report = _ingest(con, tmp_path)
    assert len(report.by("accepted")) == 2  # a fall warns, never rejects
    fall = [w for r in report.results for w in r.warnings if w.rule == "snapshot_fall"]
    assert bool(fall) == warned
    if warned:
        assert fall[0].file == "adopters.parquet" and f"{after} rows" in fall[0].message


def test_a_fall_to_one_row_says_1_row(con, tmp_path) -> None:
    """Review finding: "adopters.parquet has 1 rows, 50% fewer than the 2 ..."."""
    dk.write_drop(tmp_path, 886, "2022-09-30")
    dk.write_drop(tmp_path, 886, "2022-10-07", adopters=dk.adopters()[:1])
    [fall] = [w for r in _ingest(con, tmp_path).results for w in r.warnings if w.rule == "snapshot_fall"]
    assert fall.message.startswith("adopters.parquet has 1 row, 50% fewer than the 2 of the previous")


def test_emptied_resend_of_the_same_drop_is_an_error(con, tmp_path) -> None:
    dk.write_drop(tmp_path, 886, "2022-10-07")
    _ingest(con, tmp_path)
    dk.write_drop(tmp_path, 886, "2022-10-07", adopters=dk.table("adopters", dk.adopters())[:0])
    [bad] = _ingest(con, tmp_path).by("rejected")
    assert "snapshot_emptied" in {e.rule for e in bad.errors}


def test_holds_only_sample_and_freshness_against_the_sample_as_at(con, tmp_path) -> None:
    folder = dk.write_drop(tmp_path, 886, "2022-09-30", manifest=True)
    doc = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**doc, "sample": True}))
    (tmp_path / "sample.json").write_text('{"sample": true}')  # the root marker `raa sample` writes
    assert not freshness.holds_only_sample(snap(con))  # empty warehouse
    _ingest(con, tmp_path)
    assert freshness.holds_only_sample(snap(con))
    months_later = dt.date(2023, 6, 1)
    status = freshness.council_status(snap(con, ref=REF, today=months_later)).set_index("la_code")
    assert status.loc[886].performance_age_days == 0 and not status.loc[886].stale and status.loc[886].sample
    assert freshness.judged_on(snap(con, today=months_later)) == dt.date(2022, 9, 30)
    dk.write_drop(tmp_path / "real", 303, "2022-10-07")
    _ingest(con, tmp_path / "real", today=TODAY)
    assert not freshness.holds_only_sample(snap(con))
    assert freshness.council_status(snap(con, ref=REF, today=months_later)).set_index("la_code").loc[886].stale


def test_the_bundled_sample_is_marked_sample(sample_con) -> None:
    assert freshness.holds_only_sample(snap(sample_con))


def test_history_names_who_loaded_each_drop_in_plain_columns(con, tmp_path) -> None:
    dk.write_drop(tmp_path, 886, "2022-10-07")
    dk.write_drop(tmp_path, 887, "2022-10-07", children=[*dk.children(), dk.children()[0]])
    _ingest(con, tmp_path, actor="raa ingest (user scheduler)")
    history = freshness.ingest_history(snap(con, ref=REF))
    assert list(history.columns) == ["Council", "Extract date", "Outcome", "Rows per file", "Children data as",
                                     "Errors", "Warnings",
                                     "When (London time)", "By whom"]
    kent = history[history["Council"] == "Kent"].iloc[0]
    assert kent["Extract date"] == dt.date(2022, 10, 7) and kent["Outcome"] == "accepted"
    assert kent["Rows per file"] == "children 3 · adopters 2 · budget 2 · ledger 7 · establishment 2"
    assert kent["Children data as"] == "children.parquet"
    assert kent["By whom"] == "raa ingest (user scheduler)"
    medway = history[history["Council"] == "Medway"].iloc[0]
    assert medway["Outcome"] == "rejected" and medway["Errors"] == 1


def test_an_occasional_file_neither_freshens_nor_hides_a_stale_dataset(con, tmp_path) -> None:
    """An establishment-only drop made a council fresh for finance while its ledger (the
    monthly figures) was 60 days old, and a children-only drop hid stale adopters. A dataset is as old as the
    oldest of its regular files (children and adopters; the ledger); budget and establishment are occasional."""
    dk.write_drop(tmp_path / "a", 886, "2022-10-07")  # all five files
    _ingest(con, tmp_path / "a", today=dt.date(2022, 10, 8))
    dk.write_drop(tmp_path / "b", 886, "2022-12-01", children=None, adopters=None, ledger=None, budget=None)
    dk.write_drop(tmp_path / "b", 886, "2022-12-04", adopters=None, budget=None, ledger=None, establishment=None)
    _ingest(con, tmp_path / "b", today=dt.date(2022, 12, 5))
    status = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 12, 6)), "finance").set_index("la_code")
    kent = status.loc[886]
    assert kent.finance_drop == dt.date(2022, 10, 7) and kent.finance_age_days == 60 and kent.finance_stale
    assert kent.establishment_newest == dt.date(2022, 12, 1) and kent.stale
    # children are 2 days old, adopters 60: the council is stale for performance, by its adopters
    assert kent.performance_drop == dt.date(2022, 10, 7) and kent.performance_stale
    assert kent.children_newest == dt.date(2022, 12, 4)
    # a budget-only drop does not make finance fresh either; a new ledger does
    dk.write_drop(tmp_path / "c", 886, "2022-12-05", children=None, adopters=None, ledger=None, establishment=None)
    _ingest(con, tmp_path / "c", today=dt.date(2022, 12, 6))
    assert freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 12, 6)), "finance").set_index("la_code").loc[886].stale
    dk.write_drop(tmp_path / "d", 886, "2022-12-06", children=None, adopters=None, budget=None, establishment=None)
    _ingest(con, tmp_path / "d", today=dt.date(2022, 12, 6))
    assert not freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 12, 6)), "finance").set_index("la_code").loc[886].stale


def test_a_regular_file_never_sent_is_named(con, tmp_path) -> None:
    """Children sent, adopters never: stale for performance, and the note says which file is missing."""
    dk.write_drop(tmp_path, 887, "2022-10-07", adopters=None)
    _ingest(con, tmp_path)
    status = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 10, 8)))
    medway = next(r for r in status.itertuples() if r.la_code == 887)
    assert medway.stale and freshness.staleness_note(medway) == "no adopters file yet"
    bexley = next(r for r in status.itertuples() if r.la_code == 303)
    assert freshness.staleness_note(bexley) == "no drop yet"


def test_a_files_warnings_stay_open_until_a_newer_drop_carries_that_file(con, tmp_path) -> None:
    """A children-only drop hid the adopters warning of the drop before it, on the Overview,
    in `open_warnings` and in the board pack. Each file is a full snapshot: its warnings close only when a newer
    drop carries that file."""
    dk.write_drop(tmp_path / "a", 887, "2022-10-07")
    _ingest(con, tmp_path / "a")
    dk.write_drop(tmp_path / "b", 887, "2022-10-14", adopters=dk.adopters()[:1])  # 2 -> 1 rows: a 50% fall
    _ingest(con, tmp_path / "b", today=dt.date(2022, 10, 15))
    dk.write_drop(tmp_path / "c", 887, "2022-10-21", adopters=None, budget=None, ledger=None, establishment=None)
    _ingest(con, tmp_path / "c", today=dt.date(2022, 10, 22))

    def open_rules() -> list[tuple[str, str]]:
        return [(r.file, r.rule) for r in freshness.open_warnings(snap(con), 887).itertuples()]

    def count() -> int:
        status = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 10, 22))).set_index("la_code")
        return int(status.loc[887].open_warnings)

    assert open_rules() == [("adopters.parquet", "snapshot_fall")] and count() == 1
    dk.write_drop(tmp_path / "d", 887, "2022-10-22", adopters=dk.adopters()[:1], children=None, budget=None,
                  ledger=None, establishment=None)
    _ingest(con, tmp_path / "d", today=dt.date(2022, 10, 22))
    assert open_rules() == [] and count() == 0


def test_a_councils_own_drop_marked_sample_is_not_sample_data(con, tmp_path, ref) -> None:
    """Three councils' drops of 2022 marked `"sample": true` in their manifests were
    never stale in 2026. The marker counts only below a root `raa sample` wrote (its sample.json), which a
    council writing its own drop folders, or an upload, cannot provide."""
    for la in (303, 886, 887):
        folder = dk.write_drop(tmp_path, la, "2022-10-07", manifest=True)
        doc = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps({**doc, "sample": True}))
    assert [r.outcome for r in _ingest(con, tmp_path).results] == ["accepted"] * 3
    assert not freshness.holds_only_sample(snap(con))
    assert freshness.council_status(snap(con, ref=REF, today=dt.date(2026, 11, 30)))["stale"].all()
    # uploaded: staged below a folder of the upload's own, never a sample root
    from dropkit import folder_zip as _folder_zip
    from raa_core.ingest import uploads

    out = uploads.check_upload([_folder_zip(tmp_path / "886" / "2022-10-07", "886/2022-10-07/")], 886, None, ref,
                               dt.date(2022, 10, 8), tmp_path / "staging")
    assert out.result.outcome == "accepted"
    assert not drops.sample_marked(tmp_path / "staging")


def test_a_council_that_sent_only_occasional_files_is_told_which_regular_file_is_missing(con, tmp_path) -> None:
    """Second review: Medway had sent only a budget, yet `raa budget` said 'Medway: no drop yet' above its budget
    rows. It has sent finance data, just never a ledger."""
    dk.write_drop(tmp_path, 887, "2022-10-07", children=None, adopters=None, ledger=None, establishment=None)
    _ingest(con, tmp_path)
    status = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 10, 8)), "finance")
    medway = next(r for r in status.itertuples() if r.la_code == 887)
    assert medway.stale and freshness.staleness_note(medway) == "no ledger file yet"
    perf = freshness.council_status(snap(con, ref=REF, today=dt.date(2022, 10, 8)), "performance")
    assert freshness.staleness_note(next(r for r in perf.itertuples() if r.la_code == 887)) == (
        "no performance data yet")
    assert freshness.staleness_note(next(r for r in perf.itertuples() if r.la_code == 303)) == "no drop yet"


def test_ingest_and_check_never_draw_a_progress_bar(con, tmp_path) -> None:
    """DuckDB draws a progress bar on standard output for a query past 2 s; it corrupted the JSON a timed child
    process printed (bench/ingest) and would corrupt `raa ingest --json` read by a script."""
    dk.write_drop(tmp_path, 886, "2022-10-07")
    _ingest(con, tmp_path)
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
