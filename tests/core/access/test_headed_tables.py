"""The Audit and Users pages show frames raa_core built under their headings (`audit.events_table`,
`accounts.users_frame`); the audit CSV keeps the column names, with actions in words."""

from __future__ import annotations

import pandas as pd

from raa_core.access import accounts, audit


def test_audit_events_under_their_headings_and_actions_in_words() -> None:
    events = pd.DataFrame([{"at": pd.Timestamp("2026-11-20 10:00"), "actor": "ann", "role": "hos",
                            "action": "child_level_view", "page": "local", "la_code": 886, "detail": ""},
                           {"at": pd.Timestamp("2026-11-20 11:00"), "actor": "bob", "role": "hos",
                            "action": "no_such_code", "page": "", "la_code": None, "detail": ""}])
    words = audit.events_words(events)
    assert list(words.columns) == list(events.columns)
    assert list(words["action"]) == [audit.ACTIONS["child_level_view"], "no_such_code"]
    table = audit.events_table(events)
    assert list(table.columns) == ["When (London time)", "Who", "Role", "Action", "Page", "Council", "Detail"]


def test_users_under_their_headings() -> None:
    assert list(accounts.USER_HEADINGS.values()) == ["User name", "Role", "Council", "Status", "Demo user",
                                                     "Created (UTC)"]
