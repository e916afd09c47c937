"""Identifiers never leave the child-level scope: the one rule (`access.issues_for`) on drop issues, and a
search of the board pack (PDF text and workbook) for every identifier of the sample's drops."""

from __future__ import annotations

import datetime as dt
import io
import tomllib

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import financekit as fk
import personalkit
from conftest import REPO, SAMPLE_TODAY
from raa_core import access, boardpack
from raa_core.boardpack import boardpack_files
from raa_core.ingest import freshness
from raa_core.requests import Viewer

MESSAGE = ("matched_date is before placement_order_date (A2 counts it as 0 days): rows 67, 308 and 317 (the first "
           "data row is row 1); child_id MW-093155, MW-442273, MW-451373")
ROWS = [66, 307, 316]

BOARD = Viewer(user="b", role="board")
HOS = Viewer(user="h", role="hos")
ADMIN = Viewer(user="a", role="admin")
FINANCE = Viewer(user="f", role="finance")


def analyst(la: int) -> Viewer:
    return Viewer(user=f"analyst{la}", role="council_analyst", la_code=la)


def test_a_message_without_child_level_rights_says_how_many_rows() -> None:
    assert access.issue_message(MESSAGE, ROWS, 3, identifiers=False) == (
        "matched_date is before placement_order_date (A2 counts it as 0 days): 3 rows")
    assert access.issue_message(MESSAGE, ROWS, 3, identifiers=True) == MESSAGE
    assert access.issue_message("manifest.json is missing", None, None, identifiers=False) == "manifest.json is missing"
    many = access.issue_message(MESSAGE.replace("rows 67, 308 and 317", "40 rows, the first 3 being rows 67, 308 "
                                                "and 317"), ROWS, 40, identifiers=False)
    assert many.endswith(": 40 rows")


@pytest.mark.parametrize(("viewer", "whole"), [
    (HOS, {303, 886, 887}), (analyst(886), {886}), (analyst(887), {887}), (BOARD, set()), (ADMIN, set()),
    (FINANCE, set()), (None, set())])
def test_each_viewer_sees_identifiers_of_their_own_child_level_councils_only(viewer, whole, sample_con, ref) -> None:
    warnings = freshness._open_warnings(sample_con)
    values = personalkit.identifiers(sample_con)
    shown, identified = access.issues_for(viewer, warnings, ref=ref)
    assert identified == whole
    text = shown.to_csv(index=False)
    assert not personalkit.found(text, values, allowed=whole)
    for la in whole:  # the own council's rows still help fix the drop
        assert personalkit.found(text, {la: values[la]})
        assert "(the first data row is row 1)" in text
    assert len(shown) == len(warnings) and all(shown["rows"].map(lambda r: isinstance(r, str)))
    if not whole:
        assert "row 1)" not in text and shown["message"].str.contains(r": \d+ rows?$").all()


def test_an_upload_verdict_follows_the_same_rule(sample_con, ref) -> None:
    rows = pd.DataFrame([{"severity": "warning", "file": "children.parquet", "column": None, "rule": "r",
                          "rows": "rows 67, 308 and 317 (the first data row is row 1)", "message": MESSAGE,
                          "la_code": 887, "raw_rows": ROWS, "row_count": 3}])
    mine, shown = access.issues_for(analyst(887), rows, ref=ref)
    assert shown == {887} and mine.iloc[0]["message"] == MESSAGE and "raw_rows" not in mine
    theirs, shown = access.issues_for(ADMIN, rows, ref=ref)
    assert not shown and theirs.iloc[0]["rows"] == "3 rows" and "MW-" not in theirs.iloc[0]["message"]


@pytest.mark.parametrize("role", ["board", "hos"])
def test_the_board_pack_names_no_child_whoever_builds_it(sample_con, ref, role) -> None:
    """The pack is a board document (aggregates only): its warnings page and sheet count rows."""
    request = boardpack.PackRequest(period="2026-27", publication=role == "board", role=role)
    pack = fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))
    values = personalkit.identifiers(sample_con)
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(boardpack_files.boardpack_pdf(pack))).pages)
    wb = openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(pack)))
    cells = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                      if c is not None)
    assert "Open warnings" in pdf and "Warnings" in wb.sheetnames
    assert not personalkit.found(pdf, values) and not personalkit.found(cells, values)
    assert "first data row" not in pdf + cells


def test_the_tables_own_download_and_copy_are_off_app_wide() -> None:
    """Every way out of the app is its audited download: Streamlit's table toolbar export is switched off."""
    from streamlit import config

    assert "client.disableDataExport" in config._config_options_template
    settings = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["disableDataExport"] is True
