"""No Parquet file a council can send ends the process: its footer is judged in pure Python, then opened in a
child process under limits, before the service's own process reads it; each odd file is refused by name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dropkit as dk
import hostilekit as hk
from dropkit import TODAY
from raa_core.ingest import drop_files, drops, parquet_footer
from raa_core.store import warehouse

REPO = Path(__file__).resolve().parents[3]

#: builder -> (rule, words the message must hold, words it must not)
CASES = {
    "encrypted_plaintext_footer": ("encrypted_file", "is encrypted", "not a Parquet file"),
    "encrypted_footer": ("encrypted_file", "is encrypted", "not a Parquet file"),
    "one_row_per_group": ("too_many_row_groups", "20,000 row groups", "damaged"),
    "nested_unknown_column": ("nested_column", "'notes' nested", "damaged"),
    "huge_footer_metadata": ("footer_too_large", "drops.footer_max_bytes", "damaged"),
    "many_columns": ("too_many_columns", "drops.columns_max", "damaged"),
    "wrong_magic": ("unreadable_file", "'PARX'", "cut short"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_odd_parquet_file_is_refused_in_process_with_a_message_naming_file_and_rule(
        case: str, tmp_path: Path, ref) -> None:
    """Checked in this very process (a native abort would end the test run): refused, named, in words."""
    root = tmp_path / "drops"
    expect = hk.HOSTILE[case](root)
    (path,) = expect
    result = drops.check_only(next(d for d in drops.discover(root) if d.path == path), ref, today=TODAY)
    rule, said, unsaid = CASES[case]
    (issue,) = [e for e in result.errors if e.rule == rule]
    assert result.outcome == "rejected"
    assert issue.message.startswith(issue.file + " ") and issue.file.endswith(".parquet")
    assert said in issue.message and unsaid not in issue.message, issue.message


def test_encrypted_column_metadata_is_found_in_the_footer_without_a_native_reader(tmp_path: Path) -> None:
    path = tmp_path / "children.parquet"
    hk.write_encrypted(path, dk.table("children", dk.children()))
    limits = parquet_footer.FooterLimits(1 << 20, 100, 500)
    footer = parquet_footer.read_footer(path, limits)
    assert footer.encrypted and footer.row_groups == 1 and footer.leaves == len(dk.table("children", dk.children()).schema)
    plain = tmp_path / "plain.parquet"
    pq.write_table(dk.table("children", dk.children()), plain)
    assert not parquet_footer.read_footer(plain, limits).encrypted


def test_a_file_that_aborts_the_native_reader_costs_only_itself_in_the_child(tmp_path: Path) -> None:
    """The child process opens files with Arrow: the encrypted one aborts it (signal), the files after it are
    opened by a new child, and this process never opened any of them."""
    bad, good = tmp_path / "bad.parquet", tmp_path / "good.parquet"
    hk.write_encrypted(bad, dk.table("children", dk.children()))
    pq.write_table(dk.table("children", dk.children()), good)
    found = parquet_footer.probe([good, bad, good], memory_mb=512, seconds=30)
    assert list(found) == [bad] and "encrypted" in found[bad]


def test_footer_limits_come_from_settings(ref) -> None:
    limits = drop_files.footer_limits(ref)
    d = ref.settings.drops
    assert (limits.footer_max_bytes, limits.columns_max, limits.row_groups_max) == (
        d.footer_max_bytes, d.columns_max, d.row_groups_max)


def test_scheduled_ingest_with_an_encrypted_drop_loads_the_others_and_audits_it(tmp_path: Path) -> None:
    """`raa ingest` as a scheduler runs it: one council's encrypted file beside two good drops (it used to end
    with rc 134, nothing loaded and no audit row)."""
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 303, "2022-09-02")
    dk.write_drop(root, 887, "2022-09-02")
    hk.encrypted_plaintext_footer(root)
    done = subprocess.run([sys.executable, "-m", "raa_core", "ingest", str(root), "--db", str(db), "--json",
                           "--today", TODAY.isoformat()], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 1, done.stderr  # a rejected drop, not a crash
    report = json.loads(done.stdout)
    outcomes = {r["path"]: outcome for outcome, results in report.items() for r in results}
    assert outcomes == {"303/2022-09-02": "accepted", "887/2022-09-02": "accepted", "886/2022-10-08": "rejected"}
    con = warehouse.Warehouse(db).connect()
    try:
        audited = con.execute("SELECT path, outcome FROM ingest_audit ORDER BY path").fetchall()
    finally:
        con.close()
    assert ("886/2022-10-08", "rejected") in audited


def test_twenty_thousand_row_groups_are_refused_from_the_footer_without_decoding(tmp_path: Path, ref) -> None:
    path = tmp_path / "children.parquet"
    one = dk.table("children", dk.children()[:1])
    pq.write_table(pa.concat_tables([one] * 20_000), path, row_group_size=1)
    problem = drop_files.footer_problem(path, drop_files.footer_limits(ref))
    assert problem is not None and problem[0] == "too_many_row_groups" and "20,000" in problem[1]


def test_warnings_per_file_are_capped_and_the_rest_summarised(tmp_path: Path, ref) -> None:
    """80 unknown columns (within drops.columns_max): 50 warnings listed (drops.warnings_max), then one that
    counts the other 30 by rule; the drop still loads."""
    root = tmp_path / "drops"
    folder = dk.write_drop(root, 886, "2022-10-09", adopters=None)
    t = dk.table("adopters", dk.adopters())
    for i in range(80):
        t = t.append_column(f"extra_{i:02d}", pa.array([i] * t.num_rows))
    pq.write_table(t, folder / "adopters.parquet")
    result = drops.check_only(drops.discover(root)[0], ref, today=TODAY)
    assert result.outcome == "accepted", result.errors
    mine = [w for w in result.warnings if w.file == "adopters.parquet"]
    assert len(mine) == ref.settings.drops.warnings_max + 1
    assert mine[-1].rule == "more_warnings" and "30 more warnings" in mine[-1].message
    assert "(unknown_column) 30" in mine[-1].message


@pytest.mark.parametrize(("change", "rule", "severity"), [
    ({"adoption_order_date": dk.D(2017, 1, 1)}, "order_before_birth_or_care", "error"),
    ({"date_of_birth": dk.D(1900, 1, 1), "entered_care_date": dk.D(1901, 1, 1), "placed_date": dk.D(1901, 6, 1),
      "matched_date": dk.D(1901, 5, 1), "adm_decision_date": None, "placement_order_date": None,
      "adoption_order_date": dk.D(1902, 1, 1)}, "date_before_1990", "warning"),
    ({"date_of_birth": dk.D(2000, 1, 1), "entered_care_date": dk.D(2017, 6, 1), "adm_decision_date": None,
      "placement_order_date": None, "matched_date": dk.D(2019, 1, 1), "placed_date": dk.D(2019, 2, 1),
      "adoption_order_date": dk.D(2020, 6, 1)}, "adopted_aged_18_or_over", "warning"),
])
def test_implausible_dates_are_named(change: dict, rule: str, severity: str, tmp_path: Path, ref) -> None:
    rows = dk.children()
    rows[0] = {**rows[0], **change}
    dk.write_drop(tmp_path / "drops", 886, "2022-10-07", children=rows)
    result = drops.check_only(drops.discover(tmp_path / "drops")[0], ref, today=TODAY)
    found = [i for i in [*result.errors, *result.warnings] if i.rule == rule]
    assert found and found[0].severity == severity and "row 1" in found[0].message, found
