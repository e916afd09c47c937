"""A demand-led contribution scenario: the pydantic model the app saves and `raa contributions` reads.

The JSON shape is docs/command-line.md's (`raa contributions --scenario FILE.json`); the rules are docs/finance.md's
"Demand-led contributions". A scenario that breaks a rule raises `ScenarioError`, whose message names
the field (as it is spelt in the JSON) and says what is allowed, so a finance lead can fix the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, model_validator

from raa_core.errors import BadInput
from raa_core.money import json_money
from raa_core.periods import financial_year, parse_financial_year
from raa_core.presentation import count_noun, count_text, display, money_text

YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")
SCOPES: dict[str, str] = display.CONTRIBUTION_SCOPE_NOTES  # the words are the labels table's
BASES: dict[str, str] = display.CONTRIBUTION_BASES
MAX_WINDOW = 5
#: Weights may be written as decimals that do not add to exactly 1 in binary (0.1 + 0.2 + 0.7).
WEIGHT_TOLERANCE = Decimal("0.000001")


class ScenarioError(BadInput):
    """A scenario that cannot be modelled: invalid, or its bounds cannot be met. `field` is the JSON field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    @property
    def on_page(self) -> str:
        """The builder's name for the field (`display.label("scenario_field", ...)`), then the message, with its
        first letter a capital: "Drivers: the weights add up to 1.1; they must add up to 1"."""
        return f"{display.label('scenario_field', self.field)}: {self.message}"


def year_start(year: str) -> int:
    """2021 for '2021-22'."""
    return int(year[:4])


def year_label(start: int) -> str:
    """'2021-22' for 2021."""
    return financial_year(start).name


def _check_year(field: str, year: str) -> None:
    """A scenario's year is a financial year written exactly YYYY-YY (periods.parse_financial_year's rule)."""
    try:
        ok = YEAR_RE.match(year) is not None and parse_financial_year(year) is not None
    except BadInput:
        ok = False
    if not ok:
        raise ScenarioError(field, f"{year!r} is not a financial year: write it as YYYY-YY, e.g. 2021-22")


class Scenario(BaseModel):
    """One scenario (docs/command-line.md). Percentages are percent (2.0 = 2%); weights and transitions are fractions.

    - `years`: the budget years to model, consecutive, starting the year after `base_year`;
    - `totals`: an explicit total (£) for a year; other years take the previous total plus `uplift_pct`;
    - `drivers`: driver name -> weight, weights in (0, 1] summing to 1;
    - `window_years`: each driver averaged over this many complete years before the budget year (1-5);
    - `transition`: the demand-led weight t in [0, 1] for every modelled year;
    - `cap_pct` / `floor_pct`: bounds on each council's change on its previous year (null: no bound);
    - `basis`: "average" (each driver averaged over the window) or "forecast" (the warehouse drivers from the
      pipeline forecast of the budget year itself, docs/forecast.md; labelled "forecast" on every row).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    base_year: str
    years: tuple[str, ...]
    scope: Literal["pooled", "pooled_and_adoption_support"] = "pooled"
    uplift_pct: Decimal = Decimal(0)
    totals: dict[str, Decimal] = Field(default_factory=dict)
    drivers: dict[str, Decimal]
    window_years: int = 3
    transition: dict[str, Decimal]
    cap_pct: Decimal | None = None
    floor_pct: Decimal | None = None
    basis: Literal["average", "forecast"] = "average"

    @model_validator(mode="before")
    @classmethod
    def _strip(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            data = {**data, "name": data["name"].strip()}
        return data

    @model_validator(mode="after")
    def _rules(self, info: Any) -> Scenario:
        known = (info.context or {}).get("drivers") if info is not None else None
        if known is None:
            from raa_core.contributions.drivers import driver_names

            known = driver_names()
        _check_year("base_year", self.base_year)
        if not self.years:
            raise ScenarioError("years", "name at least one budget year to model")
        for i, y in enumerate(self.years):
            _check_year(f"years[{i}]", y)
            expected = year_label(year_start(self.base_year) + 1 + i)
            if y != expected:
                if year_start(y) <= year_start(self.base_year):
                    why = f"{y} is not after the base year {self.base_year}"
                else:
                    why = f"{y} is out of order"
                raise ScenarioError(
                    f"years[{i}]",
                    f"{why}; years run consecutively from the year after the base year, so this one must be {expected}",
                )
        if not Decimal(-50) <= self.uplift_pct <= Decimal(50):
            raise ScenarioError("uplift_pct", f"{self.uplift_pct} is outside the allowed -50 to 50 (%)")
        for y, total in self.totals.items():
            if y not in self.years:
                raise ScenarioError(f"totals.{y}", f"{y} is not one of the modelled years ({', '.join(self.years)})")
            if not Decimal(0) < total <= MAX_TOTAL:
                raise ScenarioError(f"totals.{y}", f"{total} must be a positive amount in whole pence, at most "
                                    + money_text(MAX_TOTAL, pence=False))
            if total != total.quantize(Decimal("0.01"), ROUND_HALF_UP):  # whole pence, or not money
                raise ScenarioError(f"totals.{y}", f"{total} must be a positive amount in whole pence")
        if not self.drivers:
            raise ScenarioError("drivers", f"choose at least one driver from: {', '.join(sorted(known))}")
        for d, w in self.drivers.items():
            if d not in known:
                raise ScenarioError(f"drivers.{d}", f"unknown driver; choose from: {', '.join(sorted(known))}")
            if not Decimal(0) < w <= Decimal(1):
                raise ScenarioError(f"drivers.{d}", f"weight {w} must be above 0 and at most 1")
        total_w = sum(self.drivers.values(), Decimal(0))
        if abs(total_w - 1) > WEIGHT_TOLERANCE:
            raise ScenarioError("drivers", f"the weights add up to {total_w.normalize()}; they must add up to 1")
        if not 1 <= self.window_years <= MAX_WINDOW:
            raise ScenarioError("window_years", f"{self.window_years} is not allowed: choose 1 to {MAX_WINDOW} years")
        for y in self.transition:
            if y not in self.years:
                raise ScenarioError(f"transition.{y}", f"{y} is not one of the modelled years ({', '.join(self.years)})")
        for y in self.years:
            if y not in self.transition:
                raise ScenarioError(f"transition.{y}", "give the demand-led weight t (0 to 1) for every modelled year")
            t = self.transition[y]
            if not Decimal(0) <= t <= Decimal(1):
                raise ScenarioError(f"transition.{y}", f"t = {t} is outside [0, 1]")
        if self.cap_pct is not None and self.cap_pct < 0:
            raise ScenarioError("cap_pct", f"{self.cap_pct} must be 0 or more (a cap limits each council's rise)")
        if self.floor_pct is not None and not Decimal(-100) <= self.floor_pct <= 0:
            raise ScenarioError("floor_pct", f"{self.floor_pct} must be between -100 and 0 (a floor limits each fall)")
        if self.cap_pct is not None and self.floor_pct is not None and self.floor_pct > self.cap_pct:
            raise ScenarioError("floor_pct", f"the floor {self.floor_pct}% is above the cap {self.cap_pct}%")
        return self

    @field_serializer("uplift_pct", "cap_pct", "floor_pct")
    def _number(self, v: Decimal | None) -> float | None:
        return None if v is None else float(v)

    @field_serializer("drivers", "transition")
    def _numbers(self, v: dict[str, Decimal]) -> dict[str, float]:
        return {k: float(x) for k, x in v.items()}

    @field_serializer("totals")
    def _money(self, v: dict[str, Decimal]) -> dict[str, str | None]:
        return {k: json_money(x) for k, x in v.items()}

    def to_json(self) -> str:
        """The scenario as docs/command-line.md's JSON (what the page downloads and saves; `parse_scenario` reads it back)."""
        return json.dumps(self.model_dump(mode="json"), indent=2)

    def previous_year(self, year: str) -> str:
        """The financial year before `year`: the last one whose driver figures a year's average takes."""
        return year_label(year_start(year) - 1)

    @property
    def span(self) -> str:
        """The modelled years in a file name: '2021-22_to_2022-23', or the one year."""
        return f"{self.years[0]}_to_{self.years[-1]}" if len(self.years) > 1 else self.years[0]


#: Largest total a scenario may set for a year (£): far above any pool, small enough for exact pence.
MAX_TOTAL = Decimal(10) ** 12
#: Largest scenario JSON accepted (bytes): a scenario is a few hundred bytes.
MAX_JSON_BYTES = 1_000_000


def parse_scenario(data: str | bytes | dict[str, Any], drivers: set[str] | None = None) -> Scenario:
    """A Scenario from JSON text or a dict; raises ScenarioError naming the field and what is allowed.

    `drivers` is the set of known driver names (default: the warehouse drivers and reference data's). Text
    over MAX_JSON_BYTES, or nested too deeply for the reader, is refused as such (an uploaded file is untrusted)."""
    if isinstance(data, (str, bytes)):
        if len(data) > MAX_JSON_BYTES:
            raise ScenarioError("scenario", f"the file is {count_noun(len(data), 'byte')}; a scenario is at "
                                f"most {count_text(MAX_JSON_BYTES)}")
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ScenarioError("scenario", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
        except RecursionError:
            raise ScenarioError("scenario", "not a scenario: the JSON is nested too deeply") from None
        except UnicodeDecodeError as exc:  # bytes of an upload that are not text
            raise ScenarioError("scenario", f"not a scenario file: it is not UTF-8 text (byte {exc.start})") from None
    if not isinstance(data, dict):
        raise ScenarioError("scenario", "must be a JSON object with the fields of docs/command-line.md")
    try:
        return Scenario.model_validate(data, context={"drivers": drivers} if drivers is not None else None)
    except ValidationError as exc:
        err = exc.errors()[0]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ScenarioError):
            raise cause from None
        field = ".".join(str(p) for p in err["loc"]) or "scenario"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "extra_forbidden":
            msg = "is not a scenario field (allowed: " + ", ".join(Scenario.model_fields) + ")"
        elif err["type"] == "literal_error" and field == "scope":
            msg = f"{err.get('input')!r} is not allowed: choose {' or '.join(SCOPES)}"
        elif err["type"] == "literal_error" and field == "basis":
            msg = f"{err.get('input')!r} is not allowed: choose {' or '.join(BASES)}"
        raise ScenarioError(field, msg) from None


#: The scenario the page starts from: docs/command-line.md's example (placement orders, 3-year average, reaching the fully
#: demand-led formula in year 3 as the business case intends, with +/-10% protection).
DEFAULT_SCENARIO: dict[str, Any] = {
    "name": "Placement orders, 3-year average",
    "base_year": "2020-21",
    "years": ["2021-22", "2022-23"],
    "scope": "pooled",
    "uplift_pct": 2.0,
    "totals": {},
    "drivers": {"placement_orders": 1.0},
    "window_years": 3,
    "transition": {"2021-22": 0.5, "2022-23": 1.0},
    "cap_pct": 10.0,
    "floor_pct": -10.0,
}


#: The largest scenario file accepted (a scenario is a few hundred bytes of JSON).
MAX_SCENARIO_BYTES = 64 * 1024


def read_scenario_file(name: str, data: bytes) -> Scenario:
    """A scenario from an uploaded file's bytes (the JSON `raa contributions` reads, docs/command-line.md).

    Raises BadInput naming the file: larger than `MAX_SCENARIO_BYTES`, a scenario rule broken (the field
    named, as `ScenarioError` says) or not a scenario file at all."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise BadInput(f"{name}: the file is larger than a scenario can be ({MAX_SCENARIO_BYTES // 1024} KB).")
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        raise BadInput(f"{name}: {exc}") from exc
    except ValueError as exc:
        raise BadInput(f"{name} is not a scenario file: {exc}") from exc


class ContributionsRequest(BaseModel):
    """A scenario to compute and the as-at date of the drops its base budgets and drivers are read from
    (None = the current state): what `contributions.run` is asked (docs/finance.md, demand-led contributions)."""

    model_config = ConfigDict(frozen=True)

    scenario: Scenario
    as_at: dt.date | None = None


#: The most budget years a scenario built on the page models.
MAX_YEARS = 5


def modelled_years(base_year: str, n: int) -> list[str]:
    """The `n` financial years after a base year: the years a scenario models (docs/finance.md)."""
    return [year_label(year_start(base_year) + 1 + i) for i in range(int(n))]


def equal_weights(drivers: Sequence[str]) -> dict[str, float]:
    """Equal starting weights for the chosen drivers, two decimals, summing to 1 (the last takes the rest)."""
    if not drivers:
        return {}
    each = round(1 / len(drivers), 2)
    return {d: each if i < len(drivers) - 1 else round(1 - each * (len(drivers) - 1), 2) for i, d in enumerate(drivers)}


def starting_scenario(budget_years: Sequence[str]) -> Scenario:
    """The scenario the builder starts from: `DEFAULT_SCENARIO`, moved to start from the newest budget year when
    the warehouse holds no budget for its base year."""
    s = parse_scenario(DEFAULT_SCENARIO)
    if s.base_year in budget_years or not budget_years:
        return s
    base = budget_years[-1]
    nxt = modelled_years(base, len(s.years))
    return parse_scenario({**DEFAULT_SCENARIO, "base_year": base, "years": nxt,
                           "transition": dict(zip(nxt, DEFAULT_SCENARIO["transition"].values(), strict=True))})


#: The cap and the floor (percent) a builder offers to switch on when a scenario sets none.
BUILDER_CAP_PCT, BUILDER_FLOOR_PCT = Decimal(10), Decimal(-10)


def builder_cap(s: Scenario) -> float:
    """The cap a builder shows: the scenario's, else `BUILDER_CAP_PCT` (offered, not applied)."""
    return float(BUILDER_CAP_PCT if s.cap_pct is None else s.cap_pct)


def builder_floor(s: Scenario) -> float:
    """The floor a builder shows: the scenario's, else `BUILDER_FLOOR_PCT` (offered, not applied)."""
    return float(BUILDER_FLOOR_PCT if s.floor_pct is None else s.floor_pct)


def total_entry(s: Scenario, year: str) -> str:
    """An explicit total as a builder's text box holds it: pounds to 2 places ('1250000.00'), '' when none."""
    return "" if year not in s.totals else json_money(s.totals[year])


def total_text(text: object) -> str | None:
    """An explicit total as typed ('£1,250,000'): the number without separators or £; None when left empty."""
    cleaned = str(text or "").strip().replace(",", "").replace("£", "")
    return cleaned or None


def scenario_fields(
    *, name: str, base_year: str, n_years: int, scope: str, uplift_pct: float, totals: Sequence[object],
    drivers: Mapping[str, float], window_years: int, transition: Sequence[float], cap_pct: float | None,
    floor_pct: float | None, basis: str = "average",
) -> dict[str, Any]:
    """A scenario's JSON fields (docs/command-line.md) from the builder's values: `totals` and `transition`
    are per modelled year in order; an empty total takes the uplift; `basis` is where the warehouse drivers'
    figures come from (`BASES`). `parse_scenario` validates the result."""
    years = modelled_years(base_year, n_years)
    typed = {y: total_text(t) for y, t in zip(years, totals, strict=False)}
    return {
        "name": name, "base_year": base_year, "years": years, "scope": scope,
        "uplift_pct": str(uplift_pct), "totals": {y: t for y, t in typed.items() if t is not None},
        "drivers": {d: str(w) for d, w in drivers.items()},
        "window_years": int(window_years),
        "transition": {y: str(t) for y, t in zip(years, transition, strict=False)},
        "cap_pct": None if cap_pct is None else str(cap_pct),
        "floor_pct": None if floor_pct is None else str(floor_pct),
        "basis": basis,
    }
