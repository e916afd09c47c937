"""The pooled budget on the bundled sample: the business case baseline to the printed digit, `raa budget`
for the baseline year, year 1 = baseline + pay award, penny reconciliation, and commentary across a re-ingest."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from financekit import (
    baseline_comparison,
    baseline_table,
    budget_report,
    budgets,
    latest_period,
    monitor,
    pay_award_check,
    recharge_schedule,
)
from raa_core.cli import main
from raa_core.finance.budget import BASELINE_YEAR, FIRST_POOLED_YEAR
from raa_core.finance.commentary import add_comment, comments
from raa_core.finance.settlement import BASES, settlement_of
from raa_core.ingest import drops
from raa_core.money import to_k
from raa_core.requests import Viewer
from raa_core.store import warehouse
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

#: The business case's 2019-20 baseline table as printed (£'000s): pooled, adoption support, total.
PRINTED = {
    "303": ("399.9", "164.8", "564.8"),
    "886": ("1,951.1", "1,004.8", "2,955.9"),
    "887": ("552.0", "113.8", "665.8"),
    "total": ("2,903.0", "1,283.4", "4,186.5"),
}
YEAR = "2026-27"


def hos(name: str) -> Viewer:
    """A Head of Service of that name (who records variance comments)."""
    return Viewer(user=name, role="hos")


def _printed(text: str) -> D:
    return D(text.replace(",", ""))


def test_baseline_table_reproduces_the_business_case_to_the_printed_digit(sample_con, ref) -> None:
    table = baseline_table(sample_con, ref).set_index("la_code")
    assert list(table.index) == ["303", "886", "887", "total"]
    assert list(table["council"]) == ["Bexley", "Kent", "Medway", "Total"]
    for code, cells in PRINTED.items():
        got = tuple(f"{table.at[code, c]:,.1f}" for c in ("pooled_k", "adoption_support_k", "total_k"))
        assert got == cells, code
    # the reference copy of the printed table is the same
    for pub in ref.baseline_published:
        assert (pub.pooled_k, pub.adoption_support_k, pub.total_k) == tuple(_printed(c) for c in PRINTED[pub.la_code])
    # each printed figure is the rounding of exact pounds that add up
    councils = table.drop(index="total")
    for col in ("pooled", "adoption_support", "total"):
        assert table.at["total", col] == sum(councils[col], D("0.00"))
    assert (table["pooled"] + table["adoption_support"] == table["total"]).all()


def test_baseline_comparison_puts_the_printed_figures_beside_and_matches(sample_con, ref) -> None:
    table = baseline_comparison(sample_con, ref).set_index("la_code")
    assert table["match"].all()
    for pub in ref.baseline_published:
        assert table.at[pub.la_code, "total_printed"] == pub.total_k * 1000
        assert table.at[pub.la_code, "total_k"] == pub.total_k


def test_raa_budget_json_for_the_baseline_year_sums_to_the_table_with_null_actuals(sample_db, capsys) -> None:
    code = main(["budget", "--year", BASELINE_YEAR, "--json", "--db", str(sample_db)])
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert {"year", "period", "rows", "totals"} <= set(doc)
    assert (doc["year"], doc["period"]) == (BASELINE_YEAR, None)
    rows = pd.DataFrame(doc["rows"])
    assert len(rows) == 3 * 10  # ten cash-limited lines per council (ASF apart)
    for col in ("ytd_actual", "forecast", "variance", "movement", "method", "rag", "variance_pct"):
        assert rows[col].isna().all(), col
    rows["budget"] = rows["budget"].map(D)
    area = rows.groupby(["la_code", "budget_area"])["budget"].sum()
    council = rows.groupby("la_code")["budget"].sum()
    for la in (303, 886, 887):
        pooled, support, total = PRINTED[str(la)]
        assert f"{to_k(area[(la, 'pooled')]):,.1f}" == pooled
        assert f"{to_k(area[(la, 'adoption_support')]):,.1f}" == support
        assert f"{to_k(council[la]):,.1f}" == total
    pooled, support, total = PRINTED["total"]
    assert f"{to_k(area.xs('pooled', level=1).sum()):,.1f}" == pooled
    assert f"{to_k(area.xs('adoption_support', level=1).sum()):,.1f}" == support
    assert f"{to_k(rows['budget'].sum()):,.1f}" == total
    # the totals rows carry the same sums, and no forecast
    totals = {(t["la_code"], t["budget_area"]): t for t in doc["totals"]}
    assert D(totals[(None, None)]["budget"]) == rows["budget"].sum()
    assert D(totals[(886, "pooled")]["budget"]) == area[(886, "pooled")]
    assert all(t["forecast"] is None and t["variance"] is None for t in doc["totals"])
    # ASF apart: budgets only, no actuals yet
    asf = {a["la_code"]: a for a in doc["asf"]}
    assert set(asf) == {303, 886, 887, None}
    assert all(a["spend"] is None and a["net"] is None and a["unfunded"] is False for a in asf.values())
    assert D(asf[886]["spend_budget"]) > 0 and D(asf[886]["income_budget"]) < 0


def test_first_pooled_year_is_the_baseline_plus_the_pay_award(sample_con, ref) -> None:
    check = pay_award_check(sample_con, ref, BASELINE_YEAR, FIRST_POOLED_YEAR)
    assert len(check) == 30 and check["ok"].all()
    award = 1 + ref.settings.pay_award_2020_21_pct / 100
    base = budgets(sample_con, BASELINE_YEAR, ref=ref).set_index(["la_code", "cost_line"])["budget"]
    year1 = budgets(sample_con, FIRST_POOLED_YEAR, ref=ref).set_index(["la_code", "cost_line"])["budget"]
    payroll = {c.cost_line for c in ref.cost_lines if c.kind == "staff" and c.recharged_quarterly}
    for (la, line), amount in year1.items():
        if line in payroll:
            assert amount == base[(la, line)] * award, (la, line)  # exact: staffing lines are multiples of £4
        elif not line.startswith("asf_"):
            assert amount == base[(la, line)], (la, line)


def _sum(values) -> D:
    return sum((v for v in values), D("0.00"))


@pytest.mark.parametrize("method", ["default", "submitted", "run_rate", "establishment"])
def test_monitoring_on_the_latest_period_reconciles_to_the_penny(sample_con, ref, method) -> None:
    period = latest_period(sample_con, YEAR)
    assert period == 7
    mon = monitor(sample_con, ref, YEAR, None, method)
    assert mon.period == period and mon.lines["forecast"].notna().all()
    lines = mon.lines
    assert len(lines) == 30 and not lines["asf"].any()
    for t in mon.totals.itertuples(index=False):
        part = lines
        if not pd.isna(t.la_code):
            part = part[part["la_code"] == t.la_code]
        if isinstance(t.budget_area, str):
            part = part[part["budget_area"] == t.budget_area]
        for col in ("budget", "ytd_actual", "forecast", "variance", "movement"):
            assert getattr(t, col) == _sum(part[col]), (t.level, t.la_code, t.budget_area, col)
        assert t.variance == t.forecast - t.budget
    raa = mon.total(None)
    levels = mon.totals.groupby("level")
    for col in ("budget", "forecast", "variance"):
        assert raa[col] == _sum(levels.get_group("council")[col]) == _sum(levels.get_group("area")[col])
    # each line: variance = forecast - budget, to the penny
    assert (lines["variance"] == lines["forecast"] - lines["budget"]).all()
    # the JSON carries the same totals; settlement shares add back to the pooled variance by every basis
    rep = budget_report(sample_con, ref, YEAR, None, method)
    raa_json = next(t for t in rep["totals"] if t["la_code"] is None and t["budget_area"] is None)
    assert D(raa_json["forecast"]) == raa["forecast"]
    pooled_var = mon.total(None, "pooled")["variance"]
    for basis in BASES:
        shares = {303: D(1), 886: D(5), 887: D(2)} if basis == "formula" else None
        s = settlement_of(mon, basis, shares)
        assert _sum(r.pooled_amount for r in s.rows) + s.reserve == pooled_var
    # recharges posted in the completed quarters are the payroll lines' actuals to date
    sched = recharge_schedule(sample_con, YEAR, ref=ref)
    payroll = lines[lines["cost_line"].isin(set(sched["cost_line"]))]
    assert _sum(sched["recharged"]) == _sum(payroll["ytd_actual"])


def test_go_live_agency_cover_is_charged_to_kent_and_medway_not_the_pool(sample_con, ref) -> None:
    mon = monitor(sample_con, ref, YEAR)
    ch = mon.council_charges.set_index("la_code")
    est = sample_con.sql(
        "SELECT la_code, sum(annual_cost_gbp) AS c FROM establishment_current "
        "WHERE status = 'agency' AND agency_covers_go_live_vacancy GROUP BY la_code ORDER BY la_code"
    ).fetchall()
    assert [(int(la), c) for la, c in est] == [(la, ch.at[la, "annual_cost"]) for la in ch.index]
    assert list(ch.index) == [886, 887]
    for la in ch.index:
        assert ch.at[la, "charge_to_date"] == (ch.at[la, "annual_cost"] * 7 / 12).quantize(D("0.01"), ROUND_HALF_UP)


def test_commentary_survives_a_reingest_of_the_sample(sample_db, ref, tmp_path: Path) -> None:
    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, db.parent / real.name)
    (db.parent / "raa.duckdb").symlink_to(real.name)
    wh = Warehouse(db)
    state = AppState.beside(wh)
    add_comment(state, 886, YEAR, 7, "pooled", "agency_staff", "Agency cover for two long-term absences",
                hos("Head of Service"), at=dt.datetime(2026, 11, 21, 10, 30))
    before = warehouse.version(db)
    # re-ingest: the bundled drops again (unchanged) and a new Kent drop restating the same data
    again = drops.ingest(db, SAMPLE_DROPS, ref, today=SAMPLE_TODAY)
    assert len(again.by("unchanged")) == 27 and not again.by("rejected")
    root = tmp_path / "drops"
    shutil.copytree(SAMPLE_DROPS / "886" / "2026-11-20", root / "886" / "2026-11-22")
    (root / "886" / "2026-11-22" / "manifest.json").unlink()
    report = drops.ingest(db, root, ref, today=SAMPLE_TODAY)
    assert [r.path for r in report.by("accepted")] == ["886/2026-11-22"]
    assert warehouse.version(db) != before
    got = comments(state, YEAR, 7)
    assert got[["la_code", "cost_line", "comment", "author"]].values.tolist() == [
        [886, "agency_staff", "Agency cover for two long-term absences", "Head of Service"]]
    with wh.cursor() as con:
        assert con.sql("SELECT max(extract_date) FROM drops WHERE la_code = 886").fetchall()[0][0] == dt.date(
            2026, 11, 22)
        line = monitor(con, ref, YEAR, 7, comments=got).lines.set_index(["la_code", "cost_line"]).loc[
            (886, "agency_staff")]
    assert (line["comment"], line["comment_author"]) == ("Agency cover for two long-term absences", "Head of Service")
