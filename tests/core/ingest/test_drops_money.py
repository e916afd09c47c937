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
from raa_core import money
from raa_core.ingest import drop_files, drops
from raa_core.store import warehouse

TODAY = dt.date(2022, 10, 10)


def _sql_money(values: list[float | None]) -> list[tuple[Decimal | None, bool]]:
    """The ingest's SQL for double money, applied to values: (stored amount, counted as rounded)."""
    val, changed = drop_files.money_from_double_sql("x")
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
    con = warehouse.Warehouse(db).connect()
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
    con = warehouse.Warehouse(db).connect()
    try:
        assert con.execute("SELECT count(*) FROM ledger").fetchall() == [(0,)]
    finally:
        con.close()


_EDGE = "9999999999999999.99"  # the largest amount DECIMAL(18,2) holds: MONEY_LIMIT less a penny


@pytest.mark.parametrize(("typ", "inside", "outside"), [
    (pa.decimal128(38, 2), [Decimal(_EDGE), -Decimal(_EDGE)], [Decimal("1e16"), -Decimal("1e16")]),
    (pa.int64(), [9_999_999_999_999_999, -9_999_999_999_999_999], [10**16, -(10**16)]),
    (pa.float64(), [9.99e15, 9999999999999998.0, -9999999999999998.0], [1e16, -1e16, 2e16])])
def test_money_limit_stated_is_the_limit_enforced(tmp_path: Path, ref, typ, inside, outside) -> None:
    from raa_core.ingest.contract import MONEY_LIMIT

    assert Decimal(_EDGE) + Decimal("0.01") == MONEY_LIMIT
    ok_root, bad_root = tmp_path / "ok", tmp_path / "bad"
    dk.write_drop(ok_root, 886, "2022-10-07", ledger=_ledger(pa.array(inside, typ)))
    db = tmp_path / "wh" / "raa.duckdb"
    assert drops.ingest(db, ok_root, ref, today=TODAY).by("accepted")
    con = warehouse.Warehouse(db).connect()
    try:
        stored = [r[0] for r in con.execute("SELECT actual_gbp FROM ledger ORDER BY period").fetchall()]
    finally:
        con.close()
    assert stored == [Decimal(str(v)).quantize(Decimal("0.01")) for v in inside]
    dk.write_drop(bad_root, 886, "2022-10-07", ledger=_ledger(pa.array(inside + outside, typ)))
    [rejected] = drops.ingest(tmp_path / "wh2" / "raa.duckdb", bad_root, ref, today=TODAY).by("rejected")
    [err] = rejected.errors
    assert (err.column, err.rows) == ("actual_gbp", list(range(len(inside), len(inside) + len(outside))))
    assert "£10,000,000,000,000,000 or more, positive or negative" in err.message
    assert "million million" not in err.message
