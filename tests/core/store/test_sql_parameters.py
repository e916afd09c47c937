"""Values reach SQL as parameters in the figures' modules: no value is pasted into a query's text.

A static check (GUIDE: values reach SQL as parameters, never pasted in): a quoted interpolation (`'{...}'`)
or an interpolated number or date would paste a value; identifiers and SQL written in code are fine.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from factories import add_drop, empty_warehouse
from raa_core.performance import indicators
from raa_core.periods import parse_period

MODULES = ("performance/indicators", "performance/journeys", "performance/recruitment", "performance/characteristics",
           "ingest/coverage", "performance/asglb")
PASTED = re.compile(r"""'\{[^}]*\}'|\{int\(|\{float\(|\.isoformat\(\)\}|\{sql_date\(""")


@pytest.mark.parametrize("module", MODULES)
def test_no_value_is_pasted_into_sql(module: str) -> None:
    source = (Path(indicators.__file__).parents[1] / f"{module}.py").read_text(encoding="utf-8")
    assert [m.group(0) for m in PASTED.finditer(source)] == []


def test_a_hostile_looking_value_is_data_not_sql() -> None:
    """A council code or period name travels as a parameter: a quote in a value cannot end the SQL string."""
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-01", children=[])
    b = indicators.Bind()
    hostile = "x' OR 1=1 --"
    sql = f"SELECT {b(hostile)} AS v, count(*) AS n FROM ({indicators.periods_sql(b, [parse_period('2018-19')])})"
    assert b.run(con, sql).fetchall() == [("x' OR 1=1 --", 1)]
    assert "OR 1=1" not in sql and "2018" not in sql  # the values live in `b.values`, not in the text
    assert [dt.date(2018, 4, 1)] in b.values.values()


def test_an_apostrophe_in_a_comment_hides_no_parameter() -> None:
    """A `--` comment such as "the dashboard's rule" must not open a string literal that swallows `$p0`."""
    from raa_core.store.sql import param_names

    assert param_names("SELECT 1 -- the dashboard's rule\nWHERE x = $p0 AND y = '$not'") == {"p0"}
    assert param_names("SELECT '--not a comment', $a") == {"a"}
