"""AppTest: every page, for every role, shows words, never codes: no `None`, `nan`, `NaT`, snake_case name, quarter
code, microsecond timestamp, command-line flag or bare code in any title, text, message, widget or table
(`textscan.findings`), in the default view and in the publication view."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, TEST_USERS, signed_in
from raa_app import navigation
from raa_core.reference import load_reference
from textscan import findings, page_text

ROLES = [(role, la) for role, la in TEST_USERS if role != "council_analyst" or la == 886]
#: The audit page lists roles and actions as recorded; its words are checked with the audit page itself.
OWN_CHECKS = ("pages/audit.py",)


def _pages(role: str) -> list[str]:
    allowed = load_reference().role(role).pages
    return [s for k, s, *_ in navigation.PAGES if k in allowed]


@pytest.mark.parametrize(("role", "la_code"), ROLES)
def test_every_page_of_every_role_shows_words_not_codes(app_env, role: str, la_code: int | None) -> None:
    bad: dict[str, list[str]] = {}
    at = signed_in(AppTest.from_file(APP, default_timeout=120), role, la_code)
    at.run()
    for script in [s for s in _pages(role) if s not in OWN_CHECKS]:
        at.switch_page(script)
        at.run()
        assert not at.exception, (script, [e.value for e in at.exception])
        if found := findings(page_text(at)):
            bad[script] = found
    assert not bad, "\n".join(f"{k}: {sorted(set(v))}" for k, v in bad.items())
