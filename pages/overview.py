"""Overview: is the data fresh, what does the warehouse hold, and where to go next."""

import streamlit as st

from raa_app import data, navigation, shell, tables
from raa_core.ingest import coverage, freshness
from raa_core.ingest.ssda903 import NOT_PROVIDED_SUMMARY
from raa_core.presentation import (
    count_noun,
    count_text,
    date_text,
    disk_text,
    display,
    missing,
    number_word,
)
from raa_core.requests import DataRequest
from raa_core.store.backup import disk_usage

viewer = shell.page_viewer("overview")

ref = shell.reference()
today = shell.today()
status = shell.council_status()
warnings = data.load(freshness.open_warnings)
as_at = shell.run().as_at

st.title("Overview")
if as_at is not None:
    # "As at" a past date: what the warehouse held then, per council and dataset; no drop yet is said in words.
    state = data.load(coverage.state_at, DataRequest(as_at=as_at))
    st.info(
        f"As at **{date_text(as_at)}** (chosen in the sidebar): the drops received by that date. Clear the date "
        "to today's to see freshness now.",
        icon=":material/history:",
    )
    for col, (la_code, rows) in zip(st.columns(state["la_code"].nunique()), state.groupby("la_code"), strict=True):
        with col, st.container(border=True):
            st.header(f"{rows['council'].iloc[0]} ({la_code})")
            for r in rows.itertuples():
                if r.message:
                    st.markdown(f"**{r.table}**: {r.message}")
                else:
                    st.markdown(f"**{r.table}**: drop of {date_text(r.newest_drop)}, {count_text(r.rows)} rows")
    tables.show_frame(
        coverage.held_table(state),
        hide_index=True, width="stretch",
    )
    shell.download_table(state, "data_held", "state_at", period="", region=True)
    st.stop()
if status["sample"].any():
    st.info(f"**Sample data.** The warehouse holds only the bundled synthetic sample (as at "
            f"{date_text(status['judged_on'].iloc[0])}); freshness is judged against that date until a council's own "
            f"drop is loaded.", icon=":material/science:")
st.caption(
    f"Data held for the {number_word(len(ref.councils))} partner councils on {date_text(today)}. "
    + freshness.rule_text(ref)
)

from_903 = data.load(coverage.children_from_903)
cols = st.columns(len(status))
for col, row in zip(cols, status.to_dict("records"), strict=True):
    with col, st.container(border=True):
        st.header(f"{row['council']} ({row['la_code']})")
        for dataset, label in display.DATASET_LABELS.items():
            newest = row[f"{dataset}_drop"]
            if missing(newest):
                st.error(f"{label}: no drop received yet")
                continue
            badge = ":red-badge[Stale]" if row[f"{dataset}_stale"] else ":green-badge[Fresh]"
            st.metric(label, f"{date_text(newest)}", f"{count_noun(int(row[f'{dataset}_age_days']), 'day')} old",
                      delta_color="off")
            st.markdown(f"{badge} {label.lower()}")
        st.markdown(f"{count_noun(int(row['drops_held']), 'drop')} held · "
                    f"{count_noun(int(row['open_warnings']), 'open warning')}")
        if row["rejected_since"]:
            st.warning(f"{count_noun(int(row['rejected_since']), 'drop')} rejected since the newest accepted drop")
        if str(row["la_code"]) in from_903:
            st.caption(NOT_PROVIDED_SUMMARY)

st.header("Rows in the current state")
table = freshness.rows_table(status)
tables.show_frame(table, hide_index=True, width="stretch")
shell.download_table(table, "data_freshness", "freshness", period="", region=True)

with st.expander(f"Open warnings in current drops ({len(warnings)})", expanded=False):
    if warnings.empty:
        st.write("No warnings in the councils' current drops.")
    else:
        # identifiers only for the viewer's own councils' child-level users (access.issues_for, audited), in words
        tables.show_frame(freshness.warnings_frame(shell.drop_issues(warnings, "overview"), ref), hide_index=True,
                     width="stretch")

st.header("Go to")
links = [navigation.page(p) for p in shell.visible_pages() if p in navigation.OVERVIEW_LINKS]
for col, (path, label, icon) in zip(st.columns(max(len(links), 1)), links, strict=False):
    col.page_link(path, label=label, icon=icon)
for key, *_ in navigation.DOCUMENTS:
    title, icon, text = navigation.document(key)
    with st.expander(title, icon=icon):
        st.markdown(text)

st.caption(disk_text(disk_usage(shell.db_path())))  # the warehouse's versions and the store (docs/operations.md)
