"""Partner drops: discover, validate against the contract, and load whole or not at all.

Every problem in a drop is collected and reported together (file, column, rule, rows); an error in any
file rejects the whole drop and the warehouse keeps exactly what it held. Checks run as set-based SQL
over each file, read straight from Parquet by DuckDB.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, ValidationError

from raa_core import warehouse
from raa_core.contract import (
    MANIFEST_FILE,
    TABLE_BY_FILE,
    TABLES,
    Issue,
    Manifest,
    person_rows,
)
from raa_core.drop_files import FilePlan, check_table, plan_file
from raa_core.presentation import count_noun
from raa_core.reference import Reference

_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True, slots=True)
class DropFolder:
    """A folder under the drops root; la_code/extract_date are None where its name is not valid."""

    path: str
    folder: Path
    la_code: int | None
    extract_date: dt.date | None


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

    def counts_text(self) -> str:
        """The drop's issues counted, each noun agreeing with its count: "1 error, 2 warnings" (issue 14)."""
        return f"{count_noun(len(self.errors), 'error')}, {count_noun(len(self.warnings), 'warning')}"

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


def discover(root: Path) -> list[DropFolder]:
    """Every `<la_code>/<extract_date>/` folder under root, including badly named ones (to reject them)."""
    root = Path(root)
    found: list[DropFolder] = []
    for council_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for date_dir in sorted(p for p in council_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            la = int(council_dir.name) if council_dir.name.isdigit() else None
            try:
                when = dt.date.fromisoformat(date_dir.name) if re.match(_DATE_RE, date_dir.name) else None
            except ValueError:
                when = None
            found.append(DropFolder(f"{council_dir.name}/{date_dir.name}", date_dir, la, when))
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(folder: Path) -> tuple[dict[str, str], str]:
    """Each file's sha256, and one fingerprint of the whole drop (changes if any file does)."""
    checksums = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}
    whole = hashlib.sha256("\n".join(f"{n} {h}" for n, h in sorted(checksums.items())).encode())
    return checksums, whole.hexdigest()


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


def _manifest_issues(drop: DropFolder, checksums: dict[str, str], rows: dict[str, int]) -> list[Issue]:
    path = drop.folder / MANIFEST_FILE
    if not path.exists():
        return []
    try:
        manifest = Manifest.model_validate(json.loads(path.read_text("utf-8")))
    except (ValueError, ValidationError) as exc:
        return [Issue(file=MANIFEST_FILE, rule="unreadable_manifest", message=f"manifest.json is not valid: {exc}")]
    issues = []
    if drop.la_code is not None and manifest.la_code != drop.la_code:
        issues.append(Issue(file=MANIFEST_FILE, column="la_code", rule="manifest_mismatch", message=(
            f"manifest says council {manifest.la_code} but the folder is {drop.la_code}")))
    if drop.extract_date is not None and manifest.extract_date != drop.extract_date.isoformat():
        issues.append(Issue(file=MANIFEST_FILE, column="extract_date", rule="manifest_mismatch", message=(
            f"manifest says extract date {manifest.extract_date} but the folder is {drop.extract_date}")))
    for name, entry in sorted(manifest.files.items()):
        if name not in checksums:
            issues.append(Issue(file=name, rule="manifest_file_missing", message=(
                f"{name} is listed in manifest.json but is not in the drop")))
            continue
        if entry.sha256.lower() != checksums[name]:
            issues.append(Issue(file=name, rule="manifest_checksum", message=(
                f"{name} does not match its manifest sha256 (the file changed or was truncated in transit)")))
        if name in rows and entry.rows != rows[name]:
            issues.append(Issue(file=name, rule="manifest_rows", message=(
                f"{name} has {count_noun(rows[name], 'row')} but manifest.json says {entry.rows}")))
    return issues


# ---------------------------------------------------------------- drops


@dataclass(slots=True)
class CheckedDrop:
    drop: DropFolder
    fingerprint: str
    checksums: dict[str, str]
    files: list[FilePlan]
    folder_issues: list[Issue]
    started: dt.datetime

    @property
    def issues(self) -> list[Issue]:
        found = list(self.folder_issues)
        for f in self.files:
            found += f.issues
        found += _manifest_issues(self.drop, self.checksums, {f.spec.file: f.rows for f in self.files})
        return found

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
    n: int, drop: DropFolder, ref: Reference, today: dt.date, prints: tuple[dict[str, str], str] | None = None,
) -> CheckedDrop:
    """Folder, file-presence and schema checks of one drop (no data read yet)."""
    started = dt.datetime.now()
    checksums, whole = prints or fingerprint(drop.folder)
    issues = _folder_issues(drop, ref, today)
    if not any(name in TABLE_BY_FILE for name in checksums):
        # Datasets travel independently (v2): any non-empty set of the five files is a drop.
        issues.append(Issue(rule="no_files", message=(
            f"the drop holds none of the contract's files ({', '.join(TABLE_BY_FILE)}); a drop carries at least "
            f"one of them")))
    for name in checksums:
        if name not in TABLE_BY_FILE and name != MANIFEST_FILE:
            issues.append(Issue(severity="warning", file=name, rule="unknown_file",
                                message=f"{name} is not part of the contract and was ignored"))
    files = [plan_file(n, drop.folder / spec.file, spec, ref) for spec in TABLES
             if (drop.folder / spec.file).exists()]
    return CheckedDrop(drop, whole, checksums, files, issues, started)


def check_drops(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop], ref: Reference) -> list[str]:
    """Check the data of many drops, as set-based SQL per table; returns the temp tables staged.

    Every file is read with its own types (`drop_files.check_table`); one staged table per contract table.
    """
    extracts = {i: c.drop.extract_date for i, c in enumerate(checked)}
    stages = []
    for spec in TABLES:
        plans = [f for c in checked for f in c.files if f.spec.name == spec.name and f.selects is not None]
        if not plans:
            continue
        stage = f"stage_{spec.name}_0"
        check_table(con, spec, plans, extracts, ref, stage)
        stages.append(stage)
    return stages


SNAPSHOT_TABLES = ("children", "adopters")


def snapshot_checks(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop], ref: Reference) -> None:
    """A snapshot cannot lose everything (partner-drops.md): each children/adopters file against the last one.

    The council's previous accepted file of the table is the newest one before this drop (in the warehouse,
    an earlier version of the same drop, or an earlier drop of this run that has no error). Zero rows after
    a file that had rows is an error; a fall of more than `settings.snapshot_fall_warn_pct` (20%) a warning.
    """
    limit = ref.settings.snapshot_fall_warn_pct
    dated = sorted((c for c in checked if c.drop.la_code is not None and c.drop.extract_date is not None),
                   key=lambda c: (c.drop.la_code, c.drop.extract_date))
    for name in SNAPSHOT_TABLES:
        spec = next(t for t in TABLES if t.name == name)
        in_run: dict[int, tuple[dt.date, int]] = {}
        for c in dated:
            la, when = int(c.drop.la_code or 0), c.drop.extract_date
            plan = next((f for f in c.files if f.spec.name == name and f.selects is not None), None)
            if plan is None or when is None:
                continue
            stored = con.execute(
                f"SELECT d.extract_date, (SELECT count(*) FROM {name} t WHERE t.drop_id = d.drop_id) FROM drops d "
                f"WHERE d.la_code = ? AND list_contains(d.files, ?) AND (d.extract_date < ? OR d.path = ?) "
                f"ORDER BY d.extract_date DESC, d.version DESC LIMIT 1", [la, spec.file, when, c.drop.path]).fetchall()
            earlier = [p for p in (*stored, in_run.get(la)) if p is not None]
            if earlier:
                prev_date, prev_rows = max(earlier, key=lambda p: p[0])
                if plan.rows == 0 and prev_rows > 0:
                    plan.issues.append(Issue(file=spec.file, rule="snapshot_emptied", row_count=0, message=(
                        f"{spec.file} has no rows, but the council's previous accepted {spec.file} (extract "
                        f"{prev_date:%d %b %Y}) had {prev_rows:,}: a snapshot cannot lose everything; send the "
                        f"full file")))
                elif prev_rows > 0 and (prev_rows - plan.rows) * 100 > limit * prev_rows:
                    fall = (prev_rows - plan.rows) * 100 / prev_rows
                    plan.issues.append(Issue(severity="warning", file=spec.file, rule="snapshot_fall", message=(
                        f"{spec.file} has {plan.rows:,} rows, {fall:.0f}% fewer than the {prev_rows:,} of the "
                        f"previous accepted file (extract {prev_date:%d %b %Y}); check the extract is complete "
                        f"(warned above a {limit}% fall)")))
            if not c.errors:
                in_run[la] = (when, plan.rows)


def sample_marked(folder: Path) -> bool:
    """True for a drop of the bundled synthetic sample (its manifest.json says `"sample": true`)."""
    path = Path(folder) / MANIFEST_FILE
    try:
        doc = json.loads(path.read_bytes()[: 1 << 20].decode("utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("sample") is True


def _audit(con: duckdb.DuckDBPyConnection, result: DropResult, fingerprint: str | None,
           checksums: dict[str, str], started: dt.datetime, attempt: int, actor: str | None = None) -> None:
    con.execute(
        "INSERT INTO ingest_audit (attempt_id, path, la_code, extract_date, outcome, drop_id, fingerprint, "
        "checksums, row_counts, errors, warnings, started_at, finished_at, loaded_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?)",
        [attempt, result.path, result.la_code, result.extract_date, result.outcome, result.drop_id,
         fingerprint, json.dumps(checksums, sort_keys=True), json.dumps(result.row_counts, sort_keys=True),
         len(result.errors), len(result.warnings), started, actor],
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
    progress: Progress | None = None, actor: str | None = None,
) -> IngestReport:
    """Validate drops and load the valid ones into an open read-write warehouse, in one transaction.

    A drop with any error loads nothing; the others load whole. Unchanged drops (same fingerprint as a
    loaded version) are skipped; changed ones become a new version. Every attempt is audited, with who
    ran it (`actor`: a signed-in user, or the command and system user of a scheduled ingest).
    """
    today = today or dt.date.today()
    # Bounded memory whatever the drop's size: DuckDB spills staged rows to disk past the limit.
    con.execute(f"SET memory_limit = '{int(ref.settings.ingest_memory_mb)}MB'")
    known: dict[str, list[tuple[str, int]]] = {}
    for path, fp, version in con.execute("SELECT path, fingerprint, version FROM drops ORDER BY version").fetchall():
        known.setdefault(path, []).append((fp, version))
    results: list[DropResult | None] = []
    unchanged: dict[int, tuple[str, dict[str, str], dt.datetime]] = {}
    to_check: list[CheckedDrop] = []
    for n, drop in enumerate(drops):
        if progress:
            progress(n, len(drops), drop.path)
        checksums, whole = fingerprint(drop.folder)
        if any(fp == whole for fp, _ in known.get(drop.path, [])):
            unchanged[n] = (whole, checksums, dt.datetime.now())
            results.append(DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                      outcome="unchanged"))
            continue
        results.append(None)
        to_check.append(_start_check(len(to_check), drop, ref, today, (checksums, whole)))
    stages = check_drops(con, to_check, ref)
    snapshot_checks(con, to_check, ref)

    next_drop = con.execute("SELECT coalesce(max(drop_id), 0) + 1 FROM drops").fetchall()[0][0]
    attempt = con.execute("SELECT coalesce(max(attempt_id), 0) + 1 FROM ingest_audit").fetchall()[0][0]
    accepted: dict[int, tuple[int, int]] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        checked_iter = iter(to_check)
        for n, drop in enumerate(drops):
            if n in unchanged:
                whole, checksums, started = unchanged[n]
                _audit(con, results[n], whole, checksums, started, attempt, actor)
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
                    "INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, "
                    "loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                    [drop_id, drop.la_code, drop.extract_date, drop.path, version, c.fingerprint,
                     sorted(c.row_counts)])
                if sample_marked(drop.folder):
                    con.execute("INSERT INTO sample_drops VALUES (?)", [drop_id])
                result = DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                    outcome="accepted", new_version=bool(versions), drop_id=drop_id,
                                    warnings=warnings, row_counts=c.row_counts)
            _audit(con, result, c.fingerprint, c.checksums, c.started, attempt, actor)
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
    actor: str | None = None,
) -> IngestReport:
    """Validate and load every drop under root; publishes a new warehouse version atomically."""
    return ingest_folders(db, discover(root), ref, today, progress, actor=actor)


def ingest_folders(
    db: Path, drops: Sequence[DropFolder], ref: Reference, today: dt.date | None = None,
    progress: Progress | None = None, actor: str | None = None,
) -> IngestReport:
    """Validate and load the given drop folders in one new warehouse version."""
    with warehouse.writing(db) as con:
        report = ingest_into(con, drops, ref, today, progress, actor)
    if progress:
        progress(len(drops), len(drops), "done")
    return report


def check_only(drop: DropFolder, ref: Reference, today: dt.date | None = None) -> DropResult:
    """Validate a drop without loading it (an in-memory database; the warehouse is not touched)."""
    con = duckdb.connect()
    try:
        checked = _start_check(0, drop, ref, today or dt.date.today())
        check_drops(con, [checked], ref)
    finally:
        con.close()
    errors = checked.errors
    return DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                      outcome="rejected" if errors else "accepted", errors=errors,
                      warnings=checked.warnings, row_counts=checked.row_counts)


def save_upload(inbox: Path, la_code: int, extract_date: dt.date, files: dict[str, bytes]) -> DropFolder:
    """Write uploaded files as a drop folder `<inbox>/<la_code>/<extract_date>/` (replacing an earlier upload)."""
    folder = Path(inbox) / str(la_code) / extract_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    for name, data in files.items():
        safe = Path(name).name
        (folder / safe).write_bytes(data)
    return DropFolder(f"{la_code}/{extract_date.isoformat()}", folder, la_code, extract_date)


def issues_frame(result: DropResult) -> list[dict[str, object]]:
    """Errors then warnings as plain rows for a table or a download, readable without the rule codes.

    Columns: severity, file, column, rule (plain-English title with the code beside it), rows (counted as a
    person counts them, first data row = row 1), message.
    """
    return [
        {"severity": i.severity, "file": i.file, "column": i.column, "rule": f"{i.title} ({i.rule})",
         "rows": person_rows(i.rows, i.row_count) if i.rows else "", "message": i.message}
        for i in [*result.errors, *result.warnings]
    ]
