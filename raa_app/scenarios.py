"""Contribution scenarios for the pages: the scenario engine on this run's snapshot, through the one cached data
layer (`raa_app.data.load`).

The driver figures are loaded once per warehouse version (`drivers.engine_drivers`), so recomputing a scenario
after a widget change runs only the engine (`contributions.run_with`, bench/contributions.py). Used by the
Contribution scenarios page and by the Pooled budget page's settlement ("formula shares from a saved scenario").
"""

from __future__ import annotations

import streamlit as st

from raa_app import data, shell
from raa_core import contributions
from raa_core.contributions import drivers, saved_scenarios
from raa_core.contributions.drivers import DriverTable
from raa_core.contributions.scenario import ContributionsRequest, Scenario


def driver_table() -> DriverTable:
    """Every driver figure on this run's snapshot (the current state)."""
    return data.load(drivers.engine_drivers)


def budget_years() -> list[str]:
    """Financial years with a budget loaded (the base years a scenario may start from)."""
    return data.load(contributions.budget_years)


def result(s: Scenario) -> contributions.Result:
    """A scenario computed on this run's snapshot (cached by the snapshot and the scenario); raises
    ScenarioError naming the field, as `raa contributions` would."""
    return data.load(contributions.run_with, ContributionsRequest(scenario=s), driver_table())


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
