"""Demand-led contribution scenarios: the formula, drivers, saved scenarios, charts and workbook.

Modules:
- formula (re-exported here): the contribution formula, backtest, sensitivity and comparison: docs/finance.md.
- drivers: the demand drivers the formula weighs.
- scenario: a scenario's settings, validated.
- saved_scenarios: scenarios saved by people.
- scenario_export: a scenario's workbook and PDF.
- contribution_charts: the scenario page's chart figures.
- scenario_tables: the scenario page's tables and sentences as people read them.
"""

from raa_core.contributions.formula import (
    PCT_PLACES,
    PENNY,
    SHARE_PLACES,
    ContributionRow,
    Result,
    YearTotal,
    as_cli,
    averaged_drivers,
    backtest,
    backtest_summary,
    base_budgets,
    bounded_amounts,
    budget_years,
    compare,
    compute,
    council_names,
    demand_numerators,
    demand_shares,
    driver_table,
    explanation,
    run,
    run_with,
    sensitivity,
    table,
    window,
)

__all__ = [
    'PCT_PLACES',
    'PENNY',
    'SHARE_PLACES',
    'ContributionRow',
    'Result',
    'YearTotal',
    'as_cli',
    'averaged_drivers',
    'backtest',
    'backtest_summary',
    'base_budgets',
    'bounded_amounts',
    'budget_years',
    'compare',
    'compute',
    'council_names',
    'demand_numerators',
    'demand_shares',
    'driver_table',
    'explanation',
    'run',
    'run_with',
    'sensitivity',
    'table',
    'window',
]
