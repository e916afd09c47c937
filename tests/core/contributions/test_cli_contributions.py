"""`raa contributions` exactly as docs/command-line.md: JSON shape, money as strings, exit 2 naming the field."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import financekit as fk
from raa_core import contributions
from raa_core.cli import main
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario

#: docs/command-line.md's example scenario (the page's default scenario is that example).
CLI_MD_EXAMPLE = DEFAULT_SCENARIO


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path: Path, data: dict, name: str = "s.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_json_follows_cli_md(sample_db: Path, tmp_path: Path, capsys, sample_con, ref) -> None:
    code, out, err = run(capsys, "contributions", "--db", str(sample_db), "--scenario",
                         write(tmp_path, CLI_MD_EXAMPLE), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["scenario"] == "Placement orders, 3-year average"
    rows = payload["rows"]
    assert [(r["year"], r["la_code"]) for r in rows] == [
        (y, la) for y in ("2021-22", "2022-23") for la in (303, 886, 887)]
    for r in rows:
        assert set(r) >= {"year", "la_code", "contribution", "share", "demand_share", "baseline_share",
                          "change_prev_pct", "bound"}
        assert isinstance(r["contribution"], str) and len(r["contribution"].split(".")[1]) == 2
        assert isinstance(r["share"], float) and r["bound"] in (None, "cap", "floor")
        assert -10.0 <= r["change_prev_pct"] <= 10.0
    # the figures are the engine's, and each year's contributions sum to its total to the penny
    result = fk.run(sample_con, ref, parse_scenario(CLI_MD_EXAMPLE))
    assert payload.pop("stale") == []  # the sample is judged at its own as-at date: nothing stale on day one
    assert payload == json.loads(json.dumps(contributions.as_cli(result)))
    for t in payload["totals"]:
        got = sum(Decimal(r["contribution"]) for r in rows if r["year"] == t["year"])
        assert got == Decimal(t["total"])
    # 2021-22 total = the 2020-21 pooled budgets plus 2%, rounded to the penny
    base = sum(fk.base_budgets(sample_con, ref, "2020-21").values())
    assert Decimal(payload["totals"][0]["total"]) == (base * Decimal("1.02")).quantize(Decimal("0.01"))


def test_human_output_lists_each_council_and_year(sample_db: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "contributions", "--db", str(sample_db), "--scenario", write(tmp_path, CLI_MD_EXAMPLE))
    assert code == 0
    assert "Placement orders, 3-year average (base year 2020-21, pooled)" in out
    # the bound in words (the labels table's "bound"), not its code
    assert any(line.endswith("% Held at floor") for line in out.splitlines()), out
    assert not any(line.endswith(("% floor", "% cap")) for line in out.splitlines()), out
    assert sum(1 for line in out.splitlines() if line.startswith(("2021-22", "2022-23"))) == 6


@pytest.mark.parametrize(("change", "says"), [
    ({"drivers": {"placement_orders": 0.5, "adoption_orders": 0.4}}, "drivers: the weights add up to 0.9"),
    ({"drivers": {"births": 1.0}}, "drivers.births: unknown driver"),
    ({"transition": {"2021-22": 0.5, "2022-23": 2}}, "transition.2022-23: t = 2 is outside [0, 1]"),
    ({"cap_pct": 0.5}, "cap_pct: 2021-22: the cap of 0.5% allows at most"),
    ({"base_year": "2012-13", "years": ["2013-14"], "transition": {"2013-14": 1}},
     "base_year: no budget is loaded for 2012-13"),
    ({"window_years": 0}, "window_years: 0 is not allowed"),
])
def test_invalid_or_infeasible_scenario_exits_2_naming_the_field(
        sample_db: Path, tmp_path: Path, capsys, change: dict, says: str) -> None:
    code, out, err = run(capsys, "contributions", "--db", str(sample_db), "--scenario",
                         write(tmp_path, {**CLI_MD_EXAMPLE, **change}), "--json")
    assert code == 2 and out == ""
    assert says in err, err


def test_unreadable_scenario_file_exits_2(sample_db: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "contributions", "--db", str(sample_db), "--scenario", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read scenario file" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "contributions", "--db", str(sample_db), "--scenario", str(bad))
    assert code == 2 and "scenario: not valid JSON" in err
    code, _, err = run(capsys, "contributions", "--db", str(sample_db))
    assert code == 2
