"""The forecast where the product uses it (docs/forecast.md, "Uses"): the "forecast" basis of contribution
scenarios (`raa contributions`, scenario JSON `"basis": "forecast"`) and the board pack's section."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from raa_core import snapshot
from raa_core.cli import main
from raa_core.contributions.formula import basis_years
from raa_core.contributions.scenario import parse_scenario
from raa_core.forecast.uses import board_summary, forecast_drivers
from raa_core.reference import Reference
from raa_core.requests import CURRENT, PerformanceRequest

SCENARIO = {"name": "Forecast basis", "base_year": "2026-27", "years": ["2027-28"], "uplift_pct": 2.0,
            "drivers": {"placement_orders": 0.5, "children_placed": 0.5}, "window_years": 3,
            "transition": {"2027-28": 0.5}, "basis": "forecast"}
TODAY = dt.date(2026, 11, 23)


def run(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, scenario: dict) -> tuple[int, str, str]:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    code = main(["contributions", "--scenario", str(path), "--json", "--db", str(db)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_forecast_basis_uses_the_budget_years_forecast(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       sample_db: Path, sample_con: duckdb.DuckDBPyConnection,
                                                       ref: Reference) -> None:
    code, out, err = run(capsys, sample_db, tmp_path, SCENARIO)
    assert code == 0, err
    rows = json.loads(out)["rows"]
    want = forecast_drivers(snapshot.over(sample_con, ref, TODAY), CURRENT, [2027])
    for r in rows:
        assert r["year"] == "2027-28"
        mine = want[want.la_code == r["la_code"]].set_index("driver")["value"]
        assert r["drivers"]["placement_orders"] == pytest.approx(float(mine["placement_orders"]))
        assert any("forecast (the pipeline forecast, not a count)" in f for f in r["flags"])
    average = {**SCENARIO}
    del average["basis"]
    code, out2, _ = run(capsys, sample_db, tmp_path, average)
    assert code == 0 and json.loads(out2)["rows"][0]["drivers"] != rows[0]["drivers"]


def test_forecast_basis_takes_the_budget_year_itself() -> None:
    s = parse_scenario(json.dumps(SCENARIO))
    assert basis_years(s, "2027-28", "placement_orders") == [2027]
    avg = parse_scenario(json.dumps({k: v for k, v in SCENARIO.items() if k != "basis"}))
    assert basis_years(avg, "2027-28", "placement_orders") == [2024, 2025, 2026]


def test_a_year_beyond_36_months_is_refused_naming_basis(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        sample_db: Path) -> None:
    far = {**SCENARIO, "years": ["2027-28", "2028-29", "2029-30"],
           "transition": {"2027-28": 0.5, "2028-29": 0.5, "2029-30": 0.5}}
    code, out, err = run(capsys, sample_db, tmp_path, far)
    assert code == 2 and out == ""
    assert "basis:" in err and "36 months" in err


def test_board_summary_is_suppressed_for_publication(sample_con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    snap = snapshot.over(sample_con, ref, TODAY)
    lines, frame = board_summary(snap, PerformanceRequest(period="2026-27", publication=True))
    assert any(line.startswith("To match the children forecast to need a family by") for line in lines)
    # a council's approvals gap beside its shown approvals could give away a suppressed approvals-needed count:
    # the Board reads the region's gap only
    gaps = [line for line in lines if "approvals" in line and "gap" not in line]
    assert len(gaps) == 1 and ref.settings.raa_name in gaps[0]
    assert sum("approvals gap of one council is not shown" in line for line in lines) == len(ref.councils)
    open_lines, _ = board_summary(snap, PerformanceRequest(period="2026-27", publication=False))
    assert sum(line.startswith("To match") for line in open_lines) == len(ref.councils) + 1
    assert list(frame.columns) == ["area", "measure", "forecast", "range80", "range95"]
    bexley_ia = frame[(frame.area == "Bexley") & (frame.measure == "Interagency placements")].iloc[0]
    assert bexley_ia["forecast"] == "x"
    _, open_frame = board_summary(snap, PerformanceRequest(period="2026-27", publication=False))
    assert open_frame[(open_frame.area == "Bexley") & (open_frame.measure == "Interagency placements")
                      ].iloc[0]["forecast"] != "x"


def test_a_year_already_ended_is_refused_naming_basis(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      sample_db: Path) -> None:
    past = {**SCENARIO, "base_year": "2022-23", "years": ["2023-24"], "transition": {"2023-24": 0.5}}
    code, out, err = run(capsys, sample_db, tmp_path, past)
    assert code == 2 and out == ""
    assert "basis:" in err and "2023-24 ended before the data's date" in err


def test_sensitivity_of_a_forecast_basis_scenario_nudges_the_budget_years_forecast(
        sample_con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    """The sensitivity answers for the scenario as computed: with the forecast basis it nudges the budget year's
    forecast figure (not a past year the scenario never read), for every driver, council and direction."""
    from raa_core import contributions
    from raa_core.contributions.scenario import ContributionsRequest

    s = parse_scenario(json.dumps(SCENARIO))
    result = contributions.run(snapshot.over(sample_con, ref, TODAY), ContributionsRequest(scenario=s))
    assert result.drivers.values.get(("placement_orders", 886, 2027)) is not None
    sens = contributions.sensitivity(result, "2027-28", ref)
    assert len(sens) == len(s.drivers) * len(ref.councils) ** 2
    one = sens[(sens["driver"] == "placement_orders") & (sens["unit_la_code"] == 886)].set_index("la_code")
    assert one.loc[886, "plus_one"] > 0 > one.loc[303, "plus_one"]
    assert sum(one["plus_one"]) == 0  # the year's total is fixed: what one council gains the others lose
