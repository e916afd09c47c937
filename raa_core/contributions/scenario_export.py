"""Excel workbooks of a contribution scenario and of a comparison, for a finance reader.

Written through the project's one Excel writer (`export.Workbook`, `write_spec_table`): money as pounds in
£ number formats, shares and changes as percentages, a frozen header with filters, A4 landscape print setup
with the scenario's title and page numbers, and text (scenario names typed by people) never a formula. The
scenario workbook opens on what was modelled and why (the parameters and the formula with its numbers),
then the contributions per council and year.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core import contributions
from raa_core.contributions.drivers import driver_catalogue
from raa_core.presentation import Col, TableSpec, display, gbp, missing, plain_number
from raa_core.presentation.export import SpecFormats, Workbook, print_setup, write_spec_table
from raa_core.reference import Reference

CONTRIBUTIONS = TableSpec("scenario_contributions", (
    Col("year", "Year"), Col("council", "Council"), Col("contribution", "Contribution", "money"),
    Col("share", "Share", "percent", decimals=2), Col("baseline_share", "Baseline share", "percent", decimals=2),
    Col("demand_share", "Demand share", "percent", decimals=2), Col("transition", "t", "number", decimals=2),
    Col("formula_share", "Formula share", "percent", decimals=2),
    Col("change_prev", "Change on previous year", "money", signed=True),
    Col("change_prev_pct", "Change on previous year", "percent", decimals=1, signed=True),
    Col("change_base", "Change on base year", "money", signed=True),
    Col("change_base_pct", "Change on base year", "percent", decimals=1, signed=True),
    Col("bound", "Bound applied", codes=display.BOUND_LABELS), Col("flags", "Flags", width="large"),
), total_key="is_total")
COMPARISON = TableSpec("scenario_comparison", (
    Col("scenario", "Scenario", width="large"), Col("year", "Year"), Col("council", "Council"),
    Col("contribution", "Contribution", "money"), Col("share", "Share", "percent", decimals=2),
    Col("bound", "Bound applied", codes=display.BOUND_LABELS), Col("difference", "Difference from the first", "money", signed=True),
    Col("difference_pct", "Difference from the first", "percent", decimals=1, signed=True),
))
PARAMETERS = TableSpec("scenario_parameters", (Col("what", "Parameter"), Col("value", "Value", width="large")))
SHARES = ("share", "baseline_share", "demand_share", "formula_share")


def _percent(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Shares held as fractions (0.673) as the percentage numbers the spec's percent kind reads (67.3)."""
    out = frame.copy()
    for c in columns:
        if c in out:
            out[c] = [None if missing(v) else Decimal(str(v)) * 100 for v in out[c]]
    return out


def parameters(result: contributions.Result, ref: Reference | None = None) -> pd.DataFrame:
    """The scenario's parameters as (what, value) rows, in words a finance reader checks."""
    s = result.scenario
    labels = driver_catalogue(ref)
    rows: list[tuple[str, Any]] = [
        ("Name", s.name), ("Base year", s.base_year), ("Years modelled", ", ".join(s.years)),
        ("Scope", display.label("contribution_scope_note", s.scope)),
        ("Drivers (weight)", "; ".join(f"{labels.get(d, (d,))[0]} ({plain_number(w)})" for d, w in s.drivers.items())),
        ("Averaging window", f"{s.window_years} complete financial year{'s' if s.window_years != 1 else ''}"),
        ("Driver figures", display.label("contribution_basis", s.basis)),
        ("Transition weight t per year", "; ".join(f"{y}: {plain_number(t)}" for y, t in s.transition.items())),
        ("Total each year", "; ".join(f"{y}: {gbp(v)} (set)" for y, v in s.totals.items())
         or f"the previous year's plus {plain_number(s.uplift_pct)}% uplift"),
        ("Cap on the change on the previous year", "none" if s.cap_pct is None else f"{plain_number(s.cap_pct)}%"),
        ("Floor on the change on the previous year", "none" if s.floor_pct is None else f"{plain_number(s.floor_pct)}%"),
    ]
    return pd.DataFrame(rows, columns=["what", "value"])


def _sheet(wb: Workbook, fmt: SpecFormats, name: str, title: str, sub: str, spec: TableSpec, frame: pd.DataFrame,
           lines: list[str] | None = None) -> None:
    ws = wb.add_worksheet(name)
    ws.write_string(0, 0, title, fmt.title)
    ws.write_string(1, 0, sub, fmt.sub)
    row = 3
    header = row
    end = write_spec_table(ws, fmt, spec, frame, first_row=header)
    ws.freeze_panes(header + 1, 0)
    row = end + 1
    wrap = wb.add_format({"text_wrap": False})
    for line in lines or []:
        ws.write_string(row, 0, line, wrap)
        row += 1
    print_setup(ws, title=title, header_row=header)


def scenario_xlsx(result: contributions.Result, ref: Reference | None = None) -> bytes:
    """Two sheets: `Scenario` (parameters, then the formula with its numbers for every year) and
    `Contributions` (per council and year, the base year first: £, shares, changes, bound, flags; each year's
    total row in bold after its councils)."""
    wb = Workbook()
    fmt = SpecFormats(wb)
    s = result.scenario
    explained = [line for y in s.years for line in ["", *contributions.explanation(result, y, ref)]]
    _sheet(wb, fmt, "Scenario", f"Contribution scenario: {s.name}",
           "What was modelled, and the formula with its numbers", PARAMETERS, parameters(result, ref), explained)
    table = _percent(contributions.table(result, ref, totals=True), SHARES)
    _sheet(wb, fmt, "Contributions", f"Contributions: {s.name}",
           f"Per council and year from the {s.base_year} budgets; exact to the penny, each year summing to its total",
           CONTRIBUTIONS, table)
    return wb.to_bytes()


def comparison_xlsx(cmp: pd.DataFrame) -> bytes:
    """Two to four scenarios side by side (from `contributions.compare`), with the differences from the first."""
    first = cmp.loc[cmp["order"] == cmp["order"].min(), "scenario"].iloc[0] if not cmp.empty else ""
    wb = Workbook()
    fmt = SpecFormats(wb)
    _sheet(wb, fmt, "Comparison", "Contribution scenarios compared", f"Differences from “{first}”", COMPARISON,
           _percent(cmp, ("share",)))
    return wb.to_bytes()
