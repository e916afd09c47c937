"""Pooled budget (Head of Service): monthly monitoring of the pooled budget and each council's adoption
support, for the Partnership Board. Every figure comes from raa_core; this page only lays it out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st

from raa_app import charts, data, errors, scenarios, shell, tables
from raa_core import access, presentation
from raa_core.errors import RaaError
from raa_core.finance import budget, budget_charts, budget_tables, commentary, monitoring, monitoring_export, settlement
from raa_core.ingest import freshness
from raa_core.presentation import MoneyUnit, display

viewer = shell.page_viewer("budget")

# --- display (layout only: words and formats come from raa_core.presentation.display) --------------------------------


def table_height(rows: int) -> int:
    """Tall enough to show every row (tables here have at most a few dozen)."""
    return 38 + 35 * max(rows, 1)


ref = shell.reference()
run = shell.run()
as_at = run.as_at
year, la = run.year, run.la_code
labels = display.line_labels(ref)
names = display.council_names(ref)
scope = display.scope_label(ref, la)


def period_name(mon: monitoring.Monitoring) -> str:
    """The monitoring period in a file name: 2026-27_P7."""
    return budget_tables.file_period(year, mon.period)


st.title("Pooled budget")
unit = tables.unit_choice("budget_unit", viewer.role)
if stale := freshness.stale_councils_text(shell.council_status("finance"), "finance", ref):
    st.warning(stale, icon=":material/schedule:")

latest = data.load(monitoring.latest_period, run.monitoring_request())  # periods offered: to the latest loaded


# --- a year without ledger: budgets only (the 2019-20 baseline) ------------------------------------------


def budget_only_view() -> None:
    mon = data.load(monitoring.monitor, run.monitoring_request(), la)
    if mon.totals.empty:
        st.info(budget_tables.no_budget_text(year), icon=":material/info:")
        return
    st.caption(budget_tables.budget_only_caption(year, scope))
    export_button(None, "default", ref.settings.overspend_positive,
                  st.session_state.setdefault("budget_export_opts", {}), width="content")
    for col, tile in zip(st.columns(3), budget_tables.budget_tiles(mon, la, unit), strict=True):
        if tile is not None:
            col.metric(*tile, border=True)

    if budget.is_baseline_year(year):
        table = data.load(budget.baseline_comparison)
        st.header("Baseline against the business case", anchor="baseline")
        st.caption(budget_tables.baseline_caption())
        tables.show_table(budget_tables.baseline_shown(table), presentation.BASELINE, MoneyUnit.THOUSANDS)
        if budget.baseline_reproduced(table):
            st.success("Every printed figure of the business case table is reproduced to the digit.",
                       icon=":material/check_circle:")
        else:
            st.error("Some printed figures are not reproduced: see the Match column.", icon=":material/error:")
        shell.download_table(table[budget.BASELINE_COLUMNS], "baseline", "baseline", period=year)

    lines = data.load(budget.budgets, run.monitoring_request(), la)
    st.header("Line budgets")
    tables.show_table(budget_tables.line_budgets(lines, names, labels), presentation.LINE_BUDGETS, unit,
                      height=table_height(len(lines)))
    shell.download_table(lines, "budgets", "budget_lines", period=year)


# --- the monitoring view ---------------------------------------------------------------------------------


def headline(mon: monitoring.Monitoring, sign: int) -> None:
    """One row per area (pooled, adoption support, all): budget, forecast, variance with RAG, movement."""
    for tile in budget_tables.headline(mon, la, sign, unit):
        with st.container(border=True):
            st.markdown(tile.heading)
            c1, c2, c3, c4 = st.columns(4)
            c1.metric(f"{tile.title} budget", tile.budget)
            c2.metric(f"{tile.title} forecast outturn", tile.forecast)
            c3.metric(f"{tile.title} variance", tile.variance, tile.variance_delta,
                      delta_color=tile.delta_color, delta_arrow=tile.delta_arrow, help=tile.variance_help)
            c4.metric(f"{tile.title} movement", tile.movement, help=tile.movement_help)


def summary_table(mon: monitoring.Monitoring, sign: int) -> None:
    t = budget_tables.totals_of(mon, la)
    tables.show_table(budget_tables.summary(mon, names, sign, la), presentation.BUDGET_SUMMARY, unit,
                      height=table_height(len(t)), key="summary_table")
    shell.download_table(t, "budget_summary", "summary", period=period_name(mon))


def lines_view(mon: monitoring.Monitoring, sign: int, overspend_positive: bool) -> None:
    charts.place(budget_charts.variance_by_line(mon, la, labels, overspend_positive, unit), "variance_chart")
    lines = mon.lines
    st.caption("Pooled lines first, then the council's adoption support lines; comments recorded for this period "
               "are beside the figures.")
    tables.show_table(budget_tables.lines(mon, names, labels, sign), presentation.BUDGET_LINES, unit,
                      height=table_height(len(lines)), key="lines_table")
    shell.download_table(lines, "budget_lines", "lines", period=period_name(mon))


def trend_view(mon: monitoring.Monitoring, method: str, overspend_positive: bool) -> None:
    trend = data.load(monitoring.forecast_trend, run.monitoring_request(int(mon.period or 1), method), la)
    c1, c2 = st.columns(2)
    for col, area in ((c1, "pooled"), (c2, "adoption_support")):
        charts.place(
            budget_charts.outturn_trend(trend, la, area,
                                        f"{display.label('scope', area)}: forecast outturn by period against budget",
                                        unit),
            f"trend_{area}", col, later=True)
    shell.download_table(trend, "forecast_trend", "trend", period=period_name(mon))

    st.header("Movement since last period", anchor="movement")
    if not mon.has_movement:
        st.info("Period 1 has no earlier forecast to compare with.", icon=":material/info:")
        return
    charts.place(budget_charts.movement_by_line(mon, la, labels, overspend_positive, unit), "movement_chart",
                 later=True)
    moved = budget_charts.variance_by_line_data(mon, la, labels, "movement")
    shell.download_table(moved, "forecast_movement", "movement", period=period_name(mon))


def recharges_view() -> None:
    sched = data.load(monitoring.recharge_schedule, run.monitoring_request(), la)
    table = monitoring.recharge_table(sched)
    st.caption("Staffing posts are recharged by each council to the RAA at quarter ends; a quarter shows once "
               "the council's ledger reaches its last period (or something is posted in it).")
    tables.show_table(budget_tables.recharges(table, names, labels), presentation.RECHARGES, unit)
    shell.download_table(sched, "recharge_schedule", "recharges", period=year)


def asf_view(mon: monitoring.Monitoring) -> None:
    asf = mon.asf
    st.caption("The Adoption Support Fund is outside the cash-limited budget: spend and income are shown apart, "
               "and spend to date not matched by ASF income is flagged.")
    if asf.empty:
        st.info("No ASF spend or income recorded for this year.", icon=":material/info:")
        return
    if unfunded := budget_tables.unfunded_text(mon, names):
        st.warning(unfunded, icon=":material/warning:")
    tables.show_table(budget_tables.asf(mon, names), presentation.ASF, unit)
    shell.download_table(asf, "asf", "asf", period=period_name(mon))


def agency_view(mon: monitoring.Monitoring) -> None:
    ch = mon.council_charges
    st.caption("Agency workers covering a post vacant at go-live (1 Apr 2020) are paid for by their council, "
               "not the pool: they are in no pooled figure on this page (the establishment forecast leaves them "
               "out) and are charged to the council as below.")
    if ch.empty:
        st.info("No agency cover of go-live vacancies in the establishment for this year.", icon=":material/info:")
        return
    tables.show_table(budget_tables.agency(mon, names), presentation.AGENCY, unit)
    shell.download_table(ch, "go_live_agency_charges", "agency", period=period_name(mon))


def scenario_shares(year: str) -> dict[int, Decimal] | None:
    """The shares of `year` under a saved contribution scenario (the settlement link), or None with
    the reason shown."""
    name = scenarios.choose_saved("formula_scenario")
    if name is None:
        return None
    try:
        shares = scenarios.saved_result(name).shares(year)
    except RaaError as exc:
        errors.show(exc)
        return None
    st.caption(budget_tables.shares_caption(year, name, shares, names))
    return shares


@shell.fragment
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
            got = col.number_input(f"{budget_tables.council_name(code, names)} share %", min_value=0.0,
                                   max_value=100.0, value=default, step=0.5, key=f"formula_share_{code}")
            shares[code] = settlement.entered_share(got)
        if not settlement.any_share(shares):
            st.error("Enter at least one share above zero.", icon=":material/error:")
            return
    export_opts["basis"], export_opts["shares"] = basis, shares
    try:
        settled = settlement.settlement_of(mon, basis, shares)
    except RaaError as exc:
        errors.show(exc)
        return
    table = settlement.settlement_table(settled)
    st.caption(budget_tables.settlement_caption(settled, sign))
    tables.show_table(budget_tables.settlement(table, names, sign), presentation.SETTLEMENT, unit)
    shell.download_table(table, f"settlement_{basis}", "settlement", period=period_name(mon), region=True)


def commentary_view(mon: monitoring.Monitoring, sign: int) -> None:
    if mon.lines.empty or not mon.period:
        return
    choices = budget_tables.comment_choices(mon, names, labels, sign)

    saved = st.session_state.pop("budget_comment_saved", None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    if not access.has_right(viewer, "comment", ref):
        st.caption("Variance comments are recorded by the Head of Service.")
    else:
        with st.form("comment_form", clear_on_submit=True):
            st.markdown(f"**Record the reason for a line's variance at {monitoring.period_label(year, mon.period)}**")
            key = st.selectbox("Cost line", list(choices), format_func=choices.__getitem__, key="comment_line")
            text = st.text_area("Comment", key="comment_text", placeholder="Why the forecast differs from budget")
            st.caption(f"Recorded as {viewer.user}.")
            if st.form_submit_button("Save comment", icon=":material/save:"):
                try:
                    commentary.add_comment(shell.appstate(), key[0], year, int(mon.period), key[1], key[2], text,
                                           viewer)
                except RaaError as exc:
                    errors.show(exc)
                else:
                    st.session_state["budget_comment_saved"] = f"Comment saved on {choices[key]}."
                    st.rerun()
    recorded = commentary.comments(shell.appstate(), year, int(mon.period), la)
    if not recorded.empty:
        tables.show_table(budget_tables.comments(recorded, names, labels), presentation.COMMENTS)
        every = commentary.history(shell.appstate(), year, int(mon.period), la)
        earlier = commentary.earlier(recorded, every)
        if not earlier.empty:
            with st.expander(f"Earlier comments ({len(earlier)})", icon=":material/history:"):
                tables.show_table(budget_tables.comments(earlier, names, labels), presentation.COMMENTS)


def export_button(period: int | None, method: str, overspend_positive: bool, opts: dict[str, Any],
                  width: Any = "stretch") -> None:
    snap, state, request = shell.snapshot(), shell.appstate(), run.monitoring_request(period, method)

    def build() -> bytes:
        return monitoring_export.export_monitoring(
            snap, request, opts.get("basis", "contribution"), negatives=opts.get("negatives", "brackets"),
            shares=opts.get("shares"), overspend_positive=overspend_positive, state=state)

    name = shell.download_name("budget_monitoring", "xlsx", period=budget_tables.file_period(year, period),
                               region=True)
    st.download_button(
        "Excel report", shell.audited(build, name),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="monitoring_export", icon=":material/download:", on_click="ignore", type="primary", width=width,
        help="The whole RAA's monitoring report: summary, lines with comments, recharges, ASF, agency cover, "
             "settlement by the basis chosen below",
    )


if latest is None:
    budget_only_view()
else:
    # the forecast method's labels are long: its box is wide enough to show the chosen one whole at 1366 px
    c1, c2, c4 = st.columns([2, 5, 2], vertical_alignment="bottom")
    c3, c5 = st.columns(2)
    period = c1.selectbox("Period", monitoring.periods_to(latest), index=latest - 1,
                          format_func=lambda p: monitoring.period_label(year, p), key=f"budget_period_{year}")
    method = c2.selectbox("Forecast method", list(monitoring.METHODS), format_func=display.METHOD_LABELS.__getitem__,
                          key="budget_method")
    underspend_positive = c3.toggle("Underspend shown positive", value=not ref.settings.overspend_positive,
                                    key="budget_sign",
                                    help="Variances are forecast less budget: by default an overspend is positive")
    minus = c5.toggle("Excel negatives with a minus sign", value=False, key="budget_minus",
                      help="Negative amounts in the Excel report as -£1.00 instead of (£1.00)")
    overspend_positive = not underspend_positive
    sign = display.variance_sign(overspend_positive)
    opts: dict[str, Any] = st.session_state.setdefault("budget_export_opts", {})
    opts["negatives"] = "sign" if minus else "brackets"
    with c4:
        export_button(period, method, overspend_positive, opts)

    req = run.monitoring_request(period, method)
    mon = commentary.with_latest(data.load(monitoring.monitor, req, la), shell.appstate())
    if behind := budget_tables.behind_text(year, period, monitoring.ledger_behind(mon, period), names):
        st.warning(behind, icon=":material/schedule:")
    st.caption(budget_tables.monitoring_caption(scope, mon, method, overspend_positive, as_at))
    headline(mon, sign)
    if la is None:
        st.header("By council", anchor="by-council")
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
        settlement_view(mon if la is None else data.load(monitoring.monitor, req), sign, opts)
    with tabs[6]:
        commentary_view(mon, sign)

if budget.is_pay_award_year(year):
    with st.expander(budget_tables.pay_award_title(), icon=":material/percent:"):
        check = data.load(budget.pay_award_check, la_code=la)
        st.caption(budget_tables.pay_award_caption(ref))
        tables.show_table(budget_tables.pay_award(check, names, labels), presentation.PAY_AWARD, unit)
