"""Money sent as doubles: taken as written (shortest repr) and rounded half-even to pence, never shifted."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dropkit as dk
from raa_core import drops, money, warehouse

TODAY = dt.date(2022, 10, 10)


def _sql_money(values: list[float | None]) -> list[tuple[Decimal | None, bool]]:
    """The ingest's SQL for double money, applied to values: (stored amount, counted as rounded)."""
    val, changed = drops.money_from_double_sql("x")
    con = duckdb.connect()
    try:
        con.register("t", pa.table({"i": list(range(len(values))), "x": pa.array(values, pa.float64())}))
        return [(v, bool(c)) for v, c in con.execute(f"SELECT {val}, {changed} FROM t ORDER BY i").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize(("x", "want"), [(2.675, "2.68"), (10.135, "10.14"), (0.125, "0.12"), (-2.675, "-2.68"),
                                         (2.665, "2.66"), (0.015, "0.02"), (7.0, "7.00"), (1e15, "1000000000000000.00"),
                                         (123456789012345.67, "123456789012345.67")])
def test_issue_examples(x: float, want: str) -> None:
    assert money.from_double(x) == Decimal(want)
    assert _sql_money([x])[0][0] == Decimal(want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False).map(float),
    st.integers(-10**12, 10**12).map(lambda n: n / 1000),
    st.none()), min_size=1, max_size=40))
@example([2.675, 10.135, 1e-21, 5e-324, -0.0, 0.0])
def test_sql_rounds_like_money_from_double(values: list[float | None]) -> None:
    """Every double: the stored amount is `money.from_double`, and the warning flags exactly the changed rows."""
    got = _sql_money(values)
    for x, (amount, changed) in zip(values, got, strict=True):
        if x is None:
            assert (amount, changed) == (None, False)
            continue
        want = money.from_double(x)
        assert amount == want, x
        assert changed == (money.to_decimal(x) != want), x


def test_unreadable_doubles_are_null() -> None:
    assert [a for a, _ in _sql_money([math.nan, math.inf, -math.inf, 1e17])] == [None] * 4


def _ledger(actual: pa.Array) -> pa.Table:
    n = len(actual)
    return pa.table({"financial_year": ["2022-23"] * n, "period": pa.array(range(1, n + 1), pa.int16()),
                     "budget_area": ["pooled"] * n, "cost_line": ["panels"] * n, "actual_gbp": actual})


def test_rounding_warning_counts_exactly_the_changed_rows(tmp_path: Path, ref) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-10-07", ledger=_ledger(pa.array([2.675, 10.135, 7.0, 7.1, 1e-21, 12.5])))
    accepted = drops.ingest(db, root, ref, today=TODAY).by("accepted")
    [warning] = [w for w in accepted[0].warnings if w.rule == "money_rounded"]
    assert warning.row_count == 3 and warning.rows == [0, 1, 4]
    con = warehouse.connect_read(db)
    try:
        stored = [r[0] for r in con.execute("SELECT actual_gbp FROM ledger ORDER BY period").fetchall()]
    finally:
        con.close()
    assert stored == [Decimal(v) for v in ("2.68", "10.14", "7.00", "7.10", "0.00", "12.50")]


def test_float32_money_is_rejected(tmp_path: Path, ref) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-10-07", ledger=_ledger(pa.array([100000.01, 5.25], pa.float32())))
    rejected = drops.ingest(db, root, ref, today=TODAY).by("rejected")
    [err] = [e for e in rejected[0].errors if e.rule == "wrong_type"]
    assert (err.file, err.column) == ("ledger.parquet", "actual_gbp")
    con = warehouse.connect_read(db)
    try:
        assert con.execute("SELECT count(*) FROM ledger").fetchall() == [(0,)]
    finally:
        con.close()
