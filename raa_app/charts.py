"""Where every chart is placed (no page calls `st.plotly_chart` itself: tests/repo/test_rule_homes.py and
tests/repo/test_chart_placement.py). A chart without data is a sentence instead.

A chart comes with its text alternative (WCAG 2.2 1.1.1): its title, which says what it shows, and its figures
as a table one click away (an expander under the chart), both read from the figure by
`raa_core.presentation.chart_text`, so the table can never say other than the chart.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from raa_core import presentation
from raa_core.presentation import chart_layout, chart_text

#: Plotly's toolbar without its logo and the selection tools (which select nothing here).
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def place(fig: Any, key: str, where: Any = None) -> None:
    """Draw `fig` full width in `where` (a column or container; the page's main column by default), with its
    figures as a table in an expander under it; or, when it draws no figure at all (`presentation.chart_has_data`:
    reference lines, zeros and suppressed marks are not figures), the sentence that says so instead: a chart is
    never an empty frame. Raises raa_core.errors.Fault for a chart without a title. Every chart is drawn with the
    one layout (`chart_layout.fitted`: titles wrapped to fit, automargin, the legend below the plot)."""
    if not presentation.chart_has_data(fig):
        (where if where is not None else st).info(presentation.no_chart_text(fig), icon=":material/bar_chart_off:")
        return
    title = chart_text.chart_title(fig)
    with where if where is not None else st.container():
        st.plotly_chart(chart_layout.fitted(fig), key=key, config=PLOT_CONFIG, width="stretch")
        with st.expander(f"{title}: the figures as a table", icon=":material/table_chart:"):
            st.table(chart_text.chart_table_text(fig), hide_index=True)
