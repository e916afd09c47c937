"""AppTest: every widget combination reachable from the sidebar renders on every page, and every choice of a page's
own selectboxes, radios and toggles renders too (no exception, no traceback), for the Head of Service (every page,
every council). Comparing saved scenarios of any lengths renders (a 2-year scenario against a 3-year one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, SAMPLE_AS_AT
from raa_app import navigation

PAGES = [script for _, script, *_ in navigation.PAGES]
SIDEBAR = ("council", "year", "window", "as_at")
#: Page widgets whose choices start a long or side-effecting action (not a view of the figures).
ACTIONS = ("sc_pick",)


def _ok(at: AppTest, where: str) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
    _ok(at, page)
    return at


def _choices(widget: Any) -> list[Any]:
    if widget.type == "toggle" or widget.type == "checkbox":
        return [not widget.value, widget.value]
    return list(widget.options)


def _sidebar_grid(at: AppTest, page: str) -> None:
    """Each council, then the oldest and the newest year in each window, and as-at dates in the past."""
    for council in at.selectbox(key="council").options:
        at.selectbox(key="council").set_value(council).run()
        _ok(at, f"{page} council={council}")
    years = at.selectbox(key="year").options
    for year in (years[-1], years[0]):
        for window in at.radio(key="window").options:
            at.selectbox(key="year").set_value(year)
            at.radio(key="window").set_value(window).run()
            _ok(at, f"{page} year={year} window={window}")
    for day in (SAMPLE_AS_AT - dt.timedelta(days=400), dt.date(2019, 4, 1), SAMPLE_AS_AT):
        at.text_input(key="as_at").input(day.isoformat()).run()
        _ok(at, f"{page} as_at={day}")


def _page_widgets(at: AppTest, page: str) -> None:
    """Every option of every selectbox and radio of the page itself, and each toggle both ways (one at a time)."""
    seen: set[str] = set()
    for kind in ("selectbox", "radio", "toggle", "checkbox"):
        for widget in list(getattr(at.main, kind)):
            key = widget.key
            if not key or key in seen or key in SIDEBAR or key in ACTIONS:
                continue
            seen.add(key)
            for choice in _choices(widget):
                try:
                    current = getattr(at, kind)(key=key)
                except KeyError:
                    break  # the widget went away with an earlier choice
                if current.disabled:
                    break
                current.set_value(choice).run()
                _ok(at, f"{page} {key}={choice!r}")


@pytest.mark.parametrize("page", PAGES)
def test_every_sidebar_and_page_choice_renders(app_env, page: str) -> None:
    at = _open(page)
    _page_widgets(at, page)
    _sidebar_grid(at, page)
    at.selectbox(key="council").set_value(at.selectbox(key="council").options[1]).run()
    _page_widgets(at, page)


def test_comparing_scenarios_of_different_lengths_renders(app_env) -> None:
    """The Board's example: "Placement orders, 3-year average" (2 years) first, then a 3-year scenario."""
    at = _open("pages/scenarios.py")
    at.button(key="sc_save").click().run()
    at.text_input(key="sc_name").input("Three years").run()
    at.number_input(key="sc_n_years").set_value(3).run()
    at.button(key="sc_save").click().run()
    _ok(at, "saved")
    at.multiselect(key="sc_compare").set_value(["Placement orders, 3-year average", "Three years"]).run()
    _ok(at, "compare 2 then 3 years")
    assert any("does not model" in i.value for i in at.info), [i.value for i in at.info]
    # the comparison is drawn, or (every difference nought) the sentence that stands for its chart
    assert [c for c in at.get("plotly_chart") if c.proto.id.endswith("-sc_compare_chart")] or any(
        i.value.startswith("No figures to draw for") for i in at.info), [i.value for i in at.info]
    assert at.header[-1].value == "Go-live interagency compensation"  # the rest of the page is there
    at.multiselect(key="sc_compare").set_value(["Three years", "Placement orders, 3-year average"]).run()
    _ok(at, "compare 3 then 2 years")
