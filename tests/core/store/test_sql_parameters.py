"""Values reach SQL as named parameters, through the one door (`raa_core.store.sql`), in every module of raa_core
that runs SQL: no value is pasted into a query's text, no `?` positional parameter is used, and the rule for which
drop is current is written once.

Static checks over the source of every module that executes SQL (found by looking for `.execute(`, `.sql(`,
`query(`, `.run(con`, `.frame(`, `.rows(`): a quoted interpolation (`'{...}'`) or an interpolated number or date
would paste a value, a `?` in SQL text or a list of parameters would be positional; identifiers and SQL written
in code are fine.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from factories import add_drop, empty_warehouse
from raa_core.periods import parse_period
from raa_core.store import sql
from raa_core.store.sql import Bind

RAA_CORE = Path(sql.__file__).resolve().parents[1]
RUNS_SQL = re.compile(r"\.execute\(|\.executemany\(|\.sql\(|\bquery\(|\bexecute\(|\.run\(\s*con|\.frame\(|\.rows\(")
#: Every module under raa_core that runs SQL (paths relative to raa_core, without `.py`).
MODULES = sorted(str(p.relative_to(RAA_CORE).with_suffix("")) for p in RAA_CORE.rglob("*.py")
                 if RUNS_SQL.search(p.read_text(encoding="utf-8")))
PASTED = re.compile(r"""'\{[^}]*\}'|\{int\(|\{float\(|\.isoformat\(\)\}|\{sql_date\(""")
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b")
QMARK = re.compile(r"(?<![\w$])\?(?!\w)")
SQL_STRING = re.compile(r"'(?:[^']|'')*'")

#: PENDING, NOT YET CONVERTED BY THEIR OWNERS: modules still using `?` positional parameters, listed here only
#: while they do (`test_pending_modules_still_need_converting` fails as soon as one is converted, so the list
#: cannot go stale). Finance helper: the comments and saved scenarios stores. Others: the SQLite app-state
#: stores (users, audit) and the ingest's writes.
POSITIONAL_PENDING: frozenset[str] = frozenset({
    "finance/commentary", "contributions/saved_scenarios",  # finance helper
    "access/accounts", "access/audit", "store/appstate",  # app-state (SQLite) stores
    "ingest/drops", "ingest/drop_files",  # the ingest's writes
})
#: Modules that still paste a value into SQL text (see `_pasted`), converted by their owners.
PASTED_PENDING: frozenset[str] = frozenset()
#: Modules that still write the current-drop rule (`arg_max(drop_id, (extract_date, version))`) themselves
#: rather than `sql.newest_drop_sql`, converted by their owners (ingest).
CURRENT_DROP_PENDING: frozenset[str] = frozenset({"ingest/drops"})


def _source(module: str) -> str:
    return (RAA_CORE / f"{module}.py").read_text(encoding="utf-8")


def _positional(module: str) -> list[str]:
    """`?` placeholders in SQL-looking strings and parameter lists passed to execute/sql/query, with line numbers."""
    tree = ast.parse(_source(module))
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = SQL_STRING.sub("''", node.value)
            if SQL_WORDS.search(node.value) and QMARK.search(text):
                found.append(f"line {node.lineno}: ? in {node.value.strip()[:60]!r}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "sql", "query")):
            params = node.args[1:] + [k.value for k in node.keywords if k.arg in ("params", "parameters")]
            if any(isinstance(p, (ast.List, ast.Tuple)) for p in params):
                found.append(f"line {node.lineno}: a list of positional parameters")
    return found


def test_every_module_running_sql_is_checked() -> None:
    """The list is found, not written: it holds the figures' modules and the door itself."""
    for module in ("performance/indicators", "performance/journeys", "performance/recruitment",
                   "performance/characteristics", "ingest/coverage", "ingest/freshness", "store/sql"):
        assert module in MODULES


def _pasted(module: str) -> list[str]:
    """Values interpolated into SQL-looking f-strings (a SQL keyword in the string), with line numbers."""
    source = _source(module)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            text = ast.get_source_segment(source, node) or ""
            if SQL_WORDS.search(text):
                found += [f"line {node.lineno}: {m.group(0)}" for m in PASTED.finditer(text)]
    return found


@pytest.mark.parametrize("module", [m for m in MODULES if m not in PASTED_PENDING])
def test_no_value_is_pasted_into_sql(module: str) -> None:
    assert _pasted(module) == []


@pytest.mark.parametrize("module", [m for m in MODULES if m not in POSITIONAL_PENDING])
def test_no_positional_parameter(module: str) -> None:
    assert _positional(module) == []


@pytest.mark.parametrize("module", sorted(POSITIONAL_PENDING) or ["(none)"])
def test_pending_modules_still_need_converting(module: str) -> None:
    if module == "(none)":
        assert not POSITIONAL_PENDING
        return
    assert _positional(module), f"{module} uses named parameters now: take it off POSITIONAL_PENDING"


def test_the_current_drop_rule_is_written_once() -> None:
    """`arg_max(..., (extract_date, version))` appears only in its home, `store/sql` (`newest_drop_sql`), and the pending modules."""
    rule = re.compile(r"arg_max\([^()]*,\s*\((?:\w+\.)?extract_date,\s*(?:\w+\.)?version\)\)")
    writers = {str(p.relative_to(RAA_CORE).with_suffix("")) for p in RAA_CORE.rglob("*.py")
               if rule.search(p.read_text(encoding="utf-8"))}
    assert writers == {"store/sql"} | CURRENT_DROP_PENDING
    assert sql.newest_drop_sql("d.drop_id", "d.") == "arg_max(d.drop_id, (d.extract_date, d.version))"


def test_performance_modules_run_sql_only_through_the_door() -> None:
    """The performance, coverage and freshness modules never call a connection's execute/sql themselves."""
    mine = [m for m in MODULES if m.startswith("performance/") or m in ("ingest/coverage", "ingest/freshness")]
    direct = re.compile(r"\bcon\.(execute|sql|executemany)\(")
    assert {m: direct.findall(_source(m)) for m in mine if direct.search(_source(m))} == {}


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
