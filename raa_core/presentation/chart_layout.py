"""The one layout every chart is placed with (raa_app/charts.py `place`), whatever builder drew it
(raa_core/*/*_charts.py, raa_core/forecast/charts.py): the words fit the chart, nothing is drawn over anything.

- The title is broken into lines of at most `TITLE_CHARS` characters (`<br>`), so it fits a chart half a
  1366 px page wide (two charts side by side at 15 px); the top margin grows with its lines (title automargin).
- Every axis title is broken into lines of at most `AXIS_CHARS` characters and stands off its tick labels, and
  every axis has automargin on: the margins grow to fit the tick labels and titles, so no title is drawn over
  the bars or the labels.
- The legend is one horizontal row (or more) below the plot, at the bottom of the figure (`yref` container),
  below the x axis's labels and title, never over them.

Builders say what a chart shows (title, axis titles, height); the layout of the words is only here.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

#: The longest line of a chart title, in characters (15 px type in half a 1366 px page).
TITLE_CHARS = 60
#: The longest line of an axis title, in characters (a y axis title runs along the plot's height).
AXIS_CHARS = 40
#: Pixels between an axis title and its tick labels.
AXIS_STANDOFF = 8
BREAK = "<br>"


def wrap(text: object, width: int) -> str:
    """`text` (plotly text: lines may already be broken with `<br>`) as lines of at most `width` characters
    joined with `<br>`, broken between words (a word longer than a line is cut)."""
    words = re.sub(r"\s+", " ", re.sub(r"(?i)<br\s*/?>", " ", str(text or ""))).strip()
    lines = textwrap.wrap(words, width, break_long_words=True, break_on_hyphens=False)
    return BREAK.join(line.strip() for line in lines)


def _axes(fig: Any) -> list[str]:
    """The names of the figure's axes in its layout (xaxis, xaxis2, yaxis ...), built or not yet."""
    named = [k for k in fig.layout.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", k)]
    return sorted(set(named) | {"xaxis", "yaxis"})


def fitted(fig: Any) -> Any:
    """A copy of `fig` with the one layout (module docstring): wrapped title and axis titles, automargin on
    every axis, the legend below the plot. A copy, so a figure a page holds is never changed; fitting a fitted
    figure again changes nothing."""
    fig = type(fig)(fig)
    title = wrap(getattr(fig.layout.title, "text", None), TITLE_CHARS)
    fig.update_layout(
        title={"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left", "yref": "container", "y": 0.98,
               "yanchor": "top", "automargin": True},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
    for name in _axes(fig):
        axis = fig.layout[name]
        text = getattr(axis.title, "text", None)
        axis.update(automargin=True, title={"standoff": AXIS_STANDOFF})
        if text:
            axis.update(title={"text": wrap(text, AXIS_CHARS)})
    return fig
