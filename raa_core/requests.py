"""What a page run (or a command) asks for, built once and passed down unchanged.

Modelled on Fava's `FilteredLedger`: the app's shell turns the sidebar into these frozen records once per
script run; pages hand them to `raa_core` functions, which apply the council and child-level scope in SQL.
The CLI builds the same records from its arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from raa_core.errors import BadInput
from raa_core.periods import Period, parse_period


class Viewer(BaseModel):
    """Who is looking: user name, role (reference `roles.csv`) and, for a council's own staff, its DfE code
    (None: the whole RAA). Permission checks on a Viewer live in `raa_core.access`."""

    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    la_code: int | None = None


class PerformanceRequest(BaseModel):
    """The adoption performance figures asked for: a reporting `Period` (a financial year or a 3-year
    period), one council (DfE code) or None for the region, the as-at date (None = the current state, the
    newest drops) and whether the publication view (suppression of small numbers) applies."""

    model_config = ConfigDict(frozen=True)

    period: Period
    la_code: int | None = None
    as_at: dt.date | None = None
    publication: bool = False

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: object) -> object:
        return parse_period(v) if isinstance(v, str) else v

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
        p = parse_period(v)
        if p.kind != "year":
            raise ValueError(f"not a financial year (YYYY-YY): {v!r}")
        return v

    @field_validator("period")
    @classmethod
    def _month(cls, v: int | None) -> int | None:
        if v is not None and not 1 <= v <= 12:
            raise ValueError(f"period must be 1..12, not {v}")
        return v
