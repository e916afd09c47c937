"""The Excel monitoring report: sheets, formats, frozen headers, and figures equal to raa_core's."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import openpyxl
import pytest

from factories import add_drop, empty_warehouse
from financekit import export_monitoring, monitor, recharge_schedule, settlement
from raa_core.finance.commentary import add_comment
from raa_core.finance.monitoring_export import HEADER_ROW, SHEETS, money_format, monitoring_workbook
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState

Y = "2021-22"


def hos(name: str) -> Viewer:
    """A Head of Service of that name (who records variance comments)."""
    return Viewer(user=name, role="hos")


@pytest.fixture(scope="module")
def con():
    con = empty_warehouse()
    for la, over in ((303, "1234.56"), (886, "-98765.43")):
        add_drop(
            con, la, "2021-10-10",
            budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "panels", "budget_gbp": D(100000)},
                    {"financial_year": Y, "budget_area": "pooled", "cost_line": "staffing", "budget_gbp": D(400000)},
                    {"financial_year": Y, "budget_area": "adoption_support", "cost_line": "support_staffing",
                     "budget_gbp": D(80000)}],
            ledger=[{"financial_year": Y, "period": p, "budget_area": "pooled", "cost_line": "panels",
                     "actual_gbp": D("8000.00"), "forecast_outturn_gbp": D(100000) + D(over) if p == 6 else None}
                    for p in range(1, 7)]
            + [{"financial_year": Y, "period": p, "budget_area": b, "cost_line": c, "actual_gbp": D(a)}
               for p in (3, 6) for b, c, a in (("pooled", "staffing", 101000), ("adoption_support",
                                                                               "support_staffing", 19000))]
            + [{"financial_year": Y, "period": 6, "budget_area": "adoption_support", "cost_line": "asf_spend",
                "actual_gbp": D("500.00")}],
        )
    return con


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """The app-state store holding one comment on Bexley's panels line at period 6."""
    s = AppState(tmp_path_factory.mktemp("state") / "appstate.sqlite3")
    add_comment(s, 303, Y, 6, "pooled", "panels", "Extra panels", hos("HoS"), at=dt.datetime(2021, 10, 11, 9, 0))
    return s


def _table(ws):
    header = [c.value for c in ws[HEADER_ROW + 1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=HEADER_ROW + 2)]
    return header, rows


def _d(v) -> D:
    return D(str(round(v, 2)))


def test_workbook_sheets_figures_and_formats(con, ref, state):
    data = export_monitoring(con, ref, Y, 6, "default", "contribution", negatives="brackets", state=state)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert tuple(wb.sheetnames) == SHEETS
    mon = monitor(con, ref, Y, 6, "default")

    header, rows = _table(wb["Summary"])
    assert header[:6] == ["Council", "Budget area", "Budget", "Actual to date", "Forecast outturn", "Variance"]
    assert len(rows) == len(mon.totals)
    raa = next(r for r in rows if r["Council"] == "RAA" and r["Budget area"] == "All areas")
    assert _d(raa["Forecast outturn"]) == mon.total(None)["forecast"]
    assert _d(raa["Variance"]) == mon.total(None)["variance"]
    kent = next(r for r in rows if r["Council"] == "Kent" and r["Budget area"] == "Pooled")
    assert _d(kent["Budget"]) == mon.total(886, "pooled")["budget"]

    ws = wb["Summary"]
    assert ws.freeze_panes == f"A{HEADER_ROW + 2}"
    assert ws.column_dimensions["C"].width > 10
    money_cell = ws.cell(row=HEADER_ROW + 2, column=3)
    assert money_cell.number_format == money_format("brackets") and "(£" in money_cell.number_format

    _, lines = _table(wb["Lines"])
    total = lines[-1]
    assert total["Council"] == "Total"
    assert _d(total["Variance"]) == sum(mon.lines["variance"])
    panels_303 = next(r for r in lines if r["Council"] == "Bexley" and r["Cost line"] == "Adoption panels")
    assert _d(panels_303["Forecast outturn"]) == D("101234.56")
    assert panels_303["Comment"] == "Extra panels"

    _, rech = _table(wb["Recharges"])
    sched = recharge_schedule(con, Y, ref=ref)
    assert _d(rech[-1]["Recharged"]) == sum(sched["recharged"])

    _, st = _table(wb["Settlement"])
    s = settlement(con, ref, Y, 6, "contribution", "default")
    assert _d(st[-1]["Pooled variance share"]) == s.pooled_variance
    assert [_d(r["Pooled variance share"]) for r in st[:-2]] == [r.pooled_amount for r in s.rows]

    _, asf = _table(wb["ASF"])
    assert any(r["Flag"] == "UNFUNDED ASF SPEND" for r in asf)
    _, com = _table(wb["Commentary"])
    assert [(r["Council"], r["Comment"], r["Author"]) for r in com] == [("Bexley", "Extra panels", "HoS")]

    # every sheet prints on A4 landscape, fitted to width, header row repeated, titled, page numbers
    for ws in wb:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        assert ws.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}", ws.title
        assert f"{Y} P6" in ws.oddHeader.center.text and "Page &P of &N" in ws.oddFooter.right.text, ws.title


def test_negatives_with_sign_and_flipped_overspend(con, ref):
    mon = monitor(con, ref, Y, 6, "submitted")
    data = monitoring_workbook(mon, negatives="sign", overspend_positive=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Lines"]
    assert ws.cell(row=HEADER_ROW + 2, column=4).number_format == money_format("sign")
    assert "-£" in money_format("sign")
    _, lines = _table(ws)
    first = mon.lines.iloc[0]
    assert _d(lines[0]["Variance"]) == -first["variance"]
    assert _d(lines[0]["Budget"]) == first["budget"]
    with pytest.raises(ValueError):
        monitoring_workbook(mon, negatives="red")


def test_year_without_ledger_exports_budgets(ref):
    con = empty_warehouse()
    add_drop(con, 887, "2020-03-01", budget=[{"financial_year": "2019-20", "budget_area": "pooled",
                                             "cost_line": "panels", "budget_gbp": D("551990.00")}])
    wb = openpyxl.load_workbook(io.BytesIO(export_monitoring(con, ref, "2019-20")))
    _, rows = _table(wb["Summary"])
    raa = next(r for r in rows if r["Council"] == "RAA" and r["Budget area"] == "All areas")
    assert _d(raa["Budget"]) == D("551990.00") and raa["Forecast outturn"] is None
    _, st = _table(wb["Settlement"])
    assert st == []


def test_agency_cover_sheet_and_the_pages_sign_choice(ref):
    con = empty_warehouse()
    add_drop(
        con, 887, "2021-10-10",
        budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "agency_staff", "budget_gbp": D(50000)}],
        ledger=[{"financial_year": Y, "period": p, "budget_area": "pooled", "cost_line": "agency_staff",
                 "actual_gbp": D(5000), "forecast_outturn_gbp": D(60000) if p == 6 else None} for p in range(1, 7)],
        establishment=[{"post_id": "a1", "team": "family_finding", "role": "social_worker", "fte": 0.5,
                        "annual_cost_gbp": D("38570.00"), "status": "agency", "agency_covers_go_live_vacancy": True}],
    )
    mon = monitor(con, ref, Y, 6, "submitted")
    wb = openpyxl.load_workbook(io.BytesIO(export_monitoring(con, ref, Y, 6, "submitted", overspend_positive=False)))
    _, rows = _table(wb["Agency cover"])
    assert [(r["Council"], r["Posts"], _d(r["Full-year charge"]), r["Months to date"], _d(r["Charge to date"]))
            for r in rows[:-1]] == [("Medway", 1, D("38570.00"), 6, D("19285.00"))]
    assert rows[-1]["Council"] == "Total" and _d(rows[-1]["Charge to date"]) == D("19285.00")
    assert _d(rows[-1]["Full-year charge"]) == mon.council_charges["annual_cost"].sum()
    _, summary = _table(wb["Summary"])
    raa = next(r for r in summary if r["Council"] == "RAA" and r["Budget area"] == "All areas")
    assert _d(raa["Variance"]) == -mon.total(None)["variance"] == D("-10000.00")  # underspend positive
    assert _d(raa["Forecast outturn"]) == mon.total(None)["forecast"]  # the go-live post is not in it
