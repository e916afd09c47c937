"""raa_core.store.sql: the parameter rule (only the parameters a SQL text names reach DuckDB) and the shared
fragments (state and as-at state, latest per year, period grid, rounding) on a hand-built warehouse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse
from raa_core.store import sql


def test_duckdb_refuses_a_named_parameter_the_sql_does_not_use() -> None:
    """The DuckDB rule `sql.query` exists for: if this starts passing, the helper may be simplified."""
    con = duckdb.connect()
    with pytest.raises(duckdb.InvalidInputException, match="excess parameters"):
        con.sql("SELECT $a", params={"a": 1, "b": 2})


def test_query_passes_only_the_parameters_named() -> None:
    con = duckdb.connect()
    assert sql.query(con, "SELECT $a + 1", {"a": 1, "b": 2, "as_at": None}).fetchall() == [(2,)]
    assert sql.query(con, "SELECT 1", {"b": 2}).fetchall() == [(1,)]
    assert sql.execute(con, "SELECT $b", {"a": 1, "b": "x"}).fetchall() == [("x",)]
    with pytest.raises(KeyError, match="year"):
        sql.query(con, "SELECT $year", {"a": 1})


def test_parameter_names_ignore_string_literals() -> None:
    assert sql.param_names("SELECT '$not', 'it''s $no' || $yes, x$y FROM t WHERE a = $as_at") == {"yes", "as_at"}


_CON = duckdb.connect()


@settings(deadline=None)
@given(st.text(max_size=40))
def test_text_travels_as_a_parameter_unchanged(text: str) -> None:
    con = _CON.cursor()
    assert sql.query(con, "SELECT $t", {"t": text}).fetchall() == [(text,)]


def _wh() -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    for date, n in (("2022-09-30", 1), ("2022-10-07", 2)):
        add_drop(con, 886, date, children=[{"child_id": f"C{i}"} for i in range(n)],
                 ledger=[{"financial_year": "2022-23", "period": n, "budget_area": "pooled", "cost_line": "panels",
                          "actual_gbp": D("10.00")}])
    add_drop(con, 303, "2022-10-01", children=[{"child_id": "B1"}])
    return con


def test_state_sql_current_and_as_at() -> None:
    con = _wh()
    count = f"SELECT la_code, count(*) FROM ({sql.state_sql('children')}) GROUP BY 1 ORDER BY 1"
    assert sql.query(con, count, {"as_at": None}).fetchall() == [(303, 1), (886, 2)]
    assert sql.query(con, count, {"as_at": dt.date(2022, 10, 1)}).fetchall() == [(303, 1), (886, 1)]
    assert sql.query(con, count, {"as_at": dt.date(2022, 9, 1)}).fetchall() == []
    assert con.sql("SELECT la_code, count(*) FROM children_current GROUP BY 1 ORDER BY 1").fetchall() == [
        (303, 1), (886, 2)]
    with pytest.raises(ValueError):
        sql.state_sql("nope")


def test_latest_by_year_takes_each_year_from_the_newest_drop_carrying_it() -> None:
    con = _wh()
    q = f"SELECT max(period) FROM ({sql.latest_by_year_sql('ledger')}) WHERE la_code = 886"
    assert sql.query(con, q, {"as_at": None}).fetchall() == [(2,)]
    assert sql.query(con, q, {"as_at": dt.date(2022, 10, 1)}).fetchall() == [(1,)]


def test_period_grid_and_rounding() -> None:
    con = duckdb.connect()
    assert sql.query(con, sql.monitoring_periods_sql(), {"period": 3}).fetchall() == [(1,), (2,), (3,)]
    rounded = sql.round_pounds_sql(sql.cents_sql("$x"), "3")
    assert [sql.query(con, f"SELECT {rounded}", {"x": D(v)}).fetchall()[0][0] for v in ("1.00", "-1.00", "0.05")] == [
        D("0.33"), D("-0.33"), D("0.02")]
