"""Pooled budget (Head of Service): monthly monitoring of the pooled budget and each council's adoption
support, for the Partnership Board. Every figure comes from raa_core; this page only lays it out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from raa_app import scenarios, shell
from raa_core import budget, budget_charts, commentary, monitoring, monitoring_export, saved_scenarios, settlement
from raa_core.money import fmt_gbp, fmt_k
from raa_core.scenario import ScenarioError

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
RAG_COLOURS = {"Red": "background-color: #F4B6B6", "Amber": "background-color: #FCD9A0",
               "Green": "background-color: #BFE3C0"}


# --- cached raa_core results (keyed by the warehouse version) -------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _latest(version: str, year: str, la_code: int | None, as_at: dt.date | None) -> int | None:
    with shell.cursor() as con:
        return monitoring.latest_period(con, year, la_code, as_at)


@st.cache_data(show_spinner="Computing the monitoring report…", max_entries=32)
def _monitor(version: str, year: str, period: int | None, method: str, as_at: dt.date | None) -> monitoring.Monitoring:
    with shell.cursor() as con:
        return monitoring.monitor(con, shell.reference(), year, period, method, as_at=as_at)


def _monitor_with_comments(year: str, period: int | None, method: str, as_at: dt.date | None) -> monitoring.Monitoring:
    """The cached report with this period's latest comments (read fresh from the app-state store) beside it."""
    mon = _monitor(shell.version(), year, period, method, as_at)
    if mon.period is None:
        return mon
    latest = commentary.comments(shell.appstate(), year, mon.period)
    return mon.model_copy(update={"lines": monitoring.with_comments(
        mon.lines.drop(columns=list(monitoring.COMMENT_COLUMNS.values())), latest)})


@st.cache_data(show_spinner=False, max_entries=32)
def _trend(version: str, year: str, period: int, method: str, as_at: dt.date | None) -> pd.DataFrame:
    with shell.cursor() as con:
        return monitoring.forecast_trend(con, shell.reference(), year, method, None, period, as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def _recharges(version: str, year: str, as_at: dt.date | None) -> pd.DataFrame:
    with shell.cursor() as con:
        return monitoring.recharge_schedule(con, year, ref=shell.reference(), as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def _budgets(version: str, year: str, as_at: dt.date | None) -> pd.DataFrame:
    with shell.cursor() as con:
        return budget.budgets(con, year, ref=shell.reference(), as_at=as_at)


@st.cache_data(show_spinner=False, max_entries=4)
def _baseline(version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ref = shell.reference()
    with shell.cursor() as con:
        return budget.baseline_table(con, ref), budget.reconcile_baseline(con, ref)


@st.cache_data(show_spinner=False, max_entries=4)
def _pay_award(version: str) -> pd.DataFrame:
    with shell.cursor() as con:
        return budget.pay_award_check(con, shell.reference())




# --- formatting helpers (display only) ------------------------------------------------------------------


def _val(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def gbp(v: Any) -> str:
    return fmt_gbp(_val(v))


def pct(v: Any) -> str:
    v = _val(v)
    return "—" if v is None else f"{float(v):+.1f}%"


def rag_word(v: Any) -> str:
    v = _val(v)
    return RAG_BADGES[v][0] if v in RAG_BADGES else "—"


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


def rag_markdown(v: Any) -> str:
    """The RAG as an inline Markdown badge."""
    v = _val(v)
    if v not in RAG_BADGES:
        return ":gray-badge[:material/help: No forecast]"
    label, icon, colour = RAG_BADGES[v]
    return f":{colour}-badge[{icon} RAG {label}]"


def styled(df: pd.DataFrame, rag_col: str | None = "RAG", bold_col: str | None = None) -> Any:
    """A display table with the RAG column coloured and total rows in bold."""
    s = df.style
    if rag_col and rag_col in df.columns:
        s = s.map(lambda v: RAG_COLOURS.get(v, ""), subset=[rag_col])
    if bold_col and bold_col in df.columns:
        s = s.apply(lambda r: ["font-weight: bold" if r[bold_col] else "" for _ in r], axis=1)
    return s


ref = shell.reference()
f = shell.filters()
as_at = shell.as_at_or_none(f)
ver = shell.version()
year, la = f.year, f.la_code
names = {c.la_code: c.short_name for c in ref.councils}
labels = {c.cost_line: c.label for c in ref.cost_lines}
scope = "the RAA (all three councils)" if la is None else names.get(la, str(la))


def council_name(v: Any) -> str:
    v = _val(v)
    return "RAA" if v is None else names.get(int(v), str(v))


st.title("Pooled budget")

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
        col.metric(f"{title} budget", gbp(t["budget"]), border=True)

    if year == budget.BASELINE_YEAR:
        table, rec = _baseline(ver)
        st.subheader("Baseline against the business case", anchor="baseline")
        st.caption("Net 2019-20 budgets in £'000s, computed from the line budgets beside the business case's printed "
                   "figures. Each figure is its own rounding of the pounds-and-pence "
                   "line budgets, so columns need not add across; ASF is outside these figures.")
        printed = {p.la_code: p for p in ref.baseline_published}
        ok = rec.groupby("la_code")["ok"].all().to_dict()
        shown = pd.DataFrame({
            "Council": table["council"],
            "Pooled": [fmt_k(v) for v in table["pooled"]],
            "Pooled, printed": [fmt_k(printed[c].pooled_k * 1000) if c in printed else "—" for c in table["la_code"]],
            "Adoption support": [fmt_k(v) for v in table["adoption_support"]],
            "Adoption support, printed": [fmt_k(printed[c].adoption_support_k * 1000) if c in printed else "—"
                                          for c in table["la_code"]],
            "Total": [fmt_k(v) for v in table["total"]],
            "Total, printed": [fmt_k(printed[c].total_k * 1000) if c in printed else "—" for c in table["la_code"]],
            "Match": ["yes" if ok.get(c) else "NO" for c in table["la_code"]],
        })
        st.dataframe(shown, hide_index=True, width="stretch")
        if all(ok.values()):
            st.success("Every printed figure of the business case table is reproduced to the digit.",
                       icon=":material/check_circle:")
        else:
            st.error("Some printed figures are not reproduced: see the Match column.", icon=":material/error:")
        shell.download_table(table, "baseline_2019_20", "baseline")

    lines = _budgets(ver, year, as_at)
    if la is not None:
        lines = lines[lines["la_code"] == la]
    st.subheader("Line budgets")
    shown_lines = pd.DataFrame({
        "Council": [council_name(v) for v in lines["la_code"]],
        "Budget area": [AREA_LABELS.get(a, a) for a in lines["budget_area"]],
        "Cost line": [labels.get(c, c) for c in lines["cost_line"]],
        "Budget": [gbp(v) for v in lines["budget"]],
        "Note": ["ASF: outside the cash-limited budget" if a else "" for a in lines["asf"].astype(bool)],
    })
    st.dataframe(shown_lines, hide_index=True, width="stretch", height=table_height(len(shown_lines)))
    shell.download_table(lines, f"budgets_{year}", "budget_lines")


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
            c1.metric(f"{title} budget", gbp(t["budget"]))
            c2.metric(f"{title} forecast outturn", gbp(t["forecast"]))
            variance = _val(t["variance"])
            vpct = _val(t["variance_pct"])
            c3.metric(
                f"{title} variance", gbp(None if variance is None else variance * sign),
                None if vpct is None else f"{vpct * sign:+.1f}% of budget",
                delta_color="inverse" if sign > 0 else "normal",
                help="Forecast outturn less budget; " + ("overspend positive" if sign > 0 else "underspend positive"),
            )
            movement = _val(t["movement"])
            c4.metric(f"{title} movement", gbp(None if movement is None else movement * sign),
                      help=f"Forecast now less the forecast at period {prev}" if prev else "No earlier period")


def summary_table(mon: monitoring.Monitoring, sign: int) -> None:
    t = mon.totals
    if la is not None:
        t = t[t["la_code"] == la]
    shown = pd.DataFrame({
        "Council": [council_name(v) for v in t["la_code"]],
        "Budget area": [AREA_LABELS.get(a, "All areas") if isinstance(a, str) else "All areas"
                        for a in t["budget_area"]],
        "Budget": [gbp(v) for v in t["budget"]],
        "Actual to date": [gbp(v) for v in t["ytd_actual"]],
        "Forecast outturn": [gbp(v) for v in t["forecast"]],
        "Variance": [gbp(None if _val(v) is None else v * sign) for v in t["variance"]],
        "Variance %": [pct(None if _val(v) is None else v * sign) for v in t["variance_pct"]],
        "RAG": [rag_word(v) for v in t["rag"]],
        "Movement": [gbp(None if _val(v) is None else v * sign) for v in t["movement"]],
        "_total": [lv in ("council", "raa") for lv in t["level"]],
    })
    st.dataframe(styled(shown, bold_col="_total"), hide_index=True, width="stretch", height=table_height(len(shown)),
                 column_config={"_total": None})
    shell.download_table(t, f"budget_summary_{year}_P{mon.period}", "summary")


def lines_view(mon: monitoring.Monitoring, sign: int, overspend_positive: bool) -> None:
    st.plotly_chart(budget_charts.variance_by_line(mon, la, labels, overspend_positive), width="stretch",
                    key="variance_chart")
    lines = mon.lines if la is None else mon.lines[mon.lines["la_code"] == la]
    shown = pd.DataFrame({
        "Council": [council_name(v) for v in lines["la_code"]],
        "Cost line": [labels.get(c, c) for c in lines["cost_line"]],
        "Budget": [gbp(v) for v in lines["budget"]],
        "Actual to date": [gbp(v) for v in lines["ytd_actual"]],
        "Forecast outturn": [gbp(v) for v in lines["forecast"]],
        "Variance": [gbp(None if _val(v) is None else v * sign) for v in lines["variance"]],
        "Variance %": [pct(None if _val(v) is None else v * sign) for v in lines["variance_pct"]],
        "RAG": [rag_word(v) for v in lines["rag"]],
        "Comment": [("" if _val(c) is None else f"{c} ({a})") for c, a in zip(lines["comment"],
                                                                          lines["comment_author"], strict=True)],
        "Movement": [gbp(None if _val(v) is None else v * sign) for v in lines["movement"]],
        "Method": list(lines["method"].fillna("—")),
    })
    st.caption("Pooled lines first, then the council's adoption support lines; comments recorded for this period "
               "are beside the figures.")
    st.dataframe(styled(shown), hide_index=True, width="stretch", height=table_height(len(shown)),
                 column_config={"Comment": st.column_config.TextColumn(width="medium")})
    shell.download_table(lines, f"budget_lines_{year}_P{mon.period}", "lines")


def trend_view(mon: monitoring.Monitoring, method: str, overspend_positive: bool) -> None:
    trend = _trend(ver, year, int(mon.period or 1), method, as_at)
    c1, c2 = st.columns(2)
    for col, area, title in ((c1, "pooled", "Pooled"), (c2, "adoption_support", "Adoption support")):
        col.plotly_chart(
            budget_charts.outturn_trend(trend, la, area, f"{title}: forecast outturn by period against budget"),
            width="stretch", key=f"trend_{area}")
    shell.download_table(trend if la is None else trend[trend["la_code"] == la], f"forecast_trend_{year}", "trend")

    st.subheader("Movement since last period", anchor="movement")
    if not mon.period or mon.period <= 1:
        st.info("Period 1 has no earlier forecast to compare with.", icon=":material/info:")
        return
    st.plotly_chart(budget_charts.movement_by_line(mon, la, labels, overspend_positive), width="stretch",
                    key="movement_chart")
    moved = budget_charts.variance_by_line_data(mon, la, labels, "movement")
    shell.download_table(moved, f"forecast_movement_{year}_P{mon.period}", "movement")


def recharges_view() -> None:
    sched = _recharges(ver, year, as_at)
    if la is not None:
        sched = sched[sched["la_code"] == la]
    table = monitoring.recharge_table(sched)
    st.caption("Staffing posts are recharged by each council to the RAA at quarter ends; a quarter shows once "
               "the council's ledger reaches its last period (or something is posted in it).")
    st.dataframe(pd.DataFrame({
        "Council": [council_name(v) for v in table["la_code"]],
        "Budget area": [AREA_LABELS.get(a, a) for a in table["budget_area"]],
        "Cost line": [labels.get(c, c) for c in table["cost_line"]],
        **{q: [gbp(v) if _val(v) is not None else "not yet due" for v in table[q]] for q in ("Q1", "Q2", "Q3", "Q4")},
        "Recharged to date": [gbp(v) for v in table["to_date"]],
        "Quarters complete": table["quarters_complete"],
    }), hide_index=True, width="stretch")
    shell.download_table(sched, f"recharge_schedule_{year}", "recharges")


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
    st.dataframe(pd.DataFrame({
        "Council": [council_name(v) for v in asf["la_code"]],
        "Spend budget": [gbp(v) for v in asf["spend_budget"]],
        "Spend to date": [gbp(v) for v in asf["spend_ytd"]],
        "Income to date": [gbp(v) for v in asf["income_ytd"]],
        "Net to date": [gbp(v) for v in asf["net_ytd"]],
        "Forecast spend": [gbp(v) for v in asf["spend_forecast"]],
        "Forecast income": [gbp(v) for v in asf["income_forecast"]],
        "Flag": ["Unfunded spend" if bool(u) else "Funded" for u in asf["unfunded"]],
    }), hide_index=True, width="stretch")
    shell.download_table(asf, f"asf_{year}_P{mon.period}", "asf")


def agency_view(mon: monitoring.Monitoring) -> None:
    ch = mon.council_charges if la is None else mon.council_charges[mon.council_charges["la_code"] == la]
    st.caption("Agency workers covering a post vacant at go-live (1 April 2020) are paid for by their council, "
               "not the pool: they are in no pooled figure on this page (the establishment forecast leaves them "
               "out) and are charged to the council as below.")
    if ch.empty:
        st.info("No agency cover of go-live vacancies in the establishment for this year.", icon=":material/info:")
        return
    st.dataframe(pd.DataFrame({
        "Council": [council_name(v) for v in ch["la_code"]],
        "Budget area": [AREA_LABELS.get(a, a) for a in ch["budget_area"]],
        "Posts": ch["posts"],
        "FTE": [f"{float(v):.1f}" for v in ch["fte"]],
        "Full-year charge to council": [gbp(v) for v in ch["annual_cost"]],
        "Months to date": ch["months"],
        "Charged to council to date": [gbp(v) for v in ch["charge_to_date"]],
    }), hide_index=True, width="stretch")
    shell.download_table(ch, f"go_live_agency_charges_{year}", "agency")


def scenario_shares(year: str) -> dict[int, Decimal] | None:
    """The shares of `year` under a saved contribution scenario (issue 11's settlement link), or None with
    the reason shown."""
    saved = saved_scenarios.saved(shell.appstate())
    if saved.empty:
        st.info("No contribution scenario is saved yet: build and save one on the Contribution scenarios page.",
                icon=":material/info:")
        return None
    name = st.selectbox("Saved scenario", list(saved["name"]), key="formula_scenario")
    try:
        shares = scenarios.saved_result(name).shares(year)
    except (ScenarioError, ValueError) as exc:
        st.info(str(exc), icon=":material/info:")
        return None
    st.caption(f"Shares of {year} under “{name}”: " + ", ".join(
        f"{names.get(code, code)} {float(v) * 100:.2f}%" for code, v in sorted(shares.items())))
    return shares


@st.fragment
def settlement_view(mon: monitoring.Monitoring, sign: int, export_opts: dict[str, Any]) -> None:
    """Only this part reruns when the basis or the formula shares change."""
    basis = st.radio("Settlement basis", list(settlement.BASES), format_func=settlement.BASIS_LABELS.__getitem__,
                     horizontal=True, key="budget_basis")
    shares: dict[int, Decimal] | None = None
    contrib = settlement.contribution_shares(mon)
    if basis == "formula" and st.radio(
            "Formula shares from", ["A saved contribution scenario", "Entered here"], horizontal=True,
            key="formula_source") == "A saved contribution scenario":
        shares = scenario_shares(mon.year)
        if shares is None:
            return
    elif basis == "formula":
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
    rowname = {"reserve": "Contingency reserve", "total": "Total"}
    st.dataframe(styled(pd.DataFrame({
        "Council": [rowname.get(r, council_name(c)) for r, c in zip(table["row"], table["la_code"], strict=True)],
        "Share": ["—" if _val(v) is None else f"{float(v) * 100:.2f}%" for v in table["share"]],
        "Pooled variance share": [gbp(v * sign) for v in table["pooled_amount"]],
        "Own adoption support variance": [gbp(None if _val(v) is None else v * sign)
                                          for v in table["adoption_support_variance"]],
        "Total": [gbp(v * sign) for v in table["total"]],
        "_total": [r == "total" for r in table["row"]],
    }), rag_col=None, bold_col="_total"), hide_index=True, width="stretch", column_config={"_total": None})
    shell.download_table(table, f"settlement_{year}_P{mon.period}_{basis}", "settlement")


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
                commentary.add_comment(shell.appstate(), key[0], year, int(mon.period), key[1], key[2], text, author)
            except ValueError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["budget_comment_saved"] = f"Comment saved on {describe(key)}."
                st.rerun()
    recorded = commentary.comments(shell.appstate(), year, int(mon.period), la)
    if not recorded.empty:
        st.dataframe(comment_table(recorded), hide_index=True, width="stretch")
        every = commentary.history(shell.appstate(), year, int(mon.period), la)
        earlier = every[~every["id"].isin(recorded["id"])]
        if not earlier.empty:
            with st.expander(f"Earlier comments ({len(earlier)})", icon=":material/history:"):
                st.dataframe(comment_table(earlier), hide_index=True, width="stretch")


def comment_table(recorded: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Council": [council_name(v) for v in recorded["la_code"]],
        "Budget area": [AREA_LABELS.get(a, a) for a in recorded["budget_area"]],
        "Cost line": [labels.get(c, c) for c in recorded["cost_line"]],
        "Comment": recorded["comment"],
        "Author": recorded["author"],
        "Recorded (UTC)": [f"{v:%d %b %Y %H:%M}" for v in recorded["created_at"]],
    })


def export_button(period: int | None, method: str, overspend_positive: bool, opts: dict[str, Any],
                  width: Any = "stretch") -> None:
    wh, state = shell.warehouse(), shell.appstate()

    def build() -> bytes:
        with wh.cursor() as con:
            return monitoring_export.export_monitoring(
                con, shell.reference(), year, period, method, opts.get("basis", "contribution"),
                negatives=opts.get("negatives", "brackets"), shares=opts.get("shares"),
                overspend_positive=overspend_positive, as_at=as_at, state=state)

    st.download_button(
        "Excel report", build,
        f"raa_budget_monitoring_{year}_P{period or 0}.xlsx",
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

    mon = _monitor_with_comments(year, period, method, as_at)
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
        st.dataframe(pd.DataFrame({
            "Council": [council_name(v) for v in check["la_code"]],
            "Cost line": [labels.get(c, c) for c in check["cost_line"]],
            "2019-20 budget": [gbp(v) for v in check["budget_base"]],
            "Expected": [gbp(v) for v in check["expected"]],
            "2020-21 budget": [gbp(v) for v in check["budget_year"]],
            "Matches": ["yes" if o else "NO" for o in check["ok"]],
        }), hide_index=True, width="stretch")
