"""Shared by the two performance pages: the small display conventions they share
(page header, definitions, low-number and suppression notes, chart config, tables, the table behind a chart)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from raa_app import charts, data, shell, tables
from raa_core import access, suppression
from raa_core.ingest import coverage
from raa_core.performance import asglb, indicators, recruitment
from raa_core.performance import performance_charts as pc
from raa_core.performance import publication as published_tables
from raa_core.presentation import display, publication_convention, quarter_text
from raa_core.reference import DEFAULT_THRESHOLD_SET, THRESHOLD_SET_SHORT, THRESHOLD_SETS
from raa_core.requests import DataRequest, PerformanceRequest


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


# Suppression and chart building are pure functions of small frames, but pandas and plotly make them the
# larger part of a warm page run (bench/pages.py): suppression goes through the one cached data layer (Streamlit
# hashes the frames), charts through `figure`, so a rerun with the same figures rebuilds nothing.


def publish(raw: pd.DataFrame, publication: bool, **rules: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view): the publication strings of a table, and the frame charts draw (masked if publishing)."""
    return data.load(published_tables.published, raw, publication, tuple(sorted(rules.items())))


def publish_scorecard(sc: pd.DataFrame, publication: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view) of a scorecard, as `publish` for a table."""
    return data.load(published_tables.published_scorecard, sc, publication)


def figure(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`build(*args, **kwargs)` for a chart builder of `raa_core.performance.performance_charts`. Its inputs are
    frames `data.load` already holds for this snapshot, so the figure is built, never cached a second time."""
    if getattr(pc, build.__name__, None) is not build:
        raise ValueError(f"not a chart of raa_core.performance.performance_charts: {build!r}")
    return build(*args, **kwargs)


def table(df: pd.DataFrame, columns: dict[str, str], helps: dict[str, str] | None = None) -> None:
    """A full-width table without the index, its columns renamed for display (its first column pinned:
    `tables.show_frame`); `helps` (source column -> definition) puts a term's definition in its column header's
    tooltip."""
    config = {columns.get(k, k): st.column_config.Column(help=words) for k, words in (helps or {}).items()}
    tables.show_frame(df.rename(columns=columns), hide_index=True, width="stretch", column_config=config or None)


def plot(fig: Any, key: str, *, later: bool = False) -> None:
    """Place a chart with its text alternative (raa_app.charts); `later`: drawn when the person asks for it."""
    charts.place(fig, key, later=later)


def chart_notes(low: bool, publication: bool, shaded: bool = False) -> None:
    """The caption under a chart explaining its marks."""
    notes = ["shaded: the period chosen in the sidebar"] if shaded else []
    if low:
        notes.append(f"\\{pc.LOW_N_MARK} rests on fewer than {shell.reference().settings.low_n_below} children")
    if publication:
        notes.append(f"{pc.HIDDEN_MARK} suppressed for publication. "
                     + publication_convention(shell.reference().settings.suppression))
    if notes:
        st.caption(" · ".join(notes))


def export(
    raw: pd.DataFrame,
    shown: pd.DataFrame,
    publication: bool,
    subject: str,
    key: str,
    area: str | None = None,
    *,
    period: str | None = None,
    of: str | None = None,
) -> None:
    """The table behind a chart: as computed, or as published (strings, `x` for suppressed); one area's rows if
    `area` is given. The file is named (shell.download_name) for the area (or `of`: the area a table is about
    without being filtered to it; Region for a table of every council) and `period`."""
    if area is not None:
        raw, shown = raw[raw["area"] == area], shown[shown["area"] == area]
    about = area or of
    shell.download_table(shown if publication else raw, subject + ("_publication" if publication else ""), key,
                         period=period, region=about is None, area=about)


# --- shared by both performance pages: thresholds, no data, the ASGLB return --------------------


def adopter_context(req: PerformanceRequest, publication: bool, names: dict[str, str],
                    areas: list[str] | None = None, of: str | None = None) -> None:
    """The DfE scorecard's adopter and context indicators (`recruitment.extra_indicators`) for the request's
    period: a row per indicator, a column per area (`areas`, default every area), suppressed in the publication
    view as every count, with each one's rule and source beneath; the download is named for `of` (the council a
    page is about; None: the region)."""
    st.subheader(f"Adopter and context indicators, {req.period.name}",
                 help="\n\n".join(recruitment.EXTRA_DEFINITIONS.values()))
    extra = data.load(recruitment.extra_indicators, req)
    shown, _ = data.load(published_tables.published_extra, extra, publication)
    text = shown if publication else suppression.as_text(extra)
    table(recruitment.extra_table(text, names, areas), {})
    with st.expander("Definitions and sources: A11, A12, A13, A4, A5, A15, A16", icon=":material/menu_book:"):
        for words in recruitment.EXTRA_DEFINITIONS.values():
            st.markdown(words)
    export(extra, shown, publication, "adopter_context_indicators", "adopter_context", period=req.period.name, of=of)


def threshold_set() -> str:
    """The threshold set chosen on the page (`dfe` by default), shared by both performance pages."""
    sets = list(THRESHOLD_SETS)
    chosen = st.segmented_control(
        "Thresholds",
        sets,
        default=DEFAULT_THRESHOLD_SET,
        required=True,
        key="threshold_set",
        format_func=lambda s: THRESHOLD_SET_SHORT[s],
        help="\n\n".join(f"**{THRESHOLD_SET_SHORT[s]}**: {THRESHOLD_SETS[s]}" for s in sets),
    )
    return chosen or DEFAULT_THRESHOLD_SET


def no_data_notice(as_at: dt.date | None, names: dict[str, str]) -> dict[str, str]:
    """Say in words which councils had sent no children drop by the as-at date (never 0); returns them."""
    gaps = data.load(coverage.missing, DataRequest(as_at=as_at), "children")
    if gaps:
        lines = "  \n".join(f"**{names.get(a, a)}**: {m}" for a, m in gaps.items())
        st.warning(f"No data, not zero:  \n{lines}", icon=":material/block:")
    return gaps


@shell.fragment
def asglb_button(as_at: dt.date | None, latest: dt.date | None, key: str, publication: bool) -> None:
    """The ASGLB quarterly return: choose a quarter (Q1 = April-June), see its items, download the workbook.
    A fragment: choosing a quarter or showing the return reruns only this part of the page."""
    quarters = asglb.quarter_names(latest or shell.today())
    with st.expander("ASGLB quarterly return", icon=":material/assignment:"):
        st.markdown(
            "The Adoption and Special Guardianship Leadership Board's quarterly items the drops hold, per council "
            "and for the RAA, each with its n and rule; items the drops do not hold are listed as **not held**. "
            "Quarters as the ASGLB uses them: Q1 = April to June."
        )
        if publication:
            st.info(
                display.publication_hidden("The return goes to the ASGLB with exact figures, not for publication",
                                           not access.publication_only(shell.viewer(), shell.reference())),
                icon=":material/visibility_off:",
            )
            return
        quarter = st.selectbox("Quarter", quarters, index=min(1, len(quarters) - 1), key=f"{key}_quarter",
                               format_func=quarter_text)
        if not st.toggle("Show the return for this quarter", key=f"{key}_asglb_show"):
            return  # built only when asked for: the page's other views do not wait for it
        with st.spinner("Building the ASGLB return…"):
            ret, book = data.load(asglb.quarter_return, DataRequest(as_at=as_at), quarter)
        tables.show_frame(asglb.wide_text(ret), hide_index=True, width="stretch", height=320)
        name = shell.download_name("asglb_return", "xlsx", period=quarter, region=True)
        st.download_button(
            "Download the ASGLB return (Excel)", shell.audited(lambda: book, name), name,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_asglb_xlsx", on_click="ignore", icon=":material/download:",
        )
        # the row-level template: personal data, only the councils whose child-level rows the viewer may see
        councils = tuple(access.child_level_councils(shell.viewer(), shell.reference()))
        if not councils:
            st.caption("The row-level template (a row per child and adopter household) is for people with "
                       "child-level rights.")
            return
        every = set(councils) >= set(shell.reference().la_codes)
        rows_name = shell.download_name("asglb_row_level_template", "xlsx", period=quarter, region=every,
                                        area=None if every else str(councils[0]))
        snap = shell.snapshot()  # the builder runs on the click, outside the script run: no session state there
        st.download_button(
            "Download the row-level template (Excel, personal data)",
            shell.audited(lambda: data.load_for(snap, asglb.quarter_rows, DataRequest(as_at=as_at), quarter,
                                                None if every else councils), rows_name),
            rows_name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_asglb_rows_xlsx", on_click="ignore", icon=":material/download:",
            help="Checked by the drops' own rules before it is written. Send it securely, never by e-mail.",
        )
