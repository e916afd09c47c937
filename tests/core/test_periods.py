"""Periods: financial years, 3-year periods, quarters and month arithmetic (Python and SQL agree)."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raa_core.periods import (
    Period,
    add_months,
    add_months_sql,
    financial_year,
    financial_year_of,
    following,
    parse_period,
    parse_quarter,
    previous,
    quarter_of,
    quarters,
    three_year,
)

D = dt.date
dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31))


def test_financial_year_runs_april_to_march() -> None:
    p = parse_period("2018-19")
    assert (p.name, p.start, p.end, p.kind) == ("2018-19", D(2018, 4, 1), D(2019, 3, 31), "year")


def test_three_year_period_named_by_first_and_last_years() -> None:
    p = parse_period("2015-18")
    assert (p.name, p.start, p.end, p.kind) == ("2015-18", D(2015, 4, 1), D(2018, 3, 31), "three_year")


def test_century_boundaries() -> None:
    assert parse_period("1999-00").end == D(2000, 3, 31)
    assert parse_period("1998-01").kind == "three_year"
    assert parse_period("1998-01").end == D(2001, 3, 31)


@pytest.mark.parametrize(
    "text",
    ["2018-20", "2018-17", "2015-17", "2018-18", "2018", "2018-2019", "18-19", "", "abcd-ef", "2018/19", "2018-19 Q1"],
)
def test_other_texts_are_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


def test_non_consecutive_years_message_explains_both_forms() -> None:
    with pytest.raises(ValueError, match=r"consecutive years.*2018-19.*2018-21"):
        parse_period("2018-20")


def test_period_end_before_start_is_invalid() -> None:
    with pytest.raises(ValueError):
        Period(name="bad", start=D(2019, 1, 2), end=D(2019, 1, 1), kind="year")


def test_financial_year_of_boundaries() -> None:
    assert financial_year_of(D(2019, 3, 31)).name == "2018-19"
    assert financial_year_of(D(2019, 4, 1)).name == "2019-20"
    assert financial_year_of(D(2019, 1, 1)).name == "2018-19"


def test_quarters_start_in_april() -> None:
    q1 = quarter_of(D(2018, 4, 1))
    assert (q1.name, q1.start, q1.end) == ("2018-19 Q1", D(2018, 4, 1), D(2018, 6, 30))
    q4 = quarter_of(D(2019, 3, 31))
    assert (q4.name, q4.start, q4.end) == ("2018-19 Q4", D(2019, 1, 1), D(2019, 3, 31))
    assert parse_quarter("2018-19 Q3").start == D(2018, 10, 1)
    with pytest.raises(ValueError):
        parse_quarter("2018-20 Q1")


def test_quarters_between_dates() -> None:
    qs = quarters(D(2015, 4, 1), D(2016, 4, 2))
    assert [q.name for q in qs] == ["2015-16 Q1", "2015-16 Q2", "2015-16 Q3", "2015-16 Q4", "2016-17 Q1"]
    assert all(a.end + dt.timedelta(days=1) == b.start for a, b in itertools.pairwise(qs))


def test_previous_periods() -> None:
    assert previous(parse_period("2018-19")).name == "2017-18"
    assert previous(parse_period("2015-18")).name == "2014-17"
    assert previous(quarter_of(D(2018, 4, 1))).name == "2017-18 Q4"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2016, 12, 31), 14, D(2018, 2, 28)),  # 31 December + 14 months = end of February
        (D(2018, 12, 31), 14, D(2020, 2, 29)),  # ... a leap February
        (D(2016, 2, 29), 14, D(2017, 4, 29)),  # leap day entering care
        (D(2016, 2, 29), 12, D(2017, 2, 28)),
        (D(2019, 1, 31), 1, D(2019, 2, 28)),
        (D(2019, 3, 31), -1, D(2019, 2, 28)),
        (D(2017, 1, 15), 14, D(2018, 3, 15)),
        (D(2017, 1, 15), 0, D(2017, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


_SQL = duckdb.connect()


@settings(max_examples=50, deadline=None)
@given(day=dates, months=st.integers(-40, 40))
def test_sql_add_months_agrees_with_python(day: dt.date, months: int) -> None:
    got = _SQL.execute(f"SELECT {add_months_sql('?', months)}", [day]).fetchall()[0][0]
    assert got == add_months(day, months)


@settings(max_examples=50, deadline=None)
@given(day=dates)
def test_every_day_lies_in_its_year_and_quarter(day: dt.date) -> None:
    fy, q = financial_year_of(day), quarter_of(day)
    assert fy.start <= day <= fy.end and q.start <= day <= q.end
    assert fy.start <= q.start and q.end <= fy.end
    assert (fy.end - fy.start).days in (364, 365)


@settings(max_examples=50, deadline=None)
@given(year=st.integers(1990, 2060))
def test_names_parse_back_and_previous_inverts_following(year: int) -> None:
    for p in (financial_year(year), three_year(year), quarter_of(D(year, 5, 1))):
        if p.kind != "quarter":
            assert parse_period(p.name) == p
        assert previous(following(p)) == p
        assert following(p).start == p.end + dt.timedelta(days=1) or p.kind == "three_year"


def test_parse_financial_year_takes_a_financial_year_only() -> None:
    from raa_core.errors import BadInput
    from raa_core.periods import parse_financial_year

    assert parse_financial_year("2021-22") == financial_year(2021)
    for text in ("2021", "2015-18", "2021-23"):
        with pytest.raises(BadInput, match=f"'{text}' is not a financial year: write a financial year like 2021-22"):
            parse_financial_year(text)


def test_window_builds_the_period_from_the_year_name_and_the_window_key() -> None:
    from raa_core.periods import WINDOWS, window

    assert list(WINDOWS) == ["1 year", "3 years"]  # the sidebar's choices, in order
    assert window("2017-18", "1 year") == financial_year(2017)
    assert window("2017-18", "3 years") == three_year(2015)


def test_the_sql_financial_year_fragments_agree_with_periods() -> None:
    import duckdb

    from raa_core.periods import financial_year_of
    from raa_core.store import sql

    con = duckdb.connect()
    start, end = sql.financial_year_bounds_sql(sql.financial_year_start_sql("$d"))
    for day in (dt.date(2021, 3, 31), dt.date(2021, 4, 1), dt.date(1999, 12, 31), dt.date(2024, 2, 29)):
        got = con.execute(f"SELECT {start}, {end}, {sql.financial_year_name_sql(sql.financial_year_start_sql('$d'))}",
                          {"d": day}).fetchone()
        fy = financial_year_of(day)
        assert got == (fy.start, fy.end, fy.name), day


def test_a_period_is_over_when_the_figures_reach_its_end() -> None:
    from raa_core.periods import is_over
    from raa_core.presentation.text import not_over_text, period_kind_text

    fy = financial_year(2026)
    assert is_over(fy, None) and is_over(fy, dt.date(2027, 3, 31)) and not is_over(fy, dt.date(2027, 3, 30))
    assert not_over_text(fy, dt.date(2026, 11, 20)) == "2026-27 is not over: its figures run to 20 Nov 2026."
    assert not_over_text(fy, dt.date(2027, 4, 1)) is None and not_over_text(fy, None) is None
    assert (period_kind_text(fy), period_kind_text(three_year(2015), capital=True)) == (
        "financial year", "3-year period")
    assert period_kind_text(fy, capital=True) == "Financial year"
