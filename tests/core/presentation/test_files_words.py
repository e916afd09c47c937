"""Every file a person downloads reads in words: the board pack (workbook and PDF, the Board's and the Head of
Service's, with a contribution scenario), the budget monitoring workbook, the scenario and comparison workbooks.
Each cell and each line of text is scanned (`textscan.findings`): no code, `None`, `nan`, `NaT`, snake_case name,
quarter code, microsecond timestamp or command-line flag."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core import boardpack, contributions
from raa_core.boardpack import boardpack_files
from raa_core.contributions import scenario_export
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from textscan import findings

PERIOD = "2026-27"


def workbook_text(data: bytes) -> str:
    """Every sheet's name and every cell's value (as a person reads the cell's text), one per line."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            lines += [v for v in row if isinstance(v, str)]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _pack(sample_con: Any, ref: Any, **kw: Any) -> boardpack.BoardPack:
    request = boardpack.PackRequest(period=PERIOD, **kw)
    return fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))


@pytest.mark.parametrize("who", [{"publication": True, "role": "board"}, {"publication": False, "role": "hos"}])
def test_the_board_pack_reads_in_words(sample_con, ref, who: dict[str, Any]) -> None:
    pack = _pack(sample_con, ref, scenario=parse_scenario(DEFAULT_SCENARIO).to_json(), **who)
    assert not (f := sorted(set(findings(workbook_text(boardpack_files.boardpack_xlsx(pack)))))), f
    assert not (f := sorted(set(findings(pdf_text(boardpack_files.boardpack_pdf(pack)))))), f
    without = _pack(sample_con, ref, **who)
    assert not (f := sorted(set(findings(pdf_text(boardpack_files.boardpack_pdf(without)))))), f


def test_finance_downloads_read_in_words(sample_con, ref) -> None:
    assert not (f := sorted(set(findings(workbook_text(fk.export_monitoring(sample_con, ref, PERIOD)))))), f
    a = fk.run(sample_con, ref, parse_scenario(DEFAULT_SCENARIO))
    b = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "No bounds", "cap_pct": None,
                                                "floor_pct": None, "years": ["2021-22", "2022-23", "2023-24"],
                                                "transition": {"2021-22": 1, "2022-23": 1, "2023-24": 1}}))
    assert not (f := sorted(set(findings(workbook_text(scenario_export.scenario_xlsx(a, ref)))))), f
    assert not (f := sorted(set(findings(workbook_text(scenario_export.comparison_xlsx(contributions.compare([a, b], ref))))))), f
