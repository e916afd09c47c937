"""The Audit and Users pages show frames raa_core built under their headings (`audit.events_table`,
`accounts.users_frame`); the audit's page and CSV are in words: headings, roles, actions, pages, councils by name,
London time to the second."""

from __future__ import annotations

import pandas as pd

from raa_core.access import accounts, audit


def test_audit_events_under_their_headings_and_actions_in_words() -> None:
    events = pd.DataFrame([{"at": pd.Timestamp("2026-11-20 10:00:07.654321"), "actor": "ann", "role": "hos",
                            "action": "child_level_view", "page": "local_performance", "la_code": 886,
                            "detail": "A1 days of each child."},
                           {"at": pd.Timestamp("2026-11-20 11:00"), "actor": "bob", "role": "hos",
                            "action": "no_such_code", "page": "", "la_code": None, "detail": ""}])
    words = audit.events_words(events)
    assert words.iloc[0].to_dict() == {"When (London time)": pd.Timestamp("2026-11-20 10:00:07"), "Who": "ann",
                                       "Role": "Head of Service", "Action": "Child-level view",
                                       "Page": "Local performance", "Council": "Kent", "Detail": "A1 days of each child."}
    assert list(words["Action"]) == [audit.ACTIONS["child_level_view"], "no_such_code"]
    assert words.iloc[1]["Council"] == "" and words.iloc[1]["Page"] == ""
    table = audit.events_table(events)
    assert list(table.columns) == ["When (London time)", "Who", "Role", "Action", "Page", "Council", "Detail"]


def test_users_under_their_headings() -> None:
    assert list(accounts.USER_HEADINGS.values()) == ["User name", "Role", "Council", "Status", "Demo user",
                                                     "Created (UTC)"]
