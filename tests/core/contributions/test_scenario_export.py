"""Excel export of a scenario and of a comparison: figures reconcile with the engine, text stays text."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl

import financekit as fk
from raa_core import contributions
from raa_core.contributions import scenario_export, scenario_tables
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.presentation import display, gbp


def rows(ws, header_text: str) -> list[dict]:
    cells = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(cells) if r and r[0] == header_text)
    header = cells[head]
    return [dict(zip(header, r, strict=True)) for r in cells[head + 1:]]


def test_scenario_workbook_reconciles_with_the_engine(sample_con, ref) -> None:
    s = parse_scenario(DEFAULT_SCENARIO)
    result = fk.run(sample_con, ref, s)
    wb = openpyxl.load_workbook(io.BytesIO(scenario_export.scenario_xlsx(result, ref)))
    assert wb.sheetnames == ["Scenario", "Contributions"]
    ws = wb["Contributions"]
    assert ws["A1"].value == f"Contributions: {s.name}"
    got = rows(ws, "Year")
    modelled = [r for r in got if r["Year"] != s.base_year and r["Council"] != "Total"]
    names = {303: "Bexley", 886: "Kent", 887: "Medway"}
    assert [(r["Year"], r["Council"]) for r in modelled] == [(x.year, names[x.la_code]) for x in result.rows]
    for r, x in zip(modelled, result.rows, strict=True):
        assert Decimal(str(round(r["Contribution (£)"], 2))) == x.contribution
        # a fraction shown as a percentage to two places: the cell holds the share as shown, rounded half up
        assert Decimal(str(r["Share (%)"])) == (x.share * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) / 100
        assert (r["Bound applied"] or None) == (display.label("bound", x.bound) or None)
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), start=1) if row[0] == "Year")
    assert "#,##0.00" in ws.cell(header + 1, 3).number_format and "%" in ws.cell(header + 1, 4).number_format
    assert ws.freeze_panes == f"A{header + 1}" and ws.page_setup.orientation == "landscape"
    # the first sheet says what was modelled and shows the formula with its numbers
    words = [r[1] for r in wb["Scenario"].iter_rows(values_only=True) if r and r[0] == "Averaging window"]
    assert words == [f"{s.window_years} complete financial years"]
    lines = [r[0] for r in wb["Scenario"].iter_rows(values_only=True) if r and isinstance(r[0], str)]
    for y in s.years:
        assert contributions.explanation(result, y, ref)[1] in lines


def test_every_year_of_the_scenario_has_its_total_row_exact_to_the_penny(sample_con, ref) -> None:
    """Parts listed, their total beside them: on the page (`contributions_frame`) and in the workbook each year's
    councils are followed by a bold total row equal to the year's total, to the penny."""
    s = parse_scenario(DEFAULT_SCENARIO)
    result = fk.run(sample_con, ref, s)
    want = {s.base_year: sum(result.base.values(), Decimal(0))} | {t.year: t.total for t in result.totals}
    ws = openpyxl.load_workbook(io.BytesIO(scenario_export.scenario_xlsx(result, ref)))["Contributions"]
    got = rows(ws, "Year")
    totals = {r["Year"]: r for r in got if r["Council"] == "Total"}
    assert list(totals) == list(want)
    for year, total in want.items():
        councils = [r for r in got if r["Year"] == year and r["Council"] != "Total"]
        assert Decimal(str(round(totals[year]["Contribution (£)"], 2))) == total
        assert sum(Decimal(str(round(r["Contribution (£)"], 2))) for r in councils) == total
        assert round(totals[year]["Share (%)"], 6) == 1
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), start=1) if row[0] == "Year")
    bold = [ws.cell(header + 1 + i, 3).font.b for i, r in enumerate(got) if r["Year"] is not None]
    assert bold == [r["Council"] == "Total" for r in got if r["Year"] is not None]
    page = scenario_tables.contributions_frame(result, ref)
    page_totals = page[page["Council"] == "Total"]
    assert list(page_totals["Year"]) == list(want)
    assert list(page_totals["Contribution"]) == [gbp(v) for v in want.values()]
    assert list(page_totals["Share"]) == ["100.00%"] * len(want)
    # every year's total row follows that year's councils
    assert [y for y, c in zip(page["Year"], page["Council"], strict=True) if c == "Total"] == list(want)
    assert page.groupby("Year", sort=False)["Council"].last().eq("Total").all()


def test_comparison_workbook(sample_con, ref) -> None:
    a = fk.run(sample_con, ref, parse_scenario(DEFAULT_SCENARIO))
    b = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "B", "cap_pct": None}))
    cmp = contributions.compare([a, b], ref)
    wb = openpyxl.load_workbook(io.BytesIO(scenario_export.comparison_xlsx(cmp)))
    got = rows(wb["Comparison"], "Scenario")
    assert len(got) == len(cmp)
    diffs = [r for r in got if r["Scenario"] == "B"]
    want = cmp[cmp["scenario"] == "B"]
    for r, d in zip(diffs, want["difference"], strict=True):
        assert Decimal(str(round(r["Difference from the first (£)"], 2))) == d


def test_a_scenario_named_like_a_formula_stays_text(sample_con, ref) -> None:
    """Review: a scenario named =HYPERLINK(...) became a live formula in every Scenario cell of the comparison."""
    evil = '=HYPERLINK("http://evil.example","click")'
    a = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": evil}))
    b = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "B", "cap_pct": None}))
    for book in (scenario_export.comparison_xlsx(contributions.compare([a, b], ref)),
                 scenario_export.scenario_xlsx(a, ref)):
        wb = openpyxl.load_workbook(io.BytesIO(book))
        cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert [c for c in cells if c.value == evil and c.quotePrefix]


def test_the_workbook_says_where_the_driver_figures_come_from(ref) -> None:
    from types import SimpleNamespace

    for basis, words in (("average", "Average of past years"), ("forecast", "Forecast of the budget year")):
        s = parse_scenario({**DEFAULT_SCENARIO, "basis": basis})
        params = scenario_export.parameters(SimpleNamespace(scenario=s), ref).set_index("what")["value"]
        assert params["Driver figures"].startswith(words)
