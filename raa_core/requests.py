"""What a page run (or a command) asks for, built once and passed down unchanged.

Modelled on Fava's `FilteredLedger`: the app's shell turns the sidebar into these frozen records once per
script run; pages hand them to `raa_core` functions, which apply the council and child-level scope in SQL.
The CLI builds the same records from its arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from raa_core.errors import BadInput
from raa_core.periods import Period, parse_financial_year, parse_period
from raa_core.presentation.text import date_text, day_from_text
from raa_core.reference import DEFAULT_THRESHOLD_SET, THRESHOLD_SETS


class Viewer(BaseModel):
    """Who is looking: user name, role (reference `roles.csv`) and, for a council's own staff, its DfE code
    (None: the whole RAA). Permission checks on a Viewer live in `raa_core.access`."""

    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    la_code: int | None = None


class DataRequest(BaseModel):
    """The state of the drops asked for, where nothing else is: the as-at date (None = the current state, the
    newest drops; docs/drop-contract.md). Queries that only need the as-at date take one of these, or any request
    with an `as_at` (`AsAt`); `CURRENT` asks for the current state."""

    model_config = ConfigDict(frozen=True)

    as_at: dt.date | None = None


#: The earliest as-at date: no council's data goes back further (the contract's plausible dates begin here).
EARLIEST_AS_AT = dt.date(1990, 1, 1)


def check_as_at(as_at: dt.date | None, today: dt.date,
                written: Callable[[dt.date], str] = dt.date.isoformat) -> dt.date | None:
    """An as-at date asked for, checked: from 1990 (`EARLIEST_AS_AT`) up to `today`. A date outside says
    nothing true (in 2300 every drop looks fresh; in 1900 no council had sent one), so it is refused with the
    range, its dates `written` as the asker writes them (ISO on the command line, words on a page). Raises
    BadInput."""
    if as_at is not None and not EARLIEST_AS_AT <= as_at <= today:
        when = "in the future" if as_at > today else "before any council's data"
        raise BadInput(f"as-at date {written(as_at)} is {when}: give a date from {written(EARLIEST_AS_AT)} "
                       f"to today ({written(today)})")
    return as_at


def read_day(text: str, today: dt.date) -> dt.date | None:
    """An as-at date typed by a person (`presentation.day_from_text`), checked as `check_as_at` does, its range
    in words; an empty field is None (the current state). Raises BadInput."""
    return check_as_at(day_from_text(text, today), today, date_text)


#: The current state of the drops (no as-at date).
CURRENT = DataRequest()


class PerformanceRequest(BaseModel):
    """The adoption performance figures asked for: a reporting `Period` (a financial year or a 3-year
    period), one council (DfE code) or None for the region, the as-at date (None = the current state, the
    newest drops), whether the publication view (suppression of small numbers) applies, and the named set of
    thresholds figures are judged against (reference `THRESHOLD_SETS`: `dfe`, the default, or `business_case`;
    docs/indicators.md)."""

    model_config = ConfigDict(frozen=True)

    period: Period
    la_code: int | None = None
    as_at: dt.date | None = None
    publication: bool = False
    thresholds: str = DEFAULT_THRESHOLD_SET

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: str) -> str:
        if v not in THRESHOLD_SETS:
            raise ValueError(f"threshold set must be one of {', '.join(THRESHOLD_SETS)}, not {v!r}")
        return v

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: object) -> object:
        return parse_period(v) if isinstance(v, str) else v

    @classmethod
    def of(cls, **fields: object) -> PerformanceRequest:
        """A request from a person's input (the CLI's arguments): BadInput with the plain reason (e.g. "'2018'
        is not a period: ...") where a field is not valid, rather than pydantic's report."""
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            cause = first.get("ctx", {}).get("error")
            raise BadInput(str(cause) if cause is not None else first["msg"]) from exc

    def with_(self, **changes: object) -> PerformanceRequest:
        """This request with some fields changed (validated again): `req.with_(la_code=886)`."""
        return PerformanceRequest.model_validate(self.model_dump() | changes)

    @property
    def area(self) -> str:
        """The area key of indicator tables: 'region' or the council's code as text."""
        return "region" if self.la_code is None else str(self.la_code)

    def waiting_at(self, today: dt.date) -> dt.date:
        """The date children and adopters waiting are counted on: the period's end, or the as-at date
        (today for the current state) if earlier: `min(period end, as at)` (docs/indicators.md, waiting)."""
        return min(self.period.end, self.as_at or today)

    def council_or_first(self, la_codes: Sequence[int]) -> int:
        """The council a one-council view shows: the one asked for, else the first partner in reference data."""
        if self.la_code is not None:
            return self.la_code
        if not la_codes:
            raise BadInput("no partner councils in reference data")
        return la_codes[0]


class Method(StrEnum):
    """Forecast outturn methods (docs/forecast.md): the default picks submitted, else establishment, else run rate."""

    DEFAULT = "default"
    SUBMITTED = "submitted"
    RUN_RATE = "run_rate"
    ESTABLISHMENT = "establishment"


class MonitoringRequest(BaseModel):
    """The budget monitoring asked for: financial year 'YYYY-YY', period 1-12 (None = the latest loaded),
    forecast `Method`, and the as-at date (None = the current state)."""

    model_config = ConfigDict(frozen=True)

    year: str
    period: int | None = None
    method: Method = Method.DEFAULT
    as_at: dt.date | None = None

    @field_validator("year")
    @classmethod
    def _year(cls, v: str) -> str:
        """Only a financial year: a 3-year period is a period, but not a budget year (docs/command-line.md)."""
        try:
            parse_financial_year(v)
        except BadInput as exc:  # pydantic reports a ValueError as the field's sentence
            raise ValueError(str(exc)) from None
        return v

    @field_validator("period")
    @classmethod
    def _month(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 12:
            raise ValueError(f"period must be 1..12, not {v}")
        return v


#: Any request that names an as-at date: what a query reading the drops' state as at a date takes.
AsAt = DataRequest | PerformanceRequest | MonitoringRequest
