"""Excel workbooks of a contribution scenario and of a comparison, for a finance reader.

Written through the project's one Excel writer (`export.Workbook`: text is always text, never a formula):
money as numbers formatted £#,##0.00, shares and changes as percentages, a title and the scenario's
parameters on the first sheet, frozen headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core import contributions
from raa_core.export import Workbook
from raa_core.reference import Reference

MONEY = "£#,##0.00;[Red]-£#,##0.00"
PCT = "0.00%"
PCT1 = "0.0%"


def _write_table(wb: Workbook, name: str, title: str, df: pd.DataFrame,
                 columns: Sequence[tuple[str, str, str | None]], notes: Sequence[str] = ()) -> None:
    """One sheet: title, notes, then a header row and the rows; columns = (source column, header, number format)."""
    ws = wb.add_worksheet(name)
    bold = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF2", "text_wrap": True})
    wb.text(ws, 0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    for i, note in enumerate(notes, start=1):
        wb.text(ws, i, 0, note)
    head = len(notes) + 2
    formats = {fmt: wb.add_format({"num_format": fmt}) for _, _, fmt in columns if fmt}
    for c, (_, header, fmt) in enumerate(columns):
        wb.text(ws, head, c, header, bold)
        ws.set_column(c, c, 16 if fmt else max(12, min(60, len(header) + 4)))
    for r, row in enumerate(df.itertuples(index=False), start=head + 1):
        values = row._asdict()
        for c, (src, _, fmt) in enumerate(columns):
            v: Any = values[src]
            if fmt in (PCT, PCT1) and v is not None and not (isinstance(v, float) and pd.isna(v)):
                v = Decimal(v) / 100 if src.endswith("_pct") else v
            wb.cell(ws, r, c, v, formats.get(fmt) if fmt else None)
    ws.freeze_panes(head + 1, 0)


def scenario_xlsx(result: contributions.Result, ref: Reference | None = None) -> bytes:
    """The scenario's parameters and explanation, its contributions per council and year, and its drivers."""
    s = result.scenario
    wb = Workbook()
    params = pd.DataFrame([
        ("Name", s.name), ("Base year", s.base_year), ("Years", ", ".join(s.years)), ("Scope", s.scope),
        ("Uplift %", f"{s.uplift_pct}"), ("Explicit totals", ", ".join(f"{y}: £{v:,.2f}" for y, v in s.totals.items())
                                          or "none"),
        ("Drivers (weight)", ", ".join(f"{d} ({w})" for d, w in s.drivers.items())),
        ("Averaging window (years)", str(s.window_years)),
        ("Transition t", ", ".join(f"{y}: {t}" for y, t in s.transition.items())),
        ("Cap % on previous year", "none" if s.cap_pct is None else f"{s.cap_pct}"),
        ("Floor % on previous year", "none" if s.floor_pct is None else f"{s.floor_pct}"),
    ] + [("Explanation " + y, line) for y in s.years for line in contributions.explanation(result, y, ref)],
        columns=["item", "value"])
    _write_table(wb, "Scenario", f"Contribution scenario: {s.name}", params,
                 [("item", "Item", None), ("value", "Value", None)],
                 ["Share = (1 - t) x baseline share + t x demand share; contributions exact to the penny."])
    t = contributions.table(result, ref)
    _write_table(wb, "Contributions", f"Contributions: {s.name}", t, [
        ("year", "Year", None), ("council", "Council", None), ("contribution", "Contribution (£)", MONEY),
        ("share", "Share", PCT), ("baseline_share", "Baseline share", PCT), ("demand_share", "Demand share", PCT),
        ("transition", "t", "0.00"), ("formula_share", "Formula share", PCT),
        ("change_prev", "Change on previous year (£)", MONEY), ("change_prev_pct", "Change on previous year %", PCT1),
        ("change_base", "Change on base year (£)", MONEY), ("change_base_pct", "Change on base year %", PCT1),
        ("bound", "Bound applied", None), ("flags", "Flags", None)])
    d = contributions.driver_table(result, ref)
    _write_table(wb, "Drivers", f"Drivers and cost per unit: {s.name}", d, [
        ("year", "Year", None), ("council", "Council", None), ("driver_label", "Driver", None),
        ("weight", "Weight", "0.00"), ("average", "Average over the window", "#,##0.00"),
        ("cost_per_unit", "Contribution per unit (£)", MONEY)])
    return wb.close()


def comparison_xlsx(cmp: pd.DataFrame) -> bytes:
    """Two to four scenarios side by side (from `contributions.compare`), with the differences."""
    wb = Workbook()
    first = cmp.loc[cmp["order"] == cmp["order"].min(), "scenario"].iloc[0] if not cmp.empty else ""
    _write_table(wb, "Comparison", "Contribution scenarios compared", cmp, [
        ("scenario", "Scenario", None), ("year", "Year", None), ("council", "Council", None),
        ("contribution", "Contribution (£)", MONEY), ("share", "Share", PCT), ("bound", "Bound applied", None),
        ("difference", f"Difference from {first} (£)", MONEY), ("difference_pct", "Difference %", PCT1)])
    return wb.close()
