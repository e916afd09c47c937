"""Freshness: per council the newest drop, age, stale flag; and the staleness words the pages show."""

from __future__ import annotations

import datetime as dt

from factories import add_drop, empty_warehouse, snap
from raa_core.ingest import freshness


def test_stale_after_the_settings_limit_and_without_any_drop(ref) -> None:
    con = empty_warehouse()
    first, second = ref.la_codes[:2]
    add_drop(con, first, "2026-11-20", children=[{"child_id": "C1"}], adopters=[])
    add_drop(con, second, "2026-11-01", children=[{"child_id": "C2"}], adopters=[])
    today = dt.date(2026, 11, 23)
    status = freshness.council_status(snap(con, ref=ref, today=today))
    assert list(status["la_code"]) == ref.la_codes
    by = status.set_index("la_code")
    assert (by.at[first, "age_days"], bool(by.at[first, "stale"])) == (3, False)
    assert (by.at[second, "age_days"], bool(by.at[second, "stale"])) == (22, True)
    assert freshness.is_stale(status, second) and not freshness.is_stale(status, first)
    assert not freshness.is_stale(status, None) and not freshness.is_stale(status, "region")
    labels = freshness.council_labels(status)
    name = {c.la_code: c.short_name for c in ref.councils}
    assert labels[str(first)] == name[first] and labels[str(second)] == f"{name[second]} (stale)"
    rows = {r.la_code: r for r in status.itertuples()}
    assert freshness.staleness_note(rows[second]) == "newest drop 1 Nov 2026 (22 days old)"
    if len(ref.la_codes) > 2:
        third = ref.la_codes[2]
        assert freshness.is_stale(status, third) and freshness.staleness_note(rows[third]) == "no drop yet"


def test_the_stale_sentence_names_the_dataset_its_limit_and_each_stale_council(ref) -> None:
    con = empty_warehouse()
    first, second = ref.la_codes[:2]
    add_drop(con, first, "2026-11-20", ledger=[])
    add_drop(con, second, "2026-10-01", ledger=[])
    status = freshness.council_status(snap(con, ref=ref, today=dt.date(2026, 11, 23)), "finance")
    text = freshness.stale_councils_text(status, "finance", ref)
    name = {c.la_code: c.short_name for c in ref.councils}
    assert text is not None and text.startswith("Stale finance data (older than 35 days): ")
    assert f"{name[second]}: newest drop 1 Oct 2026 (53 days old)" in text and f"{name[first]}:" not in text
    fresh = status.assign(stale=False)
    assert freshness.stale_councils_text(fresh, "finance", ref) is None
