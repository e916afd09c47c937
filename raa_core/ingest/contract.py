"""The partner drop contract (spec v3) as data: tables, columns, types and the issue record.

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

CONTRACT_VERSION = 3
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
    """One contract column. `required`: every row needs a value. `may_be_absent`: the file may leave the
    column out altogether (its values are then missing); every other column must be present in the file
    (v3, docs/drop-contract.md: a renamed column must not silently empty the figures that need it). Optional
    columns added to a table after v3 (the ASGLB collection's) are declared with `may_be_absent=True`."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: ColType
    required: bool = False
    default: bool | int | None = None
    may_be_absent: bool = False


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

    @property
    def must_be_present(self) -> list[str]:
        """The columns a file of this table must carry (v3): all but those marked `may_be_absent`."""
        return [c.name for c in self.columns if not c.may_be_absent]


def _c(name: str, type_: ColType, required: bool = False, default: bool | int | None = None, *,
       may_be_absent: bool = False) -> Column:
    return Column(name=name, type=type_, required=required, default=default, may_be_absent=may_be_absent)


S, D, B, I, M, N = ColType.STRING, ColType.DATE, ColType.BOOL, ColType.INT, ColType.MONEY, ColType.NUMBER

# --- Contract v3: the ASGLB collection's optional columns (docs/asglb.md, docs/drop-contract.md) -------------
#: Children's ASGLB v3 columns: optional, and a drop may leave any of them out. A column a council's drop does not
#: carry is "not provided" on every output (`coverage.provided`), never zero and never "none". No default: a blank
#: cell of a carried column is a blank, not false.
ASGLB_V3_CHILDREN: tuple[tuple[str, ColType], ...] = (
    ("ffa_decision_date", D),  # decision to place on a fostering-for-adoption / concurrent-planning basis
    ("ffa_placed_date", D),  # placed on that basis
    ("placement_provider", S),  # of the adoptive placement: PLACEMENT_PROVIDERS (replaces yes/no interagency)
    ("family_finding_status", S),  # FAMILY_FINDING_STATUSES
    ("sibling_group_size", I),  # children in the sibling group, this child included
    ("siblings_placed_together", I),  # of the group, placed together with this child
    ("plan_reversed_code", S),  # RD1-RD4 (SSDA903 reason a plan for adoption was changed)
)
#: Adopter households' ASGLB v3 columns: optional as the children's.
ASGLB_V3_ADOPTERS: tuple[tuple[str, ColType], ...] = (
    ("adopters_count", I),  # adopters in the household (1 or 2)
    ("adopters_sex", S),  # ADOPTERS_SEX
    ("adopters_legal_status", S),  # ADOPTERS_LEGAL_STATUS
    ("adopters_ethnicity", S),  # the first adopter's ethnicity (SSDA903 codes)
    ("disruption_date", D),  # a placement with the household disrupted
    ("agency_type", S),  # AGENCY_TYPES: the council/RAA's own adopters or a voluntary agency's
)
#: Allowed codes of the v3 coded columns (ASGLB guidance; SSDA903 guide for RD1-RD4 and the adopters' codes).
PLACEMENT_PROVIDERS = ("own", "other_la_raa", "vaa")
FAMILY_FINDING_STATUSES = ("not_started", "family_finding", "linked", "matched", "placed", "ended")
REVERSAL_CODES = ("RD1", "RD2", "RD3", "RD4")
ADOPTERS_SEX = ("M1", "F1", "MM", "FF", "MF")
ADOPTERS_LEGAL_STATUS = ("L0", "L11", "L12", "L2", "L3", "L4")
AGENCY_TYPES = ("la_raa", "vaa")
#: Column -> its allowed codes (checked as every drop rule is: drop_files.row_rules).
ASGLB_V3_CODES: dict[str, tuple[str, ...]] = {
    "placement_provider": PLACEMENT_PROVIDERS,
    "family_finding_status": FAMILY_FINDING_STATUSES,
    "plan_reversed_code": REVERSAL_CODES,
    "adopters_sex": ADOPTERS_SEX,
    "adopters_legal_status": ADOPTERS_LEGAL_STATUS,
    "agency_type": AGENCY_TYPES,
}
#: Per table, the v3 columns whose absence from a drop is recorded (warehouse `drop_columns`).
ASGLB_V3_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": tuple(n for n, _ in ASGLB_V3_CHILDREN),
    "adopters": tuple(n for n, _ in ASGLB_V3_ADOPTERS),
}
# --- end of contract v3's ASGLB columns ----------------------------------------------------------------------

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
        *(_c(name, type_, may_be_absent=True) for name, type_ in ASGLB_V3_CHILDREN),
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
        *(_c(name, type_, may_be_absent=True) for name, type_ in ASGLB_V3_ADOPTERS),
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


#: Children adopted with a recorded adoptive placement: the cohort of A1, A2, A3 and A10 (docs/indicators.md).
_COHORT = "adoption_order_date IS NOT NULL AND placed_date IS NOT NULL"
#: The figures that rest on a column, each with the SQL condition of the rows it counts (over all years): what
#: a sharp fall in a column's values moves (`fill_fall`, docs/drop-contract.md). Rules of the figures:
#: docs/indicators.md.
FIGURES_BY_COLUMN: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "children": {
        "placement_order_date": (
            ("A2", f"{_COHORT} AND placement_order_date IS NOT NULL AND matched_date IS NOT NULL"),
            ("children waiting with a placement order",
             "placement_order_date IS NOT NULL AND placed_date IS NULL AND adoption_order_date IS NULL "
             "AND plan_reversed_date IS NULL"),
        ),
        "matched_date": (
            ("A2", f"{_COHORT} AND placement_order_date IS NOT NULL AND matched_date IS NOT NULL"),
            ("children matched, not placed", "matched_date IS NOT NULL AND placed_date IS NULL"),
        ),
        "placed_date": (("A1, A3 and A10", _COHORT),),
        "adoption_order_date": (("A1, A3 and A10", _COHORT), ("adoptions", "adoption_order_date IS NOT NULL")),
        "adm_decision_date": (("ADM decisions", "adm_decision_date IS NOT NULL"),),
        "fostered_by_adopters_from": (("A10 (adopted by their foster carers)",
                                       f"{_COHORT} AND fostered_by_adopters_from IS NOT NULL"),),
        "plan_reversed_date": (("plans reversed", "plan_reversed_date IS NOT NULL"),),
        "disruption_date": (("disruptions", "disruption_date IS NOT NULL"),),
        "sibling_group_id": (("children in sibling groups", "sibling_group_id IS NOT NULL"),),
        "ethnicity": (("children with a known ethnicity", "ethnicity IS NOT NULL"),),
    },
    "adopters": {
        "approval_date": (("approved households", "approval_date IS NOT NULL"),),
        "matched_date": (("households matched", "matched_date IS NOT NULL"),),
        "roi_date": (("registrations of interest", "roi_date IS NOT NULL"),),
        "enquiry_date": (("enquiries", "enquiry_date IS NOT NULL"),),
    },
}


def nearest_column(missing: str, unknown: list[str]) -> str | None:
    """The unknown header most like a missing contract column (`placement_order_dt` for
    `placement_order_date`), or None when none is close: the suggestion of a `missing_column` error."""
    import difflib

    found = difflib.get_close_matches(missing, unknown, n=1, cutoff=0.6)
    return found[0] if found else None


def missing_column_message(column: str, required: bool, unknown_header: str | None) -> str:
    """The `missing_column` error in words, with the nearest unknown header when there is one:
    "column placement_order_date is missing; the file has placement_order_dt: did you mean placement_order_date?"."""
    kind = "required column" if required else "column"
    text = (f"{kind} {column} is missing (every column of the contract must be present in the file, even where "
            f"its values may be empty)")
    if unknown_header is not None:
        text += f"; the file has {unknown_header}: did you mean {column}?"
    return text


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
