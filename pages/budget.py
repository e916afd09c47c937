"""Pooled budget (Head of Service): monthly monitoring of the pooled budget and each council's adoption
support, for the Partnership Board. Every figure comes from raa_core; this page only lays it out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from pages import shell
from raa_core import (
    budget,
    budget_charts,
    budget_tables,
    commentary,
    monitoring,
    monitoring_export,
    presentation,
    settlement,
    warehouse,
)
from raa_core.money import fmt_gbp
from raa_core.presentation import MoneyUnit

shell.page_guard()

METHOD_LABELS = {
    "default": "Default (submitted, else establishment or run rate)",
    "submitted": "Submitted by the councils",
    "run_rate": "Run rate (quarter-aware)",
    "establishment": "Establishment (staffing lines)",
}
AREA_LABELS = {"pooled": "Pooled", "adoption_support": "Adoption support"}
RAG_BADGES = {
    "red": ("Red", ":material/error:", "red"),
    "amber": ("Amber", ":material/warning:", "orange"),
    "green": ("Green", ":material/check_circle:", "green"),
}


# --- cached raa_core results (keyed by the warehouse version) -------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _latest(version: str, year: str, la_code: int | None, as_at: dt.date | None) -> int | None:
    return monitoring.latest_period(shell.cursor(), year, la_code, as_at)


@st.cache_data(show_spinner="Computing the monitoring report…", max_entries=32)
def _monitor(version: str, year: str, period: int | None, method: str, as_at: dt.date | None) -> monitoring.Monitoring:
    return monitoring.monitor(shell.cursor(), shell.reference(), year, period, method, as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=32)
def _trend(version: str, year: str, period: int, method: str, as_at: dt.date | None) -> pd.DataFrame:
    return monitoring.forecast_trend(shell.cursor(), shell.reference(), year, method, None, period, as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def _recharges(version: str, year: str, as_at: dt.date | None) -> pd.DataFrame:
    return monitoring.recharge_schedule(shell.cursor(), year, ref=shell.reference(), as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def _budgets(version: str, year: str, as_at: dt.date | None) -> pd.DataFrame:
    return budget.budgets(shell.cursor(), year, ref=shell.reference(), as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=4)
def _baseline(version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    con, ref = shell.cursor(), shell.reference()
    return budget.baseline_table(con, ref), budget.reconcile_baseline(con, ref)


@st.cache_data(show_spinner=False, max_entries=4)
def _pay_award(version: str) -> pd.DataFrame:
    return budget.pay_award_check(shell.cursor(), shell.reference())


@st.cache_data(show_spinner=False, max_entries=16)
def _comments(version: str, year: str, period: int) -> pd.DataFrame:
    return commentary.comments(shell.cursor(), year, period)


# --- formatting helpers (display only) ------------------------------------------------------------------


def _val(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def gbp(v: Any) -> str:
    return fmt_gbp(_val(v))


def rag_badge(v: Any) -> None:
    v = _val(v)
    if v in RAG_BADGES:
        label, icon, colour = RAG_BADGES[v]
        st.badge(f"RAG {label}", icon=icon, color=colour)
    else:
        st.badge("No forecast", icon=":material/help:", color="gray")


def table_height(rows: int) -> int:
    """Tall enough to show every row (tables here have at most a few dozen)."""
    return 38 + 35 * max(rows, 1)


def tile(v: Any) -> str:
    """A headline tile's money in the chosen unit, never pence."""
    return presentation.tile_money(_val(v), unit)


def rag_markdown(v: Any) -> str:
    """The RAG as an inline Markdown badge."""
    v = _val(v)
    if v not in RAG_BADGES:
        return ":gray-badge[:material/help: No forecast]"
    label, icon, colour = RAG_BADGES[v]
    return f":{colour}-badge[{icon} RAG {label}]"


ref = shell.reference()
f = shell.filters()
as_at = shell.as_at_or_none(f)
ver = shell.version()
year, la = f.year, f.la_code
names = {c.la_code: c.short_name for c in ref.councils}
labels = {c.cost_line: c.label for c in ref.cost_lines}
scope = "the RAA (all three councils)" if la is None else names.get(la, str(la))


def period_name(mon: monitoring.Monitoring) -> str:
    """The monitoring period in a file name: 2026-27_P7."""
    return f"{year}_P{mon.period or 0}"


def council_name(v: Any) -> str:
    v = _val(v)
    return "RAA" if v is None else names.get(int(v), str(v))


st.title("Pooled budget")
unit = shell.money_unit_choice("budget_unit")

latest = _latest(ver, year, None, as_at)  # periods offered: to the latest any council has loaded


# --- a year without ledger: budgets only (the 2019-20 baseline) ------------------------------------------


def budget_only_view() -> None:
    mon = _monitor(ver, year, None, "default", as_at)
    if mon.totals.empty:
        st.info(
            f"No budget is loaded for {year}. The councils pooled their adoption budgets from "
            f"{budget.FIRST_POOLED_YEAR}; {budget.BASELINE_YEAR} holds the business case baseline.",
            icon=":material/info:",
        )
        return
    st.caption(
        f"{year} for {scope}: approved budgets only, no ledger"
        + (" (the business case baseline, before the budgets were pooled)." if year == budget.BASELINE_YEAR
           else ".")
    )
    export_button(None, "default", ref.settings.overspend_positive,
                  st.session_state.setdefault("budget_export_opts", {}), width="content")
    cols = st.columns(3)
    for col, (area, title) in zip(cols, [("pooled", "Pooled"), ("adoption_support", "Adoption support"),
                                         (None, "Total")], strict=True):
        try:
            t = mon.total(la, area)
        except KeyError:
            continue
        col.metric(f"{title} budget", tile(t["budget"]), border=True)

    if year == budget.BASELINE_YEAR:
        table, rec = _baseline(ver)
        st.subheader("Baseline against the business case", anchor="baseline")
        st.caption("Net 2019-20 budgets in £'000s, computed from the line budgets beside the business case's printed "
                   "figures. Each figure is its own rounding of the pounds-and-pence "
                   "line budgets, so columns need not add across; ASF is outside these figures.")
        shown = budget_tables.baseline(table, rec, ref)
        shell.show_table(shown, presentation.BASELINE, MoneyUnit.THOUSANDS)
        ok = rec.groupby("la_code")["ok"].all().to_dict()
        if all(ok.values()):
            st.success("Every printed figure of the business case table is reproduced to the digit.",
                       icon=":material/check_circle:")
        else:
            st.error("Some printed figures are not reproduced: see the Match column.", icon=":material/error:")
        shell.download_table(table, "baseline", "baseline", period=budget.BASELINE_YEAR)

    lines = _budgets(ver, year, as_at)
    if la is not None:
        lines = lines[lines["la_code"] == la]
    st.subheader("Line budgets")
    shell.show_table(budget_tables.line_budgets(lines, names, labels), presentation.LINE_BUDGETS, unit,
                     height=table_height(len(lines)))
    shell.download_table(lines, "budgets", "budget_lines", period=year)


# --- the monitoring view ---------------------------------------------------------------------------------


def headline(mon: monitoring.Monitoring, sign: int) -> None:
    """One row per area (pooled, adoption support, all): budget, forecast, variance with RAG, movement."""
    prev = (mon.period or 1) - 1
    notes = {"pooled": "shared by the councils", "adoption_support": "managed by each council",
             None: "cash-limited, ASF apart"}
    for area, title in (("pooled", "Pooled"), ("adoption_support", "Adoption support"), (None, "Total")):
        try:
            t = mon.total(la, area)
        except KeyError:
            continue
        with st.container(border=True):
            st.markdown(f"**{title}** · {notes[area]} &nbsp; {rag_markdown(t['rag'])}")
            c1, c2, c3, c4 = st.columns(4)
            c1.metric(f"{title} budget", tile(t["budget"]))
            c2.metric(f"{title} forecast outturn", tile(t["forecast"]))
            variance = _val(t["variance"])
            vpct = _val(t["variance_pct"])
            c3.metric(
                f"{title} variance", tile(None if variance is None else variance * sign),
                None if vpct is None else f"{vpct * sign:+.1f}% of budget",
                delta_color="inverse" if sign > 0 else "normal",
                help="Forecast outturn less budget; " + ("overspend positive" if sign > 0 else "underspend positive"),
            )
            movement = _val(t["movement"])
            c4.metric(f"{title} movement", tile(None if movement is None else movement * sign),
                      help=f"Forecast now less the forecast at period {prev}" if prev else "No earlier period")


def summary_table(mon: monitoring.Monitoring, sign: int) -> None:
    t = mon.totals
    if la is not None:
        t = t[t["la_code"] == la]
    shell.show_table(budget_tables.summary(mon, names, sign, la), presentation.BUDGET_SUMMARY, unit,
                     height=table_height(len(t)), key="summary_table")
    shell.download_table(t, "budget_summary", "summary", period=period_name(mon))


def lines_view(mon: monitoring.Monitoring, sign: int, overspend_positive: bool) -> None:
    st.plotly_chart(budget_charts.variance_by_line(mon, la, labels, overspend_positive, unit), width="stretch",
                    key="variance_chart")
    lines = mon.lines if la is None else mon.lines[mon.lines["la_code"] == la]
    st.caption("Pooled lines first, then the council's adoption support lines; comments recorded for this period "
               "are beside the figures.")
    shell.show_table(budget_tables.lines(mon, names, labels, sign, la), presentation.BUDGET_LINES, unit,
                     height=table_height(len(lines)), key="lines_table")
    shell.download_table(lines, "budget_lines", "lines", period=period_name(mon))


def trend_view(mon: monitoring.Monitoring, method: str, overspend_positive: bool) -> None:
    trend = _trend(ver, year, int(mon.period or 1), method, as_at)
    c1, c2 = st.columns(2)
    for col, area, title in ((c1, "pooled", "Pooled"), (c2, "adoption_support", "Adoption support")):
        col.plotly_chart(
            budget_charts.outturn_trend(trend, la, area, f"{title}: forecast outturn by period against budget",
                                        unit),
            width="stretch", key=f"trend_{area}")
    shell.download_table(trend if la is None else trend[trend["la_code"] == la], "forecast_trend", "trend", period=period_name(mon))

    st.subheader("Movement since last period", anchor="movement")
    if not mon.period or mon.period <= 1:
        st.info("Period 1 has no earlier forecast to compare with.", icon=":material/info:")
        return
    st.plotly_chart(budget_charts.movement_by_line(mon, la, labels, overspend_positive, unit), width="stretch",
                    key="movement_chart")
    moved = budget_charts.variance_by_line_data(mon, la, labels, "movement")
    shell.download_table(moved, "forecast_movement", "movement", period=period_name(mon))


def recharges_view() -> None:
    sched = _recharges(ver, year, as_at)
    if la is not None:
        sched = sched[sched["la_code"] == la]
    table = monitoring.recharge_table(sched)
    st.caption("Staffing posts are recharged by each council to the RAA at quarter ends; a quarter shows once "
               "the council's ledger reaches its last period (or something is posted in it).")
    shell.show_table(budget_tables.recharges(table, names, labels), presentation.RECHARGES, unit)
    shell.download_table(sched, "recharge_schedule", "recharges", period=year)


def asf_view(mon: monitoring.Monitoring) -> None:
    asf = mon.asf if la is None else mon.asf[mon.asf["la_code"] == la]
    st.caption("The Adoption Support Fund is outside the cash-limited budget: spend and income are shown apart, "
               "and spend to date not matched by ASF income is flagged.")
    if asf.empty:
        st.info("No ASF spend or income recorded for this year.", icon=":material/info:")
        return
    unfunded = [f"{council_name(r.la_code)} {gbp(r.unmatched_ytd)}" for r in asf.itertuples(index=False)
                if bool(r.unfunded)]
    if unfunded:
        st.warning("ASF spend to date not matched by ASF income: " + "; ".join(unfunded) + ".",
                   icon=":material/warning:")
    shell.show_table(budget_tables.asf(mon, names, la), presentation.ASF, unit)
    shell.download_table(asf, "asf", "asf", period=period_name(mon))


def agency_view(mon: monitoring.Monitoring) -> None:
    ch = mon.council_charges if la is None else mon.council_charges[mon.council_charges["la_code"] == la]
    st.caption("Agency workers covering a post vacant at go-live (1 April 2020) are paid for by their council, "
               "not the pool: they are in no pooled figure on this page (the establishment forecast leaves them "
               "out) and are charged to the council as below.")
    if ch.empty:
        st.info("No agency cover of go-live vacancies in the establishment for this year.", icon=":material/info:")
        return
    shell.show_table(budget_tables.agency(mon, names, la), presentation.AGENCY, unit)
    shell.download_table(ch, "go_live_agency_charges", "agency", period=period_name(mon))


@st.fragment
def settlement_view(mon: monitoring.Monitoring, sign: int, export_opts: dict[str, Any]) -> None:
    """Only this part reruns when the basis or the formula shares change."""
    basis = st.radio("Settlement basis", list(settlement.BASES), format_func=settlement.BASIS_LABELS.__getitem__,
                     horizontal=True, key="budget_basis")
    shares: dict[int, Decimal] | None = None
    contrib = settlement.contribution_shares(mon)
    if basis == "formula":
        st.caption("Demand-formula shares agreed by the board (%); they are normalised to 100.")
        start = settlement.share_percentages(contrib)
        cols = st.columns(len(contrib))
        shares = {}
        for col, code in zip(cols, sorted(contrib), strict=True):
            default = float(start[code])
            got = col.number_input(f"{names.get(code, code)} share %", min_value=0.0, max_value=100.0,
                                   value=default, step=0.5, key=f"formula_share_{code}")
            shares[code] = Decimal(str(got))
        if sum(shares.values()) <= 0:
            st.error("Enter at least one share above zero.", icon=":material/error:")
            return
    export_opts["basis"], export_opts["shares"] = basis, shares
    try:
        settled = settlement.settlement_of(mon, basis, shares)
    except ValueError as exc:
        st.info(str(exc), icon=":material/info:")
        return
    table = settlement.settlement_table(settled)
    word = "overspend" if settled.pooled_variance > 0 else "underspend"
    st.caption(f"The forecast pooled {word} of {gbp(abs(settled.pooled_variance))} shared by "
               f"{settlement.BASIS_LABELS[basis].lower()}, to the penny; each council's own adoption support "
               f"variance stays with it. A positive amount is {'an overspend the council bears' if sign > 0 else 'an underspend returned to the council'}.")
    shell.show_table(budget_tables.settlement(table, names, sign), presentation.SETTLEMENT, unit)
    shell.download_table(table, f"settlement_{basis}", "settlement", period=period_name(mon))


def commentary_view(mon: monitoring.Monitoring, sign: int) -> None:
    lines = mon.lines if la is None else mon.lines[mon.lines["la_code"] == la]
    if lines.empty or not mon.period:
        return
    ranked = lines.assign(_abs=[abs(float(v)) if _val(v) is not None else 0.0 for v in lines["variance"]])
    ranked = ranked.sort_values("_abs", ascending=False)
    options = [(int(r.la_code), r.budget_area, r.cost_line) for r in ranked.itertuples(index=False)]
    by_key = {(int(r.la_code), r.budget_area, r.cost_line): r for r in ranked.itertuples(index=False)}

    def describe(k: tuple[int, str, str]) -> str:
        r = by_key[k]
        return (f"{names.get(k[0], k[0])} · {AREA_LABELS.get(k[1], k[1])} · {labels.get(k[2], k[2])} "
                f"(variance {gbp(None if _val(r.variance) is None else r.variance * sign)})")

    saved = st.session_state.pop("budget_comment_saved", None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    with st.form("comment_form", clear_on_submit=True):
        st.markdown(f"**Record the reason for a line's variance at {monitoring.period_label(year, mon.period)}**")
        key = st.selectbox("Cost line", options, format_func=describe, key="comment_line")
        text = st.text_area("Comment", key="comment_text", placeholder="Why the forecast differs from budget")
        author = st.text_input("Author", key="comment_author")
        if st.form_submit_button("Save comment", icon=":material/save:"):
            try:
                commentary.add_comment(shell.db_path(), key[0], year, int(mon.period), key[1], key[2], text, author)
            except ValueError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.cache_data.clear()
                st.session_state["budget_comment_saved"] = f"Comment saved on {describe(key)}."
                st.rerun()
    recorded = _comments(ver, year, int(mon.period))
    if la is not None:
        recorded = recorded[recorded["la_code"] == la]
    if not recorded.empty:
        shell.show_table(budget_tables.comments(recorded, names, labels), presentation.COMMENTS, unit)


def export_button(period: int | None, method: str, overspend_positive: bool, opts: dict[str, Any],
                  width: Any = "stretch") -> None:
    db = shell.db_path()

    def build() -> bytes:
        con = warehouse.connect_read(db)
        try:
            return monitoring_export.export_monitoring(
                con, shell.reference(), year, period, method, opts.get("basis", "contribution"),
                negatives=opts.get("negatives", "brackets"), shares=opts.get("shares"),
                overspend_positive=overspend_positive, as_at=as_at)
        finally:
            con.close()

    st.download_button(
        "Excel report", build,
        shell.download_name("budget_monitoring", "xlsx", f"{year}_P{period or 0}", region=True),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="monitoring_export", icon=":material/download:", on_click="ignore", type="primary", width=width,
        help="The whole RAA's monitoring report: summary, lines with comments, recharges, ASF, agency cover, "
             "settlement by the basis chosen below",
    )


if latest is None:
    budget_only_view()
else:
    c1, c2, c3, c4 = st.columns([2, 3, 3, 2], vertical_alignment="bottom")
    period = c1.selectbox("Period", list(range(1, latest + 1)), index=latest - 1,
                          format_func=lambda p: monitoring.period_label(year, p), key=f"budget_period_{year}")
    method = c2.selectbox("Forecast method", list(monitoring.METHODS), format_func=METHOD_LABELS.__getitem__,
                          key="budget_method")
    underspend_positive = c3.toggle("Underspend shown positive", value=not ref.settings.overspend_positive,
                                    key="budget_sign",
                                    help="Variances are forecast less budget: by default an overspend is positive")
    minus = c3.toggle("Excel negatives with a minus sign", value=False, key="budget_minus",
                      help="Negative amounts in the Excel report as -£1.00 instead of (£1.00)")
    overspend_positive = not underspend_positive
    sign = 1 if overspend_positive else -1
    opts: dict[str, Any] = st.session_state.setdefault("budget_export_opts", {})
    opts["negatives"] = "sign" if minus else "brackets"
    with c4:
        export_button(period, method, overspend_positive, opts)

    mon = _monitor(ver, year, period, method, as_at)
    reached = mon.lines.groupby("la_code")["period"].max()
    behind = [(c, p) for c, p in reached.items() if (la is None or c == la) and not pd.isna(p) and int(p) < period]
    if behind:
        st.warning("Ledger not yet loaded to " + monitoring.period_label(year, period) + " for "
                   + ", ".join(f"{council_name(c)} (to P{int(p)})" for c, p in behind)
                   + ": their figures are at their latest period.", icon=":material/schedule:")
    st.caption(
        f"{scope[:1].upper()}{scope[1:]}, {year} at {monitoring.period_label(year, mon.period)}, forecast by "
        f"{METHOD_LABELS[method].lower()}. Variance = forecast outturn - budget "
        f"({'overspend' if overspend_positive else 'underspend'} positive). The pooled area is shared; each "
        "council's adoption support is managed separately and its variance stays with that council."
        + ("" if as_at is None else f" Drops received by {as_at:%d %b %Y}.")
    )
    headline(mon, sign)
    if la is None:
        st.subheader("By council", anchor="by-council")
        summary_table(mon, sign)

    tabs = st.tabs([":material/bar_chart: Variance by line", ":material/show_chart: Forecast and movement",
                    ":material/event_repeat: Recharges", ":material/volunteer_activism: ASF",
                    ":material/badge: Agency cover", ":material/handshake: Settlement",
                    ":material/comment: Commentary"])
    with tabs[0]:
        lines_view(mon, sign, overspend_positive)
    with tabs[1]:
        trend_view(mon, method, overspend_positive)
    with tabs[2]:
        recharges_view()
    with tabs[3]:
        asf_view(mon)
    with tabs[4]:
        agency_view(mon)
    with tabs[5]:
        if la is not None:
            st.caption(f"The settlement is between all the councils; {scope}'s row is its part.")
        settlement_view(mon, sign, opts)
    with tabs[6]:
        commentary_view(mon, sign)

if year == budget.FIRST_POOLED_YEAR:
    with st.expander("Year-1 contributions: the 2019-20 baseline plus the pay award", icon=":material/percent:"):
        check = _pay_award(ver)
        if la is not None:
            check = check[check["la_code"] == la]
        st.caption(f"Staffing lines recharged quarterly carry the {ref.settings.pay_award_2020_21_pct}% pay award; "
                   "other lines are unchanged.")
        shell.show_table(budget_tables.pay_award(check, names, labels), presentation.PAY_AWARD, unit)
