"""The command line's outputs and the event log name no child: `raa check` and `raa ingest` count an issue's rows
unless the operator asks for identifiers (`--show-identifiers`), and the aggregate commands (`kpi`, `asglb`
without `--rows`, `budget`, `boardpack`) and every event logged while they run carry none (docs/data-protection.md,
docs/command-line.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import personalkit
from conftest import SAMPLE_AS_AT, SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.cli import main

TODAY = SAMPLE_TODAY.isoformat()
AS_AT = SAMPLE_AS_AT.isoformat()
#: Medway's drop whose warnings name children (matched before the placement order).
DROP = SAMPLE_DROPS / "887" / "2026-10-09"


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "events.log"
    monkeypatch.setenv("RAA_LOG_FILE", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Standard output then standard error of one command."""
    code = main(list(argv))
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    return out.out + "\n" + out.err


@pytest.fixture(scope="module")
def values(sample_con) -> dict[int, set[str]]:
    found = personalkit.identifiers(sample_con)
    assert found[887] and found[303] and found[886]
    return found


@pytest.mark.parametrize("json_out", [False, True])
def test_check_counts_rows_unless_identifiers_are_asked_for(capsys, values, log_file, json_out) -> None:
    flags = ["--json"] if json_out else []
    shown = run(capsys, "check", str(DROP), "--today", TODAY, *flags, "--show-identifiers")
    assert personalkit.found(shown, values).keys() == {887}  # the search finds them when they are there
    counted = run(capsys, "check", str(DROP), "--today", TODAY, *flags)
    assert not personalkit.found(counted, values)
    assert "first data row" not in counted and " rows" in counted
    if json_out:
        doc = json.loads(counted[:counted.rindex("}") + 1])
        issues = [i for r in doc["accepted"] + doc["rejected"] for i in r.get("warnings", [])]
        assert issues and all(i["rows"] is None for i in issues)
    assert not log_file.exists() or not personalkit.found(log_file.read_text(), values)


def test_ingest_prints_counts_and_logs_no_identifier(tmp_path: Path, capsys, values, log_file) -> None:
    root = tmp_path / "drops"
    shutil.copytree(DROP, root / "887" / DROP.name)
    db = tmp_path / "wh" / "raa.duckdb"
    out = run(capsys, "ingest", str(root), "--db", str(db), "--today", TODAY)
    assert "1 accepted" in out and "Warning:" in out
    assert not personalkit.found(out, values) and "first data row" not in out
    assert log_file.read_text().count('"kind":"ingest"') == 1
    assert not personalkit.found(log_file.read_text(), values)


def test_aggregate_commands_and_their_files_name_no_child(tmp_path: Path, capsys, sample_db, values,
                                                          log_file) -> None:
    db = str(sample_db)
    texts = [
        run(capsys, "kpi", "--period", "2026-27", "--db", db, "--today", TODAY),
        run(capsys, "kpi", "--period", "2024-27", "--db", db, "--today", TODAY, "--json"),
        run(capsys, "budget", "--year", "2026-27", "--db", db, "--today", TODAY),
        run(capsys, "asglb", "--quarter", "2026-27Q2", "--out", str(tmp_path / "asglb.xlsx"), "--db", db,
            "--today", TODAY),
        run(capsys, "boardpack", "--period", "2026-27", "--out", str(tmp_path / "pack"), "--db", db,
            "--as-at", AS_AT),
        run(capsys, "boardpack", "--period", "2026-27", "--role", "hos", "--out", str(tmp_path / "hos"), "--db",
            db, "--as-at", AS_AT),
    ]
    files = [*tmp_path.glob("*.xlsx"), *tmp_path.glob("*/*.xlsx"), *tmp_path.glob("*/*.pdf")]
    assert len(files) == 5, files
    texts += [personalkit.pdf_text(f.read_bytes()) if f.suffix == ".pdf" else personalkit.workbook_text(
        f.read_bytes()) for f in files]
    if log_file.exists():
        texts.append(log_file.read_text())
    for text in texts:
        assert not personalkit.found(text, values), text[:300]
    assert "Open warnings" in "".join(texts)  # the pack's warnings page is searched
