"""Tables as downloadable files: CSV for tools, Excel (via xlsxwriter) for people."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd


def table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM so Excel opens £ and accents correctly."""
    return df.to_csv(index=False).encode("utf-8-sig")


def table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None) -> bytes:
    """A one-sheet workbook: bold frozen header, sensible widths, Decimals written as numbers."""
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
    return out.getvalue()
