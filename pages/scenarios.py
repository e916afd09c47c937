"""Contribution scenarios (council finance leads): build a demand-led contribution formula, see what it
does to each council year by year, test it against the past, save it, compare it, export it.

Every figure comes from raa_core (`contributions`, `drivers`, `interagency`, `saved_scenarios`); this page
lays out widgets and results. The builder and its results are one fragment, so a change reruns only them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from raa_app import charts, data, errors, scenarios, shell, tables
from raa_core import access, contributions
from raa_core.contributions import contribution_charts, drivers, saved_scenarios, scenario_export
from raa_core.contributions import scenario_tables as view
from raa_core.contributions.scenario import (
    BASES,
    MAX_WINDOW,
    MAX_YEARS,
    SCOPES,
    Scenario,
    ScenarioError,
    builder_cap,
    builder_floor,
    equal_weights,
    modelled_years,
    parse_scenario,
    scenario_fields,
    starting_scenario,
    total_entry,
)
from raa_core.errors import RaaError
from raa_core.finance import interagency
from raa_core.ingest import freshness
from raa_core.presentation import date_text, display

viewer = shell.page_viewer("scenarios")


# --- the builder's widgets <-> a scenario ---------------------------------------------------------------


def widget_state(s: Scenario) -> dict[str, Any]:
    """Session-state values that make the builder's widgets show a scenario."""
    state: dict[str, Any] = {
        "sc_name": s.name, "sc_base_year": s.base_year, "sc_n_years": len(s.years), "sc_scope": s.scope,
        "sc_drivers": list(s.drivers), "sc_window": s.window_years, "sc_uplift": float(s.uplift_pct),
        "sc_cap_on": s.cap_pct is not None, "sc_cap": builder_cap(s),
        "sc_floor_on": s.floor_pct is not None, "sc_floor": builder_floor(s),
        "sc_basis": s.basis,
    }
    state |= {f"sc_w_{d}": float(w) for d, w in s.drivers.items()}
    for i, y in enumerate(s.years):
        state[f"sc_t_{i}"] = float(s.transition[y])
        state[f"sc_total_{i}"] = total_entry(s, y)
    return state


def scenario_data() -> dict[str, Any]:
    """The scenario the widgets describe, as docs/command-line.md's JSON fields (validated by parse_scenario)."""
    ss = st.session_state
    n = int(ss["sc_n_years"])
    return scenario_fields(
        name=ss["sc_name"], base_year=ss["sc_base_year"], n_years=n, scope=ss["sc_scope"],
        uplift_pct=ss["sc_uplift"], totals=[ss.get(f"sc_total_{i}", "") for i in range(n)],
        drivers={d: ss.get(f"sc_w_{d}", 0.0) for d in ss["sc_drivers"]}, window_years=ss["sc_window"],
        transition=[ss.get(f"sc_t_{i}", 1.0) for i in range(n)],
        cap_pct=ss["sc_cap"] if ss["sc_cap_on"] else None, floor_pct=ss["sc_floor"] if ss["sc_floor_on"] else None,
        basis=ss.get("sc_basis", "average"),
    )


def _equal_weights() -> None:
    """When the chosen drivers change, start their weights equal."""
    for d, w in equal_weights(st.session_state["sc_drivers"]).items():
        st.session_state[f"sc_w_{d}"] = w


def _load(name: str) -> None:
    try:
        s = saved_scenarios.load(shell.appstate(), name)
    except ScenarioError as exc:
        st.session_state["sc_load_error"] = exc
        return
    st.session_state.update(widget_state(s))
    st.session_state["sc_loaded"] = name


def _start() -> None:
    if "sc_name" not in st.session_state:
        st.session_state.update(widget_state(starting_scenario(scenarios.budget_years())))


# --- the page -------------------------------------------------------------------------------------------


def builder(budget_years: list[str]) -> None:
    catalogue = drivers.driver_catalogue(shell.reference())
    c1, c2, c3, c4 = st.columns([3, 1, 1, 3])
    c1.text_input("Scenario name", key="sc_name", max_chars=120)
    c2.selectbox("Base year", budget_years, key="sc_base_year",
                 help="The year whose budgets are the starting contributions and the baseline shares")
    c3.number_input("Years to model", min_value=1, max_value=MAX_YEARS, step=1, key="sc_n_years")
    c4.radio("Scope", list(SCOPES), format_func=SCOPES.__getitem__, key="sc_scope")
    c1, c2 = st.columns([3, 2])
    c1.multiselect("Drivers", list(catalogue), format_func=lambda d: catalogue[d][0], key="sc_drivers",
                   on_change=_equal_weights, help="Each driver's own shares of the councils' total are weighted")
    c2.slider("Averaging window (complete financial years before the budget year)", 1, MAX_WINDOW, key="sc_window")
    st.radio("Driver figures", list(BASES), format_func=BASES.__getitem__, key="sc_basis", horizontal=True,
             help="The forecast basis takes placement orders, adoption orders, ADM decisions, children placed and "
                  "children waiting from the pipeline forecast of each budget year; every such figure is labelled "
                  "a forecast")
    chosen = st.session_state["sc_drivers"]
    base = st.session_state["sc_base_year"]
    years = modelled_years(base, st.session_state["sc_n_years"])
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Weights** (summing to 1)")
        cols = st.columns(max(len(chosen), 1))
        for col, d in zip(cols, chosen, strict=False):
            st.session_state.setdefault(f"sc_w_{d}", 0.0)
            col.number_input(f"Weight: {catalogue[d][0]}", min_value=0.0, max_value=1.0, step=0.05,
                             format="%.2f", key=f"sc_w_{d}")
    with right:
        st.markdown("**Transition**: share = (1 − t) × baseline + t × demand")
        cols = st.columns(len(years))
        for i, (col, y) in enumerate(zip(cols, years, strict=True)):
            st.session_state.setdefault(f"sc_t_{i}", 1.0)
            col.slider(f"t in {y}", 0.0, 1.0, step=0.05, key=f"sc_t_{i}")
    # wide enough at 1366 px for each toggle's whole label (a narrow column cut it to "Cap on each c…")
    c1, c2, c3, c4, c5 = st.columns([4, 3, 2, 3, 2], vertical_alignment="bottom")
    c1.number_input("Uplift on the previous year's total (%)", min_value=-50.0, max_value=50.0, step=0.25,
                    key="sc_uplift")
    c2.toggle("Cap on each council's rise", key="sc_cap_on")
    c3.number_input("Cap (% on previous year)", min_value=0.0, max_value=100.0, step=0.5, key="sc_cap",
                    disabled=not st.session_state["sc_cap_on"])
    c4.toggle("Floor on each council's fall", key="sc_floor_on")
    c5.number_input("Floor (% on previous year)", min_value=-100.0, max_value=0.0, step=0.5, key="sc_floor",
                    disabled=not st.session_state["sc_floor_on"])
    with st.expander("Explicit totals (instead of the uplift)"):
        cols = st.columns(len(years))
        for i, (col, y) in enumerate(zip(cols, years, strict=True)):
            col.text_input(f"Total for {y} (£)", key=f"sc_total_{i}", placeholder="uplift")


def results(s: Scenario, result: contributions.Result) -> None:
    ref = shell.reference()
    flagged = view.flagged(result)
    if flagged:
        st.warning("Some figures use a year that is not complete or not official:\n\n- " + "\n- ".join(flagged),
                   icon=":material/flag:")
    c1, c2 = st.columns([3, 2], gap="large")
    charts.place(contribution_charts.shares_figure(contributions.table(result, ref)), "sc_shares_chart", c1)
    with c2:
        st.markdown("**The formula, with its numbers**")
        for y in s.years:
            lines = contributions.explanation(result, y, ref)
            st.markdown(f"*{lines[0]}*\n\n" + "\n".join(f"- {line}" for line in lines[1:]))
    st.table(view.contributions_frame(result, ref), hide_index=True)
    c1, c2 = st.columns(2)
    json_name = shell.download_name(f"scenario_{s.name}", "json", period=s.span, region=True)
    xlsx_name = shell.download_name(f"scenario_{s.name}", "xlsx", period=s.span, region=True)
    c1.download_button("Download scenario (JSON)", shell.audited(lambda: s.to_json().encode(), json_name), json_name,
                       "application/json", key="sc_json", on_click="ignore", width="stretch",
                       icon=":material/data_object:")
    c2.download_button("Download Excel", shell.audited(lambda: scenario_export.scenario_xlsx(result, ref), xlsx_name),
                       xlsx_name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sc_xlsx",
                       on_click="ignore", width="stretch", icon=":material/table_view:")
    look = st.radio("Look further", ["Drivers and cost per unit", "Backtest", "Sensitivity"], horizontal=True,
                    key="sc_view")
    if look == "Drivers and cost per unit":
        tables.show_frame(view.drivers_frame(result, ref), hide_index=True, width="stretch", key="sc_drivers_table")
    elif look == "Backtest":
        bt = contributions.backtest(result, scenarios.driver_table(), ref)
        st.caption(view.backtest_caption(result))
        tables.show_frame(view.backtest_summary_frame(bt), hide_index=True, width="stretch", key="sc_backtest")
        with st.expander("Year by year"):
            tables.show_frame(view.backtest_frame(bt), hide_index=True, width="stretch")
    else:
        year = st.selectbox("Year", list(s.years), index=len(s.years) - 1, key="sc_sens_year")
        sens = contributions.sensitivity(result, year, ref)
        st.caption(view.sensitivity_caption(s, year))
        tables.show_frame(view.sensitivity_frame(sens), hide_index=True, width="stretch", key="sc_sensitivity")


def save_box(s: Scenario | None) -> None:
    """Saving needs a valid scenario and the right to write scenarios (roles.csv); the saver is the signed-in
    person, never a typed name. A read-only role sees why there is no button."""
    if not access.has_right(viewer, "scenarios_write", shell.reference()):
        st.caption("Your role can build, compare and download scenarios; saving them is for finance leads and "
                   "the Head of Service.")
        return
    if st.button("Save scenario", key="sc_save", icon=":material/save:", disabled=s is None,
                 help=f"Saved as {viewer.user}, with the time"):
        if s is None:
            return
        saved_scenarios.save(shell.appstate(), s, viewer, shell.reference())
        st.session_state["sc_saved_msg"] = f"Saved “{display.md_escape(s.name)}”."
        st.rerun(scope="app")


@shell.fragment
def workbench(budget_years: list[str]) -> None:
    """Only this part reruns when a widget of the builder changes."""
    st.header("Build")
    builder(budget_years)
    st.header("Results")
    try:
        s: Scenario | None = parse_scenario(scenario_data())
        result = scenarios.result(s)
    except ScenarioError as exc:
        errors.show(exc)
        s = None
    else:
        results(s, result)
    save_box(s)


def saved_bar(names: list[str]) -> None:
    if msg := st.session_state.pop("sc_saved_msg", None):
        st.success(msg, icon=":material/check_circle:")
    if err := st.session_state.pop("sc_load_error", None):
        errors.show(err)
    if not names:
        st.caption("No saved scenarios yet: build one below and save it.")
        return
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    choice = c1.selectbox("Saved scenario", names, key="sc_pick")
    c2.button("Load", key="sc_load", on_click=_load, args=(choice,), icon=":material/folder_open:", width="stretch")


def compare_view(saved: pd.DataFrame) -> None:
    names = list(saved["name"])
    picked = st.multiselect("Scenarios to compare (two to four)", names, max_selections=4, key="sc_compare")
    if len(picked) < 2:
        st.caption("Choose two to four saved scenarios.")
        return
    results_: list[contributions.Result] = []
    for name in picked:
        try:
            results_.append(scenarios.saved_result(name))
        except ScenarioError as exc:
            errors.show(exc, f"{display.md_escape(name)}: ")
            return
    ref = shell.reference()
    cmp = contributions.compare(results_, ref)
    if note := view.comparison_note(cmp):
        st.info(note, icon=":material/info:")
    if (fig := contribution_charts.comparison_figure(cmp)) is not None:
        charts.place(fig, "sc_compare_chart")
    st.table(view.comparison_frame(cmp, picked[0]), hide_index=True)
    cmp_name = shell.download_name("scenario_comparison", "xlsx", period="", region=True)
    st.download_button("Download comparison (Excel)", shell.audited(lambda: scenario_export.comparison_xlsx(cmp), cmp_name),
                       cmp_name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sc_cmp_xlsx",
                       on_click="ignore", icon=":material/table_view:")
    st.caption(view.saved_caption(saved, picked))


def compensation_view() -> None:
    fees = interagency.fee_choices(shell.reference())
    c1, c2, c3 = st.columns([2, 4, 2])  # the fee's labels are long: its box shows the chosen one whole at 1366 px
    # a typed day, not a calendar (its small day buttons)
    at, bad_at = shell.typed_day(
        "Go-live date", "sc_golive", interagency.GO_LIVE, value=interagency.GO_LIVE, where=c1,
        help="The day the compensation is reckoned at (the agency's go-live). Type a day, for example "
             f"{date_text(interagency.GO_LIVE)}, and press Enter.")
    fee = c2.selectbox("Fee per child or adopter household", fees, key="sc_fee",
                       index=interagency.default_fee_index(fees),
                       format_func=lambda code: display.label("fee", code, shell.reference()))
    london = c3.toggle("London weighting", key="sc_london",
                       help="The fee raised by the London weighting for the adopters of London councils")
    try:
        if bad_at is not None:
            raise bad_at
        comp = data.load(interagency.go_live_compensation,
                         interagency.CompensationRequest(at=at or interagency.GO_LIVE, fee_name=fee,
                                                         london_weighting=london))
    except RaaError as exc:
        errors.show(exc)
        return
    tables.show_frame(view.compensation_frame(comp), hide_index=True, width="stretch", key="sc_comp_table")
    st.markdown("\n".join(f"- {line}" for line in comp.lines()))


st.title("Contribution scenarios")
st.caption("Model the move from historic budgets to a demand-led formula (business case: fully demand led by the "
           "end of year three). Contributions are exact to the penny and sum to each year's total.")
_start()
budget_years = scenarios.budget_years()
if not budget_years:
    st.info("No budgets are loaded yet: load the councils' budget drops first.", icon=":material/info:")
    st.stop()
for dataset in ("performance", "finance"):  # drivers are counted from performance data, the base from budgets
    if stale := freshness.stale_councils_text(shell.council_status(dataset), dataset, shell.reference()):
        st.warning(stale, icon=":material/schedule:")
saved = saved_scenarios.saved(shell.appstate())
saved_bar(list(saved["name"]))
workbench(budget_years)
st.divider()
st.header("Compare saved scenarios")
compare_view(saved)
st.divider()
st.header("Go-live interagency compensation")
st.caption("Each council's approved adopters still waiting and children waiting at go-live, valued at the fee "
           "rate from reference data, shared by contribution share so that no council gains or loses.")
compensation_view()
