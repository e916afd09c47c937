"""Data drops: upload a council's drop, see every problem located, load it; and the ingest audit trail."""

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from raa_app import data, errors, shell, tables
from raa_core import access
from raa_core.access import accounts
from raa_core.ingest import drops, freshness, uploads
from raa_core.presentation import date_text, display
from raa_core.store.warehouse import WarehouseError

viewer = shell.page_viewer("data_drops")

ref = shell.reference()
staging_root = Path(os.environ.get("RAA_UPLOADS", shell.db_path().parent / "uploads"))
limits = ref.settings.drops

st.title("Data drops")
st.caption(
    "Each council sends a full snapshot at least weekly. A drop is loaded whole or not at all: an error in any "
    "file rejects the drop and the warehouse keeps what it held. Warnings are loaded and flagged."
)

if accounts.demo_mode(shell.appstate()):
    st.info(accounts.LEAVING_DEMO, icon=":material/science:")

# A new key after each upload clears the uploader, so the server lets go of the uploaded bytes at once.
st.session_state.setdefault("upload_round", 0)
councils = {c.la_code: display.council_option(ref, c.la_code) for c in ref.councils
            if c.la_code in access.upload_councils(viewer, ref)}
with st.form("upload", border=True):
    st.header("Upload a drop")
    c1, c2 = st.columns(2)
    la_code = c1.selectbox("Council", list(councils), format_func=councils.__getitem__, key="upload_council")
    # a typed day, not a calendar (its small day buttons); empty unless typed: no silent "today"
    extract, bad_date = shell.typed_day(
        "Extract date (used only if the drop has no manifest.json)", "upload_date", shell.calendar_today(),
        where=c2,
        help="The extract date is taken from the drop's manifest.json when it has one, then from a dated folder "
             "in a zip; this date is used only when neither gives one. Type a day, for example "
             f"{date_text(shell.calendar_today())}.")
    files = st.file_uploader(
        "One zip of the drop folder, or its files (children, adopters, ledger, budget, establishment .parquet, or "
        "the SSDA903 .csv files instead of children; manifest.json)", type=["parquet", "csv", "json", "zip"],
        accept_multiple_files=True,
        key=f"upload_files_{st.session_state.upload_round}",
        help=f"Up to {uploads.upload_limit_text(limits)}. Uploaded files are checked in a private folder and "
             "deleted as soon as they have been checked or loaded.")
    b1, b2 = st.columns(2)
    check = b1.form_submit_button("Check only", width="stretch")
    load = b2.form_submit_button("Check and load", type="primary", width="stretch")

if (check or load) and bad_date is not None:
    errors.show(bad_date, after=". The drop was not checked.")
elif (check or load) and not files:
    st.warning("Choose the drop's files, or one zip of the drop folder, first.")
elif check or load:
    access.require_upload(viewer, la_code, ref)  # the form offers only the viewer's councils: never refused here
    try:
        outcome = uploads.check_upload(list(files), la_code, extract, ref, shell.calendar_today(), staging_root,
                                       load_into=shell.db_path() if load else None, compare_with=shell.db_path(),
                                       actor=uploads.loaded_by(viewer.user))
    except WarehouseError as exc:
        errors.show(exc, "The drop could not be loaded: ")
        outcome = None
    if outcome is not None:
        st.session_state.last_upload = outcome
        if load:
            data.clear()
        shell.audit_upload(la_code, uploads.audit_detail(outcome, "check and load" if load else "check only"))
    shell.release_uploads(files)
    st.session_state.upload_round += 1  # a fresh, empty uploader: the old widget's files are forgotten
    st.rerun()

outcome = st.session_state.get("last_upload")
if outcome is not None:
    result = outcome.result
    summary = uploads.outcome_text(outcome)
    if result.outcome == "rejected":
        st.error(summary)
    else:
        st.success(summary)
    if outcome.date_source:
        st.caption(f"Extract date {result.extract_date} taken from {outcome.date_source}. "
                   "The uploaded files have been deleted from the server.")
    issues = shell.drop_issues(pd.DataFrame(drops.issues_frame(result)), "data_drops", result.la_code)
    issues = issues.drop(columns=["la_code", "row_count"], errors="ignore")
    rows = issues.to_dict("records")
    if not issues.empty:
        st.markdown(display.issue_lines(rows))  # every message whole and wrapped, council text escaped
        with st.expander("The same issues as a table"):
            tables.show_frame(issues, hide_index=True, width="stretch", full_text=False,  # the lines above
                         column_config={"message": st.column_config.TextColumn("message", width="large")})
        shell.download_table(issues, f"drop_issues_{result.path.replace('/', '_')}", "upload_issues", period="", region=True)


st.header("Ingest history")
history = data.load(freshness.ingest_history)
tables.show_frame(history, hide_index=True, width="stretch")
shell.download_table(history, "ingest_history", "history", period="", region=True)
