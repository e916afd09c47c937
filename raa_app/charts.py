"""Where every chart is placed (no page calls `st.plotly_chart` itself: tests/repo/test_rule_homes.py and
tests/repo/test_chart_placement.py). A chart without data is a sentence instead.

A chart comes with its text alternative (WCAG 2.2 1.1.1): its title, which says what it shows, and its figures
as a table one click away (an expander under the chart), both read from the figure by
`raa_core.presentation.chart_text`, so the table can never say other than the chart.

Every chart drawn delays the moment a page settles in the browser: with all of them drawn at once the chart
pages took up to half a second longer to settle (docs/operations.md, "Page speed"). So a page draws its leading charts
at once and places the later ones `later`: a "Show chart: its title" switch that draws the chart when turned on
(it reruns alone and is remembered for the session, so the chart is there on the next visit), and the same table
one click away.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from raa_app import shell
from raa_core import presentation
from raa_core.presentation import chart_layout, chart_text, display

#: Plotly's toolbar without its logo and the selection tools (which select nothing here).
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
#: The start of the label of the switch that draws a chart placed `later` (`show_label`).
SHOW_CHART = "Show chart"


def show_label(title: str) -> str:
    """The label of the switch that draws the chart titled `title`: it names its chart, so each switch on a page
    has its own name for a screen reader (WCAG 2.2 2.4.6), the title escaped as text."""
    return f"{SHOW_CHART}: {display.md_escape(title)}"


def show_key(key: str) -> str:
    """The session key of the switch that draws the chart placed with `key` when it is placed `later`."""
    return f"show_chart_{key}"


def place(fig: Any, key: str, where: Any = None, *, later: bool = False) -> None:
    """Draw `fig` full width in `where` (a column or container; the page's main column by default), with its
    figures as a table in an expander under it; or, when it draws no figure at all (`presentation.chart_has_data`:
    reference lines, zeros and suppressed marks are not figures), the sentence that says so instead: a chart is
    never an empty frame. `later`: the chart is drawn when the person turns its switch on (`show_label`, the
    module's docstring); its table is there either way. Raises raa_core.errors.Fault for a chart
    without a title. Every chart is drawn with the one layout (`chart_layout.fitted`: titles wrapped to fit,
    automargin, the legend below the plot)."""
    if not presentation.chart_has_data(fig):
        (where if where is not None else st).info(presentation.no_chart_text(fig), icon=":material/bar_chart_off:")
        return
    title = chart_text.chart_title(fig)
    with where if where is not None else st.container():
        if later:
            _drawn_on_request(fig, key, title)
        else:
            _draw(fig, key)
        with st.expander(f"{title}: the figures as a table", icon=":material/table_chart:"):
            st.table(chart_text.chart_table_text(fig), hide_index=True)


@shell.fragment
def _drawn_on_request(fig: Any, key: str, title: str) -> None:
    """A chart placed `later`: its switch (named for the chart, `show_label`), and the chart above it while the
    switch is on. A part that reruns alone: turning the switch reruns this chart only, not the page."""
    box = st.container()  # above the switch: the chart, drawn while the switch is on
    if st.toggle(show_label(title), key=show_key(key), persist_state="session"):
        with box:
            _draw(fig, key)


def _draw(fig: Any, key: str) -> None:
    st.plotly_chart(chart_layout.fitted(fig), key=key, config=PLOT_CONFIG, width="stretch")
