"""The same figure reads the same wherever it is shown: the Pooled budget page and the Regional performance
page (AppTest) against the board pack's workbook (read back with openpyxl), for every council's budget,
actual, forecast, variance, variance % and movement in £'000 and in £, the headline indicators and the
children waiting. Each side is rendered as its reader sees it: the page's grid as Streamlit 1.67's number
column draws a cell (cut to the column's step, then numbro's accounting format), the workbook as Excel
draws a cell of its number format; both must equal the text `raa_core.presentation.money_text` makes from
the exact Decimal (half up, docs/finance.md)."""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from appkit import REGIONAL, connect, open_page, tiles
from conftest import APP, SAMPLE_TODAY, signed_in
from raa_core import boardpack, snapshot
from raa_core.boardpack import boardpack_files
from raa_core.boardpack import pack as pack_module
from raa_core.finance import budget_tables, monitoring
from raa_core.performance import indicators, journeys
from raa_core.presentation import MoneyUnit, date_text, display, missing, money_text, percent_text
from raa_core.requests import MonitoringRequest

PERIOD = "2026-27"
PAGE = "pages/budget.py"
MONEY = ("Budget", "Actual to date", "Forecast outturn", "Variance", "Movement")


# --- how each reader's software draws a number ------------------------------------------------------------


def grid_text(v: float | None, places: int) -> str:
    """A number column cell as Streamlit 1.67 draws it with `step` 10**-places: the value cut (truncated) to
    the step's places (DataFrame.js `ld`), then numbro's accounting format (Math.round on the decimal shift
    of the JavaScript number, thousands separated, a negative in brackets). Money and percentages alike (a
    percentage's "%" is in its header)."""
    if v is None or math.isnan(v):
        return ""
    r = v * 10**places
    cut = math.trunc(r + math.copysign(2**-52 * abs(r) * 10, r)) / 10**places
    n = (Decimal(repr(cut)).scaleb(places) + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
    body = f"{abs(n).scaleb(-places):,.{places}f}"
    return f"({body})" if n < 0 else body


def excel_text(cell: Any) -> str:
    """A workbook cell as Excel draws it under the formats the pack writes: money "#,##0.00" or "#,##0.0,"
    (thousands) with negatives in brackets, percentages "0.0%;(0.0%);0.0%", counts "#,##0". Excel rounds the shown
    figure half away from zero on the value's decimal digits; the section is chosen by the value's sign."""
    v, fmt = cell.value, cell.number_format
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    d = Decimal(repr(float(v)))
    if fmt.startswith("#,##0.0,"):
        body = f"{abs(d / 1000).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,.1f}"
    elif fmt.startswith("#,##0.00"):
        body = f"{abs(d).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
    elif fmt.startswith("0.0%;(0.0%)"):
        shown = (d * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"({abs(shown):.1f}%)" if shown < 0 else f"{shown:.1f}%"
    elif fmt in ("#,##0", "#,##0;-#,##0"):
        return f"{int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP)):,d}"
    else:
        raise AssertionError(f"a number format this test does not draw: {fmt!r}")
    return f"({body})" if d < 0 else body


def test_the_drawing_helpers_draw_as_streamlit_and_excel_do() -> None:
    """numbro's accounting format after the step's cut, checked against Streamlit 1.67's bundle under node (these cases):
    the unrounded -55.59138 (£'000 of -£55,591.38) was drawn "(55.5)"; the rounded -55.6 is "(55.6)"."""
    assert grid_text(-55.59138, 1) == "(55.5)"  # what the page showed before the fix
    assert grid_text(-55.6, 1) == "(55.6)" and grid_text(458.3, 1) == "458.3"
    assert grid_text(458.24999999999994, 1) == "458.2" and grid_text(1421656.85, 2) == "1,421,656.85"
    assert grid_text(2.675, 2) == "2.67" and grid_text(0.15, 1) == "0.1"  # cut, not rounded
    assert grid_text(-0.05, 1) == "0.0" and grid_text(0.0, 1) == "0.0"


# --- the pack and the pages -------------------------------------------------------------------------------


def _pack(app_env, ref, unit: MoneyUnit) -> tuple[boardpack.BoardPack, openpyxl.Workbook]:
    con = connect(app_env)
    try:
        request = boardpack.PackRequest(period=PERIOD, publication=False, role="hos", unit=unit)
        pack = boardpack.build(snapshot.over(con, ref, SAMPLE_TODAY), request, now=dt.datetime(2026, 11, 23, 9, 0))
    finally:
        con.close()
    return pack, openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(pack)))


def _sheet_rows(ws) -> list[dict[str, Any]]:
    """The table of a pack sheet as dicts header -> cell."""
    head = int(ws.print_title_rows.split(":")[0].strip("$"))
    rows = list(ws.iter_rows(min_row=head))
    header = [c.value for c in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if any(c.value is not None for c in r)]


def _budget_page(unit: MoneyUnit) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=90), "hos")
    at.run()
    at.switch_page(PAGE)
    at.run()
    at.segmented_control(key="budget_unit").set_value(unit)
    at.run()
    assert not at.exception, at.exception
    return at


def _frame(at: AppTest, *columns: str):
    return next(d.value for d in at.dataframe if all(c in d.value.columns for c in columns))


@pytest.mark.parametrize("unit", [MoneyUnit.THOUSANDS, MoneyUnit.POUNDS])
def test_budget_figures_read_the_same_on_the_page_and_in_the_pack(app_env, ref, unit: MoneyUnit) -> None:
    pack, wb = _pack(app_env, ref, unit)
    at = _budget_page(unit)
    places = 1 if unit is MoneyUnit.THOUSANDS else 2
    con = connect(app_env)
    try:
        mon = monitoring.monitor(snapshot.over(con, ref, SAMPLE_TODAY),
                                 MonitoringRequest(year=PERIOD, period=pack.monitoring_period))
    finally:
        con.close()
    sign = 1 if ref.settings.overspend_positive else -1
    names = {c.la_code: c.short_name for c in ref.councils}
    source = budget_tables.summary(mon, names, sign)  # exact Decimals, the sign applied
    exact = {(r["council"], r["area"]): {"Budget": r["budget"], "Actual to date": r["ytd_actual"],
                                         "Forecast outturn": r["forecast"], "Variance": r["variance"],
                                         "Movement": r["movement"], "Variance %": r["variance_pct"]}
             for r in source.to_dict("records")}

    page = _frame(at, "Council", "Budget area", f"Movement ({unit.value})")
    sheet = {(r["Council"].value, r["Budget area"].value): r for r in _sheet_rows(wb["Budget summary"])}
    compared = 0
    for row in page.to_dict("records"):
        key = (row["Council"], row["Budget area"])
        cells = sheet[key]
        for name in MONEY:
            header = f"{name} ({unit.value})"
            want = money_text(exact[key][name], unit, symbol=False)
            want = "" if want == "—" else want
            assert grid_text(row[header], places) == excel_text(cells[header]) == want, (key, name)
            compared += 1
        pct = exact[key]["Variance %"]
        if not missing(pct):
            want = percent_text(pct, 1, brackets=True)  # bracketed, as the row's money
            grid = grid_text(row["Variance %"], 1)
            grid = f"{grid[:-1]}%)" if grid.endswith(")") else f"{grid}%"  # the header's % read into the cell
            assert grid == excel_text(cells["Variance %"]) == want, key
            compared += 1
    assert compared >= 50, compared

    # the cost lines, in the same order on the page and in the pack
    lines = _frame(at, "Cost line", "Comment")
    pack_lines = _sheet_rows(wb["Budget lines"])
    assert len(lines) == len(pack_lines) == len(mon.lines)
    for row, cells, (_, exact_line) in zip(lines.to_dict("records"), pack_lines, mon.lines.iterrows(), strict=True):
        assert (row["Council"], row["Cost line"]) == (cells["Council"].value, cells["Cost line"].value)
        for name, key in (("Budget", "budget"), ("Forecast outturn", "forecast")):
            header = f"{name} ({unit.value})"
            want = money_text(exact_line[key], unit, symbol=False)
            assert grid_text(row[header], places) == excel_text(cells[header]) == want, (row["Cost line"], name)

    # the headline tiles and the pack's budget summary line: one text for each whole-budget figure
    tiles_ = {m.label: m.value for m in at.metric}
    summary = next(s for s in pack.sections if s.key == "budget").lines[0]
    for title, words in (("Total budget", "Cash-limited budget"), ("Total forecast outturn", "forecast outturn"),
                         ("Total variance", "variance")):
        assert f"{words} {tiles_[title]}" in summary, (title, tiles_[title], summary)


def test_indicators_and_children_waiting_read_the_same_on_the_page_and_in_the_pack(app_env, ref) -> None:
    pack, wb = _pack(app_env, ref, MoneyUnit.THOUSANDS)
    at = open_page(REGIONAL)
    shown = tiles(at)
    rows = _sheet_rows(wb["Scorecard"])
    compared = 0
    for ind in indicators.INDICATORS:
        row = next(r for r in rows if r["Indicator"].value == indicators.SHORT_LABELS[ind]
                   and r["Area"].value == "Region (all children)")
        figure = excel_text(row["Figure"]) or "—"
        unit = "%" if ind == "A3" else " days"
        assert shown[ind] == (figure if figure == "—" else f"{figure}{unit}"), ind
        compared += 1
    page = _frame(at, "Children waiting")
    waiting = {r["Area"].value: r for r in _sheet_rows(wb["Children waiting"])}
    caption = next(s for s in pack.sections if s.key == "waiting").lines[0]
    subheader = next(h.value for h in at.header if h.value.startswith("Children waiting on "))
    on = dt.datetime.strptime(subheader.split(" on ")[1].split(",")[0], "%d %b %Y").date()
    assert caption == f"At {date_text(on)}."  # the same day counted
    columns = {c.key: c.header() for c in pack_module.CHILDREN_WAITING.columns if c.key in journeys.WAITING_COUNTS}
    assert len(waiting) >= 4 and len(columns) >= 5
    for area, cells in waiting.items():
        for key, header in columns.items():
            on_page = page[area].iloc[journeys.WAITING_COUNTS.index(key)]
            assert str(on_page) == excel_text(cells[header]), (area, key)
            compared += 1
    assert compared >= 24, compared
    # one name, one count, one definition: the page's waiting tile, the pack's sentence, its definitions list
    region = display.TERMS["region"]
    po_tile = next(m for m in at.metric if m.label == display.TERMS["children_waiting_with_po"])
    assert po_tile.value == excel_text(waiting[region][pack_module.CHILDREN_WAITING.col("with_po").header()])
    assert po_tile.help == indicators.definition("children_waiting_with_po", ref)
    line = next(s for s in pack.sections if s.key == "waiting").lines[1]
    assert line.startswith(f"{display.TERMS['children_waiting']} in the region: "
                           f"{excel_text(waiting[region][display.TERMS['children_waiting']])}, "), line
    assert f"{display.TERMS['children_waiting_with_po'].lower()}: {po_tile.value};" in line, line
    terms = {r["Term"].value: r["Definition"].value for r in _sheet_rows(wb["Definitions"])}
    for term in journeys.WAITING_TERMS:
        assert terms[display.TERMS[term]] == display.plain_text(indicators.definition(term, ref))
