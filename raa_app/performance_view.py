"""Shared by the two performance pages: cached loaders and the small display conventions they share
(page header, definitions, low-number and suppression notes, chart config, tables, the table behind a chart)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from raa_app import shell
from raa_core import access, indicators, journeys, suppression
from raa_core import performance_charts as pc

PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


@st.cache_data(show_spinner=False, max_entries=8)
def latest_date(version: str, as_at: dt.date | None) -> dt.date | None:
    with shell.cursor() as con:
        return journeys.latest_date(con, as_at)


def definition(key: str) -> str:
    return indicators.definition(key, shell.reference())


def header(title: str, definitions: Sequence[str]) -> bool:
    """The page title with the publication-view toggle and the definitions popover; True when publishing."""
    head, toggle = st.columns([4, 1], vertical_alignment="bottom")
    head.title(title)
    with toggle:
        if access.publication_only(shell.viewer(), shell.reference()):
            publication = st.toggle("Publication view", value=True, disabled=True, key="publication_forced",
                                    help=definition("publication") + "\n\nYour role sees the publication view only.")
        else:
            publication = st.toggle(
                "Publication view", key="publication", persist_state="session", help=definition("publication")
            )
        with st.popover("Definitions", icon=":material/menu_book:"):
            for key in definitions:
                st.markdown(definition(key))
    return publication


def publish(raw: pd.DataFrame, publication: bool, **rules: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view): the publication strings of a table, and the frame charts draw (masked if publishing)."""
    shown = suppression.suppress_table(raw, shell.reference().settings, **rules)
    return shown, suppression.masked(raw, shown) if publication else raw


def publish_scorecard(sc: pd.DataFrame, publication: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view) of a scorecard, as `publish` for a table."""
    shown = suppression.suppress_scorecard(sc, shell.reference().settings)
    return shown, suppression.masked(sc, shown) if publication else sc


def table(df: pd.DataFrame, columns: dict[str, str]) -> None:
    """A full-width table without the index, its columns renamed for display."""
    st.dataframe(df.rename(columns=columns), hide_index=True, width="stretch")


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


def export(
    raw: pd.DataFrame, shown: pd.DataFrame, publication: bool, name: str, key: str, area: str | None = None
) -> None:
    """The table behind a chart: as computed, or as published (strings, `x` for suppressed); one area's rows if given."""
    if area is not None:
        raw, shown = raw[raw["area"] == area], shown[shown["area"] == area]
    shell.download_table(shown if publication else raw, name + ("_publication" if publication else ""), key)
