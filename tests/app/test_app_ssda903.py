"""AppTest: a council whose children data came as SSDA903 files sees "not provided by this council's 903 files"
beside the waiting figures that need a match date 903 lacks, never a zero (docs/ssda903.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from appkit import LOCAL, REGIONAL, open_page, publish
from raa_core.ingest.ssda903 import NOT_PROVIDED_NOTE, NOT_PROVIDED_SUMMARY
from raa_core.performance import journeys


def _medway_sent_903(app_env: Path) -> None:
    con = duckdb.connect(str(app_env.resolve()))
    try:
        con.execute("UPDATE drops SET children_form = '903' WHERE la_code = 887")
    finally:
        con.close()


def test_local_page_says_matched_not_placed_is_not_provided(app_env: Path) -> None:
    _medway_sent_903(app_env)
    metrics = {m.label: m.value for m in open_page(LOCAL, council="887").metric}
    assert metrics[journeys.WAITING_LABELS["matched_not_placed"]] == NOT_PROVIDED_NOTE
    assert metrics[journeys.WAITING_LABELS["with_po_not_matched"]] == NOT_PROVIDED_NOTE
    assert metrics["Children waiting"] != NOT_PROVIDED_NOTE  # 903 gives the whole
    kent = {m.label: m.value for m in open_page(LOCAL, council="886").metric}
    assert kent[journeys.WAITING_LABELS["matched_not_placed"]] != NOT_PROVIDED_NOTE


def test_regional_waiting_table_marks_the_903_council_and_the_region(app_env: Path) -> None:
    _medway_sent_903(app_env)
    at = open_page(REGIONAL)
    table = next(d.value for d in at.dataframe if "Children waiting" in d.value.columns)
    row = table[table["Children waiting"] == journeys.WAITING_LABELS["matched_not_placed"]].iloc[0]
    assert row["Medway"] == NOT_PROVIDED_NOTE
    region = [c for c in table.columns if c.startswith("Region")]
    assert region and "Medway sent SSDA903 files" in row[region[0]]


def test_overview_says_which_council_sent_903_files(app_env: Path) -> None:
    _medway_sent_903(app_env)
    captions = [c.value for c in open_page("pages/overview.py").caption]
    assert captions.count(NOT_PROVIDED_SUMMARY) == 1


def test_local_page_says_matches_and_sibling_groups_are_not_provided(app_env: Path) -> None:
    """The funnel's Match stage and the characteristics' sibling-group rows read the words, never a 0."""
    _medway_sent_903(app_env)
    at = open_page(LOCAL, council="887")
    captions = [c.value for c in at.caption]
    assert f"Match: {NOT_PROVIDED_NOTE}." in captions
    assert f"Placement order → Match: {NOT_PROVIDED_NOTE}." in captions
    assert f"Match → Placed: {NOT_PROVIDED_NOTE}." in captions
    tables = [d.value for d in at.dataframe if "Characteristic" in d.value.columns]
    assert tables
    for table in tables:
        for label in ("In a sibling group", "Harder to place"):
            rows = table[table["Characteristic"] == label]
            assert len(rows) and set(rows["Children"]) == {NOT_PROVIDED_NOTE}, (label, rows)
            assert set(rows["%"]) == {NOT_PROVIDED_NOTE}
        assert NOT_PROVIDED_NOTE not in set(table[table["Characteristic"] == "Sex"]["Children"])
    kent = open_page(LOCAL, council="886")
    assert not any(NOT_PROVIDED_NOTE in c.value for c in kent.caption)
    for table in (d.value for d in kent.dataframe if "Characteristic" in d.value.columns):
        assert NOT_PROVIDED_NOTE not in set(table["Children"])


def test_regional_characteristics_say_the_region_counts_a_903_council(app_env: Path) -> None:
    _medway_sent_903(app_env)
    table = next(d.value for d in open_page(REGIONAL).dataframe if "Characteristic" in d.value.columns)
    rows = table[table["Characteristic"] == "In a sibling group"]
    assert len(rows) and all("Medway sent SSDA903 files" in v for v in rows["Children"])
    assert all("Medway sent SSDA903 files" in v for v in rows["% of n"])


def test_the_publication_view_also_says_not_provided(app_env: Path) -> None:
    """Suppression works on the figures; the words replace the 903 council's figures after it, never an x or 0."""
    _medway_sent_903(app_env)
    at = publish(open_page(LOCAL, council="887"))
    assert f"Match: {NOT_PROVIDED_NOTE}." in [c.value for c in at.caption]
    table = next(d.value for d in at.dataframe if "Characteristic" in d.value.columns)
    assert set(table[table["Characteristic"] == "In a sibling group"]["Children"]) == {NOT_PROVIDED_NOTE}
