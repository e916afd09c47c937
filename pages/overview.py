"""Overview: is the data fresh, what does the warehouse hold, and where to go next."""

import pandas as pd
import streamlit as st

from raa_app import shell
from raa_core import display, freshness

viewer = shell.page_viewer("overview")


@st.cache_data(show_spinner=False)
def _warnings(version: str) -> pd.DataFrame:
    with shell.cursor() as con:
        return freshness.open_warnings(con)


ref = shell.reference()
today = shell.today()
status = shell.council_status()
warnings = _warnings(shell.version())

st.title("Overview")
st.caption(
    f"Data held for the {display.number_word(len(ref.councils))} partner councils on {today:%d %B %Y}. A council is **stale** when its newest "
    f"drop is more than {ref.settings.freshness_days} days old; its figures are flagged wherever they appear."
)

cols = st.columns(len(status))
for col, row in zip(cols, status.itertuples(index=False), strict=True):
    with col, st.container(border=True):
        st.subheader(f"{row.council} ({row.la_code})")
        if pd.isna(row.newest_drop):
            st.error("No drop received yet")
            continue
        label = ":red-badge[Stale]" if row.stale else ":green-badge[Fresh]"
        st.metric("Newest drop", f"{row.newest_drop:%d %b %Y}", f"{row.age_days} days old", delta_color="off")
        st.markdown(f"{label} · {row.drops_held} drops held · {row.open_warnings} open warnings")
        if row.rejected_since:
            st.warning(f"{row.rejected_since} drop(s) rejected since the newest accepted drop")

st.subheader("Rows in the current state")
table = status[["council", "la_code", "newest_drop", "age_days", "stale", "children_rows", "adopters_rows",
                "ledger_rows", "budget_rows", "establishment_rows", "open_warnings"]].rename(columns={
    "council": "Council", "la_code": "Code", "newest_drop": "Newest drop", "age_days": "Age (days)",
    "stale": "Stale", "children_rows": "Child journeys", "adopters_rows": "Adopter households",
    "ledger_rows": "Ledger rows", "budget_rows": "Budget lines", "establishment_rows": "Posts",
    "open_warnings": "Open warnings"})
st.dataframe(table, hide_index=True, width="stretch")
shell.download_table(table, "data_freshness", "freshness")

with st.expander(f"Open warnings in current drops ({len(warnings)})", expanded=False):
    if warnings.empty:
        st.write("No warnings in the councils' current drops.")
    else:
        st.dataframe(warnings, hide_index=True, width="stretch")

st.subheader("Go to")
LINKS = {
    "regional_performance": ("pages/regional_performance.py", "Regional performance", ":material/monitoring:"),
    "local_performance": ("pages/local_performance.py", "Local performance", ":material/location_on:"),
    "budget": ("pages/budget.py", "Pooled budget", ":material/account_balance:"),
    "data_drops": ("pages/data_drops.py", "Data drops", ":material/upload_file:"),
    "audit": ("pages/audit.py", "Audit", ":material/policy:"),
}
links = [LINKS[p] for p in shell.visible_pages() if p in LINKS]
for col, (path, label, icon) in zip(st.columns(max(len(links), 1)), links, strict=False):
    col.page_link(path, label=label, icon=icon)
