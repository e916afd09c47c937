"""The partner drop contract (spec v1) as data: tables, columns, types and the issue record.

Validation (`drops`) and the warehouse schema (`warehouse`) are both generated from these specs,
so a column is declared once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CONTRACT_VERSION = 1


class ColType(StrEnum):
    STRING = "string"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    MONEY = "money"
    NUMBER = "number"


#: DuckDB storage type for each spec type. Money is exact pounds and pence.
SQL_TYPE: dict[ColType, str] = {
    ColType.STRING: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.BOOL: "BOOLEAN",
    ColType.INT: "BIGINT",
    ColType.MONEY: "DECIMAL(18,2)",
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
REQUIRED_FILES = ("children.parquet", "adopters.parquet")
#: ledger.parquet is required in drops extracted once the budget is pooled.
POOLED_FROM = "2020-04-01"
MANIFEST_FILE = "manifest.json"

TEAMS = ("recruitment_assessment", "family_finding", "adoption_support", "panels", "management")
POST_STATUSES = ("filled", "vacant", "agency")


class Issue(BaseModel):
    """One problem found in a drop: where it is, which rule, and what to do about it."""

    model_config = ConfigDict(frozen=True)

    severity: Literal["error", "warning"] = "error"
    file: str | None = None
    column: str | None = None
    rule: str
    rows: list[int] | None = Field(default=None, description="at most 20 zero-based row numbers")
    row_count: int | None = Field(default=None, description="how many rows break the rule in all")
    message: str

    def as_cli(self) -> dict[str, object]:
        """The ISSUE object of the command line's JSON (cli.md)."""
        return {
            "file": self.file,
            "column": self.column,
            "rule": self.rule,
            "rows": self.rows,
            "message": self.message,
        }

    def located(self) -> str:
        where = " ".join(
            p for p in (self.file, f"column {self.column}" if self.column else None) if p
        )
        rows = ""
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" (+{self.row_count - len(self.rows)} more)" if self.row_count and self.row_count > len(self.rows) else ""
            rows = f" rows {shown}{more}"
        return f"[{self.severity}] {where or 'drop'}{rows}: {self.rule}: {self.message}"


class Manifest(BaseModel):
    """manifest.json: what the council says it sent."""

    class FileEntry(BaseModel):
        sha256: str
        rows: int

    la_code: int
    extract_date: str
    files: dict[str, FileEntry]
