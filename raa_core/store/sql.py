"""Shared SQL fragments and the one parameter rule: values reach DuckDB as parameters, never pasted.

Every fragment here names its inputs as DuckDB named parameters (`$as_at`, `$year`, ...) and only ever
interpolates identifiers the code itself owns (table names from the drop contract). Run SQL that uses
named parameters through `query` / `execute`: DuckDB refuses a named parameter the SQL does not use
("Parameter argument/count mismatch, identifiers of the excess parameters"), so a caller that always
passes, say, `as_at` would trip over every fragment that happens not to mention it. `query` keeps only the
parameters the text names, and refuses (KeyError) a `$name` the caller did not supply.

SQLite (the app-state store, `store/appstate.py`) takes the same rule through `sqlite_execute` /
`sqlite_executemany`: `:name` parameters from a mapping, never `?`.

`setting_sql` is the ONE place a value is pasted into SQL text: a `SET` (DuckDB) or `PRAGMA` (SQLite) takes no
parameter, so it formats a validated integer into the statement; nothing else pastes a value.

`Bind` collects the values of a query as named parameters while its SQL text is assembled (`b(value)` returns
`$p0`, `$p1`, ...) and runs it through `execute`.

The one rule for which drop is current (drop contract v2: the newest extract date, then the highest version of
that date) is `newest_drop_sql`; every fragment choosing a current drop uses it.

Fragments:
- `newest_drop_sql(value, drops)`: `arg_max(value, (extract_date, version))`: the current drop of a group.
- `current_drops_sql(*conditions)`: each council's current drop `(la_code, drop_id)` among the drops meeting
  the conditions (`carries_file_sql(table)`, `on_or_before_sql(param)`).
- `state_sql(table)`: a drop table's rows in each council's current state, or as at `$as_at` (NULL = now).
- `latest_by_year_sql(table)`: budget/ledger rows, per council and financial year, from the newest drop
  carrying that year, on or before `$as_at`.
- `monitoring_periods_sql()`: the monitoring periods 1..`$period` as a relation `(period)`.
- `periods_sql(b, periods)`: reporting periods (name, start, end, kind, order) bound through `b`, as a relation.
- `period_grid_sql(b, columns, ref, as_at, ...)`: every reporting period of CTE `p` x every area, the figures
  of CTE `agg` LEFT JOINed (an area with nothing in a period keeps its row).
- `councils_sql(b, ref, as_at)`, `areas_sql(b, ref, as_at)`, `area_sql(col)`: the area set (each council in
  reference data or with a drop, then `region`) as relations / a GROUPING SETS row's area label.
- `round_mean_sql`, `round_median_sql`, `round_pct_sql`: the indicators' display rounding (docs/indicators.md).
- `round_pounds_sql(pence, divisor)`: integer pence / a positive integer rounded half away from zero, as
  DECIMAL(18,2) pounds (docs/finance.md: line figures round once, to the penny).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from raa_core.ingest.contract import MONEY_SUM_SQL, TABLES

if TYPE_CHECKING:
    from raa_core.periods import Period
    from raa_core.reference import Reference

_PARAM = re.compile(r"(?<![$\w])\$([A-Za-z_]\w*)")
#: String literals and `--` comments, whichever starts first (so an apostrophe in a comment opens no string).
_STRING = re.compile(r"'(?:[^']|'')*'|--[^\n]*")


def param_names(sql: str) -> set[str]:
    """The named parameters (`$name`) a SQL text uses, outside string literals and comments."""
    return set(_PARAM.findall(_STRING.sub("''", sql)))


def used(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of `params` the SQL names; KeyError naming any `$name` the SQL uses but `params` lacks."""
    names = param_names(sql)
    missing = names - set(params)
    if missing:
        raise KeyError(f"SQL parameter(s) not supplied: {', '.join(sorted(missing))}")
    return {k: params[k] for k in names}


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
    """`con.sql(sql, params=...)` with only the parameters the SQL uses (see the module docstring)."""
    p = used(sql, params or {})
    return con.sql(sql, params=p) if p else con.sql(sql)


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """`con.execute(sql, params)` with only the parameters the SQL uses."""
    p = used(sql, params or {})
    return con.execute(sql, p) if p else con.execute(sql)


_QMARK = re.compile(r"(?<![\w$])\?(?!\w)")


def _named_only(sql: str, params: Any) -> None:
    """Refuse `?` positional parameters and a sequence of values: SQLite takes `:name` from a mapping only."""
    if _QMARK.search(_STRING.sub("''", sql)):
        raise ValueError("positional `?` parameter: name it (`:name`) and pass a mapping")
    if params is not None and not isinstance(params, Mapping):
        raise TypeError("SQL parameters are a mapping of names to values, never a sequence")


def sqlite_execute(con: sqlite3.Connection, sql: str, params: Mapping[str, Any] | None = None) -> sqlite3.Cursor:
    """`con.execute(sql, params)` on a SQLite connection (the app-state store) with `:name` parameters only.

    Raises ValueError for a `?` in the text, TypeError for parameters that are not a mapping; SQLite itself
    refuses (sqlite3.ProgrammingError) a `:name` the mapping lacks."""
    _named_only(sql, params)
    return con.execute(sql, dict(params)) if params else con.execute(sql)


def sqlite_executemany(con: sqlite3.Connection, sql: str, rows: Iterable[Mapping[str, Any]]) -> sqlite3.Cursor:
    """`con.executemany(sql, rows)` on a SQLite connection, each row a mapping of `:name` parameters."""
    _named_only(sql, None)
    checked = []
    for row in rows:
        _named_only("", row)
        checked.append(dict(row))
    return con.executemany(sql, checked)


def executemany(con: duckdb.DuckDBPyConnection, sql: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """`con.executemany(sql, rows)` on a DuckDB connection, each row a mapping of the `$name` parameters the SQL
    uses (KeyError for one a row lacks)."""
    con.executemany(sql, [used(sql, row) for row in rows])


def rollback(con: duckdb.DuckDBPyConnection | sqlite3.Connection) -> None:
    """Roll back after a failure without hiding it: the failure that led here is what must reach the person.

    A disk filling up (or a read-only file) ends DuckDB's transaction itself, so ROLLBACK then fails with
    "cannot rollback - no transaction is active", which would replace the cause ("No space left on device").
    Such a failing ROLLBACK is ignored here: there is nothing left to roll back, and the caller re-raises the
    first error (`raa_core.errors.classify` turns it into a sentence)."""
    try:
        if isinstance(con, sqlite3.Connection):
            sqlite_execute(con, "ROLLBACK")
        else:
            execute(con, "ROLLBACK")
    except (duckdb.Error, sqlite3.Error):
        return  # the transaction had already ended with the failure the caller is raising


def setting_sql(keyword: str, name: str, value: int, unit: str = "") -> str:
    """The ONE place a value is pasted into SQL text: `SET name = 'valueUNIT'` (DuckDB) or `PRAGMA name = value`
    (SQLite), statements that take no parameter. `value` must be an int (not a bool), `name` a plain
    identifier, `unit` letters only; anything else is refused (ValueError), so no text from outside the code
    reaches the statement.
    """
    if keyword not in ("SET", "PRAGMA"):
        raise ValueError(f"not a setting statement: {keyword!r}")
    if not re.fullmatch(r"[A-Za-z_]\w*", name) or not re.fullmatch(r"[A-Za-z]*", unit):
        raise ValueError(f"not a setting name or unit: {name!r} {unit!r}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"a setting takes an integer: {value!r}")
    if keyword == "SET":
        return f"SET {name} = '{int(value)}{unit}'"
    if unit:
        raise ValueError("a PRAGMA takes no unit")
    return f"PRAGMA {name} = {int(value)}"


class Bind:
    """The values of one query, collected as DuckDB named parameters (`$p0`, `$p1`, ...) while its SQL is built.

    Every value (a date, a council code, a period name, a threshold, a label) reaches SQL through `bind(value)`,
    which returns the placeholder; identifiers and SQL written in code are the only text pasted into a query.
    `run` executes the query through the door (`execute`) with exactly the values it used.
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        return f"${self.name(value)}"

    def name(self, value: Any) -> str:
        """The bare parameter name bound to `value` (for fragments that take a parameter's name)."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return name

    def typed(self, value: Any, sql_type: str) -> str:
        """A parameter cast to a SQL type (for NULLs and empty lists, whose type DuckDB cannot infer)."""
        return f"CAST({self(value)} AS {sql_type})"

    def run(self, con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
        return execute(con, sql, self.values)


def newest_drop_sql(value: str = "drop_id", drops: str = "") -> str:
    """The one rule for which drop is current, as an aggregate: `arg_max(value, (extract_date, version))` over
    the drops of a group (drop contract v2: the newest extract date wins, then the highest version of that
    date, a same-day resend). `drops` prefixes the drops table's columns (e.g. `d.`)."""
    return f"arg_max({value}, ({drops}extract_date, {drops}version))"


def current_drops_sql(*conditions: str) -> str:
    """SQL relation `(la_code, drop_id)`: each council's current drop (`newest_drop_sql`) among the drops meeting
    every condition (SQL over the drops table, e.g. `carries_file_sql`, `on_or_before_sql`)."""
    where = " AND ".join(conditions) or "true"
    return f"SELECT la_code, {newest_drop_sql()} AS drop_id FROM drops WHERE {where} GROUP BY la_code"


def carries_file_sql(table: str) -> str:
    """SQL condition on the drops table: the drop carried the file of a drop table (the contract's own file
    name, written into the text as a literal so the parameterless `<table>_current` views can use it)."""
    return f"list_contains(files, {contract_literal(_table(table).file)})"


def on_or_before_sql(as_at_param: str = "as_at") -> str:
    """SQL condition on the drops table: extracted on or before `$<as_at_param>` (a DATE, or NULL = now)."""
    return f"(${as_at_param} IS NULL OR extract_date <= CAST(${as_at_param} AS DATE))"


def contract_literal(text: str) -> str:
    """A name the drop contract owns (a file name) as a SQL string literal; refuses anything but plain names."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", text):
        raise ValueError(f"not a contract name: {text!r}")
    return "'" + text + "'"


def _table(table: str) -> Any:
    try:
        return next(t for t in TABLES if t.name == table)
    except StopIteration:
        raise ValueError(f"not a drop table: {table!r}") from None


def state_sql(table: str, as_at_param: str = "as_at") -> str:
    """SQL selecting a drop table's rows in each council's current state, or as at `$as_at` (a DATE or NULL;
    `as_at_param` names another parameter where one query needs two as-at dates).

    The state is each council's newest accepted drop (on or before `$as_at`) that carried the table's
    file: budget and establishment files are optional, so they come from the newest drop that had one
    (drop contract v2, "each drop is a full snapshot"). Parameters: `$as_at`.
    """
    spec = _table(table)
    current = current_drops_sql(carries_file_sql(table), on_or_before_sql(as_at_param))
    return f"SELECT t.* FROM {spec.name} t JOIN (SELECT drop_id FROM ({current})) s USING (drop_id)"


def current_state_sql(table: str) -> str:
    """`state_sql` for now, without parameters: the body of the `<table>_current` views."""
    spec = _table(table)
    current = current_drops_sql(carries_file_sql(table))
    return f"SELECT t.* FROM {spec.name} t JOIN (SELECT drop_id FROM ({current})) s USING (drop_id)"


def latest_by_year_sql(table: str) -> str:
    """Rows of `budget` or `ledger` from, per council and financial year, the newest drop carrying that year.

    A drop need not repeat earlier years (a ledger "may carry earlier years", drop contract v2), so each
    year comes from the newest accepted drop (on or before `$as_at`, NULL = now) that has rows for it.
    Parameters: `$as_at`.
    """
    if table not in ("budget", "ledger"):
        raise ValueError(f"not a yearly table: {table}")
    return (
        f"SELECT t.* FROM {table} t JOIN ("
        f"SELECT x.la_code, x.financial_year, {newest_drop_sql('x.drop_id', 'd.')} AS drop_id "
        f"FROM (SELECT DISTINCT drop_id, la_code, financial_year FROM {table}) x "
        "JOIN drops d ON d.drop_id = x.drop_id "
        "WHERE ($as_at IS NULL OR d.extract_date <= CAST($as_at AS DATE)) GROUP BY x.la_code, x.financial_year"
        ") s ON t.drop_id = s.drop_id AND t.financial_year = s.financial_year"
    )


def monitoring_periods_sql(first: str = "1", last: str = "$period") -> str:
    """A relation `(period)` of the integers first..last (SQL expressions, by default the monitoring periods
    1..`$period`)."""
    return f"SELECT unnest(range(CAST({first} AS INTEGER), CAST({last} AS INTEGER) + 1)) AS period"


def cents_sql(expr: str) -> str:
    """SQL: a money expression as integer pence (exact: money is DECIMAL with two places)."""
    return f"CAST(({expr}) * 100 AS HUGEINT)"


def round_pounds_sql(num_cents: str, den: str) -> str:
    """SQL: integer pence / a positive integer, rounded half away from zero, as pounds (`MONEY_SUM_SQL`, so
    a forecast over amounts at the contract's limit still fits)."""
    n = f"({num_cents})"
    d = f"greatest(({den}), 1)"
    return f"CAST(CAST(sign({n}) * ((abs({n}) * 2 + {d}) // (2 * {d})) AS DECIMAL(38,0)) * 0.01 AS {MONEY_SUM_SQL})"


def state_source(b: Bind, table: str, as_at: dt.date | None = None) -> str:
    """SQL naming a drop table's current state, or its state as at a date (for FROM clauses): the
    `<table>_current` view, else `sql.state_sql` with the date bound as a parameter of `b`."""
    if as_at is None:
        return f"{table}_current"
    return f"({state_sql(table, b.name(as_at))})"


def councils_sql(b: Bind, ref: Reference | None, as_at: dt.date | None = None) -> str:
    """SQL listing the councils to report: those in reference data and any with a drop (by `as_at`)."""
    when = f"WHERE extract_date <= {b.typed(as_at, 'DATE')}" if as_at is not None else ""
    present = f"SELECT DISTINCT la_code FROM drops {when}"
    codes = ref.la_codes if ref is not None else []
    if not codes:
        return present
    return f"SELECT unnest({b.typed(list(codes), 'INTEGER[]')}) AS la_code UNION {present}"


#: Sort key that puts `region` after every council code.
REGION_ORDER = 9_000_000_000


def areas_sql(b: Bind, ref: Reference | None, as_at: dt.date | None = None) -> str:
    """SQL table (area, aord): each council code as a string in code order, then `region`."""
    return (
        f"SELECT CAST(la_code AS VARCHAR) AS area, CAST(la_code AS BIGINT) AS aord "
        f"FROM ({councils_sql(b, ref, as_at)}) UNION ALL SELECT 'region', {b(REGION_ORDER)}"
    )


def area_sql(col: str = "la_code") -> str:
    """The area label of a GROUPING SETS row: the council code, or `region` for the all-councils set."""
    return f"CASE WHEN grouping({col}) = 1 THEN 'region' ELSE CAST({col} AS VARCHAR) END"


def periods_sql(b: Bind, periods: Sequence[Period]) -> str:
    """SQL table (period, pstart, pend, pkind, pord) of the given periods, in order (empty if none)."""
    ps = list(periods)
    cols = (
        ("period", [p.name for p in ps], "VARCHAR[]"),
        ("pstart", [p.start for p in ps], "DATE[]"),
        ("pend", [p.end for p in ps], "DATE[]"),
        ("pkind", [p.kind for p in ps], "VARCHAR[]"),
        ("pord", list(range(len(ps))), "INTEGER[]"),
    )
    return "SELECT " + ", ".join(f"unnest({b.typed(v, t)}) AS {c}" for c, v, t in cols)


def round_mean_sql(total: str, n: str) -> str:
    """`total / n` of whole numbers rounded half away from zero (NULL where n = 0 or total is NULL).

    Exact despite the DOUBLE division: a quotient of integers that is exactly k + 0.5 divides to exactly
    k + 0.5, and any other quotient lies at least 1/(2n) from a half, far beyond double precision for
    day counts, so DuckDB's round (half away from zero) gives the exact rounding.
    """
    return f"CAST(round({total} / nullif({n}, 0)) AS BIGINT)"


def round_median_sql(median: str) -> str:
    """A median of whole days (a whole or half number, exact in DOUBLE) rounded half away from zero."""
    return f"CAST(round({median}) AS BIGINT)"


def round_pct_sql(count: str, n: str) -> str:
    """Whole percent of `count` in `n` from the unrounded counts (NULL where n = 0)."""
    return round_mean_sql(f"(100 * {count})", n)


def period_grid_sql(
    b: Bind, columns: str, ref: Reference | None, as_at: dt.date | None, inner: str = "", key: str = ""
) -> str:
    """SELECT period, `columns` over every period of CTE `p` x area (x each row `g` of `inner`, by `key`).

    CTE `agg` is LEFT JOINed, so an area with nothing in a period keeps its row; ordered period, key, area.
    """
    by = f"CROSS JOIN ({inner}) g " if inner else ""
    on = f"AND agg.{key} = g.{key} " if inner else ""
    order = f"g.{key}, " if inner else ""
    return f"""
        SELECT p.period, {columns}
        FROM p {by}CROSS JOIN ({areas_sql(b, ref, as_at)}) a
        LEFT JOIN agg ON agg.period = p.period {on}AND agg.area = a.area
        ORDER BY p.pord, {order}a.aord
    """


def financial_year_start_sql(date_expr: str) -> str:
    """SQL: the calendar year in which the financial year (1 April to 31 March) holding a date starts: the one
    rule of `periods.financial_year_of`, written once for queries."""
    return f"year(({date_expr}) - INTERVAL 3 MONTH)"


def financial_year_bounds_sql(start_year_expr: str) -> tuple[str, str]:
    """SQL: (1 April, 31 March) of the financial year starting in `start_year_expr`, as `periods.financial_year`."""
    y = f"({start_year_expr})"
    return f"make_date({y}, 4, 1)", f"make_date({y} + 1, 3, 31)"


def financial_year_name_sql(start_year_expr: str) -> str:
    """SQL: the financial year's name ('2021-22') of its start year, as `periods.financial_year(...).name`."""
    y = f"({start_year_expr})"
    return f"printf('%d-%02d', {y}, ({y} + 1) % 100)"
