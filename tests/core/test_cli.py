"""The command line of docs/command-line.md: sample, ingest, kpi and budget, with JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raa_core.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sample_is_byte_for_byte_deterministic(tmp_path: Path, capsys) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(capsys, "sample", str(a), "--as-at", "2025-06-13")[0] == 0
    assert run(capsys, "sample", str(b), "--as-at", "2025-06-13")[0] == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_ingest_json_follows_cli_md_and_reingest_is_unchanged(tmp_path: Path, capsys) -> None:
    drops_dir, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    run(capsys, "sample", str(drops_dir), "--as-at", "2025-06-13")
    code, out, err = run(capsys, "ingest", str(drops_dir), "--db", str(db), "--json", "--today", "2025-06-14")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"accepted", "unchanged", "rejected"}
    assert len(doc["accepted"]) == 27 and not doc["rejected"]
    first = doc["accepted"][0]
    assert {"path", "la_code", "extract_date", "warnings"} <= set(first)
    assert first["path"] == f"{first['la_code']}/{first['extract_date']}"
    for issue in first["warnings"]:
        assert set(issue) == {"file", "column", "rule", "rows", "message"}
        assert issue["rows"] is None or len(issue["rows"]) <= 20
    code, out, _ = run(capsys, "ingest", str(drops_dir), "--db", str(db), "--json", "--today", "2025-06-14")
    again = json.loads(out)
    assert code == 0 and len(again["unchanged"]) == 27 and not again["accepted"]


def test_bad_usage_exits_2(capsys) -> None:
    assert run(capsys, "kpi")[0] == 2
    assert run(capsys, "nonsense")[0] == 2
    assert run(capsys, "sample", "/tmp/x", "--as-at", "2025-13-01")[0] == 2


def test_a_reader_that_goes_away_ends_the_command_quietly(sample_db) -> None:
    """Review: `raa kpi ... | head` ended in a BrokenPipeError traceback. The pipe is closed before the command
    writes, so the write always fails: exit 0, nothing on stderr."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "raa_core", "kpi", "--period", "2018-19", "--db", str(sample_db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0 and "Traceback" not in err, err


def test_raa_kpi_says_which_councils_data_is_stale(tmp_path: Path, capsys) -> None:
    """Issue 9 point 2 (freshness wherever figures appear): `raa kpi` names each council whose performance data
    is older than 8 days, in words and in JSON; a council with no drop is stale too. An as-at run reads
    history and carries none."""
    import dropkit as dk

    root = tmp_path / "drops"
    dk.write_drop(root, 886, dk.EXTRACT)
    db = str(tmp_path / "wh" / "raa.duckdb")
    assert run(capsys, "ingest", str(root), "--db", db, "--today", "2022-10-08")[0] == 0
    later = "2022-10-25"  # 18 days after Kent's extract
    code, out, _ = run(capsys, "kpi", "--period", "2021-22", "--db", db, "--today", later, "--json")
    stale = {r["area"]: r["note"] for r in json.loads(out)["stale"]}
    assert code == 0 and stale["886"] == "newest drop 7 Oct 2022 (18 days old)" and stale["303"] == "no drop yet"
    code, out, _ = run(capsys, "kpi", "--period", "2021-22", "--db", db, "--today", later)
    assert "Stale performance data (older than 8 days): " in out.splitlines()[2]
    code, out, _ = run(capsys, "kpi", "--period", "2021-22", "--db", db, "--as-at", "2022-10-08", "--json")
    assert json.loads(out)["stale"] == []


def test_raa_budget_and_asglb_say_which_councils_data_is_stale(tmp_path: Path, capsys) -> None:
    """Issue 9 point 2 (datasets travel independently; freshness wherever figures appear): after a Kent drop of
    all five files and a later performance-only one, `raa budget` names Kent's finance data as stale (older than
    35 days) while `raa kpi` does not name its performance data; `raa asglb` judges performance data. A council
    with no drop is stale for both. As the kpi test, in words (the line under the heading) and in JSON."""
    import dropkit as dk

    root = tmp_path / "drops"
    dk.write_drop(root, 886, dk.EXTRACT)
    dk.write_drop(root, 886, "2022-11-10", budget=None, ledger=None, establishment=None)
    db = str(tmp_path / "wh" / "raa.duckdb")
    assert run(capsys, "ingest", str(root), "--db", db, "--today", "2022-11-11")[0] == 0
    code, out, err = run(capsys, "budget", "--year", "2022-23", "--db", db, "--today", "2022-11-15", "--json")
    assert code == 0, err
    stale = {r["area"]: r for r in json.loads(out)["stale"]}
    assert stale["886"] == {"area": "886", "council": "Kent", "dataset": "finance",
                            "note": "newest drop 7 Oct 2022 (39 days old)"}
    assert stale["303"]["note"] == "no drop yet" and set(stale) == {"303", "886", "887"}
    code, out, _ = run(capsys, "budget", "--year", "2022-23", "--db", db, "--today", "2022-11-15")
    assert out.splitlines()[1].startswith("Stale finance data (older than 35 days): ")
    assert "Kent: newest drop 7 Oct 2022 (39 days old)" in out.splitlines()[1]
    # a month earlier Kent's finance data is fresh, so only the councils without a drop are named
    code, out, _ = run(capsys, "budget", "--year", "2022-23", "--db", db, "--today", "2022-10-20", "--json")
    assert {r["area"] for r in json.loads(out)["stale"]} == {"303", "887"}
    # performance data travelled on 10 Nov: fresh for kpi on 15 Nov
    code, out, _ = run(capsys, "kpi", "--period", "2021-22", "--db", db, "--today", "2022-11-15", "--json")
    assert {r["area"] for r in json.loads(out)["stale"]} == {"303", "887"}
    xlsx = str(tmp_path / "asglb.xlsx")
    code, out, _ = run(capsys, "asglb", "--quarter", "2022-23Q2", "--out", xlsx, "--db", db, "--today", "2022-11-30",
                       "--json")
    kent = [r for r in json.loads(out)["stale"] if r["area"] == "886"]
    assert code == 0 and kent == [{"area": "886", "council": "Kent", "dataset": "performance",
                                   "note": "newest drop 10 Nov 2022 (20 days old)"}]
    code, out, _ = run(capsys, "asglb", "--quarter", "2022-23Q2", "--out", xlsx, "--db", db, "--today", "2022-11-30")
    assert "Stale performance data (older than 8 days): " in out


def test_raa_budget_refuses_a_year_that_is_not_a_financial_year_in_words(sample_db, capsys) -> None:
    """The monitoring request checks the year; the command says why in the request's words, exit 2."""
    code, out, err = run(capsys, "budget", "--year", "2021", "--db", str(sample_db))
    assert code == 2 and out == ""
    assert "year: '2021' is not a financial year: write a financial year like 2021-22\n" in err
    assert "validation error" not in err and "pydantic" not in err
    code, _, err = run(capsys, "budget", "--year", "2021-24", "--db", str(sample_db))
    assert code == 2 and "'2021-24' is not a financial year: write a financial year like 2021-22" in err
