"""Request records: frozen, built once per run; a period as a Period, a method as an enum."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from raa_core.errors import BadInput
from raa_core.periods import financial_year, three_year
from raa_core.presentation import date_text
from raa_core.presentation.text import FIRST_TYPED_DAY, LAST_TYPED_DAY, day_from_text
from raa_core.requests import EARLIEST_AS_AT, Method, MonitoringRequest, PerformanceRequest, Viewer, read_day


def test_performance_request_holds_a_period_and_is_frozen() -> None:
    req = PerformanceRequest(period=financial_year(2018), la_code=886, as_at=dt.date(2019, 5, 1), publication=True)
    assert req.period.name == "2018-19" and req.area == "886"
    assert PerformanceRequest(period="2015-18").period == three_year(2015)
    assert PerformanceRequest(period=three_year(2015)).area == "region"
    with pytest.raises(ValidationError):
        req.la_code = 303  # type: ignore[misc]
    assert hash(req) == hash(req.model_copy())


def test_monitoring_request_method_is_a_str_enum() -> None:
    req = MonitoringRequest(year="2026-27", period=7, method="run_rate")
    assert req.method is Method.RUN_RATE and req.method == "run_rate" and f"{req.method}" == "run_rate"
    assert [m.value for m in Method] == ["default", "submitted", "run_rate", "establishment"]
    assert MonitoringRequest(year="2026-27").method is Method.DEFAULT


@pytest.mark.parametrize("kwargs", [
    {"year": "2026-27", "period": 13}, {"year": "2026-27", "period": 0}, {"year": "2015-18"},
    {"year": "2026-27", "method": "guess"},
])
def test_monitoring_request_refuses_bad_values(kwargs) -> None:
    with pytest.raises(ValidationError):
        MonitoringRequest(**kwargs)


def test_viewer() -> None:
    v = Viewer(user="alice", role="finance_lead", la_code=887)
    assert (v.user, v.role, v.la_code) == ("alice", "finance_lead", 887)
    assert Viewer(user="bob", role="board").la_code is None


def test_waiting_is_counted_at_the_period_end_or_the_as_at_date() -> None:
    """min(period end, as at): the page's rule, now raa_core's."""
    today = dt.date(2026, 11, 23)
    assert PerformanceRequest(period="2025-26").waiting_at(today) == dt.date(2026, 3, 31)
    assert PerformanceRequest(period="2026-27").waiting_at(today) == today
    assert PerformanceRequest(period="2025-26", as_at=dt.date(2025, 12, 1)).waiting_at(today) == dt.date(2025, 12, 1)
    assert PerformanceRequest(period="2024-27", as_at=dt.date(2026, 10, 20)).waiting_at(today) == dt.date(2026, 10, 20)


def test_a_one_council_view_defaults_to_the_first_partner() -> None:
    assert PerformanceRequest(period="2025-26").council_or_first([887, 303]) == 887
    assert PerformanceRequest(period="2025-26", la_code=303).council_or_first([887, 303]) == 303
    with pytest.raises(ValueError):
        PerformanceRequest(period="2025-26").council_or_first([])


TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize("typed", ["1 Oct 2026", " 01 oct 2026 ", "1 October 2026", "01/10/2026", "1-10-2026",
                                   "1.10.2026", "2026-10-01", "1  OCT   2026"])
def test_a_typed_as_at_day_is_read_as_people_write_it(typed: str) -> None:
    assert read_day(typed, TODAY) == dt.date(2026, 10, 1)


def test_an_empty_as_at_field_is_the_current_state() -> None:
    assert read_day("", TODAY) is None and read_day("   ", TODAY) is None


@pytest.mark.parametrize(("typed", "says"), [
    ("yesterday", "is not a date: write the day, month and year, for example 20 Nov 2026"),
    ("31/02/2026", "is not a date"), ("10/31/2026", "is not a date"), ("2026-13-01", "is not a date"),
    ("21 Nov 2026", "in the future"), ("1 Jan 1989", "before any council's data"),
])
def test_a_day_that_cannot_be_read_or_used_is_refused_in_words(typed: str, says: str) -> None:
    with pytest.raises(BadInput, match=says):
        read_day(typed, TODAY)


@given(st.dates(min_value=EARLIEST_AS_AT, max_value=TODAY))
def test_every_day_the_app_shows_reads_back_as_itself(day: dt.date) -> None:
    """The app shows a day as `date_text` ("1 Oct 2026"); typed back as shown, it is the same day."""
    assert read_day(date_text(day), TODAY) == day
    assert read_day(day.isoformat(), TODAY) == day


@given(st.one_of(st.dates(max_value=FIRST_TYPED_DAY - dt.timedelta(days=1)),
                 st.dates(min_value=LAST_TYPED_DAY + dt.timedelta(days=1))))
def test_a_typed_day_beyond_what_the_figures_can_reckon_with_is_refused_in_words(day: dt.date) -> None:
    """Every day a person can type and the dashboard cannot reckon with (its day after, its financial year)
    is refused by the one reader of typed days, whichever way it is written."""
    for typed in (day.isoformat(), *([date_text(day)] if day.year >= 1000 else [])):  # a year of four digits
        with pytest.raises(BadInput, match="is too far from today: write a day from 1 Jan 1900 to 31 Dec 2199"):
            day_from_text(typed, TODAY)


@given(st.dates(min_value=FIRST_TYPED_DAY, max_value=LAST_TYPED_DAY))
def test_every_typed_day_in_range_reads_back(day: dt.date) -> None:
    assert day_from_text(day.isoformat(), TODAY) == day
