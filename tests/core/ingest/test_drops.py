"""Drop validation and loading: every rule rejects the whole drop and leaves the warehouse as it was."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dropkit as dk
from dropkit import TODAY, snapshot
from raa_core.ingest import drops
from raa_core.ingest.contract import Issue
from raa_core.store import sql, warehouse

BAD = "886/2022-10-07"


@pytest.fixture
def wh(tmp_path: Path, ref) -> tuple[Path, Path]:
    """A warehouse already holding one good Kent drop, and the drops root it came from."""
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-09-30")
    report = drops.ingest(db, root, ref, today=TODAY)
    assert [r.outcome for r in report.results] == ["accepted"]
    return db, root


def _rows_with(name: str, index: int, **changes: object) -> list[dict]:
    rows = getattr(dk, name)()
    rows[index] = {**rows[index], **changes}
    return rows


def _dup(name: str, index: int = 0) -> list[dict]:
    rows = getattr(dk, name)()
    return [*rows, dict(rows[index])]


def _with_column(name: str, column: str, values: pa.Array) -> pa.Table:
    t = dk.table(name, getattr(dk, name)())
    return t.set_column(t.schema.get_field_index(column), column, values)


Mutation = Callable[[Path], None]


def drop_with(**tables: object) -> Mutation:
    return lambda root: dk.write_drop(root, 886, "2022-10-07", **tables)


def drop_exact(**tables: object) -> Mutation:
    return lambda root: dk.write_drop(root, 886, "2022-10-07", exact=True, **tables)


CASES: list[tuple[str, Mutation, str | None, str | None, str, list[int] | None]] = [
    ("children_missing_column", drop_exact(children=dk.table("children", dk.children()).drop_columns(["sex"])),
     "children.parquet", "sex", "missing_column", None),
    ("children_wrong_type", drop_with(children=_with_column("children", "date_of_birth", pa.array([1.5, 2.5, 3.5]))),
     "children.parquet", "date_of_birth", "wrong_type", None),
    ("children_bad_date_string", drop_with(children=dk.table(
        "children", _rows_with("children", 1, entered_care_date="01/03/2020"), {"entered_care_date": pa.string()})),
     "children.parquet", "entered_care_date", "unreadable_value", [1]),
    ("children_missing_value", drop_with(children=_rows_with("children", 2, child_id="  ")),
     "children.parquet", "child_id", "missing_value", [2]),
    ("children_duplicate_key", drop_with(children=_dup("children", 1)),
     "children.parquet", "child_id, entered_care_date", "duplicate_key", [1, 3]),
    ("children_nhs_number", drop_with(children=_rows_with("children", 0, child_id="9434765919")),
     "children.parquet", "child_id", "personal_identifier", [0]),
    ("children_upn", drop_with(children=_rows_with("children", 2, child_id="A12345678901B")),
     "children.parquet", "child_id", "personal_identifier", [2]),
    ("children_future_date", drop_with(children=_rows_with("children", 1, adm_decision_date=dt.date(2022, 10, 8))),
     "children.parquet", "adm_decision_date", "date_after_extract", [1]),
    ("children_born_after_care", drop_with(children=_rows_with("children", 0, date_of_birth=dt.date(2019, 2, 1))),
     "children.parquet", "date_of_birth", "born_after_entering_care", [0]),
    ("children_care_at_18", drop_with(children=_rows_with("children", 0, date_of_birth=dt.date(2001, 1, 10))),
     "children.parquet", "entered_care_date", "entered_care_aged_18_or_over", [0]),
    ("children_placed_before_care", drop_with(children=_rows_with("children", 0, placed_date=dt.date(2019, 1, 9),
                                                                  matched_date=None)),
     "children.parquet", "placed_date", "placed_before_entering_care", [0]),
    ("children_matched_after_placed", drop_with(children=_rows_with("children", 0, matched_date=dt.date(2019, 12, 2))),
     "children.parquet", "matched_date", "matched_after_placed", [0]),
    ("children_order_before_placed", drop_with(children=_rows_with("children", 0,
                                                                   adoption_order_date=dt.date(2019, 11, 30))),
     "children.parquet", "adoption_order_date", "order_before_placed", [0]),
    ("children_bad_sex", drop_with(children=_rows_with("children", 2, sex="U")),
     "children.parquet", "sex", "value_not_allowed", [2]),
    ("adopters_duplicate", drop_with(adopters=_dup("adopters")),
     "adopters.parquet", "household_id", "duplicate_key", [0, 2]),
    ("adopters_future", drop_with(adopters=_rows_with("adopters", 1, roi_date=dt.date(2023, 1, 1))),
     "adopters.parquet", "roi_date", "date_after_extract", [1]),
    ("adopters_out_of_order", drop_with(adopters=_rows_with("adopters", 0, approval_date=dt.date(2021, 3, 1))),
     "adopters.parquet", None, "stage_dates_out_of_order", [0]),
    ("adopters_negative", drop_with(adopters=_rows_with("adopters", 0, children_placed=-1)),
     "adopters.parquet", "children_placed", "negative_count", [0]),
    ("budget_bad_year", drop_with(budget=_rows_with("budget", 1, financial_year="2022-24")),
     "budget.parquet", "financial_year", "financial_year_format", [1]),
    ("budget_unknown_area", drop_with(budget=_rows_with("budget", 0, budget_area="social_care")),
     "budget.parquet", "budget_area", "unknown_budget_area", [0]),
    ("budget_unknown_line", drop_with(budget=_rows_with("budget", 1, cost_line="catering")),
     "budget.parquet", "cost_line", "unknown_cost_line", [1]),
    ("budget_duplicate", drop_with(budget=_dup("budget", 1)),
     "budget.parquet", "financial_year, budget_area, cost_line", "duplicate_key", [1, 2]),
    ("ledger_period_13", drop_with(ledger=_rows_with("ledger", 0, period=13)),
     "ledger.parquet", "period", "period_out_of_range", [0]),
    ("ledger_period_not_begun", drop_with(ledger=_rows_with("ledger", 5, period=8)),
     "ledger.parquet", "period", "period_not_begun", [5]),
    ("ledger_duplicate", drop_with(ledger=_dup("ledger", 2)),
     "ledger.parquet", "financial_year, period, budget_area, cost_line", "duplicate_key", [2, 7]),
    ("ledger_unknown_line", drop_with(ledger=_rows_with("ledger", 6, budget_area="adoption_support")),
     "ledger.parquet", "cost_line", "unknown_cost_line", [6]),
    ("establishment_fte", drop_with(establishment=_rows_with("establishment", 1, fte=1.5)),
     "establishment.parquet", "fte", "fte_out_of_range", [1]),
    ("establishment_status", drop_with(establishment=_rows_with("establishment", 0, status="seconded")),
     "establishment.parquet", "status", "value_not_allowed", [0]),
    ("no_contract_file", drop_with(children=None, adopters=None, ledger=None, budget=None, establishment=None),
     None, None, "no_files", None),
]


@pytest.mark.parametrize(("mutate", "file", "column", "rule", "rows"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_rule_rejects_whole_drop(wh, ref, mutate, file, column, rule, rows) -> None:
    db, root = wh
    before = snapshot(db)
    mutate(root)
    report = drops.ingest(db, root, ref, today=TODAY)
    rejected = report.by("rejected")
    assert [r.path for r in rejected] == [BAD]
    assert not report.by("accepted")
    hits = [i for i in rejected[0].errors if i.rule == rule]
    assert hits, [i.located() for i in rejected[0].errors]
    assert hits[0].file == file and hits[0].column == column
    if rows is not None:
        assert hits[0].rows == rows
    assert snapshot(db) == before


def _write_bytes(name: str, data: bytes) -> Mutation:
    def mutate(root: Path) -> None:
        folder = dk.write_drop(root, 886, "2022-10-07")
        (folder / name).write_bytes(data)
    return mutate


def _truncate(root: Path) -> None:
    folder = dk.write_drop(root, 886, "2022-10-07")
    p = folder / "children.parquet"
    p.write_bytes(p.read_bytes()[:-40])


MALFORMED = [
    ("empty_file", _write_bytes("adopters.parquet", b"")),
    ("csv_renamed", _write_bytes("children.parquet", b"child_id,sex\nK1,M\n")),
    ("truncated", _truncate),
]


@pytest.mark.parametrize("mutate", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_file_rejected(wh, ref, mutate) -> None:
    db, root = wh
    before = snapshot(db)
    mutate(root)
    rejected = drops.ingest(db, root, ref, today=TODAY).by("rejected")
    assert [r.path for r in rejected] == [BAD]
    assert "unreadable_file" in {i.rule for i in rejected[0].errors}
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("folder", "rule"),
    [("999/2022-10-07", "unknown_council"), ("kent/2022-10-07", "unknown_council"),
     ("886/2022-13-01", "invalid_extract_date"), ("886/latest", "invalid_extract_date"),
     ("886/2022-10-11", "future_extract_date")],
)
def test_bad_folder_names_rejected(wh, ref, folder, rule) -> None:
    db, root = wh
    before = snapshot(db)
    la, date = folder.split("/")
    dk.write_drop(root, la, date)
    rejected = drops.ingest(db, root, ref, today=TODAY).by("rejected")
    assert [r.path for r in rejected] == [folder]
    assert rule in {i.rule for i in rejected[0].errors}
    assert snapshot(db) == before


def _manifest(edit: Callable[[dict], None]) -> Mutation:
    def mutate(root: Path) -> None:
        folder = dk.write_drop(root, 886, "2022-10-07")
        doc = dk.write_manifest(folder, 886, "2022-10-07")
        edit(doc)
        (folder / "manifest.json").write_text(json.dumps(doc))
    return mutate


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (_manifest(lambda d: d["files"]["children.parquet"].update(sha256="0" * 64)), "manifest_checksum"),
        (_manifest(lambda d: d["files"]["adopters.parquet"].update(rows=99)), "manifest_rows"),
        (_manifest(lambda d: d.update(la_code=887)), "manifest_mismatch"),
        (_manifest(lambda d: d.update(extract_date="2022-10-06")), "manifest_mismatch"),
        (_manifest(lambda d: d["files"].update({"extra.parquet": {"sha256": "a" * 64, "rows": 1}})),
         "manifest_file_missing"),
        (_write_bytes("manifest.json", b"{not json"), "unreadable_manifest"),
    ],
    ids=["checksum", "rows", "council", "date", "listed_missing", "unreadable"],
)
def test_manifest_mismatch_rejected(wh, ref, mutate, rule) -> None:
    db, root = wh
    before = snapshot(db)
    mutate(root)
    rejected = drops.ingest(db, root, ref, today=TODAY).by("rejected")
    assert rule in {i.rule for i in rejected[0].errors}
    assert snapshot(db) == before


def test_valid_manifest_accepted(wh, ref) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", manifest=True)
    assert [r.path for r in drops.ingest(db, root, ref, today=TODAY).by("accepted")] == [BAD]


WARNINGS = [
    ("order_without_placement", "adoption_order_date",  # spec v2: a warning (SSDA903 rule 390)
     _rows_with("children", 1, adoption_order_date=dt.date(2022, 1, 1))),
    ("order_before_adm_decision", "placement_order_date",
     _rows_with("children", 0, placement_order_date=dt.date(2019, 4, 1))),
    ("matched_before_placement_order", "matched_date", _rows_with("children", 0, matched_date=dt.date(2019, 7, 1))),
    ("fostered_from_out_of_range", "fostered_by_adopters_from",
     _rows_with("children", 2, fostered_by_adopters_from=dt.date(2016, 12, 1))),
    ("early_permanence_without_fostering", "early_permanence",
     _rows_with("children", 0, early_permanence=True)),
    ("reversed_and_adopted", "plan_reversed_date", _rows_with("children", 0, plan_reversed_date=dt.date(2019, 9, 1))),
    # SSDA903 rule 390: DfE counts the child as adopted (docs/ssda903.md), so the drop loads
    ("order_without_placement", "adoption_order_date",
     _rows_with("children", 1, adoption_order_date=dt.date(2022, 1, 1))),
]


@pytest.mark.parametrize(("rule", "column", "rows"), WARNINGS, ids=[w[0] for w in WARNINGS])
def test_warning_rule_loads_and_flags(wh, ref, rule, column, rows) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", children=rows)
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert [r.path for r in accepted] == [BAD]
    hits = [w for w in accepted[0].warnings if w.rule == rule]
    assert hits and hits[0].column == column and hits[0].file == "children.parquet"
    con = warehouse.Warehouse(db).connect()
    try:
        stored = con.execute("SELECT rule FROM drop_issues WHERE drop_id = ? AND severity = 'warning'",
                             [accepted[0].drop_id]).fetchall()
    finally:
        con.close()
    assert (rule,) in stored


def test_adopter_withdrawn_after_placement_is_a_warning(wh, ref) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", adopters=_rows_with("adopters", 0, withdrawn_date=dt.date(2022, 1, 1)))
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert "withdrawn_after_placement" in {w.rule for w in accepted[0].warnings}


def test_extra_column_of_names_never_reaches_warehouse(wh, ref) -> None:
    db, root = wh
    rows = [{**r, "Child_Name": n} for r, n in zip(dk.children(), ["Alice Smith", "Bob Jones", "Cara Patel"],
                                                  strict=True)]
    dk.write_drop(root, 886, "2022-10-07", children=rows)
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert [w.column for w in accepted[0].warnings if w.rule == "unknown_column"] == ["Child_Name"]
    con = warehouse.Warehouse(db).connect()
    try:
        cols = [r[0] for r in con.execute("DESCRIBE children").fetchall()]
        text_cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'").fetchall()
        found = [
            (t, c) for t, c in text_cols
            if con.execute(f'SELECT count(*) FROM "{t}" WHERE CAST("{c}" AS VARCHAR) LIKE \'%Alice%\'').fetchall()[0][0]
        ]
    finally:
        con.close()
    assert "child_name" not in [c.lower() for c in cols]
    assert found == []


def test_accepted_type_variants(wh, ref) -> None:
    """Dates as timestamps or ISO strings, booleans as 0/1, money as integer or double (rounded half-even)."""
    db, root = wh
    kids = dk.children()
    kid_tbl = pa.table({
        "CHILD_ID": [r["child_id"] for r in kids],
        "sex": ["1", "2", "f"],
        "date_of_birth": pa.array([dt.datetime(2018, 3, 1, 13, 5), dt.datetime(2020, 2, 1), dt.datetime(2016, 7, 1)],
                                  pa.timestamp("us")),
        "entered_care_date": ["2019-01-10", "2020-03-01", " 2017-01-01 "],
        "early_permanence": pa.array([0, 0, 1], pa.int8()),
        "fostered_by_adopters_from": pa.array([None, None, dt.date(2017, 3, 1)], pa.date32()),
        "placed_date": pa.array([dt.date(2019, 12, 1), None, dt.date(2017, 10, 1)], pa.date32()),
    })
    ledger = pa.table({
        "financial_year": ["2022-23", "2022-23", "2022-23"], "period": pa.array([1, 2, 3], pa.int16()),
        "budget_area": ["pooled"] * 3, "cost_line": ["panels"] * 3,
        "actual_gbp": pa.array([0.125, 10.135, 7.0], pa.float64()),
        "forecast_outturn_gbp": pa.array([60000, 60001, None], pa.int32()),
    })
    dk.write_drop(root, 886, "2022-10-07", children=kid_tbl, ledger=ledger)
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert len(accepted) == 1
    # CHILD_ID matches child_id only ignoring case: loaded, with a warning naming the raw header (spec)
    # the columns this file leaves empty held values in the previous drop: warned as a fall (contract v3)
    assert {w.rule for w in accepted[0].warnings} == {"money_rounded", "header_trimmed", "fill_fall"}
    assert {w.column for w in accepted[0].warnings if w.rule == "fill_fall"} <= {
        "adm_decision_date", "placement_order_date", "matched_date", "adoption_order_date"}
    con = warehouse.Warehouse(db).connect()
    try:
        kids_out = con.execute(
            "SELECT sex, date_of_birth, entered_care_date, early_permanence FROM children_current ORDER BY child_id"
        ).fetchall()
        money = con.execute("SELECT actual_gbp, forecast_outturn_gbp FROM ledger_current ORDER BY period").fetchall()
    finally:
        con.close()
    assert kids_out == [("M", dt.date(2018, 3, 1), dt.date(2019, 1, 10), False),
                        ("F", dt.date(2020, 2, 1), dt.date(2020, 3, 1), False),
                        ("F", dt.date(2016, 7, 1), dt.date(2017, 1, 1), True)]
    assert money == [(Decimal("0.12"), Decimal("60000.00")), (Decimal("10.14"), Decimal("60001.00")),
                     (Decimal("7.00"), None)]


def test_reingest_unchanged_is_a_noop_and_changed_is_a_new_version(wh, ref) -> None:
    db, root = wh
    before = snapshot(db)
    again = drops.ingest(db, root, ref, today=TODAY)
    assert [r.outcome for r in again.results] == ["unchanged"]
    assert snapshot(db) == before
    dk.write_drop(root, 886, "2022-09-30", adopters=dk.adopters()[:1])
    changed = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert len(changed) == 1 and changed[0].new_version
    con = warehouse.Warehouse(db).connect()
    try:
        versions = con.execute("SELECT version FROM drops WHERE path = '886/2022-09-30' ORDER BY 1").fetchall()
        current = con.execute("SELECT count(*) FROM adopters_current").fetchall()[0][0]
        audit = con.execute("SELECT outcome FROM ingest_audit ORDER BY attempt_id").fetchall()
    finally:
        con.close()
    assert versions == [(1,), (2,)]
    assert current == 1
    # an all-unchanged run writes nothing, not even an audit row (it is in the event log)
    assert [a[0] for a in audit] == ["accepted", "accepted"]


def test_newest_drop_is_current_and_history_kept(wh, ref) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", adopters=dk.adopters()[:1])
    drops.ingest(db, root, ref, today=TODAY)
    con = warehouse.Warehouse(db).connect()
    try:
        assert con.execute("SELECT count(*) FROM adopters").fetchall()[0][0] == 3
        assert con.execute("SELECT count(*) FROM adopters_current").fetchall()[0][0] == 1
        as_at = sql.execute(con, f"SELECT count(*) FROM ({sql.state_sql('adopters')})",
                            {"as_at": dt.date(2022, 10, 1)}).fetchall()[0][0]
        assert as_at == 2
    finally:
        con.close()


def test_mixed_folder_loads_good_rejects_bad_with_located_errors(tmp_path, ref) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 303, "2022-10-07")
    dk.write_drop(root, 887, "2022-10-07", children=_dup("children", 0))
    report = drops.ingest(db, root, ref, today=TODAY)
    assert [r.path for r in report.by("accepted")] == ["303/2022-10-07"]
    bad = report.by("rejected")[0]
    assert bad.path == "887/2022-10-07" and bad.errors[0].rows == [0, 3]
    cli = report.as_cli()
    assert cli["rejected"][0]["errors"][0] == {
        "file": "children.parquet", "column": "child_id, entered_care_date", "rule": "duplicate_key",
        "rows": [0, 3], "message": bad.errors[0].message}


def test_every_problem_reported_together(wh, ref) -> None:
    db, root = wh
    kids = _rows_with("children", 0, child_id="9434765919")
    kids[1]["sex"] = "Q"
    dk.write_drop(root, 886, "2022-10-07", children=kids, ledger=_rows_with("ledger", 0, period=0), adopters=None,
                  establishment=_rows_with("establishment", 0, fte=0))
    errors = drops.ingest(db, root, ref, today=TODAY).by("rejected")[0].errors
    assert {("children.parquet", "personal_identifier"), ("children.parquet", "value_not_allowed"),
            ("ledger.parquet", "period_out_of_range"), ("establishment.parquet", "fte_out_of_range")} <= {
        (e.file, e.rule) for e in errors}


def test_personal_identifier_message_names_no_value(wh, ref) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", children=_rows_with("children", 0, child_id="9434765919"))
    issue = next(i for i in drops.ingest(db, root, ref, today=TODAY).by("rejected")[0].errors
                 if i.rule == "personal_identifier")
    assert "9434765919" not in issue.message and "pseudonymous" in issue.message


def test_nhs_number_with_wrong_check_digit_is_not_flagged(wh, ref) -> None:
    db, root = wh
    dk.write_drop(root, 886, "2022-10-07", children=_rows_with("children", 0, child_id="9434765918"))
    assert drops.ingest(db, root, ref, today=TODAY).by("accepted")


def test_pre_pooling_drop_needs_no_ledger(tmp_path, ref) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    kids = [r for r in dk.children() if r["entered_care_date"] < dt.date(2019, 6, 1)]
    for k in kids:
        k["adoption_order_date"] = None if k["adoption_order_date"] and k["adoption_order_date"] > dt.date(
            2020, 3, 1) else k["adoption_order_date"]
    dk.write_drop(root, 303, "2020-03-01", children=kids, adopters=dk.adopters()[:0] or [
        {"household_id": "B1", "enquiry_date": dt.date(2019, 5, 1)}], ledger=None, budget=None, establishment=None)
    report = drops.ingest(db, root, ref, today=TODAY)
    assert report.by("accepted"), [i.located() for r in report.results for i in r.errors]


def test_unknown_file_is_ignored_with_warning(wh, ref) -> None:
    db, root = wh
    folder = dk.write_drop(root, 886, "2022-10-07")
    (folder / "notes.txt").write_text("hello")
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    assert "unknown_file" in {w.rule for w in accepted[0].warnings}


def test_reader_holding_warehouse_does_not_block_ingest(wh, ref) -> None:
    """The app keeps a read-only connection open while a scheduled ingest publishes a new version."""
    db, root = wh
    reader = warehouse.Warehouse(db).connect()
    try:
        dk.write_drop(root, 887, "2022-10-07")
        report = drops.ingest(db, root, ref, today=TODAY)
        assert [r.path for r in report.by("accepted")] == ["887/2022-10-07"]
        assert reader.execute("SELECT count(*) FROM drops").fetchall()[0][0] == 1
    finally:
        reader.close()
    fresh = warehouse.Warehouse(db).connect()
    try:
        assert fresh.execute("SELECT count(*) FROM drops").fetchall()[0][0] == 2
    finally:
        fresh.close()


def test_failed_write_publishes_nothing(wh) -> None:
    db, _ = wh
    before, version = snapshot(db), warehouse.version(db)
    with pytest.raises(RuntimeError), warehouse.writing(db) as con:
        con.execute("DELETE FROM children")
        raise RuntimeError("crash mid-write")
    assert warehouse.version(db) == version and snapshot(db) == before
    assert not list(db.parent.glob("*.tmp"))


def test_parquet_file_row_numbers_are_zero_based(tmp_path, ref) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    rows = dk.children() * 1
    rows.append({**rows[0], "child_id": "KC-0009", "sex": "Z"})
    folder = dk.write_drop(root, 886, "2022-10-07", children=rows)
    assert pq.ParquetFile(folder / "children.parquet").metadata.num_rows == 4
    issue = drops.ingest(db, root, ref, today=TODAY).by("rejected")[0].errors[0]
    assert issue.rule == "value_not_allowed" and issue.rows == [3]


@pytest.mark.parametrize(("errors", "warnings", "text"), [
    (0, 0, "0 errors, 0 warnings"), (1, 1, "1 error, 1 warning"), (2, 1, "2 errors, 1 warning"),
    (1, 3, "1 error, 3 warnings")])
def test_a_drops_issue_counts_agree_with_their_nouns(errors: int, warnings: int, text: str) -> None:
    """Issue 14: the Data drops page said "1 errors"."""
    result = drops.DropResult(path="886/2026-11-20", la_code=886, extract_date=None, outcome="rejected",
                        errors=[Issue(rule="r", message="m")] * errors,
                        warnings=[Issue(severity="warning", rule="r", message="m")] * warnings)
    assert result.counts_text() == text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "manifest.json is not valid: it is not JSON (the text goes wrong at line 1, character 2)"),
        (b'{"la_code": "Kent", "extract_date": "2022-10-07", "files": {}}',
         "manifest.json is not valid: field la_code must be a whole number"),
        (b'{"la_code": 886, "extract_date": "2022-10-07"}', "manifest.json is not valid: field files is missing"),
        (b'{"la_code": 886, "extract_date": "2022-10-07", "files": {"children.parquet": {"sha256": 5, "rows": 1}}}',
         "manifest.json is not valid: field files.children.parquet.sha256 must be text in quotes"),
        (b'{"la_code": 886, "extract_date": "2022-10-07", "files": []}',
         "manifest.json is not valid: field files must be an object { … }"),
        (b"[1, 2]", "manifest.json is not valid: it must be a JSON object { … } with la_code, extract_date and files"),
        (b"\xff\xfe", "manifest.json is not valid: it is not UTF-8 text"),
        (b'{"la_code": true, "extract_date": "2022-10-07", "files": {}}',
         "manifest.json is not valid: field la_code must be a whole number"),
        (b'{"la_code": 887, "la_code": 886, "extract_date": "2022-10-07", "files": {}}',
         "manifest.json is not valid: it gives the key 'la_code' twice (which one is meant cannot be told)"),
        (b'{"la_code": 886, "extract_date": "2022-10-07", "files": {"children.parquet": {"sha256": "a", "rows": "3"}}}',
         "manifest.json is not valid: field files.children.parquet.rows must be a whole number"),
    ],
    ids=["not_json", "la_code_text", "files_missing", "sha_number", "files_list", "top_list", "not_utf8",
         "la_code_true", "repeated_key", "rows_text"],
)
def test_manifest_problems_are_told_in_words(tmp_path: Path, content: bytes, expected: str) -> None:
    """No library text: pydantic's and json's own messages ("Input should be a valid
    integer, unable to parse string as an integer", "Expecting value: line 1 column 2") never reach people."""
    (tmp_path / "manifest.json").write_bytes(content)
    manifest, issues = drops.read_manifest(tmp_path, 1 << 20)
    assert manifest is None and [i.message for i in issues] == [expected]
    assert all(w not in issues[0].message for w in ("Input should", "Expecting", "pydantic", "valid integer"))
