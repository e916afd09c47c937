"""Finance and contributions keep each rule in one home: query functions take a pinned `Snapshot` (never a loose
connection), SQL runs only through `raa_core.store.sql` with named parameters, and the current-drop rule is
written only there (docs/operations.md: one SQL door)."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from raa_core.contributions import drivers, formula, saved_scenarios, scenario, scenario_tables
from raa_core.finance import (
    budget,
    budget_tables,
    commentary,
    interagency,
    monitoring,
    monitoring_export,
    settlement,
)

MODULES = (budget, budget_tables, commentary, interagency, monitoring, monitoring_export, settlement, drivers, formula,
           saved_scenarios, scenario, scenario_tables)
#: The modules writing people's input to the app-state store (SQLite), whose own connection runs their SQL.
APP_STATE = (commentary, saved_scenarios)
SOURCE = {m.__name__: Path(inspect.getfile(m)).read_text(encoding="utf-8") for m in MODULES}
#: A value pasted into SQL text: a quoted interpolation (the performance modules' check, tests/core/store).
PASTED = re.compile(r"""'\{[^}]*\}'""")
#: A positional placeholder in SQL text.
POSITIONAL = re.compile(r"""(?:VALUES\s*\(|=\s*|,\s*)\?""")
#: DuckDB run directly, not through `sql.query` / `sql.execute` / a Snapshot.
RAW_DUCKDB = re.compile(r"(?<![\w.])(?:con|cur|self\._con)\.(?:execute|sql|query|executemany)\(|\.from_arrow\(")


def _public_functions() -> list[tuple[str, object]]:
    out = []
    for m in MODULES:
        for name, fn in inspect.getmembers(m, inspect.isfunction):
            if fn.__module__ == m.__name__ and not name.startswith("_"):
                out.append((f"{m.__name__}.{name}", fn))
    return out


@pytest.mark.parametrize(("name", "fn"), _public_functions(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_public_function_takes_a_connection(name: str, fn: object) -> None:
    """A query function is given the run's Snapshot (and a request), never `con, ref, as_at` loose."""
    params = inspect.signature(fn).parameters  # type: ignore[arg-type]
    assert "con" not in params, name
    for p in params.values():
        assert "DuckDBPyConnection" not in str(p.annotation), name
    if "snapshot" in params:
        assert next(iter(params)) == "snapshot", f"{name}: the snapshot comes first"
        assert "ref" not in params, f"{name}: the snapshot carries the reference data"


@pytest.mark.parametrize("module", sorted(SOURCE))
def test_values_reach_sql_as_named_parameters(module: str) -> None:
    text = SOURCE[module]
    assert PASTED.findall(text) == []
    assert POSITIONAL.findall(text) == []


@pytest.mark.parametrize("module", sorted(SOURCE))
def test_duckdb_runs_only_through_the_sql_door(module: str) -> None:
    text = SOURCE[module]
    if module in {m.__name__ for m in APP_STATE}:
        text = re.sub(r"(?<![\w.])(?:con|sq)\.execute(?:many)?\(", "", text)  # SQLite app-state writes
    assert RAW_DUCKDB.findall(text) == [], module


def test_the_current_drop_rule_is_written_once() -> None:
    """`arg_max(drop_id, (extract_date, version))` lives in raa_core/store/sql.py; finance and contributions use it."""
    for module, text in SOURCE.items():
        assert "arg_max(" not in text.replace("arg_max(cost_line", ""), module
    from raa_core.store import sql

    assert sql.newest_drop_sql() == "arg_max(drop_id, (extract_date, version))"


def test_a_monitoring_query_reads_the_snapshot_it_is_given(ref) -> None:
    """Two snapshots over two warehouses give each its own figures: nothing reads a connection of its own."""
    from factories import add_drop, empty_warehouse
    from raa_core import snapshot
    from raa_core.requests import MonitoringRequest

    def one(amount: str) -> duckdb.DuckDBPyConnection:
        con = empty_warehouse()
        add_drop(con, 886, "2021-06-01", budget=[{"financial_year": "2021-22", "budget_area": "pooled",
                                                    "cost_line": "panels", "budget_gbp": Decimal(amount)}])
        return con

    req = MonitoringRequest(year="2021-22")
    a = budget.budgets(snapshot.over(one("100.00"), ref, dt.date(2021, 7, 1)), req)
    b = budget.budgets(snapshot.over(one("250.00"), ref, dt.date(2021, 7, 1)), req)
    assert [str(v) for v in a["budget"]] == ["100.00"]
    assert [str(v) for v in b["budget"]] == ["250.00"]
