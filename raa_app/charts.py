"""Where every chart is placed (no page calls `st.plotly_chart` itself: tests/repo/test_rule_homes.py).

A chart comes with its text alternative (WCAG 2.2 1.1.1): its title, which says what it shows, and its figures
as a table one click away (an expander under the chart), both read from the figure by
`raa_core.presentation.chart_text`, so the table can never say other than the chart.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from raa_core.presentation import chart_text

#: Plotly's toolbar without its logo and the selection tools (which select nothing here).
PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def place(fig: Any, key: str, where: Any = None) -> None:
    """Draw `fig` full width in `where` (a column or container; the page's main column by default), with its
    figures as a table in an expander under it. Raises raa_core.errors.Fault for a chart without a title."""
    title = chart_text.chart_title(fig)
    with where if where is not None else st.container():
        st.plotly_chart(fig, key=key, config=PLOT_CONFIG, width="stretch")
        with st.expander(f"{title}: the figures as a table", icon=":material/table_chart:"):
            st.table(chart_text.chart_table(fig), hide_index=True)
