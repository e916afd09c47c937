"""`raa forecast` (docs/forecast.md, docs/command-line.md): the spec's JSON, the backtest, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raa_core.cli import main
from raa_core.forecast import MEASURES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("months", ["40", "11", "0"])
def test_months_outside_12_to_36_is_a_usage_error(capsys: pytest.CaptureFixture[str], months: str) -> None:
    code, out, err = run(capsys, "forecast", "--months", months, "--db", "/nonexistent/raa.duckdb")
    assert code == 2 and out == ""
    assert "months must be 12 to 36" in err


def test_forecast_json_is_the_spec(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forecast", "--db", str(sample_db), "--as-at", "2025-03-31", "--months", "12",
                       "--json")
    assert code == 0
    j = json.loads(out)
    assert list(j) == ["as_at", "months", "seed", "version", "rows"]
    assert j["as_at"] == "2025-03-31" and j["months"] == 12 and j["version"].startswith("raa.duckdb")
    first = j["rows"][0]
    assert list(first) == ["area", "measure", "start", "end", "forecast", "low80", "high80", "low95", "high95"]
    assert (first["start"], first["end"]) == ("2025-04-01", "2026-03-31")
    assert {r["measure"] for r in j["rows"]} == set(MEASURES)
    assert {r["area"] for r in j["rows"]} == {"303", "886", "887", "region"}
    again = json.loads(run(capsys, "forecast", "--db", str(sample_db), "--as-at", "2025-03-31", "--json")[1])
    assert again == j


def test_forecast_text_says_it_in_words(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forecast", "--db", str(sample_db), "--as-at", "2025-03-31")
    assert code == 0
    assert "Pipeline forecast from the data held on 31 Mar 2025, for 12 months" in out
    assert "To match the children forecast to need a family by March 2026" in out
    assert "Interagency fees" in out and "£" in out


def test_backtest_json(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "forecast", "--db", str(sample_db), "--backtest", "--json")
    assert code == 0
    j = json.loads(out)
    assert j["horizon_months"] == 12 and len(j["origins"]) >= 4
    row = j["rows"][0]
    assert set(row) == {"measure", "area", "origins", "mape", "cover80", "cover95"}
    assert "approvals_needed" not in {r["measure"] for r in j["rows"]}
    assert all(0 <= r["cover80"] <= r["cover95"] <= 100 for r in j["overall"])


def test_no_warehouse_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "forecast", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "raa forecast:" in err
