"""Values that pass a drop's checks never break a figure: a ledger, budget and establishment at the largest
amount the contract accepts in every row still give `raa budget`, the pooled budget and the pack's budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import dropkit as dk
from raa_core.cli import main
from raa_core.ingest import drops
from raa_core.ingest.contract import MONEY_LIMIT

TODAY = dt.date(2023, 4, 20)
TOP = MONEY_LIMIT - Decimal("0.01")


@pytest.fixture(scope="module")
def full_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from raa_core.reference import load_reference

    ref = load_reference()
    tmp = tmp_path_factory.mktemp("limit")
    root, db = tmp / "drops", tmp / "wh" / "raa.duckdb"
    lines = [(c.budget_area, c.cost_line) for c in ref.cost_lines]
    for la in (303, 886, 887):
        ledger = [{"financial_year": "2022-23", "period": p, "budget_area": a, "cost_line": c,
                   "actual_gbp": TOP, "forecast_outturn_gbp": TOP} for a, c in lines for p in range(1, 13)]
        budget = [{"financial_year": "2022-23", "budget_area": a, "cost_line": c, "budget_gbp": TOP} for a, c in lines]
        posts = [{**dk.establishment()[0], "post_id": f"P{i}", "annual_cost_gbp": TOP} for i in range(200)]
        dk.write_drop(root, la, "2023-04-10", ledger=ledger, budget=budget, establishment=posts)
    report = drops.ingest(db, root, ref, today=TODAY)
    assert [r.outcome for r in report.results] == ["accepted"] * 3, [r.errors for r in report.results]
    return db


@pytest.mark.parametrize("method", ["default", "submitted", "run_rate", "establishment"])
def test_raa_budget_at_the_money_limit_in_every_row(full_db: Path, method: str, capsys) -> None:
    code = main(["budget", "--year", "2022-23", "--method", method, "--db", str(full_db), "--json",
                 "--today", TODAY.isoformat()])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "ConversionException" not in out.err and out.out.strip().startswith(("{", "["))


def test_board_pack_budget_section_at_the_money_limit(full_db: Path, tmp_path: Path, capsys) -> None:
    import json

    code = main(["boardpack", "--period", "2022-23", "--out", str(tmp_path / "pack"), "--db", str(full_db),
                 "--json", "--as-at", TODAY.isoformat()])
    out = capsys.readouterr()
    assert code == 0, out.err
    missing = json.loads(out.out).get("missing", [])
    assert not [m for m in missing if "budget" in m["section"].lower()], missing


def test_pooled_budget_tables_at_the_money_limit(full_db: Path) -> None:
    """What the Pooled budget page places: the monitoring table, the trend and the recharges, for the region."""
    import financekit as fk
    from raa_core.reference import load_reference
    from raa_core.store.warehouse import Warehouse

    con = Warehouse(full_db).connect()
    try:
        ref = load_reference()
        m = fk.monitor(con, ref, "2022-23")
        trend = fk.forecast_trend(con, ref, "2022-23")
        fk.recharge_schedule(con, "2022-23")
        assert len(m.lines) and len(m.totals) and len(trend)
    finally:
        con.close()
