"""What a person must never read on a page, in a download or in the board pack: a code where its label belongs.

`findings(text)` returns each offending piece of `text`: a Python blank (`None`, `nan`, `NaT`, `<NA>`), a
snake_case name (`interagency_la_raa`, `published_pct`, `children_waiting`), a quarter code ("2026-27Q2"), an ISO
timestamp to the microsecond ("2026-12-06 19:51:09.310041"), a code the issue's readers met in place of its label
(`pooled`, `floor`, `region_mean`, a RAG word in lower case standing alone), a command-line flag (`--council`) and a
role's code (`council_analyst`). `page_text(at)` collects everything an AppTest page shows as text: titles,
Markdown, captions, alerts, metrics, widget labels and options, table headers and cells.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from raa_core.ingest.contract import TABLES
from raa_core.presentation.text import GRID_DATE_FORMAT, date_text, grid_date_format

#: Each rule: a name and the pattern of what it finds.
RULES: dict[str, re.Pattern[str]] = {
    "blank": re.compile(r"(?<![\w.])(None|nan|NaN|NaT|<NA>)(?![\w.])"),
    "snake_case": re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@(-])"),
    "quarter code": re.compile(r"\b\d{4}-\d{2}Q\d\b"),
    "microseconds": re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3,}"),
    "flag": re.compile(r"(?<![\w-])--[a-z][a-z-]+"),
    # a day is written one way (`presentation.date_text`: "1 Oct 2026"); an ISO day inside a file name
    # ("raa_as-at_2026-10-01.xlsx") or a path is a name, not a day to read
    "ISO day": re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w/-]|\.\w)"),
    "zero-padded day": re.compile(r"(?<![\w.])0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"),
    "month in full beside a day": re.compile(
        r"\b\d{1,2} (?:January|February|March|April|June|July|August|September|October|November|December) \d{4}"),
}
#: Codes that are ordinary words, found only when a cell or a line holds the code alone.
LONE_CODES = frozenset({"pooled", "adoption_support", "floor", "cap", "green", "amber", "red", "default", "run_rate",
                        "region", "region_mean", "303", "886", "887", "True", "False"})


#: The columns of the councils' files, named as the drop contract names them (docs/drop-contract.md): a drop's
#: warning names the column of the file it is about, as the council's analyst finds it in the file.
CONTRACT_COLUMNS = frozenset(name for table in TABLES for name in table.column_names)


def findings(text: str) -> list[str]:
    """Every offending piece of `text` (empty when a person can read it all)."""
    found = [f"{name}: {m.group(0)!r}" for name, rx in RULES.items() for m in rx.finditer(text)
             if not (name == "snake_case" and m.group(0) in CONTRACT_COLUMNS)]
    found += [f"code: {line.strip()!r}" for line in text.splitlines() if line.strip() in LONE_CODES]
    return found


#: Columns whose cells are codes on purpose: a council's DfE code beside its name, and the column of a council's
#: file a drop's warning is about, named as the file names it (the data contract's own name).
CODE_COLUMNS = frozenset({"Code", "Column"})


def _grid_cell(v: Any, fmt: str | None) -> str:
    """A cell of a column of days or times as the app's grid draws it (`tables.show_frame` and the table specs
    give such a column `GRID_DATE_FORMAT` or `GRID_TIME_FORMAT`)."""
    if fmt is None or not isinstance(v, dt.date):
        return str(v)
    return date_text(v) if fmt == GRID_DATE_FORMAT else f"{date_text(v)} {v:%H:%M:%S}"


def frame_text(df: pd.DataFrame, grid: bool = False) -> str:
    """A table as its reader sees it: its headers and cells, one per line. A column whose name starts with `_` is
    the grid's helper (hidden by its column order), and a column of booleans is drawn as ticks, so neither is read;
    an empty cell of a text column is drawn as "None" by Streamlit's grid, so it is read as `None` (an empty number
    is drawn by the table's style, `raa_app.tables.show_table`, as a dash)."""
    cells = [str(c) for c in df.columns]
    for col in df.columns:
        if str(col).startswith("_") or str(col) in CODE_COLUMNS or pd.api.types.is_bool_dtype(df[col]):
            continue
        numeric = pd.api.types.is_numeric_dtype(df[col])
        fmt = grid_date_format(df[col]) if grid else None  # an st.table draws a day as it is given
        cells += ["" if numeric and pd.isna(v) else "None" if v is None or v is pd.NA or v is pd.NaT
                  or (isinstance(v, float) and v != v) else _grid_cell(v, fmt) for v in df[col]]
    return "\n".join(cells)


#: Widgets whose `value` is the chosen code (shown by its label, in `options`) or a number, not text.
CHOICE_WIDGETS = frozenset({"selectbox", "radio", "multiselect", "toggle", "checkbox", "date_input", "number_input",
                            "button"})


def _value(el: Any) -> str:
    parts: list[str] = []
    for attr in ("label", "value", "body"):
        v = getattr(el, attr, None) if attr != "value" or el.type not in CHOICE_WIDGETS else None
        if isinstance(v, pd.DataFrame):
            parts.append(frame_text(v, grid=el.type == "dataframe"))
        elif isinstance(v, str):
            parts.append(v)
    for option in getattr(el, "options", None) or []:
        parts.append(str(option))
    return "\n".join(parts)


KINDS = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success", "metric",
         "selectbox", "radio", "multiselect", "text_input", "button", "toggle", "checkbox", "expander", "tabs",
         "table", "dataframe", "text", "date_input", "number_input")


def page_text(at: Any) -> str:
    """Everything the page (and its sidebar) shows as text, one element per block."""
    blocks: list[str] = []
    for kind in KINDS:
        for el in at.get(kind):
            blocks.append(_value(el))
    return "\n".join(blocks)
