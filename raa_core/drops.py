"""Partner drops: discover, validate against the contract, and load whole or not at all.

Every problem in a drop is collected and reported together (file, column, rule, rows); an error in any
file rejects the whole drop and the warehouse keeps exactly what it held. Checks run as set-based SQL
over each file, read straight from Parquet by DuckDB.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from raa_core import warehouse
from raa_core.contract import (
    MANIFEST_FILE,
    POOLED_FROM,
    POST_STATUSES,
    REQUIRED_FILES,
    SQL_TYPE,
    TABLE_BY_FILE,
    TABLES,
    TEAMS,
    ColType,
    Column,
    Issue,
    Manifest,
    TableSpec,
)
from raa_core.reference import Reference

MAX_ROWS = 20
_COUNCIL_NAME = re.compile(r"[1-9][0-9]{2}", re.ASCII)
_DATE_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INT_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}


@dataclass(frozen=True, slots=True)
class DropFolder:
    """A folder under the drops root; la_code/extract_date are None where its name is not valid.

    `problem` is set by `discover` for an entry that cannot be a drop at all (a file, a link, an empty or
    unreadable council folder): the entry is reported as rejected with it, never skipped in silence.
    """

    path: str
    folder: Path
    la_code: int | None
    extract_date: dt.date | None
    problem: Issue | None = None


class DropResult(BaseModel):
    """What happened to one drop in an ingest run."""

    path: str
    la_code: int | None
    extract_date: dt.date | None
    outcome: Literal["accepted", "unchanged", "rejected"]
    new_version: bool = False
    drop_id: int | None = None
    errors: list[Issue] = []
    warnings: list[Issue] = []
    row_counts: dict[str, int] = {}

    def as_cli(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "la_code": self.la_code,
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
        }
        if self.outcome == "accepted":
            out["warnings"] = [i.as_cli() for i in self.warnings]
            out["new_version"] = self.new_version
        elif self.outcome == "rejected":
            out["errors"] = [i.as_cli() for i in self.errors]
            out["warnings"] = [i.as_cli() for i in self.warnings]
        return out


class IngestReport(BaseModel):
    results: list[DropResult]

    def by(self, outcome: str) -> list[DropResult]:
        return [r for r in self.results if r.outcome == outcome]

    def as_cli(self) -> dict[str, list[dict[str, object]]]:
        return {k: [r.as_cli() for r in self.by(k)] for k in ("accepted", "unchanged", "rejected")}


# ---------------------------------------------------------------- discovery


def shown(name: str) -> str:
    """A folder or file name as it may be printed: control characters and undecodable bytes escaped."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch) & 0xFF:02x}" for ch in name)


def council_code_of(name: str) -> int | None:
    """The council code a folder name gives (three ASCII digits, no leading zero), or None."""
    return int(name) if _COUNCIL_NAME.fullmatch(name) else None


def extract_date_of(name: str) -> dt.date | None:
    """The extract date a folder name gives (ISO YYYY-MM-DD, ASCII digits, a real date), or None."""
    if not _DATE_NAME.fullmatch(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _kind(entry: os.DirEntry[str]) -> str | None:
    """None for a real folder (not a link); else what the entry is, for the message."""
    if entry.is_symlink():
        return "a symbolic link (links are refused: a drop holds its own files)"
    if entry.is_dir(follow_symlinks=False):
        return None
    if entry.is_file(follow_symlinks=False):
        return "a file, not a folder"
    return "a special file (pipe, socket or device), not a folder"


def discover(root: Path) -> list[DropFolder]:
    """Every entry `<la_code>/<extract_date>/` under root, each reported, none skipped in silence.

    The tree is untrusted: a name that is not a council code or an ISO date becomes a rejected drop (the
    folder checks say why), hidden names included; links are never followed; files, pipes and empty council
    folders where drop folders belong are reported as rejected entries (`DropFolder.problem`).
    """
    root = Path(root)
    found: list[DropFolder] = []
    for council in _entries(root):
        name = shown(council.name)
        la = council_code_of(council.name)
        kind = _kind(council)
        if kind is not None:
            found.append(DropFolder(name, Path(council.path), la, None, Issue(
                rule="not_a_drop_folder", message=f"'{name}' is {kind}; expected a council folder <la_code>/")))
            continue
        try:
            dates = _entries(Path(council.path))
        except OSError as exc:
            found.append(DropFolder(name, Path(council.path), la, None, Issue(
                rule="unreadable_folder", message=f"folder '{name}' cannot be read: {exc.strerror}")))
            continue
        if not dates:
            found.append(DropFolder(name, Path(council.path), la, None, Issue(
                rule="empty_folder", message=f"council folder '{name}' holds no drop folder <extract_date>/")))
        for entry in dates:
            path = f"{name}/{shown(entry.name)}"
            when = extract_date_of(entry.name)
            kind = _kind(entry)
            problem = None if kind is None else Issue(
                rule="not_a_drop_folder", message=f"'{path}' is {kind}; expected a drop folder <extract_date>/")
            found.append(DropFolder(path, Path(entry.path), la, when, problem))
    return found


@dataclass(slots=True)
class DropFiles:
    """The regular files of a drop folder, with each one's sha256, and what else the folder held."""

    checksums: dict[str, str]
    issues: list[Issue]

    @property
    def fingerprint(self) -> str:
        """One fingerprint of the whole drop (changes if any file does)."""
        whole = hashlib.sha256("\n".join(f"{n} {h}" for n, h in sorted(self.checksums.items())).encode())
        return whole.hexdigest()


def _open_regular(path: Path) -> int:
    """Open a file for reading only if it is a regular file (never follows a link, never blocks on a pipe)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, f"{path.name} is not a regular file")
    return fd


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with os.fdopen(_open_regular(path), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def drop_files(folder: Path) -> DropFiles:
    """Hash the drop's regular files; links, pipes, devices and subfolders are never read.

    A link (wherever it points, even inside the folder) or a special file is an error of the drop, named;
    a subfolder is ignored with a warning. Raises OSError if the folder itself cannot be listed.
    """
    checksums: dict[str, str] = {}
    issues: list[Issue] = []
    for entry in _entries(folder):
        name = shown(entry.name)
        if entry.is_symlink():
            issues.append(Issue(file=name, rule="symlink_refused", message=(
                f"{name} is a symbolic link: a drop must hold its own regular files (links are never followed)")))
        elif entry.is_dir(follow_symlinks=False):
            issues.append(Issue(severity="warning", file=name, rule="unknown_file", message=(
                f"{name}/ is a folder inside the drop and was ignored")))
        elif not entry.is_file(follow_symlinks=False):
            issues.append(Issue(file=name, rule="not_a_regular_file", message=(
                f"{name} is a pipe, socket or device, not a regular file, and was not read")))
        elif name != entry.name:
            issues.append(Issue(file=name, rule="unknown_file", severity="warning", message=(
                f"{name} has a name with control characters or undecodable bytes and was ignored")))
        else:
            checksums[entry.name] = _sha256(Path(entry.path))
    return DropFiles(checksums, issues)


def fingerprint(folder: Path) -> tuple[dict[str, str], str]:
    """Each regular file's sha256, and one fingerprint of the whole drop (changes if any file does)."""
    found = drop_files(folder)
    return found.checksums, found.fingerprint


# ---------------------------------------------------------------- folder-level checks


def _folder_issues(drop: DropFolder, ref: Reference, today: dt.date) -> list[Issue]:
    council, date_name = drop.path.split("/")
    issues: list[Issue] = []
    if drop.la_code is None or drop.la_code not in ref.la_codes:
        issues.append(Issue(rule="unknown_council", message=(
            f"folder '{council}' is not a partner council code (expected one of "
            f"{', '.join(map(str, ref.la_codes))})")))
    if drop.extract_date is None:
        issues.append(Issue(rule="invalid_extract_date", message=(
            f"folder '{date_name}' is not an ISO extract date (YYYY-MM-DD)")))
    elif drop.extract_date > today:
        issues.append(Issue(rule="future_extract_date", message=(
            f"extract date {drop.extract_date} is after today ({today})")))
    return issues


def read_manifest(folder: Path, max_bytes: int) -> tuple[Manifest | None, list[Issue]]:
    """The drop's manifest.json if it has one, read with a size cap; any failure is the drop's error.

    Returns (None, []) without a manifest; (None, [issue]) when it is too large, not a regular file, not
    JSON (however deep its nesting), or not the manifest model (partner-drops.md, manifest.json).
    """
    path = Path(folder) / MANIFEST_FILE
    try:
        with os.fdopen(_open_regular(path), "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [Issue(file=MANIFEST_FILE, rule="unreadable_manifest", message=(
            f"manifest.json cannot be read: {exc.strerror or exc}"))]
    if len(raw) > max_bytes:
        return None, [Issue(file=MANIFEST_FILE, rule="manifest_too_large", message=(
            f"manifest.json is larger than {max_bytes:,} bytes (settings: drops.manifest_max_bytes)"))]
    try:
        return Manifest.model_validate(json.loads(raw.decode("utf-8-sig"))), []
    except RecursionError:
        why = "it is nested too deeply to be a manifest"
    except UnicodeDecodeError:
        why = "it is not UTF-8 text"
    except ValidationError as exc:
        err = exc.errors()[0]
        why = f"field {'.'.join(map(str, err['loc'])) or '(top)'}: {err['msg']}"
    except ValueError as exc:
        why = f"it is not JSON ({str(exc).splitlines()[0][:200]})"
    return None, [Issue(file=MANIFEST_FILE, rule="unreadable_manifest", message=f"manifest.json is not valid: {why}")]


def _manifest_issues(
    drop: DropFolder, checksums: dict[str, str], rows: dict[str, int], max_bytes: int,
) -> list[Issue]:
    if MANIFEST_FILE not in checksums:
        return []
    manifest, problems = read_manifest(drop.folder, max_bytes)
    if manifest is None:
        return problems
    issues = []
    if drop.la_code is not None and manifest.la_code != drop.la_code:
        issues.append(Issue(file=MANIFEST_FILE, column="la_code", rule="manifest_mismatch", message=(
            f"manifest says council {manifest.la_code} but the folder is {drop.la_code}")))
    if drop.extract_date is not None and manifest.extract_date != drop.extract_date.isoformat():
        issues.append(Issue(file=MANIFEST_FILE, column="extract_date", rule="manifest_mismatch", message=(
            f"manifest says extract date {manifest.extract_date} but the folder is {drop.extract_date}")))
    for raw_name, entry in sorted(manifest.files.items()):
        name = shown(raw_name)
        if raw_name not in checksums:
            issues.append(Issue(file=name, rule="manifest_file_missing", message=(
                f"{name} is listed in manifest.json but is not in the drop")))
            continue
        if entry.sha256.lower() != checksums[name]:
            issues.append(Issue(file=name, rule="manifest_checksum", message=(
                f"{name} does not match its manifest sha256 (the file changed or was truncated in transit)")))
        if name in rows and entry.rows != rows[name]:
            issues.append(Issue(file=name, rule="manifest_rows", message=(
                f"{name} has {rows[name]} rows but manifest.json says {entry.rows}")))
    return issues


# ---------------------------------------------------------------- column typing


def _accepts(col: Column, duck_type: str) -> bool:
    t = duck_type.upper()
    base = t.split("(")[0]
    if col.type is ColType.STRING:
        return t == "VARCHAR"
    if col.type is ColType.DATE:
        return t == "DATE" or t.startswith("TIMESTAMP") or t == "VARCHAR"
    if col.type is ColType.BOOL:
        return t == "BOOLEAN" or t in _INT_TYPES
    if col.type is ColType.INT:
        return t in _INT_TYPES
    if col.type is ColType.MONEY:
        if base == "DECIMAL":
            scale = int(t.split(",")[1].rstrip(")"))
            return scale <= 2
        # 32-bit floats are refused: they cannot hold pence above ~£100k (spec "Exactness").
        return t in _INT_TYPES or t == "DOUBLE"
    if col.type is ColType.NUMBER:
        return t in _INT_TYPES or t in ("DOUBLE", "FLOAT") or base == "DECIMAL"
    return False


def money_from_double_sql(q: str) -> tuple[str, str]:
    """SQL for money read from a double, and SQL true where that changed the amount.

    The double is taken as the decimal it was written as (its shortest round-trip repr, which is what
    DuckDB's cast to VARCHAR gives, the same as Python's `repr`), then rounded half-even to pence:
    2.675 -> 2.68, 10.135 -> 10.14, 0.125 -> 0.12; the rule of `raa_core.money.from_double`. NaN,
    infinities and amounts beyond DECIMAL(18,2) give NULL (reported as unreadable). Spec "Exactness".
    """
    exact = f"TRY_CAST(CAST({q} AS VARCHAR) AS DECIMAL(38,20))"
    val = f"TRY_CAST(round_even({exact}, 2) AS DECIMAL(18,2))"
    # Digits past the 20th decimal place are lost by the exact cast, so a tiny non-zero amount counts too.
    changed = f"({q} IS NOT NULL AND ({exact} <> round_even({exact}, 2) OR ({q} <> 0 AND {exact} = 0)))"
    return val, changed


def _typed(col: Column, src: str, duck_type: str) -> tuple[str, str | None]:
    """SQL for the typed value, and SQL true where a present value cannot be read as its type."""
    t = duck_type.upper()
    q = f'"{src}"'
    if col.type is ColType.STRING:
        expr = f"NULLIF(trim({q}), '')"
        if col.name == "sex":
            expr = f"CASE upper(trim({q})) WHEN '1' THEN 'M' WHEN '2' THEN 'F' ELSE NULLIF(upper(trim({q})), '') END"
        return expr, None
    if col.type is ColType.DATE:
        if t == "VARCHAR":
            parsed = f"TRY_CAST(TRY_STRPTIME(trim({q}), '%Y-%m-%d') AS DATE)"
            bad = (
                f"(NULLIF(trim({q}), '') IS NOT NULL AND "
                f"(NOT regexp_full_match(trim({q}), '\\d{{4}}-\\d{{2}}-\\d{{2}}') OR {parsed} IS NULL))"
            )
            return f"CASE WHEN NOT {bad} THEN {parsed} END", bad
        return f"CAST({q} AS DATE)", None
    if col.type is ColType.BOOL:
        if t == "BOOLEAN":
            return f"coalesce({q}, {str(col.default).lower()})" if col.default is not None else q, None
        bad = f"({q} IS NOT NULL AND {q} NOT IN (0, 1))"
        val = f"CASE WHEN {q} = 1 THEN true WHEN {q} = 0 THEN false END"
        return (f"coalesce({val}, {str(col.default).lower()})" if col.default is not None else val), bad
    if col.type is ColType.INT:
        bad = f"({q} IS NOT NULL AND TRY_CAST({q} AS BIGINT) IS NULL)"
        val = f"TRY_CAST({q} AS BIGINT)"
        return (f"coalesce({val}, {col.default})" if col.default is not None else val), bad
    if col.type is ColType.MONEY:
        if t == "DOUBLE":
            val, _ = money_from_double_sql(q)
            bad = f"({q} IS NOT NULL AND {val} IS NULL)"
        else:
            val = f"TRY_CAST({q} AS DECIMAL(18,2))"
            bad = f"({q} IS NOT NULL AND {val} IS NULL)"
        return val, bad
    if col.type is ColType.NUMBER:
        bad = f"({q} IS NOT NULL AND TRY_CAST({q} AS DOUBLE) IS NULL)"
        return f"TRY_CAST({q} AS DOUBLE)", bad
    raise AssertionError(col.type)


# ---------------------------------------------------------------- rules

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A row-level rule: rows where `where` holds break it."""

    column: str | None
    rule: str
    where: str
    message: str
    severity: Severity = "error"


def _nhs_sql(c: str) -> str:
    weighted = " + ".join(f"{10 - i} * TRY_CAST(substr({c}, {i + 1}, 1) AS INTEGER)" for i in range(9))
    check = f"(11 - (({weighted}) % 11)) % 11"
    return (
        f"(regexp_full_match({c}, '\\d{{10}}') AND {check} <> 10 "
        f"AND {check} = TRY_CAST(substr({c}, 10, 1) AS INTEGER))"
    )


def _pseudonym_rule(col: str) -> Rule:
    return Rule(
        col,
        "personal_identifier",
        f"({_nhs_sql(col)} OR regexp_full_match({col}, '[A-Za-z]\\d{{11}}[0-9A-Za-z]'))",
        f"{col} looks like an NHS number or unique pupil number: drops must carry pseudonymous identifiers",
    )


def _fy_rule(col: str = "financial_year") -> Rule:
    ok = (
        f"regexp_full_match({col}, '\\d{{4}}-\\d{{2}}') AND "
        f"(TRY_CAST(substr({col}, 1, 4) AS INTEGER) + 1) % 100 = TRY_CAST(substr({col}, 6, 2) AS INTEGER)"
    )
    return Rule(col, "financial_year_format", f"NOT ({ok})",
                "financial_year must be YYYY-YY with consecutive years, e.g. 2020-21")


def _lines_rule(ref: Reference) -> list[Rule]:
    areas = sorted({c.budget_area for c in ref.cost_lines})
    pairs = ", ".join(f"('{c.budget_area}', '{c.cost_line}')" for c in ref.cost_lines)
    return [
        Rule("budget_area", "unknown_budget_area",
             f"budget_area NOT IN ({', '.join(repr(a) for a in areas)})",
             f"budget_area must be one of {', '.join(areas)}"),
        Rule("cost_line", "unknown_cost_line",
             f"budget_area IN ({', '.join(repr(a) for a in areas)}) AND (budget_area, cost_line) NOT IN ({pairs})",
             "cost_line is not in the reference list of cost lines for its budget_area"),
    ]


def _rules(spec: TableSpec, ref: Reference) -> list[Rule]:
    """The contract's row rules for a table; `__extract` is each row's drop extract date."""
    x = "__extract"
    rules: list[Rule] = [
        Rule(c.name, "date_after_extract", f"{c.name} > {x}", f"{c.name} is after the drop's extract date")
        for c in spec.columns if c.type is ColType.DATE
    ]
    if spec.name == "children":
        rules += [
            _pseudonym_rule("child_id"),
            Rule("sex", "value_not_allowed", "sex NOT IN ('M', 'F')", "sex must be M or F (or SSDA903 1/2)"),
            Rule("date_of_birth", "born_after_entering_care", "date_of_birth > entered_care_date",
                 "date_of_birth is after entered_care_date"),
            Rule("entered_care_date", "entered_care_aged_18_or_over",
                 "entered_care_date >= date_of_birth + INTERVAL 18 YEAR",
                 "child entered care aged 18 or over"),
            Rule("placed_date", "placed_before_entering_care", "placed_date < entered_care_date",
                 "placed_date is before entered_care_date"),
            Rule("matched_date", "matched_after_placed", "matched_date > placed_date",
                 "matched_date is after placed_date"),
            Rule("adoption_order_date", "order_before_placed", "adoption_order_date < placed_date",
                 "adoption_order_date is before placed_date"),
            Rule("adoption_order_date", "order_without_placement",
                 "adoption_order_date IS NOT NULL AND placed_date IS NULL",
                 "adoption_order_date is set but placed_date is missing"),
            Rule("placement_order_date", "order_before_adm_decision", "placement_order_date < adm_decision_date",
                 "placement_order_date is before adm_decision_date", "warning"),
            Rule("matched_date", "matched_before_placement_order", "matched_date < placement_order_date",
                 "matched_date is before placement_order_date (A2 counts it as 0 days)", "warning"),
            Rule("fostered_by_adopters_from", "fostered_from_out_of_range",
                 "fostered_by_adopters_from > placed_date OR fostered_by_adopters_from < entered_care_date",
                 "fostered_by_adopters_from is after placed_date or before entered_care_date", "warning"),
            Rule("early_permanence", "early_permanence_without_fostering",
                 "early_permanence AND fostered_by_adopters_from IS NULL",
                 "early_permanence is set but fostered_by_adopters_from is missing", "warning"),
            Rule("plan_reversed_date", "reversed_and_adopted",
                 "plan_reversed_date IS NOT NULL AND adoption_order_date IS NOT NULL",
                 "both plan_reversed_date and adoption_order_date are set", "warning"),
        ]
    elif spec.name == "adopters":
        stages = ["enquiry_date", "roi_date", "stage1_end_date", "stage2_start_date",
                  "approval_date", "matched_date", "placed_date"]
        present = f"list_filter([{', '.join(stages)}], lambda d: d IS NOT NULL)"
        rules += [
            _pseudonym_rule("household_id"),
            Rule(None, "stage_dates_out_of_order", f"{present} <> list_sort({present})",
                 "stage dates out of order (enquiry <= roi <= stage1_end <= stage2_start <= approval <= "
                 "matched <= placed, each where present)"),
            Rule("children_placed", "negative_count", "children_placed < 0", "children_placed is negative"),
            Rule("withdrawn_date", "withdrawn_after_placement",
                 "withdrawn_date IS NOT NULL AND placed_date IS NOT NULL",
                 "withdrawn_date is set for a household with a child placed", "warning"),
        ]
    elif spec.name == "budget":
        rules += [_fy_rule(), *_lines_rule(ref)]
    elif spec.name == "ledger":
        rules += [_fy_rule(), *_lines_rule(ref),
                  Rule("period", "period_out_of_range", "period NOT BETWEEN 1 AND 12", "period must be 1..12")]
        start = (
            "make_date(TRY_CAST(substr(financial_year, 1, 4) AS INTEGER), 4, 1) "
            "+ to_months(TRY_CAST(period AS INTEGER) - 1)"
        )
        rules.append(Rule(
            "period", "period_not_begun",
            f"period BETWEEN 1 AND 12 AND regexp_full_match(financial_year, '\\d{{4}}-\\d{{2}}') "
            f"AND {start} > {x}",
            "the period's month had not begun by the drop's extract date"))
    elif spec.name == "establishment":
        rules += [
            Rule("team", "value_not_allowed", f"team NOT IN ({', '.join(repr(t) for t in TEAMS)})",
                 f"team must be one of {', '.join(TEAMS)}"),
            Rule("status", "value_not_allowed", f"status NOT IN ({', '.join(repr(s) for s in POST_STATUSES)})",
                 f"status must be one of {', '.join(POST_STATUSES)}"),
            Rule("fte", "fte_out_of_range", "NOT (fte > 0 AND fte <= 1)", "fte must be > 0 and <= 1"),
        ]
    return rules


# ---------------------------------------------------------------- files, checked together


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_ARROW_INTS = {
    pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
    pa.uint8(): "UTINYINT", pa.uint16(): "USMALLINT", pa.uint32(): "UINTEGER", pa.uint64(): "UBIGINT",
}


def _duck_type(t: pa.DataType) -> str:
    """The DuckDB type a Parquet column of this Arrow type is read as."""
    if pa.types.is_dictionary(t):
        return _duck_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if t in _ARROW_INTS:
        return _ARROW_INTS[t]
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_null(t):
        return "NULL"
    return str(t).upper()


@dataclass(slots=True)
class FilePlan:
    """One file of one drop: what reading it takes, or the issues that stop it being read."""

    drop: int
    spec: TableSpec
    path: Path
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    selects: list[str] | None = None
    checks: list[Rule] = field(default_factory=list)

    @property
    def signature(self) -> tuple[str, ...]:
        return (self.spec.name, *(self.selects or []))


def _length_limited(src: str, expr: str, limit: int) -> tuple[str, str]:
    """A string column's value, and its over-length flag: a value above the limit is never staged.

    DuckDB measures the length while scanning (no value reaches Python), and the staged table holds NULL
    in its place, so 300 values of 1 MB cost a scan, not memory.
    """
    too_long = f'(length("{src}") > {int(limit)})'
    return f"CASE WHEN {too_long} THEN NULL ELSE {expr} END", too_long


def _plan_file(drop: int, path: Path, spec: TableSpec, ref: Reference) -> FilePlan:
    """Read a file's schema and map its columns onto the contract (no data read yet)."""
    fname = spec.file
    plan = FilePlan(drop, spec, path)
    try:
        meta = pq.ParquetFile(path).metadata
        schema = meta.schema.to_arrow_schema()
        plan.rows = meta.num_rows
    except (pa.ArrowException, OSError) as exc:
        plan.issues.append(Issue(file=fname, rule="unreadable_file", message=(
            f"{fname} is not readable Parquet (empty, truncated or another format): {exc}")))
        return plan
    by_lower: dict[str, list[str]] = {}
    for name in schema.names:
        by_lower.setdefault(name.lower(), []).append(name)
    for lower, names in by_lower.items():
        if len(names) > 1:
            plan.issues.append(Issue(file=fname, column=lower, rule="duplicate_column", message=(
                f"columns {', '.join(names)} differ only in case")))
    known = {c.name for c in spec.columns}
    for name in sorted(n for n in schema.names if n.lower() not in known):
        plan.issues.append(Issue(severity="warning", file=fname, column=name, rule="unknown_column", message=(
            f"column {name} is not in the contract and was not loaded")))
    types = {f.name: _duck_type(f.type) for f in schema}
    selects: list[str] = []
    checks: list[Rule] = []
    fatal = False
    for col in spec.columns:
        src = next(iter(by_lower.get(col.name, [])), None)
        if src is None or types[src] == "NULL":
            if src is None and col.required:
                plan.issues.append(Issue(file=fname, column=col.name, rule="missing_column", message=(
                    f"required column {col.name} is missing")))
                fatal = True
                continue
            default = "NULL" if col.default is None else str(col.default).lower()
            selects.append(f"CAST({default} AS {SQL_TYPE[col.type]}) AS {col.name}")
            continue
        duck_type = types[src]
        if not _accepts(col, duck_type):
            plan.issues.append(Issue(file=fname, column=col.name, rule="wrong_type", message=(
                f"column {col.name} has type {duck_type}, not one accepted for a {col.type.value}")))
            fatal = True
            continue
        expr, bad = _typed(col, src, duck_type)
        rule, why = "unreadable_value", f"value cannot be read as a {col.type.value}"
        if col.type is ColType.STRING:
            limit = ref.settings.drops.string_max_chars
            expr, bad = _length_limited(src, expr, limit)
            rule, why = "value_too_long", f"value is longer than {limit:,} characters (settings: drops.string_max_chars)"
        selects.append(f"{expr} AS {col.name}")
        if bad:
            selects.append(f"{bad} AS __bad_{col.name}")
            checks.append(Rule(col.name, rule, f"__bad_{col.name}", why))
        if col.type is ColType.MONEY and duck_type == "DOUBLE":
            _, changed = money_from_double_sql(f'"{src}"')
            selects.append(f"{changed} AS __prec_{col.name}")
            checks.append(Rule(col.name, "money_rounded", f"__prec_{col.name}",
                                "amount had more than 2 decimal places and was rounded half-even to pence", "warning"))
        if col.required:
            unreadable = f" AND NOT coalesce(__bad_{col.name}, false)" if bad else ""
            checks.append(Rule(col.name, "missing_value", f"{col.name} IS NULL{unreadable}",
                                f"required value {col.name} is missing"))
    if fatal:
        return plan
    checks += _rules(spec, ref)
    plan.selects, plan.checks = selects, checks
    return plan


def _check_group(con: duckdb.DuckDBPyConnection, plans: list[FilePlan], extracts: dict[int, dt.date | None],
                 stage: str) -> None:
    """Stage files of one table that share a shape in one typed temp table, and check every rule in one scan.

    Each row keeps its drop (`__drop`), extract date (`__extract`) and zero-based row number (`__row`).
    """
    first = plans[0]
    spec = first.spec
    mapping = ", ".join(
        f"({_sql_str(str(p.path))}, {p.drop}, "
        f"{'NULL' if extracts[p.drop] is None else repr(extracts[p.drop].isoformat())}::DATE)" for p in plans)
    files = "[" + ", ".join(_sql_str(str(p.path)) for p in plans) + "]"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT m.__drop, m.__extract, "
        f"CAST(r.file_row_number AS BIGINT) AS __row, {', '.join(first.selects or [])} "
        f"FROM read_parquet({files}, filename = true, file_row_number = true) r "
        f"JOIN (VALUES {mapping}) m(__file, __drop, __extract) ON r.filename = m.__file"
    )
    preds = [c.where for c in first.checks]
    parts = [f"count(*) FILTER (WHERE coalesce({p}, false))" for p in preds]
    key = ", ".join(spec.key)
    parts.append(f"count(*) - count(DISTINCT ({key}))" if len(spec.key) > 1 else f"count(*) - count(DISTINCT {key})")
    counts = con.execute(f"SELECT __drop, {', '.join(parts)} FROM {stage} GROUP BY __drop").fetchall()
    by_drop = {p.drop: p for p in plans}
    for row in counts:
        plan = by_drop[row[0]]
        for check, count in zip(first.checks, row[1:-1], strict=True):
            if not count:
                continue
            sample = [r[0] for r in con.execute(
                f"SELECT __row FROM {stage} WHERE __drop = ? AND coalesce({check.where}, false) "
                f"ORDER BY __row LIMIT {MAX_ROWS}", [plan.drop]).fetchall()]
            plan.issues.append(Issue(severity=check.severity, file=spec.file, column=check.column, rule=check.rule,
                                     rows=sample, row_count=int(count),
                                     message=f"{check.message} ({count} {'row' if count == 1 else 'rows'})"))
        if row[-1]:
            dup = con.execute(
                f"SELECT count(*), (list(__row ORDER BY __row))[1:{MAX_ROWS}] FROM ("
                f"SELECT __row, count(*) OVER (PARTITION BY {key}) AS n FROM {stage} WHERE __drop = ?) "
                f"WHERE n > 1", [plan.drop]).fetchall()[0]
            plan.issues.append(Issue(file=spec.file, column=key, rule="duplicate_key", rows=list(dup[1]),
                                     row_count=int(dup[0]),
                                     message=f"({key}) must be unique: {dup[0]} rows share a key"))


# ---------------------------------------------------------------- drops


@dataclass(slots=True)
class CheckedDrop:
    drop: DropFolder
    fingerprint: str
    checksums: dict[str, str]
    files: list[FilePlan]
    folder_issues: list[Issue]
    started: dt.datetime
    manifest_issues: list[Issue] = field(default_factory=list)

    @property
    def issues(self) -> list[Issue]:
        found = list(self.folder_issues)
        for f in self.files:
            found += f.issues
        return found + self.manifest_issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def row_counts(self) -> dict[str, int]:
        return {f.spec.file: f.rows for f in self.files if f.selects is not None}


def _start_check(
    n: int, drop: DropFolder, ref: Reference, today: dt.date, found: DropFiles | None = None,
) -> CheckedDrop:
    """Folder, file-presence, manifest and schema checks of one drop (no data read yet).

    Only the drop's regular files are read (`drop_files`); links and special files are its errors.
    """
    started = dt.datetime.now()
    found = found or drop_files(drop.folder)
    checksums, whole = found.checksums, found.fingerprint
    issues = _folder_issues(drop, ref, today) + found.issues
    required = list(REQUIRED_FILES)
    if drop.extract_date is not None and drop.extract_date >= dt.date.fromisoformat(POOLED_FROM):
        required.append("ledger.parquet")
    for name in required:
        if name not in checksums:
            issues.append(Issue(file=name, rule="missing_file", message=f"required file {name} is missing"))
    for name in checksums:
        if name not in TABLE_BY_FILE and name != MANIFEST_FILE:
            issues.append(Issue(severity="warning", file=name, rule="unknown_file",
                                message=f"{name} is not part of the contract and was ignored"))
    files = [_plan_file(n, drop.folder / spec.file, spec, ref) for spec in TABLES if spec.file in checksums]
    manifest = _manifest_issues(drop, checksums, {f.spec.file: f.rows for f in files},
                                ref.settings.drops.manifest_max_bytes)
    return CheckedDrop(drop, whole, checksums, files, issues, started, manifest)


def check_drops(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop]) -> list[str]:
    """Check the data of many drops at once, as set-based SQL per table; returns the temp tables staged."""
    groups: dict[tuple[str, ...], list[FilePlan]] = {}
    for c in checked:
        for f in c.files:
            if f.selects is not None:
                groups.setdefault(f.signature, []).append(f)
    extracts = {i: c.drop.extract_date for i, c in enumerate(checked)}
    stages = []
    for g, plans in enumerate(groups.values()):
        stage = f"stage_{plans[0].spec.name}_{g}"
        try:
            _check_group(con, plans, extracts, stage)
        except Exception as exc:
            if machine_failure(exc):
                raise
            # A file that fails although its footer looked fine: find which, one by one.
            for p in plans:
                # rules counted before the failure are counted again, alone
                p.issues = [i for i in p.issues if i.rows is None and i.row_count is None]
                try:
                    _check_group(con, [p], extracts, f"{stage}_{p.drop}")
                    stages.append(f"{stage}_{p.drop}")
                except Exception as exc:
                    if machine_failure(exc):
                        raise
                    p.issues.append(Issue(file=p.spec.file, rule="unreadable_file",
                                          message=f"{p.spec.file} could not be read: {_one_line(exc)}"))
                    p.selects = None
            continue
        stages.append(stage)
    return stages


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def machine_failure(exc: BaseException) -> bool:
    """A failure of the machine (disk full, read-only), not of a drop: it stops the run (exit 2)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(
        t in text for t in ("no space left", "read-only file system", "disk quota"))


def _crashed(drop: DropFolder, exc: BaseException) -> DropResult:
    """Any unexpected failure while checking one drop becomes that drop's rejection, located."""
    return DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date, outcome="rejected",
                      errors=[Issue(rule="check_failed", message=(
                          f"drop {drop.path} could not be checked, so nothing of it was loaded: {_one_line(exc)}"))])


def _refused(drop: DropFolder) -> DropResult:
    """An entry `discover` found could not be a drop (a file, a link, an empty council folder)."""
    assert drop.problem is not None
    return DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date, outcome="rejected",
                      errors=[drop.problem])


def _audit(con: duckdb.DuckDBPyConnection, result: DropResult, fingerprint: str | None,
           checksums: dict[str, str], started: dt.datetime, attempt: int) -> None:
    con.execute(
        "INSERT INTO ingest_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [attempt, result.path, result.la_code, result.extract_date, result.outcome, result.drop_id,
         fingerprint, json.dumps(checksums, sort_keys=True), json.dumps(result.row_counts, sort_keys=True),
         len(result.errors), len(result.warnings), started],
    )
    issues = [*result.errors, *result.warnings]
    if issues:
        con.executemany(
            "INSERT INTO drop_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[attempt, result.drop_id, i.severity, i.file, i.column, i.rule, i.rows, i.row_count, i.message]
             for i in issues],
        )


Progress = Callable[[int, int, str], None]


def ingest_into(
    con: duckdb.DuckDBPyConnection, drops: Sequence[DropFolder], ref: Reference, today: dt.date | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate drops and load the valid ones into an open read-write warehouse, in one transaction.

    A drop with any error loads nothing; the others load whole. Unchanged drops (same fingerprint as a
    loaded version) are skipped; changed ones become a new version. Every attempt is audited.
    """
    today = today or dt.date.today()
    known: dict[str, list[tuple[str, int]]] = {}
    for path, fp, version in con.execute("SELECT path, fingerprint, version FROM drops ORDER BY version").fetchall():
        known.setdefault(path, []).append((fp, version))
    results: list[DropResult | None] = []
    unchanged: dict[int, tuple[str, dict[str, str], dt.datetime]] = {}
    to_check: list[CheckedDrop] = []
    refused: dict[int, DropResult] = {}
    for n, drop in enumerate(drops):
        if progress:
            progress(n, len(drops), drop.path)
        if drop.problem is not None:
            refused[n] = _refused(drop)
            results.append(refused[n])
            continue
        try:
            found = drop_files(drop.folder)
            if not found.issues and any(fp == found.fingerprint for fp, _ in known.get(drop.path, [])):
                unchanged[n] = (found.fingerprint, found.checksums, dt.datetime.now())
                results.append(DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                          outcome="unchanged"))
                continue
            checked = _start_check(len(to_check), drop, ref, today, found)
        except Exception as exc:
            if machine_failure(exc):
                raise
            refused[n] = _crashed(drop, exc)
            results.append(refused[n])
            continue
        results.append(None)
        to_check.append(checked)
    stages = check_drops(con, to_check)

    next_drop = con.execute("SELECT coalesce(max(drop_id), 0) + 1 FROM drops").fetchall()[0][0]
    attempt = con.execute("SELECT coalesce(max(attempt_id), 0) + 1 FROM ingest_audit").fetchall()[0][0]
    accepted: dict[int, tuple[int, int]] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        checked_iter = iter(to_check)
        for n, drop in enumerate(drops):
            if n in refused:
                _audit(con, refused[n], None, {}, dt.datetime.now(), attempt)
                attempt += 1
                continue
            if n in unchanged:
                whole, checksums, started = unchanged[n]
                _audit(con, results[n], whole, checksums, started, attempt)
                attempt += 1
                continue
            c = next(checked_iter)
            errors, warnings = c.errors, c.warnings
            if errors:
                result = DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                    outcome="rejected", errors=errors, warnings=warnings, row_counts=c.row_counts)
            else:
                versions = known.get(drop.path, [])
                version = versions[-1][1] + 1 if versions else 1
                drop_id = next_drop
                next_drop += 1
                accepted[to_check.index(c)] = (drop_id, int(drop.la_code or 0))
                con.execute(
                    "INSERT INTO drops VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                    [drop_id, drop.la_code, drop.extract_date, drop.path, version, c.fingerprint,
                     sorted(c.row_counts)])
                result = DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                    outcome="accepted", new_version=bool(versions), drop_id=drop_id,
                                    warnings=warnings, row_counts=c.row_counts)
            _audit(con, result, c.fingerprint, c.checksums, c.started, attempt)
            attempt += 1
            results[n] = result
        if accepted:
            ids = ", ".join(f"({i}, {d}, {la})" for i, (d, la) in accepted.items())
            for stage in stages:
                spec = next(t for t in TABLES if stage.startswith(f"stage_{t.name}_"))
                cols = ", ".join(spec.column_names)
                con.execute(
                    f"INSERT INTO {spec.name} (drop_id, la_code, {cols}) SELECT a.drop_id, a.la_code, {cols} "
                    f"FROM {stage} s JOIN (VALUES {ids}) a(idx, drop_id, la_code) ON s.__drop = a.idx "
                    f"ORDER BY a.drop_id, s.__row")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for stage in stages:
            con.execute(f"DROP TABLE IF EXISTS {stage}")
    return IngestReport(results=[r for r in results if r is not None])


def ingest(
    db: Path, root: Path, ref: Reference, today: dt.date | None = None, progress: Progress | None = None,
) -> IngestReport:
    """Validate and load every drop under root; publishes a new warehouse version atomically."""
    return ingest_folders(db, discover(root), ref, today, progress)


def ingest_folders(
    db: Path, drops: Sequence[DropFolder], ref: Reference, today: dt.date | None = None,
    progress: Progress | None = None, *, first_build: bool = False,
) -> IngestReport:
    """Validate and load the given drop folders in one new warehouse version.

    Raises warehouse.WarehouseError for operational failures (disk full, read-only, damaged warehouse),
    and with `first_build` warehouse.AlreadyBuilt if a version exists once the writer lock is held.
    """
    with warehouse.writing(db, first_build=first_build) as con:
        report = ingest_into(con, drops, ref, today, progress)
    if progress:
        progress(len(drops), len(drops), "done")
    return report


def first_build(
    db: Path, root: Path, ref: Reference, today: dt.date | None = None, progress: Progress | None = None,
) -> IngestReport | None:
    """Build the warehouse from the drops under root on first start, once, however many sessions ask.

    Returns the report of the build, or None when there was nothing to do: a warehouse already exists, or
    another session or process built it while this one waited for the writer lock. Never builds while
    version files exist (a damaged link falls back to the newest intact version; see warehouse.health).
    """
    if warehouse.current_file(db) is not None:
        return None
    try:
        return ingest_folders(db, discover(root), ref, today, progress, first_build=True)
    except warehouse.AlreadyBuilt:
        return None


def check_only(drop: DropFolder, ref: Reference, today: dt.date | None = None) -> DropResult:
    """Validate a drop without loading it (an in-memory database; the warehouse is not touched)."""
    if drop.problem is not None:
        return _refused(drop)
    con = duckdb.connect()
    try:
        checked = _start_check(0, drop, ref, today or dt.date.today())
        check_drops(con, [checked])
    except Exception as exc:
        if machine_failure(exc):
            raise
        return _crashed(drop, exc)
    finally:
        con.close()
    errors = checked.errors
    return DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                      outcome="rejected" if errors else "accepted", errors=errors,
                      warnings=checked.warnings, row_counts=checked.row_counts)


def issues_frame(result: DropResult) -> list[dict[str, object]]:
    """Errors then warnings as plain rows for a table: severity, file, column, rule, rows, message."""
    return [
        {"severity": i.severity, "file": i.file, "column": i.column, "rule": i.rule,
         "rows": ", ".join(map(str, i.rows or [])), "message": i.message}
        for i in [*result.errors, *result.warnings]
    ]
