"""The board pack says "not provided by this council's 903 files" in the waiting counts that need a match date
903 lacks, for a council whose children data came as SSDA903 files (docs/ssda903.md), never a zero."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from ssda903kit import sample_sent_903

import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core import boardpack
from raa_core.ingest.ssda903 import NOT_PROVIDED_NOTE


def test_waiting_table_marks_the_903_council(sample_db: Path, tmp_path: Path, ref) -> None:
    con = duckdb.connect(str(sample_sent_903(sample_db, tmp_path)))
    try:
        pack = fk.build(con, ref, boardpack.PackRequest(period="2026-27"), today=SAMPLE_TODAY,
                        now=dt.datetime(2026, 11, 23, 9, 0))
    finally:
        con.close()
    waiting = pack.section("waiting").tables[0].frame.set_index("area")
    medway = next(a for a in waiting.index if "Medway" in a)
    kent = next(a for a in waiting.index if "Kent" in a)
    assert waiting.at[medway, "not_matched"] == NOT_PROVIDED_NOTE
    assert waiting.at[kent, "not_matched"] != NOT_PROVIDED_NOTE
    assert waiting.at[medway, "waiting"] != NOT_PROVIDED_NOTE  # 903 gives the whole
