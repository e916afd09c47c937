"""AppTest: the accessibility statement opens before sign-in and from every page (the sidebar's link), with
the regulations' sections, and says what the checks' results say."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_app import navigation
from raa_app.gate import SESSION
from raa_core.presentation import statement
from raa_core.presentation.text import date_text

STATEMENT = navigation.page(navigation.ACCESSIBILITY)[0]


def _links(at: AppTest) -> list[str]:
    return [el.proto.page for el in at.get("page_link")]


def test_the_statement_opens_signed_out_and_the_sign_in_screen_links_to_it(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SESSION] = None  # signed out
    at.run()
    assert not at.exception, at.exception
    assert [b.proto.label for b in at.get("link_button")] == ["Sign in"]  # the way to the sign-in form
    assert any(link.endswith("accessibility") or "accessibility" in link for link in _links(at)), _links(at)
    at.switch_page(STATEMENT)
    at.run()
    assert not at.exception, at.exception
    assert not at.text_input, "the statement needs no sign-in"
    heads = [h.value for h in at.header]
    assert heads == [s.heading for s in statement.sections(statement.load(), "x", None)][1:]
    assert at.title[0].value.startswith("Accessibility statement for the ")
    text = "\n".join(m.value for m in at.markdown)
    for check in statement.load().values():
        if check is not None:
            assert f"last run on {date_text(check.tested_on)} with {check.tool}" in text


def test_signed_in_pages_link_to_the_statement(app_env) -> None:
    """app.py draws the link in the sidebar of whatever page runs (two pages here; the browser tests follow it
    from every page of every role)."""
    for key in ("overview", "users"):
        for script in (navigation.page(key)[0],):
            at = AppTest.from_file(APP, default_timeout=90)
            at.run()
            at.switch_page(script)
            at.run()
            assert not at.exception, (key, at.exception)
            assert any("accessibility" in link for link in _links(at)), (key, _links(at))
