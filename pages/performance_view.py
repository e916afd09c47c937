"""Shared by the two performance pages: cached loaders and the small display conventions they share
(definitions, low-number and suppression notes, chart config, the table behind a chart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from pages import shell
from raa_core import indicators, journeys
from raa_core import performance_charts as pc

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


@st.cache_data(show_spinner=False, max_entries=8)
def latest_date(version: str, as_at: dt.date | None) -> dt.date | None:
    return journeys.latest_date(shell.cursor(), as_at)


def definition(key: str) -> str:
    return indicators.definition(key, shell.reference())


def plot(fig: Any, key: str) -> None:
    st.plotly_chart(fig, key=key, config=PLOT_CONFIG)


def chart_notes(low: bool, publication: bool, shaded: bool = False) -> None:
    """The caption under a chart explaining its marks."""
    notes = ["shaded: the period chosen in the sidebar"] if shaded else []
    if low:
        notes.append(f"\\{pc.LOW_N_MARK} rests on fewer than {shell.reference().settings.low_n_below} children")
    if publication:
        notes.append(f"{pc.HIDDEN_MARK} suppressed for publication")
    if notes:
        st.caption(" · ".join(notes))


def export(raw: pd.DataFrame, shown: pd.DataFrame, publication: bool, name: str, key: str) -> None:
    """The table behind a chart: as computed, or as published (strings, `x` for suppressed)."""
    shell.download_table(shown if publication else raw, name + ("_publication" if publication else ""), key)
