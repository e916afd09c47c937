"""Excel export of a scenario and of a comparison: figures reconcile with the engine, text stays text."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl

from raa_core import contributions, scenario_export
from raa_core.scenario import DEFAULT_SCENARIO, parse_scenario


def rows(ws, header_text: str) -> list[dict]:
    cells = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(cells) if r and r[0] == header_text)
    header = cells[head]
    return [dict(zip(header, r, strict=True)) for r in cells[head + 1:]]


def test_scenario_workbook_reconciles_with_the_engine(sample_con, ref) -> None:
    s = parse_scenario(DEFAULT_SCENARIO)
    result = contributions.run(sample_con, ref, s)
    wb = openpyxl.load_workbook(io.BytesIO(scenario_export.scenario_xlsx(result, ref)))
    ws = wb["Contributions"]
    assert ws["A1"].value == f"Contributions: {s.name}"
    got = rows(ws, "Year")
    modelled = [r for r in got if r["Year"] != s.base_year]
    names = {303: "Bexley", 886: "Kent", 887: "Medway"}
    assert [(r["Year"], r["Council"]) for r in modelled] == [(x.year, names[x.la_code]) for x in result.rows]
    for r, x in zip(modelled, result.rows, strict=True):
        assert Decimal(str(round(r["Contribution (£)"], 2))) == x.contribution
        assert r["Bound applied"] == x.bound


def test_comparison_workbook(sample_con, ref) -> None:
    a = contributions.run(sample_con, ref, parse_scenario(DEFAULT_SCENARIO))
    b = contributions.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "B", "cap_pct": None}))
    cmp = contributions.compare([a, b], ref)
    wb = openpyxl.load_workbook(io.BytesIO(scenario_export.comparison_xlsx(cmp)))
    got = rows(wb["Comparison"], "Scenario")
    assert len(got) == len(cmp)
    diffs = [r for r in got if r["Scenario"] == "B"]
    want = cmp[cmp["scenario"] == "B"]
    for r, d in zip(diffs, want["difference"], strict=True):
        assert Decimal(str(round(r[f"Difference from {a.scenario.name} (£)"], 2))) == d
