"""Freshness: per council the newest drop, age, stale flag; and the staleness words the pages show."""

from __future__ import annotations

import datetime as dt

from factories import add_drop, empty_warehouse
from raa_core import freshness


def test_stale_after_the_settings_limit_and_without_any_drop(ref) -> None:
    con = empty_warehouse()
    first, second = ref.la_codes[:2]
    add_drop(con, first, "2026-11-20", children=[{"child_id": "C1"}])
    add_drop(con, second, "2026-11-01", children=[{"child_id": "C2"}])
    today = dt.date(2026, 11, 23)
    status = freshness.council_status(con, ref, today)
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
    assert freshness.staleness_note(rows[second]) == "newest drop 01 Nov 2026 (22 days old)"
    if len(ref.la_codes) > 2:
        third = ref.la_codes[2]
        assert freshness.is_stale(status, third) and freshness.staleness_note(rows[third]) == "no drop yet"
