"""The one chart layout (`chart_layout.fitted`, applied to every chart by raa_app/charts.py `place`): for any
figure, titles and axis titles are wrapped to their widths with every word kept, every axis has automargin,
and the legend is below the plot."""

from __future__ import annotations

import re

import plotly.graph_objects as go
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.subplots import make_subplots

from raa_core.presentation import chart_layout
from raa_core.presentation.chart_layout import AXIS_CHARS, TITLE_CHARS, fitted

WORDS = st.lists(st.one_of(st.text("abcdefghij£%()-→", min_size=1, max_size=12), st.just("<br>"),
                           st.text("x", min_size=30, max_size=80)), max_size=30).map(" ".join)


def _letters(text: object) -> str:
    return re.sub(r"\s+", "", re.sub(r"<br>", " ", str(text or "")))


def check(fig: go.Figure) -> None:
    """The layout's promises, for the figure as placed."""
    title = fig.layout.title.text or ""
    assert all(len(line) <= TITLE_CHARS for line in title.split("<br>")), title
    names = [k for k in fig.layout.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", k)]
    assert {"xaxis", "yaxis"} <= set(names)
    for name in names:
        axis = fig.layout[name]
        assert axis.automargin is True, name
        text = axis.title.text or ""
        assert all(len(line) <= AXIS_CHARS for line in text.split("<br>")), (name, text)
    legend = fig.layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
    assert fig.layout.title.automargin is True


@settings(max_examples=120, deadline=None)
@given(title=WORDS, axis_titles=st.lists(WORDS, min_size=4, max_size=4), cols=st.integers(1, 3),
       rows=st.integers(1, 2))
def test_any_figure_is_fitted_with_every_word_kept(title: str, axis_titles: list[str], cols: int, rows: int) -> None:
    fig = make_subplots(rows=rows, cols=cols) if rows * cols > 1 else go.Figure()
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            trace = go.Bar(x=["a", "b"], y=[1, 2], name=f"series {r}{c}")
            fig.add_trace(trace, row=r, col=c) if rows * cols > 1 else fig.add_trace(trace)
    fig.update_layout(title=title, legend={"y": -0.3})
    fig.update_xaxes(title_text=axis_titles[0])
    fig.update_yaxes(title_text=axis_titles[1], row=1, col=1) if rows * cols > 1 else fig.update_yaxes(
        title_text=axis_titles[1])
    before = fig.to_plotly_json()
    shown = fitted(fig)
    check(shown)
    assert fig.to_plotly_json() == before  # a copy: the figure a page holds is not changed
    # every character kept, in order (a word longer than a line is cut, so spaces are compared apart)
    assert _letters(shown.layout.title.text) == _letters(title)
    assert _letters(shown.layout.xaxis.title.text) == _letters(axis_titles[0])
    assert fitted(shown).to_plotly_json() == shown.to_plotly_json()  # fitting again changes nothing


def test_wrap_breaks_between_words_within_the_width() -> None:
    text = "Forecast outturn by period against the budget for the pooled budget, 2026-27, as at 20 November 2026"
    lines = chart_layout.wrap(text, TITLE_CHARS).split("<br>")
    assert len(lines) == 2 and all(len(line) <= TITLE_CHARS for line in lines)
    assert " ".join(lines) == text
    assert chart_layout.wrap("short<br>title", TITLE_CHARS) == "short title"
    assert chart_layout.wrap(None, 10) == ""
