"""Contribution scenarios for the pages: the scenario engine on the current warehouse, cached.

Drivers and base budgets are cached by warehouse version, so recomputing a scenario after a widget change
runs only the engine (bench/contributions.py). Used by the Contribution scenarios page and by the Pooled
budget page's settlement ("formula shares from a saved scenario").
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from raa_app import shell
from raa_core import contributions
from raa_core.contributions import drivers, saved_scenarios
from raa_core.contributions.drivers import DriverTable
from raa_core.contributions.scenario import Scenario, ScenarioError, parse_scenario


@st.cache_data(show_spinner=False, max_entries=4)
def _drivers(version: str) -> DriverTable:
    with shell.cursor() as con:
        return DriverTable.from_frame(drivers.all_drivers(con, shell.reference()))


def driver_table() -> DriverTable:
    """Every driver figure on the current warehouse (cached per version)."""
    return _drivers(shell.version())


@st.cache_data(show_spinner=False, max_entries=4)
def _budget_years(version: str) -> list[str]:
    with shell.cursor() as con:
        return contributions.budget_years(con)


def budget_years() -> list[str]:
    """Financial years with a budget loaded (the base years a scenario may start from)."""
    return _budget_years(shell.version())


@st.cache_data(show_spinner=False, max_entries=32)
def _base(version: str, year: str, scope: str) -> dict[int, Decimal]:
    with shell.cursor() as con:
        return contributions.base_budgets(con, shell.reference(), year, scope)


@st.cache_data(show_spinner=False, max_entries=64)
def _result(version: str, spec_json: str) -> contributions.Result:
    s = parse_scenario(spec_json)
    base = _base(version, s.base_year, s.scope)
    if not base:
        raise ScenarioError("base_year", f"no budget is loaded for {s.base_year} (years with budgets: "
                                         f"{', '.join(_budget_years(version)) or 'none'})")
    return contributions.compute(s, base, _drivers(version), ref=shell.reference())


def result(s: Scenario) -> contributions.Result:
    """A scenario computed on the current warehouse (cached by version and the scenario's JSON);
    raises ScenarioError naming the field, as `raa contributions` would."""
    return _result(shell.version(), s.to_json())


def saved_result(name: str) -> contributions.Result:
    """The newest save of a named scenario, computed (ScenarioError if none or no longer valid)."""
    return result(saved_scenarios.load(shell.appstate(), name))


def choose_saved(key: str) -> str | None:
    """A selectbox of the saved contribution scenarios; None (with a pointer to the Contribution scenarios page)
    when none is saved yet."""
    saved = saved_scenarios.saved(shell.appstate())
    if saved.empty:
        st.info("No contribution scenario is saved yet: build and save one on the Contribution scenarios page.",
                icon=":material/info:")
        return None
    return st.selectbox("Saved scenario", list(saved["name"]), key=key)
