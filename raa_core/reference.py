"""Reference data and settings shipped in `data/reference/`, validated at load like a drop.

The RAA's performance and finance leads maintain these CSVs; a bad row stops the product with a
message naming the file, row and field rather than producing wrong figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from raa_core.errors import BadInput
from raa_core.presentation import palette

T = TypeVar("T", bound=BaseModel)

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
#: Chart colours for councils without their own (colour-blind safe, each 3:1 on white: presentation.palette).
PALETTE = palette.COUNCIL_FALLBACK


class ReferenceError(BadInput):
    """A reference file that does not meet its model; the message names file, row and field."""


class Council(BaseModel):
    model_config = ConfigDict(frozen=True)
    la_code: int
    name: str
    short_name: str
    london: bool
    #: The council's colour in charts (#rrggbb); a palette colour by position where left empty.
    colour: str | None = None

    @field_validator("colour")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"#[0-9A-Fa-f]{6}", v):
            raise ValueError("must be a colour written #rrggbb")
        if v is not None and palette.contrast(v) < palette.GRAPHICS_MIN:  # WCAG 2.2 1.4.11 Non-text Contrast
            raise ValueError(f"{v} is too light: a chart's mark needs a contrast of 3:1 with the white page "
                             "(WCAG 2.2, non-text contrast): choose a darker colour")
        return v


class CostLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    budget_area: Literal["pooled", "adoption_support"]
    cost_line: str
    label: str
    kind: Literal["staff", "non_staff", "income", "asf"]
    asf: bool
    recharged_quarterly: bool
    sort_order: int


ThresholdSet = Literal["dfe", "business_case"]
#: The named threshold sets (docs/indicators.md), the default first, with the label every figure shows.
THRESHOLD_SETS: dict[str, str] = {
    "dfe": "DfE scorecard thresholds (months as floor(months × 365.25 / 12) days: 14 months = 426, 4 months = 121)",
    "business_case": "Business case thresholds (425 days for A1 and A10, 121 days for A2)",
}
DEFAULT_THRESHOLD_SET = "dfe"
#: Short names of the sets, for tiles and legends ("Threshold 426 days (DfE)").
THRESHOLD_SET_SHORT: dict[str, str] = {"dfe": "DfE", "business_case": "business case"}


def months_to_days(months: int) -> int:
    """DfE's conversion of a threshold in months to days: floor(months × 365.25 / 12), exactly (14 -> 426)."""
    return (months * 36525) // 1200


class Threshold(BaseModel):
    """A threshold of one indicator in one named set, in force for periods ending on or after `effective_from`.

    A row gives `months` (converted by `months_to_days`), `threshold` in days, or both (then they must agree).
    """

    model_config = ConfigDict(frozen=True)
    set: ThresholdSet
    indicator: Literal["A1", "A2", "A3", "A10"]
    effective_from: dt.date
    months: int | None = None
    threshold: int = -1
    unit: str
    source: str

    @model_validator(mode="after")
    def _days(self) -> Threshold:
        if self.months is None and self.threshold < 0:
            raise ValueError("give months or threshold (days)")
        if self.months is not None:
            days = months_to_days(self.months)
            if self.threshold >= 0 and self.threshold != days:
                raise ValueError(f"threshold {self.threshold} days disagrees with {self.months} months = {days} days")
            object.__setattr__(self, "threshold", days)
        return self


class NationalFigure(BaseModel):
    model_config = ConfigDict(frozen=True)
    indicator: Literal["A1", "A2", "A3", "A10"]
    period: str
    value: int | None = None
    count: int | None = None
    pct: int | None = None
    source: str


class PublishedFigure(BaseModel):
    """A figure printed in the business case, kept for reconciliation."""

    model_config = ConfigDict(frozen=True)
    indicator: Literal["A1", "A2", "A3", "A10"]
    period: str
    area: str
    value: int | None = None
    count: int | None = None
    pct: int | None = None
    threshold: int | None = None
    difference: int | None = None
    note: str = ""


class PublishedBaseline(BaseModel):
    """A row of the business case's 2019-20 baseline table, in £'000s as printed."""

    model_config = ConfigDict(frozen=True)
    la_code: str
    pooled_k: Decimal
    adoption_support_k: Decimal
    total_k: Decimal


class FeeRate(BaseModel):
    """A fee rate from a date (fee_rates.csv): `label` is the fee in words as a person chooses it (the labels
    table's "fee" kind; empty: the fee shows as its code)."""

    model_config = ConfigDict(frozen=True)
    fee: str
    label: str = ""
    effective_from: dt.date
    amount_gbp: Decimal
    source: str


class ExternalDriverValue(BaseModel):
    """A contribution driver from outside the drops (e.g. 0-17 population), per council and financial year.

    `official` is false for illustrative figures: every contribution that uses one says so."""

    model_config = ConfigDict(frozen=True)
    driver: str
    label: str
    unit: str
    la_code: int
    financial_year: str
    value: Decimal
    official: bool
    source: str

    @field_validator("value")
    @classmethod
    def _not_negative(cls, v: Decimal) -> Decimal:
        if v < 0:
            raise ValueError("must not be negative")
        return v




#: Every page of the app, in the app's order (a role's pages are listed in this order).
PAGES = ("overview", "regional_performance", "local_performance", "forecast", "budget", "scenarios", "boardpack", "data_drops",
         "audit", "users")

#: What a role may do besides opening its pages (access.py enforces each one):
#: child_level: child-level rows (each child's figures); its own council only when the role is council-bound.
#: publication_only: performance figures only with the publication suppression on.
#: upload_drops: upload and load drops; its own council only when the role is council-bound.
#: comment: record variance comments. scenarios_write: save contribution scenarios.
#: audit: read the audit trail. users: manage the embedded sign-in's users.
RIGHTS = ("child_level", "publication_only", "upload_drops", "comment", "scenarios_write", "audit", "users")


def _words(v: object) -> object:
    return tuple(str(v).split()) if isinstance(v, str) else v


class Role(BaseModel):
    """A role of `roles.csv`: its pages and rights (the one place that says who may see and do what).

    A council-bound role (`council_analyst`) belongs to one council: each of its users is created with a
    council code, and its `child_level` and `upload_drops` rights reach that council only.
    """

    model_config = ConfigDict(frozen=True)
    role: str
    label: str
    council_bound: bool
    pages: tuple[str, ...]
    rights: tuple[str, ...] = ()

    @field_validator("pages", "rights", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        return _words(v)

    @field_validator("pages")
    @classmethod
    def _known_pages(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in v if p not in PAGES]
        if unknown:
            raise ValueError(f"unknown page {unknown[0]!r} (pages: {', '.join(PAGES)})")
        if "overview" not in v:
            raise ValueError("every role must see the overview page")
        return v

    @field_validator("rights")
    @classmethod
    def _known_rights(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in v if r not in RIGHTS]
        if unknown:
            raise ValueError(f"unknown right {unknown[0]!r} (rights: {', '.join(RIGHTS)})")
        return v


class RagSettings(BaseModel):
    model_config = ConfigDict(frozen=True)
    red_pct: Decimal = Decimal("5")
    red_gbp: Decimal = Decimal("100000")
    amber_underspend_pct: Decimal = Decimal("5")


class SuppressionSettings(BaseModel):
    """Small-number rules of everything published (docs/data-protection.md). `convention`: "suppress" (counts of
    1..count_max shown x, and the counts that would give them away) or "round" (the ASGLB's published convention:
    council figures to the nearest `round_council`, the region's to the nearest `round_region`, counts of
    1..count_max as "count_max or fewer")."""

    model_config = ConfigDict(frozen=True)
    count_max: int = 5
    pct_numerator_max: int = 5
    pct_denominator_max: int = 10
    mean_n_max: int = 5
    convention: Literal["suppress", "round"] = "suppress"
    round_council: int = Field(5, gt=0)
    round_region: int = Field(10, gt=0)


class DropLimits(BaseModel):
    """Limits on untrusted input: drop files, manifests and uploads (bytes unless named otherwise)."""

    model_config = ConfigDict(frozen=True)
    manifest_max_bytes: int = Field(1_048_576, gt=0)
    string_max_chars: int = Field(2_000, gt=0)
    upload_max_bytes: int = Field(200 * 1_048_576, gt=0)
    unpacked_max_bytes: int = Field(1_024 * 1_048_576, gt=0)
    zip_max_entries: int = Field(32, gt=0)
    zip_max_ratio: int = Field(100, gt=0)
    #: A Parquet file's footer (its description of columns and row groups), judged before any native reader
    #: opens the file (`raa_core.ingest.parquet_footer`): its size, its columns, its row groups.
    footer_max_bytes: int = Field(8 * 1_048_576, gt=0)
    columns_max: int = Field(100, gt=0)
    row_groups_max: int = Field(500, gt=0)
    #: Warnings stored and shown per file; the rest are summarised in one more warning.
    warnings_max: int = Field(50, gt=0)


class SigninSettings(BaseModel):
    """The embedded sign-in's limits (docs/operations.md): lock-out after failures, session lifetime."""

    model_config = ConfigDict(frozen=True)
    max_failed_attempts: int = 5
    lockout_minutes: int = 15
    idle_minutes: int = 30
    session_hours: int = 8

    @field_validator("max_failed_attempts", "lockout_minutes", "idle_minutes", "session_hours")
    @classmethod
    def _at_least_one(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be at least 1")
        return v


class ForecastSettings(BaseModel):
    """The pipeline forecast's settings (docs/forecast.md): what it learns from and what it assumes."""

    model_config = ConfigDict(frozen=True)
    #: Years of journeys (before the as-at date) the stage-to-stage chances are estimated from.
    years: int = Field(default=3, ge=1, le=10)
    #: Months of new entrants (ADM decisions, enquiries) the recent rate is taken from.
    entrant_months: int = Field(default=12, ge=3, le=60)
    #: Pooling strength: a council's own chances carry weight n/(n+m) for n child-months at risk, the region's m.
    pool_months: int = Field(default=24, ge=0)
    #: Simulated futures drawn for the intervals, and the seed that makes them repeatable.
    simulations: int = Field(default=1000, ge=100, le=20000)
    seed: int = 20260401
    #: Share of matches made with other agencies' adopters; None = the recent share of interagency placements.
    interagency_share_pct: Decimal | None = None
    #: Share of interagency placements bought from voluntary adoption agencies (the rest from councils/RAAs).
    vaa_share_pct: Decimal = Decimal("0")
    #: Yearly uprating of each fee from each 1 April after the as-at date (beyond the rates in fee_rates.csv): the
    #: council/RAA fee has not changed since 2013; the VAA fee rose 3.7% a year from April 2019 (£31,620) to 2025.
    fee_uprating_pct: dict[str, Decimal] = {"interagency_la_raa": Decimal("0"), "vaa_single_child": Decimal("3.7")}


class Settings(BaseModel):
    """Configuration the leads may change without a code change."""

    model_config = ConfigDict(frozen=True)
    #: Days after which a council's newest drop of a dataset is stale (docs/drop-contract.md: per dataset).
    freshness_days: dict[str, int] = {"performance": 8, "finance": 35}
    #: A children/adopters file with more than this % fewer rows than the council's previous one is warned.
    snapshot_fall_warn_pct: int = 20
    #: A column whose share of rows with a value falls by more than this many percentage points from the
    #: council's previous file is warned, with the figures that move (docs/drop-contract.md, v3).
    fill_fall_warn_points: int = Field(default=20, ge=1, le=100)
    #: Councils whose RAA is hosted by another council: their 903 PR2 placements with the RAA's URN are the
    #: RAA's own, not interagency (docs/ssda903.md, `interagency`).
    ssda903_pr2_own_raa: tuple[int, ...] = ()
    #: DuckDB memory limit while checking and loading drops; beyond it DuckDB spills to disk (bench/ingest.py).
    ingest_memory_mb: int = Field(default=512, ge=128)
    #: Warehouse versions an ingest keeps: the newest N (docs/operations.md "Retention and disk").
    keep_versions: int = Field(default=5, ge=1)
    #: File the service's JSON event lines are appended to (raa_core/logs.py); None: standard error.
    log_file: str | None = None
    pay_award_2020_21_pct: Decimal = Decimal("2.75")
    rag: RagSettings = RagSettings()
    suppression: SuppressionSettings = SuppressionSettings()
    low_n_below: int = 6
    overspend_positive: bool = True
    drops: DropLimits = DropLimits()
    signin: SigninSettings = SigninSettings()
    forecast: ForecastSettings = ForecastSettings()
    #: The agency's name as every screen and file shows it (the partner councils come from councils.csv).
    raa_name: str = "Regional Adoption Agency"
    #: Where a person reports an accessibility problem (an e-mail address or a team), named in the accessibility
    #: statement; None: the statement sends them to the agency's administrator.
    accessibility_contact: str | None = None

    @field_validator("freshness_days", mode="before")
    @classmethod
    def _per_dataset(cls, v: object) -> object:
        if isinstance(v, int):  # one limit for both datasets (settings written before contract v2)
            v = {"performance": v, "finance": v}
        if isinstance(v, dict):
            if set(v) != {"performance", "finance"}:
                raise ValueError("must give days for exactly performance and finance")
            if any(not isinstance(d, int) or d < 1 for d in v.values()):
                raise ValueError("must be at least 1 day")
        return v


def _read_csv(path: Path, model: type[T]) -> list[T]:
    rows: list[T] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for i, raw in enumerate(csv.DictReader(fh)):
            clean = {k: (v if v != "" else None) for k, v in raw.items()}
            clean = {k: v for k, v in clean.items() if v is not None}
            try:
                rows.append(model.model_validate(clean))
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(p) for p in err["loc"])
                raise ReferenceError(
                    f"{path.name} row {i} column {field}: {err['msg']}"
                ) from exc
    return rows


class Reference(BaseModel):
    """All reference data, loaded and cross-checked together."""

    model_config = ConfigDict(frozen=True)
    councils: tuple[Council, ...]
    cost_lines: tuple[CostLine, ...]
    thresholds: tuple[Threshold, ...]
    national: tuple[NationalFigure, ...]
    published: tuple[PublishedFigure, ...]
    baseline_published: tuple[PublishedBaseline, ...]
    fee_rates: tuple[FeeRate, ...]
    roles: tuple[Role, ...]
    settings: Settings
    external_drivers: tuple[ExternalDriverValue, ...] = ()

    @property
    def la_codes(self) -> list[int]:
        return [c.la_code for c in self.councils]

    def council_name(self, la_code: int) -> str:
        return next(c.short_name for c in self.councils if c.la_code == la_code)

    def council_colours(self) -> dict[int, str]:
        """Each council's chart colour: its own from councils.csv, else the palette's by position."""
        return {c.la_code: c.colour or PALETTE[i % len(PALETTE)] for i, c in enumerate(self.councils)}

    def threshold(self, indicator: str, period_end: dt.date, threshold_set: str = DEFAULT_THRESHOLD_SET) -> int | None:
        """Days of the threshold in force at the end of a period in a named set (latest `effective_from` on or
        before it); None where the set has none (A3). Raises BadInput for an unknown set."""
        if threshold_set not in THRESHOLD_SETS:
            raise BadInput(f"threshold set must be one of {', '.join(THRESHOLD_SETS)}, not {threshold_set!r}")
        found = [
            t
            for t in self.thresholds
            if t.set == threshold_set and t.indicator == indicator and t.effective_from <= period_end
        ]
        return max(found, key=lambda t: t.effective_from).threshold if found else None

    def national_figure(self, indicator: str, period: str) -> NationalFigure | None:
        return next((n for n in self.national if n.indicator == indicator and n.period == period), None)

    def role_labels(self) -> dict[str, str]:
        """Each role and its label, in file order."""
        return {r.role: r.label for r in self.roles}

    def role(self, role: str) -> Role | None:
        """A role by name, or None for a name `roles.csv` does not hold."""
        return next((r for r in self.roles if r.role == role), None)

    def pages_for(self, role: str) -> list[str]:
        """The pages a role sees, in the app's order (none for an unknown role)."""
        found = self.role(role)
        return [p for p in PAGES if found is not None and p in found.pages]

    def fee(self, fee: str, on: dt.date) -> Decimal | None:
        found = [f for f in self.fee_rates if f.fee == fee and f.effective_from <= on]
        return max(found, key=lambda f: f.effective_from).amount_gbp if found else None


def reference_dir() -> Path:
    """The reference folder: `$RAA_REFERENCE` if set (another RAA's reference data), else data/reference."""
    return Path(os.environ.get("RAA_REFERENCE") or REFERENCE_DIR)


def load_reference(directory: Path | str | None = None) -> Reference:
    """Load and validate every reference file (default: `reference_dir()`); raises ReferenceError naming
    file, row and field. Cached per folder."""
    return _load_reference(Path(directory) if directory is not None else reference_dir())


@lru_cache(maxsize=4)
def _load_reference(d: Path) -> Reference:
    try:
        settings = Settings.model_validate(json.loads((d / "settings.json").read_text("utf-8")))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ReferenceError(f"settings.json field {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    ref = Reference(
        councils=tuple(_read_csv(d / "councils.csv", Council)),
        cost_lines=tuple(_read_csv(d / "cost_lines.csv", CostLine)),
        thresholds=tuple(_read_csv(d / "thresholds.csv", Threshold)),
        national=tuple(_read_csv(d / "national.csv", NationalFigure)),
        published=tuple(_read_csv(d / "published_figures.csv", PublishedFigure)),
        baseline_published=tuple(_read_csv(d / "baseline_published.csv", PublishedBaseline)),
        fee_rates=tuple(_read_csv(d / "fee_rates.csv", FeeRate)),
        roles=tuple(_read_csv(d / "roles.csv", Role)),
        settings=settings,
        external_drivers=tuple(_read_csv(d / "external_drivers.csv", ExternalDriverValue))
        if (d / "external_drivers.csv").exists() else (),
    )
    seen: set[tuple[str, str]] = set()
    for i, line in enumerate(ref.cost_lines):
        key = (line.budget_area, line.cost_line)
        if key in seen:
            raise ReferenceError(f"cost_lines.csv row {i}: duplicate cost line {key}")
        seen.add(key)
    names = [r.role for r in ref.roles]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ReferenceError(f"roles.csv: role {dupes[0]} is listed more than once")
    return ref
