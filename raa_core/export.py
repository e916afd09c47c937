"""Tables as downloadable files: CSV for tools, Excel (via xlsxwriter) for people."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from raa_core.presentation import MoneyUnit, TableSpec, date_text


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM so Excel opens £ and accents correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


def table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None, *, period: str | None = None,
               as_at: dt.date | None = None) -> bytes:
    """A one-sheet workbook: bold frozen header, sensible widths, Decimals written as numbers, and print
    setup (A4 landscape, fit to width, header row repeated, title / period / as-at header, page numbers)."""
    out = io.BytesIO()
    clean = df.copy()
    for col in clean.columns:
        if clean[col].map(lambda v: isinstance(v, Decimal)).any():
            clean[col] = clean[col].map(lambda v: float(v) if isinstance(v, Decimal) else v)
    start = 2 if title else 0
    with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
        clean.to_excel(writer, sheet_name=sheet[:31], index=False, startrow=start)
        ws = writer.sheets[sheet[:31]]
        bold = writer.book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF2"})
        if title:
            ws.write(0, 0, title, writer.book.add_format({"bold": True, "font_size": 13}))
        for i, col in enumerate(clean.columns):
            ws.write(start, i, str(col), bold)
            width = max([len(str(col))] + [len(str(v)) for v in clean[col].head(200)]) + 2
            ws.set_column(i, i, min(width, 60))
        ws.freeze_panes(start + 1, 0)
        print_setup(ws, title=title or sheet, period=period, as_at=as_at, header_row=start)
    return out.getvalue()


def tables_xlsx(sheets: list[tuple[str, pd.DataFrame, str | None]]) -> bytes:
    """A workbook of several sheets, each (name, table, title) laid out as `table_xlsx` lays out one."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
        for sheet, df, title in sheets:
            clean = df.copy()
            for col in clean.columns:
                if clean[col].map(lambda v: isinstance(v, Decimal)).any():
                    clean[col] = clean[col].map(lambda v: float(v) if isinstance(v, Decimal) else v)
            start = 2 if title else 0
            clean.to_excel(writer, sheet_name=sheet[:31], index=False, startrow=start)
            ws = writer.sheets[sheet[:31]]
            bold = writer.book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF2"})
            if title:
                ws.write_string(0, 0, title, writer.book.add_format({"bold": True, "font_size": 13}))
            for i, col in enumerate(clean.columns):
                ws.write_string(start, i, str(col), bold)
                width = max([len(str(col))] + [len(str(v)) for v in clean[col].head(200)]) + 2
                ws.set_column(i, i, min(width, 60))
            ws.freeze_panes(start + 1, 0)
            print_setup(ws, title=title or sheet, header_row=start)
    return out.getvalue()


# --- print setup and typed tables (issue 14): every workbook prints cleanly on A4 ------------------------


def _hf(text: str) -> str:
    """Text for an Excel header/footer: '&' is a control character there and is doubled."""
    return text.replace("&", "&&")


def print_setup(
    ws: Worksheet,
    *,
    title: str,
    period: str | None = None,
    as_at: dt.date | None = None,
    header_row: int | None = None,
    marking: str | None = None,
) -> None:
    """Print setup for a sheet: A4 landscape, fitted to one page wide, the header row repeated on every
    page (print titles), a page header with title (left), period (centre) and as-at date (right), and a
    footer with the protective marking (left) and "Page n of N" (right)."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header_row is not None:
        ws.repeat_rows(header_row)
    centre = f"Period {period}" if period else ""
    right = f"As at {date_text(as_at)}" if as_at else ""
    ws.set_header(f"&L&\"-,Bold\"{_hf(title)}&C{_hf(centre)}&R{_hf(right)}")
    ws.set_footer(f"&L{_hf(marking or '')}&RPage &P of &N")


class SpecFormats:
    """The cell formats of spec-typed tables in one workbook (a format per kind and unit, bold variants)."""

    def __init__(self, wb: Workbook, negatives: Literal["brackets", "sign"] = "brackets") -> None:
        self.wb = wb
        self.negatives = negatives
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.sub = wb.add_format({"italic": True, "font_color": "#555555"})
        self.head = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True,
                                   "valign": "top"})
        self.head_right = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True,
                                         "valign": "top", "align": "right"})
        self.rag = {k: wb.add_format({"bg_color": c, "align": "center"})
                    for k, c in (("Red", "#F4B6B6"), ("Amber", "#FCD9A0"), ("Green", "#BFE3C0"))}
        self._cache: dict[tuple[str, bool], Any] = {}

    def cell(self, num_format: str, align: str, bold: bool) -> Any:
        key = (f"{num_format}|{align}", bold)
        if key not in self._cache:
            spec: dict[str, Any] = {"num_format": num_format, "align": align, "valign": "top"}
            if bold:
                spec |= {"bold": True, "top": 1}
            if num_format == "@":
                spec["text_wrap"] = True
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]


def write_spec_table(
    ws: Worksheet,
    fmt: SpecFormats,
    spec: TableSpec,
    frame: pd.DataFrame,
    unit: MoneyUnit = MoneyUnit.POUNDS,
    first_row: int = 0,
) -> int:
    """Write a table by its spec from `first_row` (the header row): money as exact pounds in cells whose
    number format shows the unit, counts and days as whole numbers, percentages as fractions, text as text
    (never a formula); total rows bold; column widths fitted; an autofilter on the header. Returns the row
    after the table."""
    totals = [bool(v) for v in frame[spec.total_key]] if spec.total_key and spec.total_key in frame else []
    for c, col in enumerate(spec.columns):
        ws.write_string(first_row, c, col.header(unit), fmt.head_right if col.align == "right" else fmt.head)
        values = list(frame[col.key]) if col.key in frame.columns else [None] * len(frame)
        longest = max([len(col.text(v, unit)) for v in values[:500]] + [len(col.header(unit)) // 2 + 1, 6])
        ws.set_column(c, c, min(longest + 2, 70 if col.width == "large" else 45))
        for r, v in enumerate(values):
            bold = bool(totals[r]) if totals else False
            x = col.excel_value(v)
            if col.kind == "rag":
                ws.write_string(first_row + 1 + r, c, str(x), fmt.rag.get(str(x), fmt.cell("@", "center", bold)))
            elif x is None:
                ws.write_blank(first_row + 1 + r, c, None, fmt.cell(col.excel_format(unit, fmt.negatives),
                                                                   col.align, bold))
            elif isinstance(x, str):
                ws.write_string(first_row + 1 + r, c, x, fmt.cell("@", col.align, bold))
            elif isinstance(x, dt.date):
                ws.write_datetime(first_row + 1 + r, c, dt.datetime.combine(x, dt.time()),
                                  fmt.cell(col.excel_format(unit), col.align, bold))
            else:
                ws.write_number(first_row + 1 + r, c, x, fmt.cell(col.excel_format(unit, fmt.negatives), col.align,
                                                                  bold))
    if len(frame):
        ws.autofilter(first_row, 0, first_row + len(frame), len(spec.columns) - 1)
    return first_row + 1 + len(frame)
