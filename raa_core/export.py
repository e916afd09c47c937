"""The one writer of every CSV and Excel file the product produces: text is written as text.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel (and to
LibreOffice and Google Sheets opening a CSV): a variance comment `=HYPERLINK(...)`, or a drop column so
named, would run when the file is opened (OWASP "CSV injection"). So:
- CSV: such a text cell gets a leading apostrophe, the OWASP neutralisation; numbers are left as numbers.
- Excel: every text cell is written as a string cell (xlsxwriter never turns text into a formula, URL or
  number here), and one that starts with a trigger also carries Excel's quote prefix, so the cell shows
  exactly the text and stays text even when someone edits it.
Every producer (page downloads, the monitoring workbook, later the board pack and returns) writes through
`table_csv`, `table_xlsx` or a `Workbook` from here.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

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


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM so Excel opens £ and accents correctly; headers and text cells neutralised."""
    clean = df.copy()
    clean.columns = [csv_text(str(c)) for c in clean.columns]
    for col in clean.columns:
        if clean[col].dtype == object or pd.api.types.is_string_dtype(clean[col]):
            clean[col] = clean[col].map(lambda v: csv_text(v) if isinstance(v, str) else v)
    # RFC 4180 line ends, so a field holding a lone CR or LF is quoted rather than splitting the row.
    return clean.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


class Workbook:
    """An xlsxwriter workbook in memory whose text cells can never become formulas.

    Use `add_format` (it remembers each format's properties) and `text` / `cell` to write; `close()` returns
    the .xlsx bytes.
    """

    def __init__(self) -> None:
        self._buf = io.BytesIO()
        self.book = xlsxwriter.Workbook(self._buf, _OPTIONS)
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int | None, Format] = {}
        self.date_format = self.add_format({"num_format": "yyyy-mm-dd"})

    def add_format(self, props: dict[str, Any] | None = None) -> Format:
        fmt = self.book.add_format(props or {})
        self._props[id(fmt)] = dict(props or {})
        return fmt

    def add_worksheet(self, name: str) -> Worksheet:
        return self.book.add_worksheet(name[:31])

    def _quote(self, fmt: Format | None) -> Format:
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            props = {} if fmt is None else self._props.get(key, {})
            self._quoted[key] = self.book.add_format({**props, "quote_prefix": True})
        return self._quoted[key]

    def text(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """Write a value as a text cell (empty for None), quote-prefixed where it looks like a formula."""
        s = "" if _missing(value) else str(value)
        ws.write_string(row, col, s, self._quote(fmt) if is_formula_like(s) else fmt)

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """Write a value by its type: numbers as numbers (Decimal too), dates as dates, all else as text."""
        if _missing(value):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float | Decimal):
            ws.write_number(row, col, float(value), fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, fmt or self.date_format)
        else:
            self.text(ws, row, col, value, fmt)

    def close(self) -> bytes:
        self.book.close()
        return self._buf.getvalue()


def table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None) -> bytes:
    """A one-sheet workbook: bold frozen header, sensible widths, Decimals written as numbers, text as text."""
    wb = Workbook()
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF2"})
    start = 2 if title else 0
    if title:
        wb.text(ws, 0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    for i, col in enumerate(df.columns):
        wb.text(ws, start, i, str(col), bold)
        values = df[col].tolist()
        for r, v in enumerate(values, start=start + 1):
            wb.cell(ws, r, i, v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
        width = max([len(str(col))] + [len(str(v)) for v in values[:200]]) + 2
        ws.set_column(i, i, min(width, 60))
    ws.freeze_panes(start + 1, 0)
    return wb.close()
