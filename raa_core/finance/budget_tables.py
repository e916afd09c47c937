"""The pooled budget's tables as people read them: council names, area and line labels, the sign convention
applied; money kept exact (Decimal) so the display, the Excel report and the board pack format the same
values. Each function returns the source frame of one `presentation` TableSpec (its keys are the spec's).

`sign` is +1 when an overspend is shown positive (the reference default) and -1 when an underspend is;
it applies to variances, variance %, movements and settlement amounts (spec finance.md, monitoring).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core.finance.monitoring import Monitoring
from raa_core.presentation import missing, utc_minute
from raa_core.presentation.display import ROW_NAMES, area_label
from raa_core.reference import Reference


def names_of(ref: Reference) -> tuple[dict[int, str], dict[str, str]]:
    """Council short names by DfE code, and cost line labels by cost line."""
    return {c.la_code: c.short_name for c in ref.councils}, {c.cost_line: c.label for c in ref.cost_lines}


def council_name(v: Any, names: Mapping[int, str]) -> str:
    """A council's short name; a missing code is the whole RAA."""
    return "RAA" if missing(v) else names.get(int(v), str(v))


def _signed(v: Any, sign: int) -> Any:
    return None if missing(v) else v * sign


def _of(df: pd.DataFrame, la_code: int | None) -> pd.DataFrame:
    return df if la_code is None or df.empty else df[df["la_code"] == la_code]


def summary(mon: Monitoring, names: Mapping[int, str], sign: int = 1, la_code: int | None = None) -> pd.DataFrame:
    """Totals at every level (council x area, council, RAA); `is_total` marks council and RAA rows."""
    t = _of(mon.totals, la_code)
    return pd.DataFrame({
        "council": [council_name(v, names) for v in t["la_code"]],
        "area": [area_label(a) for a in t["budget_area"]],
        "budget": list(t["budget"]),
        "ytd_actual": list(t["ytd_actual"]),
        "forecast": list(t["forecast"]),
        "variance": [_signed(v, sign) for v in t["variance"]],
        "variance_pct": [_signed(v, sign) for v in t["variance_pct"]],
        "rag": list(t["rag"]),
        "movement": [_signed(v, sign) for v in t["movement"]],
        "is_total": [lv in ("council", "raa") for lv in t["level"]],
    })


def lines(
    mon: Monitoring, names: Mapping[int, str], labels: Mapping[str, str], sign: int = 1, la_code: int | None = None
) -> pd.DataFrame:
    """Cost lines with budget, actual, forecast, variance, RAG, movement, method and this period's comment."""
    ln = _of(mon.lines, la_code)
    return pd.DataFrame({
        "council": [council_name(v, names) for v in ln["la_code"]],
        "area": [area_label(a) for a in ln["budget_area"]],
        "line": [labels.get(c, c) for c in ln["cost_line"]],
        "budget": list(ln["budget"]),
        "ytd_actual": list(ln["ytd_actual"]),
        "forecast": list(ln["forecast"]),
        "variance": [_signed(v, sign) for v in ln["variance"]],
        "variance_pct": [_signed(v, sign) for v in ln["variance_pct"]],
        "rag": list(ln["rag"]),
        "movement": [_signed(v, sign) for v in ln["movement"]],
        "comment": ["" if missing(c) else f"{c} ({a})" for c, a in zip(ln["comment"], ln["comment_author"],
                                                                     strict=True)],
        "method": ["—" if missing(m) else str(m) for m in ln["method"]],
    })


def line_budgets(budgets: pd.DataFrame, names: Mapping[int, str], labels: Mapping[str, str]) -> pd.DataFrame:
    """Approved line budgets (a year without ledger); ASF lines noted as outside the cash limit."""
    return pd.DataFrame({
        "council": [council_name(v, names) for v in budgets["la_code"]],
        "area": [area_label(a) for a in budgets["budget_area"]],
        "line": [labels.get(c, c) for c in budgets["cost_line"]],
        "budget": list(budgets["budget"]),
        "note": ["ASF: outside the cash-limited budget" if a else "" for a in budgets["asf"].astype(bool)],
    })


def baseline(table: pd.DataFrame, reconciled: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """The 2019-20 baseline beside the business case's printed £'000 figures, with a match flag."""
    printed = {p.la_code: p for p in ref.baseline_published}
    ok = reconciled.groupby("la_code")["ok"].all().to_dict() if not reconciled.empty else {}

    def pr(code: Any, attr: str) -> Decimal | None:
        p = printed.get(code)
        return None if p is None else getattr(p, attr) * 1000

    codes = list(table["la_code"])
    return pd.DataFrame({
        "council": list(table["council"]),
        "pooled": list(table["pooled"]),
        "pooled_printed": [pr(c, "pooled_k") for c in codes],
        "adoption_support": list(table["adoption_support"]),
        "adoption_support_printed": [pr(c, "adoption_support_k") for c in codes],
        "total": list(table["total"]),
        "total_printed": [pr(c, "total_k") for c in codes],
        "match": ["yes" if ok.get(c) else "NO" for c in codes],
    })


def recharges(table: pd.DataFrame, names: Mapping[int, str], labels: Mapping[str, str]) -> pd.DataFrame:
    """`monitoring.recharge_table` with names: Q1..Q4 (None: not yet due), to date, quarters complete."""
    return pd.DataFrame({
        "council": [council_name(v, names) for v in table["la_code"]],
        "area": [area_label(a) for a in table["budget_area"]],
        "line": [labels.get(c, c) for c in table["cost_line"]],
        **{q: [None if missing(v) else v for v in table[q]] for q in ("Q1", "Q2", "Q3", "Q4")},
        "to_date": list(table["to_date"]),
        "quarters_complete": list(table["quarters_complete"]),
    })


def asf(mon: Monitoring, names: Mapping[int, str], la_code: int | None = None) -> pd.DataFrame:
    """The Adoption Support Fund per council, with the unfunded-spend flag."""
    a = _of(mon.asf, la_code)
    return pd.DataFrame({
        "council": [council_name(v, names) for v in a["la_code"]],
        **{k: list(a[k]) for k in ("spend_budget", "spend_ytd", "income_ytd", "net_ytd", "spend_forecast",
                                   "income_forecast")},
        "flag": ["Unfunded spend" if bool(u) else "Funded" for u in a["unfunded"]],
    })


def agency(mon: Monitoring, names: Mapping[int, str], la_code: int | None = None) -> pd.DataFrame:
    """Agency cover of posts vacant at go-live, charged to the council (not the pool)."""
    ch = _of(mon.council_charges, la_code)
    return pd.DataFrame({
        "council": [council_name(v, names) for v in ch["la_code"]],
        "area": [area_label(a) for a in ch["budget_area"]],
        "posts": list(ch["posts"]),
        "fte": list(ch["fte"]),
        "annual_cost": list(ch["annual_cost"]),
        "months": list(ch["months"]),
        "charge_to_date": list(ch["charge_to_date"]),
    })


def settlement(table: pd.DataFrame, names: Mapping[int, str], sign: int = 1) -> pd.DataFrame:
    """`settlement.settlement_table` with names, shares as percentages and the sign applied."""
    return pd.DataFrame({
        "council": [ROW_NAMES.get(r, council_name(c, names)) for r, c in zip(table["row"], table["la_code"],
                                                                               strict=True)],
        "share_pct": [None if missing(v) else v * 100 for v in table["share"]],
        "pooled_amount": [_signed(v, sign) for v in table["pooled_amount"]],
        "adoption_support_variance": [_signed(v, sign) for v in table["adoption_support_variance"]],
        "total": [_signed(v, sign) for v in table["total"]],
        "is_total": [r == "total" for r in table["row"]],
    })


def pay_award(check: pd.DataFrame, names: Mapping[int, str], labels: Mapping[str, str]) -> pd.DataFrame:
    """Year-1 contributions: the 2019-20 line budgets plus the pay award, against the 2020-21 budgets."""
    return pd.DataFrame({
        "council": [council_name(v, names) for v in check["la_code"]],
        "line": [labels.get(c, c) for c in check["cost_line"]],
        "budget_base": list(check["budget_base"]),
        "expected": list(check["expected"]),
        "budget_year": list(check["budget_year"]),
        "matches": ["yes" if o else "NO" for o in check["ok"]],
    })


def comments(recorded: pd.DataFrame, names: Mapping[int, str], labels: Mapping[str, str]) -> pd.DataFrame:
    """Variance comments recorded for a period (every save is a row)."""
    return pd.DataFrame({
        "council": [council_name(v, names) for v in recorded["la_code"]],
        "area": [area_label(a) for a in recorded["budget_area"]],
        "line": [labels.get(c, c) for c in recorded["cost_line"]],
        "comment": list(recorded["comment"]),
        "author": list(recorded["author"]),
        "recorded": [utc_minute(v) for v in recorded["created_at"]],
    })
