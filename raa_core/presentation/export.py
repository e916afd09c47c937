"""The one writer of every CSV and Excel file the product produces: text is written as text.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel (and to
LibreOffice and Google Sheets opening a CSV): a variance comment `=HYPERLINK(...)`, or a drop column so
named, would run when the file is opened (OWASP "CSV injection"). So:
- CSV (`table_csv`): such a text cell, or header, gets a leading apostrophe (the OWASP neutralisation);
  numbers are left as numbers; line ends are RFC 4180 CRLF so a lone CR inside a value is quoted.
- Excel (`Workbook`): xlsxwriter never turns text into a formula, URL or number here, and every worksheet
  is a `TextSheet`, whose string cells (written by `write`, `write_string`, a link's text or a table's
  header alike) carry Excel's quote prefix when they start with a trigger, so the cell shows exactly the
  text and stays text even when someone edits it. There is no way to write formula-like text raw.
Every producer (page downloads, the monitoring workbook, the board pack, scenarios, the ASGLB return) writes
through `table_csv`, `table_xlsx`, `tables_xlsx` or a `Workbook` from here; `print_setup` and the
spec-typed tables (`SpecFormats`, `write_spec_table`) make every workbook print cleanly on A4.
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from raa_core.presentation import MoneyUnit, TableSpec, date_text, missing, palette
from raa_core.presentation.text import EXCEL_DATE_FORMAT, RAG_WORDS

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: xlsxwriter options: never infer formulas, links or numbers from text.
_OPTIONS = {
    "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    "remove_timezone": True,
}


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(text: str) -> str:
    """Text as it goes into a CSV cell: formula-like text gets a leading apostrophe (OWASP)."""
    return "'" + text if is_formula_like(text) else text


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM so Excel opens £ and accents correctly; headers and text cells neutralised."""
    clean = df.copy()
    clean.columns = [csv_text(str(c)) for c in clean.columns]
    for col in clean.columns:
        if clean[col].dtype == object or pd.api.types.is_string_dtype(clean[col]):
            clean[col] = clean[col].map(lambda v: csv_text(v) if isinstance(v, str) else v)
    # RFC 4180 line ends, so a field holding a lone CR or LF is quoted rather than splitting the row.
    return clean.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


class TextSheet(Worksheet):
    """A worksheet whose string cells never become formulas: formula-like text gets the quote prefix.

    Every path that writes a string cell in xlsxwriter ends in `_write_string` (write, write_string,
    write_url's text, add_table's headers), so the rule is applied there, once.
    """

    quoted: Callable[[Format | None], Format]

    def _write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> Any:
        if is_formula_like(string):
            cell_format = self.quoted(cell_format)
        return super()._write_string(row, col, string, cell_format)


class Workbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook in memory whose text cells can never become formulas (`TextSheet`).

    Create formats with `add_format` (it remembers each format's properties, to add the quote prefix to a
    copy); write with the worksheets' own methods, or `text` / `cell`; `to_bytes()` closes it and returns
    the .xlsx bytes.
    """

    worksheet_class = TextSheet

    def __init__(self) -> None:
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int | None, Format] = {}
        self._buf = io.BytesIO()
        super().__init__(self._buf, _OPTIONS)
        self.date_format = self.add_format({"num_format": EXCEL_DATE_FORMAT})

    def add_format(self, properties: dict[str, Any] | None = None) -> Format:
        fmt = super().add_format(properties)
        self._props[id(fmt)] = dict(properties or {})
        return fmt

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> TextSheet:
        """A `TextSheet` (names longer than Excel's 31 characters are cut)."""
        ws = super().add_worksheet(None if name is None else name[:31], worksheet_class or TextSheet)
        ws.quoted = self._quote
        return ws

    def _quote(self, fmt: Format | None) -> Format:
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            props = {} if key is None else self._props.get(key, {})
            self._quoted[key] = self.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def text(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """Write a value as a text cell (empty for None)."""
        ws.write_string(row, col, "" if missing(value) else str(value), fmt)

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """Write a value by its type: numbers as numbers (Decimal too), dates as dates, all else as text."""
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if missing(value):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool | np.bool_):
            ws.write_boolean(row, col, bool(value), fmt)
        elif isinstance(value, numbers.Real | Decimal):  # numpy numbers too (an object column may hold them)
            ws.write_number(row, col, float(value), fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, fmt or self.date_format)
        else:
            self.text(ws, row, col, value, fmt)

    def to_bytes(self) -> bytes:
        """Close the workbook and return the .xlsx file."""
        self.close()
        return self._buf.getvalue()


def _frame_sheet(wb: Workbook, df: pd.DataFrame, sheet: str, title: str | None, *, period: str | None = None,
                 as_at: dt.date | None = None) -> None:
    """One sheet: optional title row, bold frozen header, sensible widths, typed cells, print setup."""
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True, "bottom": 1, "bg_color": palette.TOTAL_FILL})
    start = 2 if title else 0
    if title:
        wb.text(ws, 0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    for i, col in enumerate(df.columns):
        wb.text(ws, start, i, str(col), bold)
        values = df[col].tolist()
        for r, v in enumerate(values, start=start + 1):
            wb.cell(ws, r, i, v)
        width = max([len(str(col))] + [len(str(v)) for v in values[:200]]) + 2
        ws.set_column(i, i, min(width, 60))
    ws.freeze_panes(start + 1, 0)
    print_setup(ws, title=title or sheet, period=period, as_at=as_at, header_row=start)


def table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None, *, period: str | None = None,
               as_at: dt.date | None = None) -> bytes:
    """A one-sheet workbook: bold frozen header, sensible widths, Decimals written as numbers, text as text,
    and print setup (A4 landscape, fit to width, header row repeated, title / period / as-at header, page
    numbers)."""
    wb = Workbook()
    _frame_sheet(wb, df, sheet, title, period=period, as_at=as_at)
    return wb.to_bytes()


def tables_xlsx(sheets: list[tuple[str, pd.DataFrame, str | None]]) -> bytes:
    """A workbook of several sheets, each (name, table, title) laid out as `table_xlsx` lays out one."""
    wb = Workbook()
    for sheet, df, title in sheets:
        _frame_sheet(wb, df, sheet, title)
    return wb.to_bytes()


# --- print setup and typed tables: every workbook prints cleanly on A4 ------------------------


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
    centre = f"&C{_hf(f'Period {period}')}" if period else ""
    right = f"&R{_hf(f'As at {date_text(as_at)}')}" if as_at else ""
    ws.set_header(f"&L&\"-,Bold\"{_hf(title)}{centre}{right}")
    # An empty section is left out: "&L&R…" reads as left-section text to some readers (openpyxl).
    ws.set_footer(f"{f'&L{_hf(marking)}' if marking else ''}&RPage &P of &N")


class SpecFormats:
    """The cell formats of spec-typed tables in one workbook (a format per kind and unit, bold variants)."""

    def __init__(self, wb: Workbook, negatives: Literal["brackets", "sign"] = "brackets") -> None:
        self.wb = wb
        self.negatives = negatives
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.sub = wb.add_format({"italic": True, "font_color": palette.NOTE_TEXT})
        self.head = wb.add_format({"bold": True, "bg_color": palette.HEADER_FILL, "bottom": 1, "text_wrap": True,
                                   "valign": "top"})
        self.head_right = wb.add_format({"bold": True, "bg_color": palette.HEADER_FILL, "bottom": 1, "text_wrap": True,
                                         "valign": "top", "align": "right"})
        self.rag = {k: wb.add_format({"bg_color": c, "align": "center"})
                    for k, c in ((w, palette.RAG_BACKGROUND[r]) for r, w in RAG_WORDS.items())}
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
