"""The RAA's clock: what "today" and "now" mean for drops, freshness and audit.

The three councils are in England, so a calendar date is the Europe/London one whatever the server's `TZ`
(docs/drop-contract.md, "Exactness", applies the same rule to the councils' timestamps). A London drop dated
today must be accepted by a UTC server between 00:00 and 01:00 BST, and an age in days must not change with
the server's zone. Moments (when an ingest ran, when a drop loaded) are stored as naive UTC in the warehouse
and shown to people in London time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

from raa_core.ingest.contract import LONDON

LONDON_ZONE = ZoneInfo(LONDON)


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Europe/London (`now`, an aware moment, for tests; default the system clock)."""
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise ValueError("clock.today needs an aware moment (a naive one has no zone to read it in)")
    return moment.astimezone(LONDON_ZONE).date()


def utc_now() -> dt.datetime:
    """Now as naive UTC, the form the warehouse's TIMESTAMP columns hold (never the server's local time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def london_times(utc: pd.Series, *, to_minute: bool = True) -> pd.Series:
    """A column of stored naive-UTC moments as London wall-clock times (naive, so that a table sorts and shows
    them as datetimes), to the minute unless `to_minute` is false; NaT stays NaT."""
    moments = pd.to_datetime(utc).dt.tz_localize("UTC").dt.tz_convert(LONDON).dt.tz_localize(None)
    return moments.dt.floor("min") if to_minute else moments


def utc_start_of(day: dt.date) -> dt.datetime:
    """The moment a London calendar day starts, as naive UTC (23:00 the day before in summer)."""
    return dt.datetime.combine(day, dt.time(), LONDON_ZONE).astimezone(dt.UTC).replace(tzinfo=None)

