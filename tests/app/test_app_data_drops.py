"""AppTest: the Data drops page (upload form, the verdict of the last upload, the ingest history).

AppTest cannot send a file through `st.file_uploader`; the upload itself is driven in Chromium
(test_browser_app.py). Here the verdict an upload leaves in the session is produced by raa_core
(`uploads.check_path`, the same check the page runs) and the page is asserted to show it.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import dropkit as dk
from conftest import APP, SAMPLE_TODAY
from raa_core.ingest import drops, uploads
from raa_core.presentation import display

PAGE = "pages/data_drops.py"


def open_page(outcome: uploads.UploadOutcome | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    if outcome is not None:
        at.session_state["last_upload"] = outcome
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_form_says_where_the_extract_date_comes_from(app_env) -> None:
    at = open_page()
    date = at.text_input(key="upload_date")  # a typed day, not a calendar (its small day buttons)
    assert date.label == "Extract date (used only if the drop has no manifest.json)"
    assert not date.value  # no silent "today" default: a wrong default rejected correct drops
    assert not at.get("date_input")
    assert {"Check only", "Check and load"} <= {b.label for b in at.button}
    assert "Ingest history" in [h.value for h in at.header]
    assert not at.error
    # the history's days and times as the app writes days (raa_app.tables.show_frame), never the grid's ISO
    config = json.loads(at.dataframe[-1].proto.columns)
    assert config["Extract date"]["type_config"] == {"type": "date", "format": "D MMM YYYY"}
    assert config["When (London time)"]["type_config"] == {"type": "datetime", "format": "D MMM YYYY HH:mm:ss"}


def test_an_extract_date_that_cannot_be_read_is_said_and_nothing_is_checked(app_env) -> None:
    at = open_page()
    at.text_input(key="upload_date").input("20/13/2026")
    next(b for b in at.button if b.label == "Check only").click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert "“20/13/2026” is not a date: write the day, month and year, for example" in error.value
    assert error.value.endswith("The drop was not checked.")
    assert not [w for w in at.warning if "Choose the drop's files" in w.value]  # the date is said, not the files
    assert "last_upload" not in at.session_state  # nothing was checked


def test_the_verdict_of_a_rejected_upload_is_located_and_says_the_files_are_gone(app_env, tmp_path, ref) -> None:
    folder = dk.write_drop(tmp_path / "drop", 887, "2026-11-20", manifest=True,
                           children=[*dk.children(), dict(dk.children()[0], child_id="KC-0009", sex="X")])
    result = uploads.check_path(folder, ref, SAMPLE_TODAY)
    assert result.outcome == "rejected"
    at = open_page(uploads.UploadOutcome(result, "manifest.json", tuple(sorted(p.name for p in folder.iterdir())),
                                         loaded=False))
    [error] = at.error
    assert error.value == (f"Drop 887/2026-11-20: rejected — {result.counts_text()}; "
                           f"children data as children.parquet")
    assert any("taken from manifest.json" in c.value and "deleted from the server" in c.value for c in at.caption)
    shown = at.dataframe[0].value
    expected = drops.issues_frame(result)
    assert list(shown["rule"]) == [r["rule"] for r in expected]
    sex = shown[shown["column"] == "sex"].iloc[0]
    assert sex["file"] == "children.parquet" and sex["rows"].startswith("row 4 ")


@pytest.mark.parametrize(("outcome", "loaded", "verb"), [("accepted", True, "loaded"),
                                                         ("accepted", False, "passes every check")])
def test_the_verdict_of_a_good_upload(app_env, ref, outcome, loaded, verb) -> None:
    result = drops.DropResult(path="886/2026-11-20", la_code=886, extract_date=SAMPLE_TODAY, outcome=outcome)
    at = open_page(uploads.UploadOutcome(result, "the form", ("children.parquet",), loaded=loaded))
    [success] = at.success
    assert success.value == f"Drop 886/2026-11-20: {verb} — 0 errors, 0 warnings"
    assert any("taken from the form" in c.value for c in at.caption)


def test_every_message_of_a_rejected_upload_is_shown_whole(app_env, tmp_path, ref) -> None:
    """Review finding: the issues table cut each message after about 30 characters. Each issue is now a line
    of text with its whole message, wrapped; the table stays, in an expander, and the download as it was."""
    import io
    import re
    import zipfile

    folder = dk.write_drop(tmp_path / "drop", 887, "2022-10-07")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.iterdir()):
            z.writestr(f"887/2022-10-07/{p.name}", p.read_bytes())
    upload = io.BytesIO(buf.getvalue())
    upload.name, upload.size = "other_council.zip", len(buf.getvalue())  # type: ignore[attr-defined]
    out = uploads.check_upload([upload], 303, None, ref, SAMPLE_TODAY, tmp_path / "staging")  # type: ignore[list-item]
    [error] = out.result.errors
    assert len(error.message) > 120
    at = open_page(out)
    shown = [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown]
    assert any(f"- **Error** — **Upload refused (upload_refused)**: {error.message}" in m for m in shown), shown
    # the messages are whole above: their grid repeats none (the ingest history's long cells have their own)
    assert [e.label for e in at.expander if not e.label.startswith(display.LONG_TEXT_LABEL)] == [
        "The same issues as a table"]
    assert not [e for e in at.expander if e.label.startswith(f"{display.LONG_TEXT_LABEL}: message")]
    assert at.dataframe[0].value["message"].tolist() == [error.message]
