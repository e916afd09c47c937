"""The partner drop contract (spec v2) as data: tables, columns, types and the issue record.

Validation (`drops`) and the warehouse schema (`warehouse`) are both generated from these specs,
so a column is declared once.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

import duckdb
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from raa_core.presentation import count_noun, count_text, display, noun_for

CONTRACT_VERSION = 2
#: The councils' own calendar: an instant (a timestamp with a time zone) is read as its date here.
LONDON = "Europe/London"


class ColType(StrEnum):
    STRING = "string"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    MONEY = "money"
    NUMBER = "number"


#: Money is stored as DECIMAL(MONEY_DIGITS, 2): exact pounds and pence, below MONEY_LIMIT either way.
MONEY_DIGITS, MONEY_SCALE = 18, 2
MONEY_SQL = f"DECIMAL({MONEY_DIGITS},{MONEY_SCALE})"
#: The smallest amount (in pounds, either sign) that does not fit: £10,000,000,000,000,000 (10^16).
MONEY_LIMIT = Decimal(10) ** (MONEY_DIGITS - MONEY_SCALE)

#: Money computed from stored amounts (sums, forecasts, variances, charges): DECIMAL(38,2), DuckDB's widest
#: decimal, so every sum over the amounts a drop may carry (each below MONEY_LIMIT, 10^16) fits: 10^20 rows
#: at the limit would be needed to overflow it. A figure is never cast back to MONEY_SQL.
MONEY_SUM_SQL = f"DECIMAL(38,{MONEY_SCALE})"

#: DuckDB storage type for each spec type. Money is exact pounds and pence.
SQL_TYPE: dict[ColType, str] = {
    ColType.STRING: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.BOOL: "BOOLEAN",
    ColType.INT: "BIGINT",
    ColType.MONEY: MONEY_SQL,
    ColType.NUMBER: "DOUBLE",
}


class Column(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: ColType
    required: bool = False
    default: bool | int | None = None


class TableSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, type_: ColType, required: bool = False, default: bool | int | None = None) -> Column:
    return Column(name=name, type=type_, required=required, default=default)


S, D, B, I, M, N = ColType.STRING, ColType.DATE, ColType.BOOL, ColType.INT, ColType.MONEY, ColType.NUMBER

CHILDREN = TableSpec(
    name="children",
    file="children.parquet",
    key=("child_id", "entered_care_date"),
    columns=(
        _c("child_id", S, True),
        _c("sex", S, True),
        _c("date_of_birth", D, True),
        _c("ethnicity", S),
        _c("entered_care_date", D, True),
        _c("adm_decision_date", D),
        _c("placement_order_date", D),
        _c("placed_with_consent", B, default=False),
        _c("matched_date", D),
        _c("placed_date", D),
        _c("fostered_by_adopters_from", D),
        _c("early_permanence", B, default=False),
        _c("interagency", B, default=False),
        _c("sibling_group_id", S),
        _c("adoption_order_date", D),
        _c("plan_reversed_date", D),
        _c("plan_reversed_reason", S),
        _c("disruption_date", D),
        _c("disabled", B, default=False),  # v2: optional; counts among the "harder to place" characteristics
    ),
)

ADOPTERS = TableSpec(
    name="adopters",
    file="adopters.parquet",
    key=("household_id",),
    columns=(
        _c("household_id", S, True),
        _c("enquiry_date", D),
        _c("roi_date", D),
        _c("stage1_end_date", D),
        _c("stage2_start_date", D),
        _c("approval_date", D),
        _c("matched_date", D),
        _c("placed_date", D),
        _c("children_placed", I, default=0),
        _c("withdrawn_date", D),
        _c("withdrawn_reason", S),
        _c("fast_track", B, default=False),
        _c("early_permanence", B, default=False),
        _c("interagency_child", B, default=False),
    ),
)

BUDGET = TableSpec(
    name="budget",
    file="budget.parquet",
    key=("financial_year", "budget_area", "cost_line"),
    columns=(
        _c("financial_year", S, True),
        _c("budget_area", S, True),
        _c("cost_line", S, True),
        _c("budget_gbp", M, True),
    ),
)

LEDGER = TableSpec(
    name="ledger",
    file="ledger.parquet",
    key=("financial_year", "period", "budget_area", "cost_line"),
    columns=(
        _c("financial_year", S, True),
        _c("period", I, True),
        _c("budget_area", S, True),
        _c("cost_line", S, True),
        _c("actual_gbp", M, True),
        _c("forecast_outturn_gbp", M),
    ),
)

ESTABLISHMENT = TableSpec(
    name="establishment",
    file="establishment.parquet",
    key=("post_id",),
    columns=(
        _c("post_id", S, True),
        _c("team", S, True),
        _c("role", S, True),
        _c("fte", N, True),
        _c("annual_cost_gbp", M, True),
        _c("status", S, True),
        _c("agency_covers_go_live_vacancy", B, default=False),
    ),
)

TABLES: tuple[TableSpec, ...] = (CHILDREN, ADOPTERS, BUDGET, LEDGER, ESTABLISHMENT)
TABLE_BY_FILE: dict[str, TableSpec] = {t.file: t for t in TABLES}
TABLE_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}
#: Performance (children, adopters) and finance (ledger, budget, establishment) travel independently (v2).
DATASETS: dict[str, tuple[str, ...]] = {
    "performance": ("children", "adopters"),
    "finance": ("ledger", "budget", "establishment"),
}
#: The files whose age is a dataset's age (freshness). Children and adopters are weekly snapshots, so both must be
#: recent; the ledger is the finance team's monthly return. Budget (usually once a year) and establishment
#: (when it changes) are occasional: sending them must not make a council look fresh while its ledger is old,
#: and not sending them must not make it stale (docs/drop-contract.md: an establishment-only drop hid a 60-day-old
#: ledger). The contract's "newest drop of a dataset" read as the newest drop of each of these files.
FRESHNESS_TABLES: dict[str, tuple[str, ...]] = {
    "performance": ("children", "adopters"),
    "finance": ("ledger",),
}
MANIFEST_FILE = "manifest.json"
#: Written by `raa sample` at the root of the drops it writes (`<root>/sample.json`). A drop's manifest saying
#: `"sample": true` is honoured only below such a root: a council writes into its own drop folders, never the
#: root, so it cannot pass its own drop off as sample data (which is never judged stale).
SAMPLE_ROOT_FILE = "sample.json"

TEAMS = ("recruitment_assessment", "family_finding", "adoption_support", "panels", "management")
POST_STATUSES = ("filled", "vacant", "agency")


#: Plain-English titles of the rule codes, shown beside the code wherever an issue is shown.
RULE_TITLES: dict[str, str] = display.RULE_TITLES  # the words are the labels table's (kind "drop_rule")


def rule_title(rule: str) -> str:
    """The plain-English title of a rule code (the code in words where no title is listed)."""
    return RULE_TITLES.get(rule) or rule.replace("_", " ").capitalize()


def person_rows(rows: list[int], row_count: int | None = None) -> str:
    """Zero-based data rows as a person counts them, labelled: 'row 4' / 'rows 1, 4 and 9 of the data'.

    The first data row (after the header) is row 1, as a spreadsheet user counts records. Where more rows
    break a rule than are listed, says how many in all.
    """
    shown = [count_text(r + 1) for r in rows]
    total = max(row_count or 0, len(rows))
    if not shown:
        return count_noun(total, "row")
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    text = f"{noun_for(len(shown), 'row')} {listed}"
    if total > len(shown):
        text = f"{count_noun(total, 'row')}, the first {len(shown)} being {text}"
    return f"{text} (the first data row is row 1)"


class Issue(BaseModel):
    """One problem found in a drop: where it is, which rule, and what to do about it.

    `rows` are zero-based (the command line's JSON, docs/command-line.md); every text for people counts the first data
    row as row 1 (`person_rows`).
    """

    model_config = ConfigDict(frozen=True)

    severity: Literal["error", "warning"] = "error"
    file: str | None = None
    column: str | None = None
    rule: str
    rows: list[int] | None = Field(default=None, description="at most 20 zero-based row numbers")
    row_count: int | None = Field(default=None, description="how many rows break the rule in all")
    message: str

    @property
    def title(self) -> str:
        return rule_title(self.rule)

    def as_cli(self) -> dict[str, object]:
        """The issue object of the command line's JSON (docs/command-line.md)."""
        return {
            "file": self.file,
            "column": self.column,
            "rule": self.rule,
            "rows": self.rows,
            "message": self.message,
        }

    def located(self) -> str:
        """One line for a person: severity, file, column, title with the rule code, and the message."""
        where = ", ".join(p for p in (self.file, f"column {self.column}" if self.column else None) if p)
        return f"{self.severity.capitalize()}: {where or 'drop'}: {self.title} ({self.rule}): {self.message}"


class Manifest(BaseModel):
    """manifest.json: what the council says it sent."""

    # Strict types: `"la_code": true` is not council 1, nor `"rows": "12"` a count.
    class FileEntry(BaseModel):
        sha256: StrictStr
        rows: StrictInt

    la_code: StrictInt
    extract_date: StrictStr
    files: dict[str, FileEntry]
    #: true in the bundled synthetic sample's drops (`raa sample`), absent in councils' drops
    sample: StrictBool = False


#: What a native reader (DuckDB, pyarrow) or the checks built on it can raise on a partner's damaged or hostile
#: file: its own errors, the OS's, a value it cannot convert or find (ValueError, LookupError, TypeError,
#: ArithmeticError), memory running out, and RuntimeError (a RecursionError on deep nesting, a check's SQL
#: failing on the file's values). Ingest catches these, never `Exception`, so a file costs only its own drop
#: (docs/drop-contract.md) while a programming error elsewhere (NameError, AttributeError...) still surfaces.
READER_CRASHES: tuple[type[BaseException], ...] = (
    duckdb.Error, pa.ArrowException, OSError, ValueError, LookupError, TypeError, ArithmeticError, MemoryError,
    RuntimeError,
)
