"""The RAA's clock (raa_core.clock): today is the Europe/London date and moments are stored as UTC, whatever
the server's TZ (a UTC server between 00:00 and 01:00 BST rejected a London drop
dated today, and the ingest history showed 09:02 under TZ=UTC but 22:02 under TZ=Pacific/Auckland)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dropkit as dk
from factories import snap
from raa_core import clock
from raa_core.ingest import drops, freshness
from raa_core.reference import load_reference
from raa_core.store.warehouse import create_schema

REF = load_reference()


def test_today_is_the_london_date() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July; 23:30 UTC on 30 November is 23:30 GMT, still 30 November
    assert clock.today(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 7, 1)
    assert clock.today(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 11, 30)
    # 11:00 on 1 December in Auckland is 22:00 on 30 November in London
    auckland = dt.timezone(dt.timedelta(hours=13))
    assert clock.today(dt.datetime(2026, 12, 1, 11, 0, tzinfo=auckland)) == dt.date(2026, 11, 30)
    with pytest.raises(ValueError):
        clock.today(dt.datetime(2026, 11, 30, 12, 0))


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31),
                    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=13)),
                                               dt.timezone(dt.timedelta(hours=-10))])))
def test_today_never_depends_on_the_zone_the_moment_is_written_in(moment: dt.datetime) -> None:
    assert clock.today(moment) == clock.today(moment.astimezone(dt.UTC))
    assert clock.today(moment) == moment.astimezone(clock.LONDON_ZONE).date()


def test_london_times_show_bst_and_gmt_to_the_minute() -> None:
    stored = pd.Series([dt.datetime(2026, 7, 1, 8, 2, 41, 123456), dt.datetime(2026, 11, 30, 9, 2, 5), pd.NaT])
    shown = clock.london_times(stored)
    assert list(shown[:2]) == [pd.Timestamp(2026, 7, 1, 9, 2), pd.Timestamp(2026, 11, 30, 9, 2)]
    assert pd.isna(shown[2])


def test_ingest_stores_utc_and_history_shows_london_time(tmp_path) -> None:
    """The stored moments are UTC under any TZ the tests run in (UTC and Pacific/Auckland), and history's
    'When (London time)' is that moment in London, to the minute."""
    import duckdb

    dk.write_drop(tmp_path / "drops", 886, "2022-10-07")
    con = duckdb.connect()
    create_schema(con)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    drops.ingest_into(con, drops.discover(tmp_path / "drops"), REF, dt.date(2022, 10, 8))
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started, finished, loaded = con.execute(
        "SELECT a.started_at, a.finished_at, d.loaded_at FROM ingest_audit a JOIN drops d USING (drop_id)").fetchone()
    assert before <= started <= finished <= after and before <= loaded <= after
    when = freshness.ingest_history(snap(con, ref=REF))["When (London time)"].iloc[0]
    assert when == pd.Timestamp(finished).tz_localize("UTC").tz_convert("Europe/London").tz_localize(None).floor("min")


def test_no_module_reads_the_servers_local_date_or_time() -> None:
    """The class of fault, not the one case: every 'today' and 'now' in the product goes through raa_core.clock
    (or names its zone), so nothing depends on the server's TZ."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("raa_core", "raa_app", "pages")
        for path in sorted((root / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(date\.today|datetime\.now|datetime\.utcnow)\(\)|current_timestamp|\bnow\(\)", line)
        and path.name != "clock.py"
    ]
    assert offenders == []
