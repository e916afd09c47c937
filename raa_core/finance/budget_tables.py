"""The pooled budget's tables as people read them: council names, area and line labels, the sign convention
applied; money kept exact (Decimal) so the display, the Excel report and the board pack format the same
values. Each function returns the source frame of one `presentation` TableSpec (its keys are the spec's).

`sign` is +1 when an overspend is shown positive (the reference default) and -1 when an underspend is;
it applies to variances, variance %, movements and settlement amounts (docs/finance.md, monitoring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core.finance.budget import BASELINE_YEAR, FIRST_POOLED_YEAR, is_baseline_year
from raa_core.finance.monitoring import Monitoring, period_label
from raa_core.finance.settlement import BASIS_LABELS, Settlement
from raa_core.presentation import (
    MoneyUnit,
    date_text,
    display,
    gbp,
    missing,
    percent_text,
    rounded,
    share_text,
    tile_money,
    utc_minute,
)
from raa_core.presentation.display import ROW_NAMES, area_label, md_escape
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


# --- the Pooled budget page's tiles and sentences ------------------------------------------------------------

#: The headline areas in order: (budget area, None = all areas), title and what the area is.
HEADLINE_AREAS: tuple[tuple[str | None, str, str], ...] = tuple(
    (area, display.label("scope", area) if area else ROW_NAMES["total"], display.label("scope_note", area))
    for area in ("pooled", "adoption_support", None)
)  # the words are the labels table's


@dataclass(frozen=True)
class HeadlineTile:
    """One area's headline as the page shows it: the title line (with the RAG badge) and four metrics' text."""

    area: str | None
    title: str
    heading: str
    budget: str
    forecast: str
    variance: str
    variance_delta: str | None
    variance_help: str
    delta_color: str
    delta_arrow: str
    movement: str
    movement_help: str


def headline(mon: Monitoring, la_code: int | None, sign: int, unit: MoneyUnit) -> list[HeadlineTile]:
    """Per area (pooled, adoption support, all) of a council (None = RAA) with a total: budget, forecast,
    variance (the sign applied, as % of budget; an overspend shown red whichever way round) and movement since
    the previous period (docs/finance.md, monitoring). The % of budget is written as the page writes money, a
    negative in brackets ("(1.7%) of budget" under "(£55,591)"), so its arrow and colour are set here, not read
    from a leading minus: the arrow follows the figure shown, the colour whether it is an overspend."""
    prev = (mon.period or 1) - 1
    tiles = []
    for area, title, note in HEADLINE_AREAS:
        try:
            t = mon.total(la_code, area)
        except KeyError:
            continue
        vpct = display.signed(t["variance_pct"], sign)
        shown = None if vpct is None else rounded(vpct, 1)
        raw = None if missing(t["variance_pct"]) else rounded(t["variance_pct"], 1)
        tiles.append(HeadlineTile(
            area=area, title=title, heading=f"**{title}** · {note} &nbsp; {display.rag_badge(t['rag'])}",
            budget=tile_money(t["budget"], unit), forecast=tile_money(t["forecast"], unit),
            variance=tile_money(display.signed(t["variance"], sign), unit),
            variance_delta=None if shown is None else f"{percent_text(shown, brackets=True)} of budget",
            variance_help="Forecast outturn less budget; " + display.sign_words(sign > 0),
            delta_color="gray" if not raw else "red" if raw > 0 else "green",
            delta_arrow="off" if not shown else "up" if shown > 0 else "down",
            movement=tile_money(display.signed(t["movement"], sign), unit),
            movement_help=f"Forecast now less the forecast at period {prev}" if prev else "No earlier period",
        ))
    return tiles


def budget_tiles(mon: Monitoring, la_code: int | None, unit: MoneyUnit) -> list[tuple[str, str] | None]:
    """(label, budget) per headline area, for a year with budgets only; None for an area without a total
    (its place on the page stays empty)."""
    out: list[tuple[str, str] | None] = []
    for area, title, _ in HEADLINE_AREAS:
        try:
            t = mon.total(la_code, area)
        except KeyError:
            out.append(None)
            continue
        out.append((f"{title} budget", tile_money(t["budget"], unit)))
    return out


def no_budget_text(year: str) -> str:
    """Why a year shows nothing: no budget is loaded (pooling began in the first pooled year)."""
    return (f"No budget is loaded for {year}. The councils pooled their adoption budgets from "
            f"{FIRST_POOLED_YEAR}; {BASELINE_YEAR} holds the business case baseline.")


def budget_only_caption(year: str, scope: str) -> str:
    """The caption of a year with budgets and no ledger (the baseline year says it is before pooling)."""
    return (f"{year} for {scope}: approved budgets only, no ledger"
            + (" (the business case baseline, before the budgets were pooled)." if is_baseline_year(year) else "."))


def baseline_shown(table: pd.DataFrame) -> pd.DataFrame:
    """`budget.baseline_comparison` with its match flag in words (yes / NO)."""
    return table.assign(match=["yes" if ok else "NO" for ok in table["match"]])


def totals_of(mon: Monitoring, la_code: int | None) -> pd.DataFrame:
    """The report's totals rows of one council (None: every row)."""
    return _of(mon.totals, la_code)


def file_period(year: str, period: int | None) -> str:
    """The monitoring period in a file name: 2026-27_P7 (P0 without a ledger)."""
    return f"{year}_P{period or 0}"


def unfunded_text(mon: Monitoring, names: Mapping[int, str]) -> str | None:
    """The warning naming each council whose ASF spend to date is not matched by ASF income, or None."""
    unfunded = [f"{council_name(r.la_code, names)} {gbp(r.unmatched_ytd)}"
                for r in mon.asf.itertuples(index=False) if bool(r.unfunded)]
    return ("ASF spend to date not matched by ASF income: " + "; ".join(unfunded) + ".") if unfunded else None


def behind_text(year: str, period: int, behind: list[tuple[int, int]], names: Mapping[int, str]) -> str | None:
    """The warning naming councils whose ledger does not reach the period (`monitoring.ledger_behind`), or None."""
    if not behind:
        return None
    return ("Ledger not yet loaded to " + period_label(year, period) + " for "
            + ", ".join(f"{council_name(c, names)} (to P{p})" for c, p in behind)
            + ": their figures are at their latest period.")


def monitoring_caption(scope: str, mon: Monitoring, method: str, overspend_positive: bool,
                       as_at: dt.date | None) -> str:
    """What the monitoring view shows: scope, year, period, forecast method and the sign convention."""
    return (
        f"{scope[:1].upper()}{scope[1:]}, {mon.year} at {period_label(mon.year, mon.period)}, forecast by "
        f"{display.METHOD_LABELS[method].lower()}. Variance = forecast outturn - budget "
        f"({display.sign_words(overspend_positive)}). The pooled area is shared; each "
        "council's adoption support is managed separately and its variance stays with that council."
        + ("" if as_at is None else f" Drops received by {date_text(as_at)}.")
    )


def shares_caption(year: str, name: str, shares: Mapping[int, Decimal], names: Mapping[int, str]) -> str:
    """The shares of a year under a saved contribution scenario, as percentages to 2 dp."""
    return f"Shares of {year} under “{md_escape(name)}”: " + ", ".join(
        f"{council_name(code, names)} {share_text(v)}" for code, v in sorted(shares.items()))


def settlement_caption(settled: Settlement, sign: int) -> str:
    """What the settlement table shows: the forecast pooled over/underspend shared by the basis, to the penny."""
    word = "overspend" if settled.pooled_variance > 0 else "underspend"
    bears = "an overspend the council bears" if sign > 0 else "an underspend returned to the council"
    return (f"The forecast pooled {word} of {gbp(abs(settled.pooled_variance))} shared by "
            f"{BASIS_LABELS[settled.basis].lower()}, to the penny; each council's own adoption support "
            f"variance stays with it. A positive amount is {bears}.")


def comment_choices(mon: Monitoring, names: Mapping[int, str], labels: Mapping[str, str], sign: int
                    ) -> dict[tuple[int, str, str], str]:
    """The lines a comment may be recorded on, largest variance first: (council, area, line) -> its label."""
    lines = mon.lines
    ranked = lines.assign(_abs=[0.0 if missing(v) else abs(float(v)) for v in lines["variance"]])
    ranked = ranked.sort_values("_abs", ascending=False)
    return {
        (int(r.la_code), r.budget_area, r.cost_line):
            f"{council_name(r.la_code, names)} · {display.area_label(r.budget_area)} · "
            f"{labels.get(r.cost_line, r.cost_line)} (variance {gbp(display.signed(r.variance, sign))})"
        for r in ranked.itertuples(index=False)
    }


def baseline_caption() -> str:
    """The caption of the baseline-against-the-business-case table (its year is `budget.BASELINE_YEAR`)."""
    return (f"Net {BASELINE_YEAR} budgets in £'000s, computed from the line budgets beside the business case's "
            "printed figures. Each figure is its own rounding of the pounds-and-pence line budgets, so columns "
            "need not add across; ASF is outside these figures.")


def pay_award_title() -> str:
    """The heading of the year-1 contributions check: the baseline year plus the pay award (docs/finance.md)."""
    return f"Year-1 contributions: the {BASELINE_YEAR} baseline plus the pay award"


def pay_award_caption(ref: Reference) -> str:
    """What the pay award check applies: the reference's pay award (settings: pay_award_2020_21_pct) as words."""
    pct = ref.settings.pay_award_2020_21_pct
    return (f"Staffing lines recharged quarterly carry the {percent_text(pct, max(-pct.as_tuple().exponent, 0))} "
            "pay award; other lines are unchanged.")
