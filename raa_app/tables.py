"""Tables and money on the pages by the one presentation spec (raa_core.presentation).

A table is shown from its source frame and `TableSpec`: money, counts and days stay numbers in the grid
(so a column sorts by value, never as text) and the grid formats them through `st.column_config` with the
spec's labels, alignment, widths fitted to the widest figure, and help. RAG cells are coloured and total
rows bold. The £ / £'000 switch chooses the money unit of a page (the board's default is £'000).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from raa_core.presentation import MoneyUnit, TableSpec, default_unit, display, money_unit
from raa_core.presentation.text import GRID_DATE_FORMAT, grid_date_format

_COLUMN_TYPES = {"number": st.column_config.NumberColumn, "date": st.column_config.DateColumn,
                 "text": st.column_config.TextColumn}


def column_config(spec: TableSpec, unit: MoneyUnit = MoneyUnit.POUNDS,
                  source: pd.DataFrame | None = None) -> dict[str, object]:
    """`st.dataframe` column settings from a table spec (the total-row flag hidden)."""
    config: dict[str, object] = {"_total": None}
    for header, c in spec.streamlit_columns(unit, source).items():
        kind = c.pop("type")
        config[header] = _COLUMN_TYPES[kind](**{k: v for k, v in c.items() if v is not None})
    return config


def show_table(source: pd.DataFrame, spec: TableSpec, unit: MoneyUnit = MoneyUnit.POUNDS, *,
               height: int | str = "auto", key: str | None = None) -> pd.DataFrame:
    """Show a table by its spec (RAG cells coloured, total rows bold); returns the displayed frame."""
    shown = spec.display_frame(source, unit)
    styled = shown.style.format(na_rep=display.NO_FIGURE)  # a blank number reads "—" (not yet due), never "None"
    rag = [c.header(unit) for c in spec.columns if c.kind == "rag"]
    if rag:
        styled = styled.map(display.rag_background, subset=rag)
    if "_total" in shown.columns:
        styled = styled.apply(lambda r: ["font-weight: bold" if r["_total"] else "" for _ in r], axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", height=height,
                 column_config=column_config(spec, unit, source), key=key)
    return shown


def show_frame(frame: pd.DataFrame, *, key_columns: int = 1, column_config: dict[str, object] | None = None,
               full_text: bool = True, **kwargs: object) -> None:
    """Show a frame that has no table spec (a list of users, audit events, drops): as `show_table`, its first
    `key_columns` columns (the ones naming a row) are pinned, so a table wider than the page at 1366 px scrolls
    sideways to its last columns with each row still named. A grid cell never wraps, so a column holding long
    text (`display.long_text_columns`: comments, messages) is made wide, and the rows holding it are repeated
    under the grid in a table that wraps (`display.long_text_rows`, people's text escaped), one click away;
    `full_text` False where the page shows that text whole already (a drop's issues as lines above the grid).
    A column of days or times without a setting of its own shows them as the app writes days (`grid_date_format`)."""
    config: dict[str, object] = dict(column_config or {})
    for name in frame.columns:  # a day as the app writes days ("1 Oct 2026"), never the grid's ISO default
        if name not in config and (fmt := grid_date_format(frame[name])) is not None:
            kind = st.column_config.DateColumn if fmt == GRID_DATE_FORMAT else st.column_config.DatetimeColumn
            config[name] = kind(format=fmt)
    keys = list(frame.columns)[:min(key_columns, len(frame.columns) - 1)]
    for name in keys:
        given = config.get(name)
        config[name] = ({**given, "pinned": True} if isinstance(given, dict)
                        else st.column_config.Column(pinned=True) if given is None else given)
    hidden = {name for name, given in config.items() if given is None}  # a column the caller hides
    long = [name for name in display.long_text_columns(frame) if name not in hidden]
    for name in long:
        given = config.get(name)
        config[name] = ({**given, "width": given.get("width") or "large"} if isinstance(given, dict)
                        else st.column_config.TextColumn(width="large"))
    st.dataframe(frame, hide_index=kwargs.pop("hide_index", True), width=kwargs.pop("width", "stretch"),
                 column_config=config, **kwargs)
    if long and full_text:
        full = display.long_text_rows(frame, [k for k in keys if k not in long and k not in hidden], long)
        label = f"{display.LONG_TEXT_LABEL}: {', '.join(display.md_escape(n) for n in long)}"
        with st.expander(label, icon=":material/notes:"):
            if len(full) > display.LONG_TEXT_ROWS:
                st.caption(f"The first {display.LONG_TEXT_ROWS} of {len(full)} rows with long text; the grid above "
                           "holds every row (a cell opens in full when clicked).")
            st.table(full.head(display.LONG_TEXT_ROWS), hide_index=True)


def unit_choice(key: str, role: str | None) -> MoneyUnit:
    """The £ / £'000 switch for money on a page; the board's default is £'000, everyone else's £."""
    default = default_unit(role)
    got = st.segmented_control("Money in", list(MoneyUnit), format_func=lambda u: u.value, default=default,
                               key=key, help="Pounds and pence, or thousands of pounds (£'000) as board papers show")
    return money_unit(got, default)
