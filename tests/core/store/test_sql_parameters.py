"""Values reach SQL as named parameters, through the one door (`raa_core.store.sql`), in every module of raa_core:
no module calls a connection's `execute`/`executemany`/`sql`/`query` itself, no value is pasted into a query's
text, no `?` positional parameter is used, and the rule for which drop is current is written once.

Static checks over the source of every module under raa_core (no list of modules excused): a call of
`.execute(`, `.executemany(`, `.sql(` or `.query(` on anything but the door module (`sql.`) is a direct call; a
quoted interpolation (`'{...}'`, `'{...}MB'`), an interpolated number or date, a VALUES list built by
interpolation, or an interpolated `SET`/`PRAGMA` would paste a value (the one place allowed to paste is
`store/sql.py:setting_sql`, which formats a validated integer); a `?` in SQL text or a list of parameters would
be positional. Identifiers and SQL written in code are fine.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from factories import add_drop, empty_warehouse
from raa_core.periods import parse_period
from raa_core.store import sql
from raa_core.store.sql import Bind

RAA_CORE = Path(sql.__file__).resolve().parents[1]
#: Every module under raa_core (paths relative to raa_core, without `.py`): every one is checked.
ALL_MODULES = sorted(str(p.relative_to(RAA_CORE).with_suffix("")) for p in RAA_CORE.rglob("*.py"))
RUNS_SQL = re.compile(r"sqlite_execute\(|\.execute\(|\.executemany\(|\.sql\(|\bquery\(|\bexecute\(|\.run\(\s*con|\.frame\(|\.rows\(")
#: The modules that run SQL, found, not written (for the sanity check below).
MODULES = [m for m in ALL_MODULES if RUNS_SQL.search((RAA_CORE / f"{m}.py").read_text(encoding="utf-8"))]
#: A value interpolated into SQL text: inside a quoted literal (`'{x}'`, `'{int(x)}MB'`), a number or a date
#: made text, or a VALUES list built by interpolation.
PASTED = re.compile(r"""'[\w.-]*\{[^}]*\}[\w.-]*'|\{int\(|\{float\(|\.isoformat\(\)\}|\{sql_date\(|VALUES\s*\{""")
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES|SET|PRAGMA)\b")
#: SET (DuckDB) and PRAGMA (SQLite) take no parameter: any interpolation in one pastes a value.
SETTING = re.compile(r"^\s*(SET|PRAGMA)\b", re.IGNORECASE)
#: The one place allowed to paste a value into SQL text (module, function).
PASTE_HOME = ("store/sql", "setting_sql")
QMARK = re.compile(r"(?<![\w$])\?(?!\w)")
SQL_STRING = re.compile(r"'(?:[^']|'')*'")
CONNECTION_CALLS = ("execute", "executemany", "sql", "query")
#: The door's own runners: their parameters follow (connection, sql).
DOOR_RUNNERS = ("execute", "executemany", "query", "sqlite_execute", "sqlite_executemany")
CURRENT_DROP_RULE = re.compile(r"arg_max\([^()]*,\s*\((?:\w+\.)?extract_date,\s*(?:\w+\.)?version\)\)"
                               r"|max_by\([^()]*extract_date|extract_date\s+DESC\s*,\s*(?:\w+\.)?version\s+DESC",
                               re.IGNORECASE)


def _source(module: str) -> str:
    return (RAA_CORE / f"{module}.py").read_text(encoding="utf-8")


def _is_door(func: ast.expr) -> bool:
    """A call of the door module itself (`sql.execute(...)`), not of a connection."""
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "sql"


def _positional(source: str) -> list[str]:
    """`?` placeholders in SQL-looking strings and parameter lists passed to a runner, with line numbers."""
    tree = ast.parse(source)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = SQL_STRING.sub("''", node.value)
            if SQL_WORDS.search(node.value) and QMARK.search(text):
                found.append(f"line {node.lineno}: ? in {node.value.strip()[:60]!r}")
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            door = _is_door(node.func) or isinstance(node.func, ast.Name)
            if name in (DOOR_RUNNERS if door else CONNECTION_CALLS):
                params = node.args[2 if door else 1:] + [k.value for k in node.keywords
                                                          if k.arg in ("params", "parameters", "rows")]
                if any(isinstance(p, (ast.List, ast.Tuple)) for p in params):
                    found.append(f"line {node.lineno}: a list of positional parameters")
    return found


def _pasted(source: str, home: str | None = None) -> list[str]:
    """Values interpolated into SQL-looking f-strings, with line numbers; `home` names the one function of this
    source allowed to paste (`setting_sql`)."""
    tree = ast.parse(source)
    allowed = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == home
               for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr) or id(node) in allowed:
            continue
        text = ast.get_source_segment(source, node) or ""
        if SQL_WORDS.search(text):
            found += [f"line {node.lineno}: {m.group(0)}" for m in PASTED.finditer(text)]
        first = node.values[0] if node.values else None
        if (isinstance(first, ast.Constant) and SETTING.match(str(first.value))
                and any(isinstance(v, ast.FormattedValue) for v in node.values)):
            found.append(f"line {node.lineno}: a value in {text[:60]}")
    return found


def _direct(source: str) -> list[str]:
    """Calls of `execute`/`executemany`/`sql`/`query` on a connection (anything but the door module)."""
    return [f"line {n.lineno}: .{n.func.attr}(" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in CONNECTION_CALLS
            and not _is_door(n.func)]


def test_every_module_running_sql_is_checked() -> None:
    """The list is found, not written: it holds the figures' modules, the stores, the ingest and the door."""
    for module in ("performance/indicators", "performance/journeys", "performance/recruitment",
                   "performance/characteristics", "ingest/coverage", "ingest/freshness", "store/sql",
                   "store/appstate", "access/accounts", "access/audit", "ingest/drops", "ingest/drop_files",
                   "finance/commentary", "contributions/saved_scenarios", "snapshot", "store/warehouse"):
        assert module in MODULES
        assert module in ALL_MODULES


@pytest.mark.parametrize("module", ALL_MODULES)
def test_no_value_is_pasted_into_sql(module: str) -> None:
    assert _pasted(_source(module), PASTE_HOME[1] if module == PASTE_HOME[0] else None) == []


@pytest.mark.parametrize("module", ALL_MODULES)
def test_no_positional_parameter(module: str) -> None:
    assert _positional(_source(module)) == []


@pytest.mark.parametrize("module", [m for m in ALL_MODULES if m != "store/sql"])
def test_sql_runs_only_through_the_door(module: str) -> None:
    """No module but the door calls a connection's execute/executemany/sql/query (DuckDB or SQLite)."""
    assert _direct(_source(module)) == []


def test_the_checks_catch_what_they_forbid() -> None:
    """The static checks find each thing they forbid in a sample source (so an empty finding means something)."""
    assert _direct("con.execute('SELECT 1')\nsq.executemany(q, rows)\ncur.sql('x')\nsql.execute(con, 'SELECT 1')")\
        == ["line 1: .execute(", "line 2: .executemany(", "line 3: .sql("]
    assert _pasted("""x = f"SET memory_limit = '{int(mb)}MB'"\n""")
    assert _pasted("""x = f"PRAGMA user_version = {n}"\n""")
    assert _pasted("""x = f"SELECT * FROM t WHERE a = '{a}'"\n""")
    assert _pasted("""x = f"INSERT INTO t SELECT * FROM (VALUES {ids}) a(x)"\n""")
    assert _pasted("""x = f"SELECT * FROM {table} WHERE a = $a"\n""") == []
    home = 'def setting_sql(n: int) -> str:\n    return f"PRAGMA user_version = {n}"\n'
    assert _pasted(home, "setting_sql") == [] and _pasted(home)
    assert _positional("sql.sqlite_execute(con, 'SELECT a FROM t WHERE b = ?', [1])\n")
    assert _positional("sql.execute(con, q, [1])\n") and _positional("execute(con, q, (1,))\n")
    assert _positional("sql.execute(con, q, {'a': 1})\n") == []


def test_the_current_drop_rule_is_written_once() -> None:
    """The current-drop rule (`arg_max(..., (extract_date, version))` or an equivalent ordering) appears only in
    its home, `store/sql` (`newest_drop_sql`)."""
    writers = {m for m in ALL_MODULES if CURRENT_DROP_RULE.search(_source(m))}
    assert writers == {"store/sql"}
    assert sql.newest_drop_sql("d.drop_id", "d.") == "arg_max(d.drop_id, (d.extract_date, d.version))"


def test_setting_sql_is_the_one_paste_and_takes_only_an_integer() -> None:
    assert sql.setting_sql("SET", "memory_limit", 512, "MB") == "SET memory_limit = '512MB'"
    assert sql.setting_sql("PRAGMA", "user_version", 3) == "PRAGMA user_version = 3"
    for bad in ("512", 5.0, True, None, "1'; DROP TABLE drops; --"):
        with pytest.raises(ValueError):
            sql.setting_sql("SET", "memory_limit", bad, "MB")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sql.setting_sql("SET", "memory_limit = 1; --", 1)
    with pytest.raises(ValueError):
        sql.setting_sql("SET", "memory_limit", 1, "MB'")
    with pytest.raises(ValueError):
        sql.setting_sql("DROP", "x", 1)
    con = empty_warehouse()
    sql.execute(con, sql.setting_sql("SET", "memory_limit", 300, "MB"))
    assert sql.execute(con, "SELECT current_setting('memory_limit')").fetchone()[0].startswith("286")


def test_sqlite_runs_named_parameters_only() -> None:
    """The door's SQLite runner takes `:name` parameters from a mapping, and refuses `?` and value lists."""
    con = sqlite3.connect(":memory:")
    sql.sqlite_execute(con, "CREATE TABLE t (a INTEGER, b TEXT)")
    sql.sqlite_executemany(con, "INSERT INTO t VALUES (:a, :b)", [{"a": 1, "b": "x' OR 1=1 --"}, {"a": 2, "b": None}])
    assert sql.sqlite_execute(con, "SELECT b FROM t WHERE a = :a", {"a": 1}).fetchall() == [("x' OR 1=1 --",)]
    assert sql.sqlite_execute(con, "SELECT count(*) FROM t WHERE b = '?'").fetchone() == (0,)  # a literal ?
    with pytest.raises(ValueError, match="positional"):
        sql.sqlite_execute(con, "SELECT b FROM t WHERE a = ?", {"a": 1})
    with pytest.raises(TypeError):
        sql.sqlite_execute(con, "SELECT b FROM t WHERE a = :a", [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sql.sqlite_executemany(con, "INSERT INTO t VALUES (:a, :b)", [[3, "y"]])  # type: ignore[list-item]


def test_duckdb_executemany_takes_named_rows() -> None:
    con = empty_warehouse()
    sql.execute(con, "CREATE TEMP TABLE t (a INTEGER, b VARCHAR)")
    sql.executemany(con, "INSERT INTO t VALUES ($a, $b)", [{"a": 1, "b": "x"}, {"a": 2, "b": None, "unused": 0}])
    assert sql.query(con, "SELECT a, b FROM t ORDER BY a").fetchall() == [(1, "x"), (2, None)]
    with pytest.raises(KeyError):
        sql.executemany(con, "INSERT INTO t VALUES ($a, $b)", [{"a": 3}])


def test_a_hostile_looking_value_is_data_not_sql() -> None:
    """A council code or period name travels as a parameter: a quote in a value cannot end the SQL string."""
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-01", children=[])

    b = Bind()
    hostile = "x' OR 1=1 --"
    text = f"SELECT {b(hostile)} AS v, count(*) AS n FROM ({sql.periods_sql(b, [parse_period('2018-19')])})"
    assert b.run(con, text).fetchall() == [("x' OR 1=1 --", 1)]
    assert "OR 1=1" not in text and "2018" not in text  # the values live in `b.values`, not in the text
    assert [dt.date(2018, 4, 1)] in b.values.values()


def test_an_apostrophe_in_a_comment_hides_no_parameter() -> None:
    """A `--` comment such as "the dashboard's rule" must not open a string literal that swallows `$p0`."""
    from raa_core.store.sql import param_names

    assert param_names("SELECT 1 -- the dashboard's rule\nWHERE x = $p0 AND y = '$not'") == {"p0"}
    assert param_names("SELECT '--not a comment', $a") == {"a"}
