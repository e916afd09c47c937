"""Reporting periods: financial years (1 April - 31 March), rolling 3-year periods and quarters.

Indicators are reported by financial year (`2018-19`) or by 3-year period named by its first and last
years (`2015-18` = 1 April 2015 to 31 March 2018); quarters (Q1 = April-June) serve the series.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from raa_core.errors import BadInput

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")


class Period(BaseModel):
    """A named date range, both ends inclusive."""

    model_config = ConfigDict(frozen=True)

    name: str
    start: dt.date
    end: dt.date
    kind: Literal["year", "three_year", "quarter"]

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period {self.name} ends before it starts")
        return self

    @property
    def first_year(self) -> int:
        """Calendar year in which the period's first financial year starts."""
        return self.start.year if self.start.month >= 4 else self.start.year - 1

    def __str__(self) -> str:
        return self.name


def _fy_name(first: int, last_start: int) -> str:
    return f"{first}-{(last_start + 1) % 100:02d}"


def financial_year(start_year: int) -> Period:
    """The financial year starting 1 April `start_year` (`financial_year(2018)` is 2018-19)."""
    return Period(
        name=_fy_name(start_year, start_year),
        start=dt.date(start_year, 4, 1),
        end=dt.date(start_year + 1, 3, 31),
        kind="year",
    )


#: The first reporting year the dashboard reports from (the RAA's drops and the business case begin with it):
#: the start of every trend, quarterly series and year list.
FIRST_YEAR: Period = financial_year(2015)


def three_year(first_start_year: int) -> Period:
    """The 3-year period whose first financial year starts in `first_start_year` (2015 -> 2015-18)."""
    return Period(
        name=_fy_name(first_start_year, first_start_year + 2),
        start=dt.date(first_start_year, 4, 1),
        end=dt.date(first_start_year + 3, 3, 31),
        kind="three_year",
    )


def quarter(start_year: int, q: int) -> Period:
    """Quarter `q` (1 = April-June) of the financial year starting in `start_year`."""
    if q not in (1, 2, 3, 4):
        raise BadInput(f"quarter must be 1 to 4, not {q}")
    start = add_months(dt.date(start_year, 4, 1), 3 * (q - 1))
    end = add_months(start, 3) - dt.timedelta(days=1)
    return Period(name=f"{_fy_name(start_year, start_year)} Q{q}", start=start, end=end, kind="quarter")


def parse_period(text: str) -> Period:
    """Parse `2018-19` (a financial year) or `2015-18` (a 3-year period); anything else is BadInput.

    The second part says which: one more than the first year's last two digits is a year, three more is a
    3-year period.
    """
    m = _PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise BadInput(
            f"{text!r} is not a period: write a financial year like 2018-19 or a 3-year period like 2015-18"
        )
    first, second = int(m.group(1)), int(m.group(2))
    if second == (first + 1) % 100:
        return financial_year(first)
    if second == (first + 3) % 100:
        return three_year(first)
    raise BadInput(
        f"{text!r} is not a period: a financial year has consecutive years (e.g. {_fy_name(first, first)}) "
        f"and a 3-year period spans three years (e.g. {_fy_name(first, first + 2)})"
    )


def parse_quarter(text: str) -> Period:
    """Parse a quarter written `2018-19 Q1` (Q1 = April-June)."""
    m = _QUARTER_RE.match(text.strip())
    if m is None or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
        raise BadInput(f"{text!r} is not a quarter: write e.g. 2018-19 Q1 (Q1 = April to June)")
    return quarter(int(m.group(1)), int(m.group(3)))


def financial_year_of(day: dt.date) -> Period:
    """The financial year containing `day`."""
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def quarter_of(day: dt.date) -> Period:
    """The quarter containing `day`."""
    fy = financial_year_of(day)
    months = (day.year - fy.start.year) * 12 + day.month - 4
    return quarter(fy.start.year, months // 3 + 1)


def previous(period: Period) -> Period:
    """The period before: the previous year, the rolling 3-year period one year earlier, or the previous quarter."""
    if period.kind == "year":
        return financial_year(period.first_year - 1)
    if period.kind == "three_year":
        return three_year(period.first_year - 1)
    return quarter_of(period.start - dt.timedelta(days=1))


def following(period: Period) -> Period:
    """The period after (the inverse of `previous`)."""
    if period.kind == "year":
        return financial_year(period.first_year + 1)
    if period.kind == "three_year":
        return three_year(period.first_year + 1)
    return quarter_of(period.end + dt.timedelta(days=1))


def quarters(start: dt.date, end: dt.date) -> list[Period]:
    """Every quarter from the one containing `start` to the one containing `end`."""
    out: list[Period] = []
    q = quarter_of(start)
    while q.start <= end:
        out.append(q)
        q = following(q)
    return out


def years(first: Period, last: Period) -> list[Period]:
    """Successive financial years from `first`'s first year to `last`'s last year."""
    return [financial_year(y) for y in range(first.first_year, last.end.year)]


def add_months(day: dt.date, n: int) -> dt.date:
    """`day` plus `n` calendar months, clamped to the month's end (31 Dec + 14 months = 28/29 Feb)."""
    months = day.year * 12 + (day.month - 1) + n
    year, month = divmod(months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_months_sql(date_expr: str, n: int | str) -> str:
    """DuckDB expression for `add_months` (DuckDB clamps month ends the same way); `n` may be SQL."""
    return f"CAST(({date_expr}) + to_months(CAST({n} AS INTEGER)) AS DATE)"


def parse_financial_year(text: str) -> Period:
    """A financial year written `2021-22`; anything else (a 3-year period included) is BadInput saying how to
    write one. The budget, monitoring and scenario years are financial years only (docs/finance.md)."""
    try:
        period = parse_period(text)
    except BadInput:
        period = None
    if period is None or period.kind != "year":
        raise BadInput(f"{text!r} is not a financial year: write a financial year like 2021-22")
    return period


#: The performance windows a person chooses between, by their words: how many financial years each spans,
#: ending with the chosen year (docs/indicators.md, reporting periods).
WINDOWS: dict[str, int] = {"1 year": 1, "3 years": 3}


def window(year_name: str, key: str) -> Period:
    """The reporting period of a window (`WINDOWS` key) ending with the financial year `year_name`: the year
    itself, or the 3-year period ending with it ('2017-18', '3 years' -> 2015-18)."""
    last = parse_financial_year(year_name).start.year
    return financial_year(last) if WINDOWS[key] == 1 else three_year(last - WINDOWS[key] + 1)


def is_over(period: Period, latest: dt.date | None) -> bool:
    """Whether figures held up to `latest` cover the whole period: True with no figures at all (nothing runs
    short), False when the newest data stops before the period's end (a period still running)."""
    return latest is None or period.end <= latest
