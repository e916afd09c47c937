"""A chart's text alternative (WCAG 2.2 1.1.1 Non-text Content): its title, and its figures as a table.

Read from the finished plotly figure itself, so whatever a chart builder draws (raa_core/*/*_charts.py,
raa_core/forecast/charts.py) has the same numbers in words, with the marks the chart shows (`x` for a suppressed
figure, `*` for a low number): a screen reader or a person who cannot tell the colours apart reads the table. The
app places every chart with it (raa_app/charts.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from raa_core.errors import Fault
from raa_core.presentation.text import DASH, date_text, missing, number_text

#: The category column when the chart's axis has no title.
CATEGORY = "Category"
#: A day written as ISO text ("2026-03-31"), as a chart may be given its periods' ends: read back as a day.
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Rows of a box plot's table: what a box shows, not every point behind it.
BOX_ROWS = ("Lowest", "Lower quartile", "Median", "Mean", "Upper quartile", "Highest")


def _plain(text: object) -> str:
    """A plotly text without its HTML (<br>, <b>, <sup>) and with single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(text or ""))).strip()


def chart_title(fig: Any) -> str:
    """The chart's title as plain text. Raises Fault for a chart without one (WCAG 2.2 1.1.1 and 2.4.6: the chart
    builder must say what the chart shows)."""
    title = _plain(getattr(fig.layout.title, "text", None))
    if not title:
        raise Fault("a chart needs a title that says what it shows")
    return title


def _axis_title(fig: Any, axis: str) -> str:
    """The title of axis `axis` ('x', 'x2', 'y3' ...) of the figure, or ''."""
    name = axis[0] + "axis" + axis[1:]
    got = getattr(fig.layout, name, None)
    return _plain(getattr(getattr(got, "title", None), "text", None)) if got is not None else ""


def _cell(value: object) -> object:
    if isinstance(value, str) and ISO_DAY.fullmatch(value):  # a day the chart was given as text: a day still
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):  # a period's end (pd.Timestamp is a datetime): its day, when it is one
        stamp = pd.Timestamp(value)
        return stamp.date() if stamp == stamp.normalize() else stamp.to_pydatetime()
    return None if missing(value) else value


def _values(seq: Sequence[object] | None) -> list[object]:
    return [] if seq is None else [_cell(v) for v in seq]


def _shown(values: list[object], text: object) -> list[object]:
    """The value of each point as the chart labels it: its text where it has one (`12*`, `x`), else the value."""
    if not isinstance(text, list | tuple) or len(text) != len(values):
        return values
    return [t if isinstance(t, str) and t.strip() else v for v, t in zip(values, text, strict=True)]


def _series(fig: Any) -> list[tuple[str, str, list[object], list[object]]]:
    """(series name, category axis title, categories, values) of every trace that carries figures."""
    out: list[tuple[str, str, list[object], list[object]]] = []
    for i, tr in enumerate(fig.data):
        name = _plain(getattr(tr, "name", None)) or (f"Series {i + 1}" if len(fig.data) > 1 else "Value")
        kind = tr.type
        xaxis = getattr(tr, "xaxis", None) or "x"
        yaxis = getattr(tr, "yaxis", None) or "y"
        if kind in ("box", "histogram", "violin"):
            raw = tr.x if tr.x is not None else tr.y
            s = pd.Series([float(v) for v in raw if not missing(v)], dtype=float)
            stats = [s.min(), s.quantile(0.25), s.median(), s.mean(), s.quantile(0.75), s.max()] if len(s) else []
            out.append((name, "Statistic", list(BOX_ROWS) if stats else [], [round(v, 1) for v in stats]))
            continue
        horizontal = getattr(tr, "orientation", None) == "h" or (kind == "funnel" and tr.x is not None and
                                                                  getattr(tr, "orientation", None) != "v")
        cats, vals = (tr.y, tr.x) if horizontal else (tr.x, tr.y)
        axis = yaxis if horizontal else xaxis
        if vals is None:
            continue
        cats_l, vals_l = _values(cats) or list(range(1, len(vals) + 1)), _values(vals)
        if getattr(tr, "fill", None) == "toself" and len(vals_l) % 2 == 0:  # a band: upper edge, then lower back
            n = len(vals_l) // 2
            out.append((f"{name} (upper)", _axis_title(fig, axis), cats_l[:n], vals_l[:n]))
            out.append((f"{name} (lower)", _axis_title(fig, axis), cats_l[:n], vals_l[n:][::-1]))
            continue
        out.append((name, _axis_title(fig, axis), cats_l, _shown(vals_l, getattr(tr, "text", None))))
    return out


def chart_table(fig: Any) -> pd.DataFrame:
    """The chart's figures as a table: a row per category (period, council, band, line ...) in the chart's order,
    a column per series named as its legend names it. Empty (with the category column) for a chart with no
    figures."""
    series = _series(fig)
    category = next((axis for _, axis, _, _ in series if axis), "") or CATEGORY
    order: dict[str, object] = {}  # a category's text -> the category as the chart has it (a date stays a date)
    columns: dict[str, dict[str, object]] = {}
    for name, _, cats, vals in series:
        label = name
        n = 2
        while label in columns:
            label, n = f"{name} ({n})", n + 1
        columns[label] = {}
        for c, v in zip(cats, vals, strict=False):
            order.setdefault(str(c), c)
            columns[label][str(c)] = v
    if category in columns:
        category = f"{category} "
    text: set[str] = set()
    for label, col in columns.items():  # a column with a mark (`x`, `12*`) is text throughout, as the chart shows it
        if any(isinstance(v, str) for v in col.values()):
            columns[label] = {k: DASH if v is None else str(v) for k, v in col.items()}
            text.add(label)
    # a category a text column's series does not draw is a dash there too (never a blank `None`)
    rows = [{category: c, **{label: col.get(k, DASH if label in text else None) for label, col in columns.items()}}
            for k, c in order.items()]
    return pd.DataFrame(rows, columns=[category, *columns])


def _cell_text(v: Any) -> str:
    """A chart table's cell as people read it: a whole number with separators ("8,212"), else to the places it
    has, up to two ("8,212.6", "1,234.56"); a date in words; a dash for none; text (a mark: `x`, `12*`) as it is."""
    if isinstance(v, str):
        return v
    if isinstance(v, dt.date | pd.Timestamp):
        return date_text(v)
    if missing(v):
        return DASH
    places = next((p for p in (0, 1) if abs(float(v) * 10 ** p - round(float(v) * 10 ** p)) < 1e-9), 2)
    return number_text(v, places)


def chart_table_text(fig: Any) -> pd.DataFrame:
    """`chart_table` with every cell as text (`_cell_text`): the table a page places under its chart, so a figure
    reads as the chart's hover does, never as a float's digits ("8,212.6000")."""
    table = chart_table(fig)
    return table.map(_cell_text) if not table.empty else table.astype(str)
