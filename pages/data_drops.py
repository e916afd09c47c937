"""Data drops: upload a council's drop, see every problem located, load it; and the ingest audit trail."""

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from raa_app import shell
from raa_core import access, drops, freshness

viewer = shell.page_viewer("data_drops")

ref = shell.reference()
inbox = Path(os.environ.get("RAA_INBOX", shell.REPO / "data" / "inbox"))

st.title("Data drops")
st.caption(
    "Each council sends a full snapshot at least weekly. A drop is loaded whole or not at all: an error in any "
    "file rejects the drop and the warehouse keeps what it held. Warnings are loaded and flagged."
)

councils = {c.la_code: f"{c.short_name} ({c.la_code})" for c in ref.councils
            if c.la_code in access.upload_councils(viewer, ref)}
with st.form("upload", border=True):
    st.subheader("Upload a drop")
    c1, c2 = st.columns(2)
    la_code = c1.selectbox("Council", list(councils), format_func=councils.__getitem__, key="upload_council")
    extract = c2.date_input("Extract date", value=shell.today(), max_value=shell.today(), key="upload_date",
                            format="YYYY-MM-DD")
    files = st.file_uploader("Drop files (children, adopters, ledger, budget, establishment .parquet; manifest.json)",
                             type=["parquet", "json"], accept_multiple_files=True, key="upload_files")
    b1, b2 = st.columns(2)
    check = b1.form_submit_button("Check only", width="stretch")
    load = b2.form_submit_button("Check and load", type="primary", width="stretch")

if (check or load) and not files:
    st.warning("Choose the drop's files first.")
elif check or load:
    access.require_upload(viewer, la_code, ref)  # the form offers only the viewer's councils: never refused here
    folder = drops.save_upload(inbox, la_code, extract, {f.name: f.getvalue() for f in files})
    if load:
        report = drops.ingest_folders(shell.warehouse().path, [folder], ref, today=shell.today(),
                                      actor="upload on the Data drops page")
        result = report.results[0]
        st.cache_data.clear()
    else:
        result = drops.check_only(folder, ref, today=shell.today())
    shell.audit_upload(la_code, f"{'check and load' if load else 'check only'} {result.path}: {result.outcome} "
                       f"({result.counts_text()})")
    verb = {"accepted": "loaded" if load else "passes every check", "unchanged": "unchanged (already loaded)",
            "rejected": "rejected"}[result.outcome]
    summary = (f"Drop {result.path}: {verb} — {result.counts_text()}"
               + (" (new version of an earlier drop)" if result.new_version else ""))
    if result.outcome == "rejected":
        st.error(summary)
    else:
        st.success(summary)
    issues = pd.DataFrame(drops.issues_frame(result))
    if not issues.empty:
        st.dataframe(issues, hide_index=True, width="stretch")
        shell.download_table(issues, f"drop_issues_{result.path.replace('/', '_')}", "upload_issues", period="", region=True)


@st.cache_data(show_spinner=False)
def _history(version: str) -> pd.DataFrame:
    with shell.cursor() as con:
        return freshness.ingest_history(con, shell.reference())


st.subheader("Ingest history")
history = _history(shell.version())
st.dataframe(history, hide_index=True, width="stretch")
shell.download_table(history, "ingest_history", "history", period="", region=True)
