"""The CLI's human text is the presentation layer's: money as pounds, scopes and councils in words, indicator
figures by their unit, bounds in words (docs/command-line.md); the JSON stays the machine format."""

from __future__ import annotations

from pathlib import Path

import pytest

from raa_core import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def test_budget_text_names_councils_and_scopes_and_shows_pounds(sample_db: Path, capsys) -> None:
    code, out = run(capsys, "budget", "--year", "2026-27", "--db", str(sample_db), "--today", "2026-11-23")
    assert code == 0
    body = out.splitlines()
    rows = [line for line in body if line.startswith(("Bexley", "Kent", "Medway", "RAA"))]
    assert rows, out
    assert any(line.startswith("RAA") and "All areas" in line for line in rows), out
    assert any("Pooled" in line for line in rows) and any("Adoption support" in line for line in rows), out
    assert all("£" in line for line in rows), out
    assert not any(line.split()[0] in ("303", "886", "887") for line in body), out
    assert " pooled " not in out and " all " not in out
    # before: "RAA      all                   4799156.24     4714632.86     -84523.38"
    assert "RAA      All areas           £4,799,156.24   £4,714,632.86     -£84,523.38" in body, out
    assert "Bexley   spend    £47,484.68 income   -£47,059.27 net       £425.41  UNFUNDED" in body, out


def test_kpi_text_shows_a3_as_a_percentage(sample_db: Path, capsys) -> None:
    code, out = run(capsys, "kpi", "--period", "2025-26", "--db", str(sample_db), "--today", "2026-11-23")
    assert code == 0
    a3 = [line for line in out.splitlines() if line.startswith("A3 ")]
    assert "A3        region       115 (70%)          165               " in a3, out
    assert all("%)" in line for line in a3), out
