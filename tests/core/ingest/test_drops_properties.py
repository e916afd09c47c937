"""Properties of drop validation: the SQL rules flag exactly the rows a plain reading of the spec would."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dropkit as dk
from raa_core.ingest import drops
from raa_core.reference import load_reference

EXTRACT = dk.EXTRACT
TODAY = dt.date(2022, 10, 10)
BASE = dt.date(2015, 1, 1)


@st.composite
def child_rows(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        dob = BASE + dt.timedelta(days=draw(st.integers(0, 2000)))
        entered = dob + dt.timedelta(days=draw(st.integers(-30, 3000)))
        placed = entered + dt.timedelta(days=draw(st.integers(-60, 900))) if draw(st.booleans()) else None
        matched = placed + dt.timedelta(days=draw(st.integers(-90, 20))) if placed and draw(st.booleans()) else None
        order = placed + dt.timedelta(days=draw(st.integers(-30, 400))) if placed and draw(st.booleans()) else None
        rows.append({"child_id": f"KC-{i:04d}", "sex": draw(st.sampled_from(["M", "F"])), "date_of_birth": dob,
                     "entered_care_date": entered, "placed_date": placed, "matched_date": matched,
                     "adoption_order_date": order})
    return rows


def expected(rows: list[dict], rule: str) -> list[int]:
    """The spec's rules read directly, row by row (the oracle for the set-based SQL)."""
    test = {
        "born_after_entering_care": lambda r: r["date_of_birth"] > r["entered_care_date"],
        "placed_before_entering_care": lambda r: r["placed_date"] is not None
        and r["placed_date"] < r["entered_care_date"],
        "matched_after_placed": lambda r: r["matched_date"] is not None and r["matched_date"] > r["placed_date"],
        "order_before_placed": lambda r: r["adoption_order_date"] is not None
        and r["adoption_order_date"] < r["placed_date"],
        "date_after_extract": lambda r: any(
            d is not None and d > EXTRACT
            for d in (r["entered_care_date"], r["placed_date"], r["matched_date"], r["adoption_order_date"],
                      r["date_of_birth"])),
    }[rule]
    return [i for i, r in enumerate(rows) if test(r)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(child_rows())
def test_rules_flag_exactly_the_breaking_rows(rows: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = dk.write_drop(Path(tmp), 886, EXTRACT, children=rows)
        result = drops.check_only(drops.discover(Path(tmp))[0], load_reference(), today=TODAY)
        assert sorted(p.name for p in folder.iterdir())[0] == "adopters.parquet", "checking keeps every file"
    flagged: dict[str, set[int]] = {}
    counts: dict[str, int] = {}
    for issue in result.errors:
        if issue.file == "children.parquet":
            flagged.setdefault(issue.rule, set()).update(issue.rows or [])
            counts[issue.rule] = counts.get(issue.rule, 0) + (issue.row_count or 0)
    for rule in ("born_after_entering_care", "placed_before_entering_care", "matched_after_placed",
                 "order_before_placed"):
        want = expected(rows, rule)
        assert flagged.get(rule, set()) == set(want[:20]), rule
        assert counts.get(rule, 0) == len(want), rule
    future = expected(rows, "date_after_extract")
    assert bool(future) == ("date_after_extract" in flagged)
    assert (result.outcome == "rejected") == bool(result.errors)
