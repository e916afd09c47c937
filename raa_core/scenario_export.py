"""Excel workbooks of a contribution scenario and of a comparison, for a finance reader.

Written through the project's one Excel writer (`export.table_xlsx`): a title row, bold frozen header,
money and shares as numbers, text (scenario names typed by people) never a formula, A4 print setup.
"""

from __future__ import annotations

import pandas as pd

from raa_core import contributions
from raa_core.export import table_xlsx
from raa_core.reference import Reference


def scenario_xlsx(result: contributions.Result, ref: Reference | None = None) -> bytes:
    """The scenario's contributions per council and year (the explanation in the title row)."""
    t = contributions.table(result, ref)
    out = pd.DataFrame({
        "Year": t["year"], "Council": t["council"], "Contribution (£)": t["contribution"], "Share": t["share"],
        "Baseline share": t["baseline_share"], "Demand share": t["demand_share"], "t": t["transition"],
        "Formula share": t["formula_share"], "Change on previous year (£)": t["change_prev"],
        "Change on previous year %": t["change_prev_pct"], "Change on base year (£)": t["change_base"],
        "Change on base year %": t["change_base_pct"], "Bound applied": t["bound"], "Flags": t["flags"]})
    return table_xlsx(out, sheet="Contributions", title=f"Contributions: {result.scenario.name}")


def comparison_xlsx(cmp: pd.DataFrame) -> bytes:
    """Two to four scenarios side by side (from `contributions.compare`), with the differences."""
    first = cmp.loc[cmp["order"] == cmp["order"].min(), "scenario"].iloc[0] if not cmp.empty else ""
    out = pd.DataFrame({
        "Scenario": cmp["scenario"], "Year": cmp["year"], "Council": cmp["council"],
        "Contribution (£)": cmp["contribution"], "Share": cmp["share"], "Bound applied": cmp["bound"],
        f"Difference from {first} (£)": cmp["difference"], "Difference %": cmp["difference_pct"]})
    return table_xlsx(out, sheet="Comparison", title="Contribution scenarios compared")
