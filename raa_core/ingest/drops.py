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
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ValidationError

from raa_core import clock, logs
from raa_core.errors import BadInput
from raa_core.ingest import ssda903
from raa_core.ingest.contract import (
    ASGLB_V3_COLUMNS,
    CHILDREN,
    FIGURES_BY_COLUMN,
    MANIFEST_FILE,
    READER_CRASHES,
    SAMPLE_ROOT_FILE,
    TABLE_BY_FILE,
    TABLES,
    ColType,
    Issue,
    Manifest,
    person_rows,
    rule_title,
)
from raa_core.ingest.drop_files import FilePlan, check_table, plan_file, unsafe_files
from raa_core.presentation import count_noun, count_text, date_text, display, noun_for, percent_text
from raa_core.reference import Reference
from raa_core.store import sql, warehouse
from raa_core.store.appstate import FILE_NAME, AppState

_COUNCIL_NAME = re.compile(r"[1-9][0-9]{2}", re.ASCII)
_DATE_NAME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


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
    #: the form the drop's children data came in: "parquet" (children.parquet), "903" (the council's SSDA903
    #: files, docs/ssda903.md), or None for a drop without children data
    children_form: Literal["parquet", "903"] | None = None

    def form_text(self) -> str:
        """The form of the drop's children data in words, for the report, the page and the history."""
        return children_form_text(self.children_form)

    def counts_text(self) -> str:
        """The drop's issues counted, each noun agreeing with its count: "1 error, 2 warnings"."""
        return f"{count_noun(len(self.errors), 'error')}, {count_noun(len(self.warnings), 'warning')}"

    def as_cli(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "la_code": self.la_code,
            "extract_date": self.extract_date.isoformat() if self.extract_date else None,
            "children_form": self.children_form,
        }
        if self.outcome == "accepted":
            out["warnings"] = [i.as_cli() for i in self.warnings]
            out["new_version"] = self.new_version
        elif self.outcome == "rejected":
            out["errors"] = [i.as_cli() for i in self.errors]
            out["warnings"] = [i.as_cli() for i in self.warnings]
        return out


def children_form_text(form: str | None) -> str:
    """Which form a drop's children data came in, in words (docs/ssda903.md): 'children data as SSDA903 files'."""
    words = display.label("children_form", form)
    return words if form is None else f"children data as {words}"


class IngestReport(BaseModel):
    results: list[DropResult]

    def by(self, outcome: str) -> list[DropResult]:
        return [r for r in self.results if r.outcome == outcome]

    def as_cli(self) -> dict[str, list[dict[str, object]]]:
        return {k: [r.as_cli() for r in self.by(k)] for k in ("accepted", "unchanged", "rejected")}


# ---------------------------------------------------------------- discovery


def shown(name: str) -> str:
    """A folder or file name as it may be printed: an undecodable byte (a name read with surrogateescape) as
    `\\xNN`, a control character as `\\xNN`, any other character that does not print (zero-width, bidi,
    Unicode spaces) by its code point, `[character U+200B]` (`drop_files.shown_header`'s rule)."""
    def one(ch: str) -> str:
        cp = ord(ch)
        if 0xDC80 <= cp <= 0xDCFF:
            return f"\\x{cp - 0xDC00:02x}"
        if ch.isprintable():
            return ch
        return f"\\x{cp:02x}" if cp < 0x100 else f"[character U+{cp:04X}]"

    return "".join(one(ch) for ch in name)


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
    folders where drop folders belong are reported as rejected entries (`DropFolder.problem`), except the
    root's own `sample.json` (the marker `raa sample` writes; contract.SAMPLE_ROOT_FILE).
    """
    root = Path(root)
    found: list[DropFolder] = []
    for council in _entries(root):
        name = shown(council.name)
        la = council_code_of(council.name)
        kind = _kind(council)
        if council.name == SAMPLE_ROOT_FILE and council.is_file(follow_symlinks=False):
            continue  # the sample's root marker (`raa sample`), not a drop
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


def regular_files(folder: Path) -> DropFiles:
    """Hash the drop's regular files; links, pipes, devices and subfolders are never read.

    Only the files listed here are ever opened by the checks (`drop_files.plan_file` reads them by name).
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
    found = regular_files(folder)
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
            f"extract date {date_text(drop.extract_date)} is after today ({date_text(today)})")))
    return issues


#: What a manifest field must hold, in words (pydantic's error types; no library text reaches people).
_MANIFEST_KINDS = {
    "int": "a whole number", "string": "text in quotes", "dict": "an object { … }", "model": "an object { … }",
    "bool": "true or false",
}


class _RepeatedKey(BadInput):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object that gives a key once; `{"la_code": 887, "la_code": 886}` is refused, not read as 886."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen[key] = value
    return seen


def _manifest_field_words(err: Mapping[str, Any]) -> str:
    """One pydantic validation error of manifest.json as a council officer reads it, e.g. 'field la_code must
    be a whole number' or 'field files is missing' (docs/drop-contract.md: manifest.json)."""
    where = ".".join(map(str, err.get("loc", ()))) or ""
    kind = next((words for key, words in _MANIFEST_KINDS.items() if str(err.get("type", "")).startswith(key)), None)
    if err.get("type") == "missing":
        return f"field {where} is missing"
    if not where:
        return "it must be a JSON object { … } with la_code, extract_date and files"
    return f"field {where} must be {kind}" if kind else f"field {where} holds the wrong kind of value"


def read_manifest(folder: Path, max_bytes: int) -> tuple[Manifest | None, list[Issue]]:
    """The drop's manifest.json if it has one, read with a size cap; any failure is the drop's error.

    Returns (None, []) without a manifest; (None, [issue]) when it is too large, not a regular file, not
    JSON (however deep its nesting), or not the manifest model (docs/drop-contract.md, manifest.json).
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
            f"manifest.json is larger than {count_noun(max_bytes, 'byte')} (settings: drops.manifest_max_bytes)"))]
    try:
        return Manifest.model_validate(json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_no_repeated_keys)), []
    except _RepeatedKey as exc:
        why = f"it gives the key '{shown(exc.key)[:100]}' twice (which one is meant cannot be told)"
    except RecursionError:
        why = "it is nested too deeply to be a manifest"
    except UnicodeDecodeError:
        why = "it is not UTF-8 text"
    except ValidationError as exc:
        why = _manifest_field_words(exc.errors()[0])
    except json.JSONDecodeError as exc:
        why = f"it is not JSON (the text goes wrong at line {exc.lineno}, character {exc.colno})"
    except ValueError:
        why = "it is not JSON"
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
        if entry.sha256.lower() != checksums[raw_name]:
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
    manifest_issues: list[Issue] = field(default_factory=list)
    children_form: Literal["parquet", "903"] | None = None
    #: owner-only folder holding the children rows derived from 903 files while the drop is checked
    scratch: tempfile.TemporaryDirectory[str] | None = None
    #: the rows derived from the drop's 903 files (to locate their issues in those files)
    derived: ssda903.Derived | None = None
    #: warnings kept per file (settings: drops.warnings_max); the rest are summarised (`capped_warnings`)
    warnings_max: int = 50

    @property
    def issues(self) -> list[Issue]:
        found = list(self.folder_issues)
        for f in self.files:
            if self.derived is not None and f.spec.name == CHILDREN.name:
                # the derived rows are not a file the council sent: say where they came from in the 903 files
                found += [i.model_copy(update={"file": DERIVED_903, "message": i.message + (
                    f"; in the 903 files: {self.derived.located(i.rows)} (the episodes starting those periods "
                    f"of care)" if i.rows else "")}) for i in f.issues]
            else:
                found += f.issues
        return found + self.manifest_issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return capped_warnings([i for i in self.issues if i.severity == "warning"], self.warnings_max)

    @property
    def row_counts(self) -> dict[str, int]:
        return {f.spec.file: f.rows for f in self.files if f.selects is not None}


#: How the children rows derived from a drop's 903 files are named in its issues.
DERIVED_903 = "children rows built from the 903 files"


def is_903_file(name: str) -> bool:
    """A CSV file in a drop folder: read as one of the council's SSDA903 tables (docs/ssda903.md)."""
    return name.lower().endswith(".csv")


def _from_903(n: int, drop: DropFolder, names: list[str], ref: Reference, scratch: tempfile.TemporaryDirectory[str],
              unsafe: dict[Path, str]) -> tuple[FilePlan | None, ssda903.Derived, list[Issue]]:
    """Read a drop's 903 CSV files, derive the children rows (`ssda903.derive`) and plan them as the drop's
    children file, written to an owner-only scratch folder; or the issues that stop it. (The file written here is
    the product's own Parquet, so it is not opened in the child process first: `unsafe` is the drop's verdicts.)"""
    files = {}
    for name in names:
        with os.fdopen(_open_regular(drop.folder / name), "rb") as fh:
            files[name] = fh.read()
    derived = ssda903.derive(ssda903.read_files(files), own_raa_pr2=drop.la_code in ref.settings.ssda903_pr2_own_raa)
    if any(i.severity == "error" for i in derived.issues):
        return None, derived, derived.issues
    path = Path(scratch.name) / CHILDREN.file
    ssda903.write_children(derived.rows, path)
    return plan_file(n, path, CHILDREN, ref, unsafe), derived, derived.issues
def capped_warnings(warnings: list[Issue], limit: int) -> list[Issue]:
    """At most `limit` warnings per file (settings: drops.warnings_max), the rest summarised in one more
    warning that counts them by rule: 100,000 unknown columns once stored 100,028 warnings and made the board
    pack 3,244 pages long."""
    kept: list[Issue] = []
    over: dict[str | None, list[Issue]] = {}
    seen: dict[str | None, int] = {}
    for w in warnings:
        seen[w.file] = seen.get(w.file, 0) + 1
        if seen[w.file] <= limit:
            kept.append(w)
        else:
            over.setdefault(w.file, []).append(w)
    for file, rest in over.items():
        rules = Counter(w.rule for w in rest)
        listed = ", ".join(f"{rule_title(r)} ({r}) {count_text(n)}" for r, n in rules.most_common())
        kept.append(Issue(severity="warning", file=file, rule="more_warnings", row_count=len(rest), message=(
            f"{count_noun(len(rest), 'more warning')} of {file or 'the drop'} not listed (settings: "
            f"drops.warnings_max keeps {count_text(limit)} per file): {listed}")))
    return kept


def _contract_paths(drop: DropFolder, found: DropFiles) -> list[Path]:
    return [drop.folder / spec.file for spec in TABLES if spec.file in found.checksums]


def _start_check(
    n: int, drop: DropFolder, ref: Reference, today: dt.date, found: DropFiles | None = None,
    unsafe: dict[Path, str] | None = None,
) -> CheckedDrop:
    """Folder, file-presence, manifest and schema checks of one drop (no data read yet).

    Only the drop's regular files are read (`regular_files`); links and special files are its errors. CSV files
    are the council's SSDA903 tables: the children rows are derived from them (docs/ssda903.md). Files a native
    reader cannot open safely (`unsafe`, from `drop_files.unsafe_files`; found here when None) are refused by
    name and never opened in this process.
    """
    started = clock.utc_now()
    found = found or regular_files(drop.folder)
    checksums, whole = found.checksums, found.fingerprint
    issues = _folder_issues(drop, ref, today) + found.issues
    csvs = sorted(name for name in checksums if is_903_file(name))
    if not any(name in TABLE_BY_FILE for name in checksums) and not csvs:
        # Datasets travel independently (v2): any non-empty set of the five files is a drop.
        issues.append(Issue(rule="no_files", message=(
            f"the drop holds none of the contract's files ({', '.join(TABLE_BY_FILE)}); a drop carries at least "
            f"one of them")))
    for name in checksums:
        if name not in TABLE_BY_FILE and name != MANIFEST_FILE and not is_903_file(name):
            issues.append(Issue(severity="warning", file=name, rule="unknown_file",
                                message=f"{name} is not part of the contract and was ignored"))
    if unsafe is None:
        unsafe = unsafe_files(_contract_paths(drop, found), ref)
    files = [plan_file(n, drop.folder / spec.file, spec, ref, unsafe) for spec in TABLES if spec.file in checksums]
    form: Literal["parquet", "903"] | None = ssda903.FORM_PARQUET if CHILDREN.file in checksums else None
    scratch = None
    if csvs and form is not None:
        issues.append(Issue(rule="ssda903_and_children_file", message=(
            f"the drop holds both {CHILDREN.file} and 903 files ({', '.join(csvs)}): send the children data "
            f"in one form")))
    elif csvs:
        form = ssda903.FORM_903
        scratch = tempfile.TemporaryDirectory(prefix="raa-903-")
        plan, derived, found_903 = _from_903(n, drop, csvs, ref, scratch, unsafe)
        issues += found_903
        files = ([plan] if plan is not None else []) + files
    manifest = _manifest_issues(drop, checksums, {f.spec.file: f.rows for f in files if f.spec.file in checksums},
                                ref.settings.drops.manifest_max_bytes)
    return CheckedDrop(drop, whole, checksums, files, issues, started, manifest, form, scratch,
                       derived if form == ssda903.FORM_903 else None, ref.settings.drops.warnings_max)


def check_drops(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop], ref: Reference) -> list[str]:
    """Check the data of many drops, as set-based SQL per table; returns the temp tables staged. Writer-side:
    `con` is the read-write connection the ingest is writing (never a reader's; readers take a `Snapshot`).

    Every file is read with its own types (`drop_files.check_table`); one staged table per contract table.
    If checking a table fails for a reason no rule foresaw, its files are checked again one drop at a time,
    so the failure costs only the drop it belongs to (`check_failed`); a machine failure propagates.
    """
    extracts = {i: c.drop.extract_date for i, c in enumerate(checked)}
    stages = []
    for spec in TABLES:
        plans = [f for c in checked for f in c.files if f.spec.name == spec.name and f.selects is not None]
        if not plans:
            continue
        stage = f"stage_{spec.name}_0"
        before = [(p, len(p.issues), p.selects) for p in plans]
        try:
            check_table(con, spec, plans, extracts, ref, stage, machine_failure)
            stages.append(stage)
            continue
        except READER_CRASHES as exc:  # a native reader's crash on one table: checked again drop by drop
            if machine_failure(exc):
                raise
            sql.execute(con, f"DROP TABLE IF EXISTS {stage}")
        for p, count, selects in before:
            p.issues, p.selects = p.issues[:count], selects  # counted again, alone
            alone = f"stage_{spec.name}_{p.drop + 1}"
            try:
                check_table(con, spec, [p], extracts, ref, alone, machine_failure)
                stages.append(alone)
            except READER_CRASHES as exc:  # a native reader's crash costs only this drop (docs/drop-contract.md)
                if machine_failure(exc):
                    raise
                sql.execute(con, f"DROP TABLE IF EXISTS {alone}")
                p.issues.append(Issue(file=spec.file, rule="check_failed", message=(
                    f"{spec.file} could not be checked, so nothing of its drop was loaded: {_one_line(exc)}")))
                p.selects = None
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


SNAPSHOT_TABLES = ("children", "adopters")


def snapshot_checks(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop], ref: Reference) -> None:
    """A snapshot cannot lose everything (docs/drop-contract.md): each children/adopters file against the last one.
    Writer-side: `con` is the read-write connection the ingest is writing (never a reader's).

    The council's previous accepted file of the table is the newest one before this drop (in the warehouse,
    an earlier version of the same drop, or an earlier drop of this run that has no error). Zero rows after
    a file that had rows is an error; a fall of more than `settings.snapshot_fall_warn_pct` (20%) a warning.
    """
    limit = ref.settings.snapshot_fall_warn_pct
    dated = sorted((c for c in checked if c.drop.la_code is not None and c.drop.extract_date is not None),
                   key=lambda c: (c.drop.la_code, c.drop.extract_date))
    for name in SNAPSHOT_TABLES:
        spec = next(t for t in TABLES if t.name == name)
        plans = {i: next((f for f in c.files if f.spec.name == name and f.selects is not None), None)
                 for i, c in enumerate(dated)}
        asked = [i for i, plan in plans.items() if plan is not None]
        # One query for every drop of the run: the council's previous stored file of the table (newest drop
        # before this one, or an earlier version of the same drop) and its rows.
        stored = {int(i): (when, int(rows)) for i, when, rows in sql.execute(
            con,
            f"""
            WITH q AS (SELECT unnest($i) AS i, unnest($la) AS la, unnest($w) AS w, unnest($p) AS p),
            prev AS (
                SELECT q.i, {sql.newest_drop_sql("d.extract_date", "d.")} AS when_,
                       {sql.newest_drop_sql("d.drop_id", "d.")} AS drop_id
                FROM q JOIN drops d ON d.la_code = q.la AND list_contains(d.files, $file)
                 AND (d.extract_date < q.w OR d.path = q.p)
                GROUP BY q.i)
            SELECT prev.i, prev.when_, (SELECT count(*) FROM {name} t WHERE t.drop_id = prev.drop_id) FROM prev
            """,
            {"i": asked, "la": [int(dated[i].drop.la_code or 0) for i in asked],
             "w": [dated[i].drop.extract_date for i in asked], "p": [dated[i].drop.path for i in asked],
             "file": spec.file}).fetchall()} if asked else {}
        in_run: dict[int, tuple[dt.date, int]] = {}
        for i, c in enumerate(dated):
            la, when = int(c.drop.la_code or 0), c.drop.extract_date
            plan = plans[i]
            if plan is None or when is None:
                continue
            earlier = [p for p in (stored.get(i), in_run.get(la)) if p is not None]
            if earlier:
                prev_date, prev_rows = max(earlier, key=lambda p: p[0])
                if plan.rows == 0 and prev_rows > 0:
                    plan.issues.append(Issue(file=spec.file, rule="snapshot_emptied", row_count=0, message=(
                        f"{spec.file} has no rows, but the council's previous accepted {spec.file} (extract "
                        f"{date_text(prev_date)}) had {count_text(prev_rows)}: a snapshot cannot lose everything; send the "
                        f"full file")))
                elif prev_rows > 0 and (prev_rows - plan.rows) * 100 > limit * prev_rows:
                    fall = (prev_rows - plan.rows) * 100 / prev_rows
                    plan.issues.append(Issue(severity="warning", file=spec.file, rule="snapshot_fall", message=(
                        f"{spec.file} has {count_noun(plan.rows, 'row')}, {percent_text(fall, 0)} fewer than the {count_text(prev_rows)} of the "
                        f"previous accepted file (extract {date_text(prev_date)}); check the extract is complete "
                        f"(warned above a {limit}% fall)")))
            if not c.errors:
                in_run[la] = (when, plan.rows)


@dataclass(frozen=True, slots=True)
class FillCounts:
    """A children or adopters file's rows, the rows with a value per column, and the rows each figure counts."""

    rows: int
    values: dict[str, int]
    figures: dict[tuple[str, str], int]


def _fill_columns(name: str) -> list[str]:
    """The columns whose share of rows with a value is compared: every optional column that is not true/false."""
    spec = next(t for t in TABLES if t.name == name)
    return [c.name for c in spec.columns if not c.required and c.type is not ColType.BOOL]


def fill_counts(con: duckdb.DuckDBPyConnection, name: str, source: str, where: str,
                params: dict[str, object]) -> FillCounts:
    """Rows, rows with a value per column and rows per figure (`contract.FIGURES_BY_COLUMN`) of one file, read
    from `source` (a staged table or the warehouse table) where `where` holds."""
    cols = _fill_columns(name)
    figures = [(c, words, cond) for c, pairs in FIGURES_BY_COLUMN.get(name, {}).items() for words, cond in pairs]
    parts = ["count(*)", *[f"count({c})" for c in cols],
             *[f"count(*) FILTER (WHERE {cond})" for _, _, cond in figures]]
    row = sql.execute(con, f"SELECT {', '.join(parts)} FROM {source} WHERE {where}", params).fetchall()[0]
    return FillCounts(int(row[0]), {c: int(v) for c, v in zip(cols, row[1:1 + len(cols)], strict=True)},
                      {(c, w): int(v) for (c, w, _), v in zip(figures, row[1 + len(cols):], strict=True)})


def previous_fill(con: duckdb.DuckDBPyConnection, name: str, la_code: int, extract: dt.date,
                  path: str) -> tuple[dt.date, FillCounts] | None:
    """The council's previous accepted file of a table in a warehouse (newest drop before this one, or an
    earlier version of the same drop) with its fill counts; None before its first."""
    spec = next(t for t in TABLES if t.name == name)
    current = sql.current_drops_sql("la_code = $la", sql.carries_file_sql(spec.name),
                                    "(extract_date < $w OR path = $p)")
    found = sql.execute(
        con, f"SELECT d.drop_id, d.extract_date FROM ({current}) c JOIN drops d USING (drop_id)",
        {"la": la_code, "w": extract, "p": path}).fetchall()
    if not found:
        return None
    drop_id, when = found[0]
    return when, fill_counts(con, name, name, "drop_id = $d", {"d": drop_id})


def fill_issues(name: str, now: FillCounts, before: FillCounts, when: dt.date, limit: int) -> list[Issue]:
    """A warning per column whose share of rows with a value fell by more than `limit` percentage points
    (settings: fill_fall_warn_points) from the council's previous file, saying which figures move and by how
    much: "A2 would count 25 children instead of 103" (docs/drop-contract.md, v3)."""
    spec = next(t for t in TABLES if t.name == name)
    out = []
    if not now.rows or not before.rows:
        return out
    for col, n in now.values.items():
        share, was = n * 100 / now.rows, before.values.get(col, 0) * 100 / before.rows
        if was - share <= limit:
            continue
        moves = [f"{words} would count {count_text(now.figures[(c, words)])} "
                 f"{noun_for(now.figures[(c, words)], 'row' if name == 'adopters' else 'child')} instead of "
                 f"{count_text(before.figures[(c, words)])}"
                 for (c, words) in now.figures if c == col and now.figures[(c, words)] != before.figures[(c, words)]]
        out.append(Issue(severity="warning", file=spec.file, column=col, rule="fill_fall", message=(
            f"{col} has a value in {percent_text(share, 0)} of rows ({count_text(n)} of {count_text(now.rows)}), "
            f"against {percent_text(was, 0)} in the council's previous accepted {spec.file} (extract "
            f"{date_text(when)}; warned above a fall of {limit} percentage points)"
            + (f": {'; '.join(moves)}" if moves else "") + ". Check the column was exported under its name")))
    return out


def fill_checks(con: duckdb.DuckDBPyConnection, checked: list[CheckedDrop], stages: list[str], ref: Reference,
                previous: duckdb.DuckDBPyConnection | None = None) -> None:
    """Warn where a column's share of rows with a value fell sharply against the council's previous accepted
    file (`fill_issues`). `con` holds the staged files (`stages`); `previous` the warehouse to compare with
    (`con` itself while ingesting; a reader's cursor when only checking)."""
    previous = previous or con
    limit = ref.settings.fill_fall_warn_points
    for i, c in enumerate(checked):
        if c.drop.la_code is None or c.drop.extract_date is None:
            continue
        for name in SNAPSHOT_TABLES:
            plan = next((f for f in c.files if f.spec.name == name and f.selects is not None), None)
            stage = next((st for st in stages if st.startswith(f"stage_{name}_")
                          and sql.execute(con, f"SELECT count(*) FROM {st} WHERE __drop = $i",
                                          {"i": i}).fetchall()[0][0]), None)
            if plan is None or stage is None:
                continue
            before = previous_fill(previous, name, int(c.drop.la_code), c.drop.extract_date, c.drop.path)
            if before is None:
                continue
            now = fill_counts(con, name, stage, "__drop = $i", {"i": i})
            plan.issues += fill_issues(name, now, before[1], before[0], limit)


def sample_marked(folder: Path) -> bool:
    """True for a drop of the bundled synthetic sample: its manifest.json says `"sample": true` and the drops
    root two folders up (`<root>/<la_code>/<extract_date>/`) holds the `sample.json` that `raa sample` writes
    (contract.SAMPLE_ROOT_FILE). A council's own drop, or an upload, saying it is sample data is not: sample
    data is never judged stale (docs/drop-contract.md)."""
    if not (Path(folder).parent.parent / SAMPLE_ROOT_FILE).is_file():
        return False
    path = Path(folder) / MANIFEST_FILE
    try:
        doc = json.loads(path.read_bytes()[: 1 << 20].decode("utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("sample") is True


def _audit(con: duckdb.DuckDBPyConnection, result: DropResult, fingerprint: str | None,
           checksums: dict[str, str], started: dt.datetime, attempt: int, actor: str | None = None) -> None:
    sql.execute(
        con,
        "INSERT INTO ingest_audit (attempt_id, path, la_code, extract_date, outcome, drop_id, fingerprint, "
        "checksums, row_counts, errors, warnings, started_at, finished_at, loaded_by, children_form) "
        "VALUES ($attempt, $path, $la_code, $extract_date, $outcome, $drop_id, $fingerprint, $checksums, "
        "$row_counts, $errors, $warnings, $started, $finished, $actor, $form)",
        {"attempt": attempt, "path": result.path, "la_code": result.la_code, "extract_date": result.extract_date,
         "outcome": result.outcome, "drop_id": result.drop_id, "fingerprint": fingerprint,
         "checksums": json.dumps(checksums, sort_keys=True), "row_counts": json.dumps(result.row_counts, sort_keys=True),
         "errors": len(result.errors), "warnings": len(result.warnings), "started": started,
         "finished": clock.utc_now(), "actor": actor, "form": result.children_form},
    )
    issues = [*result.errors, *result.warnings]
    if issues:
        sql.executemany(
            con,
            "INSERT INTO drop_issues VALUES ($attempt, $drop_id, $severity, $file, $column, $rule, $rows, $row_count, "
            "$message)",
            [{"attempt": attempt, "drop_id": result.drop_id, "severity": i.severity, "file": i.file,
              "column": i.column, "rule": i.rule, "rows": i.rows, "row_count": i.row_count, "message": i.message}
             for i in issues],
        )


Progress = Callable[[int, int, str], None]


def ingest_into(
    con: duckdb.DuckDBPyConnection, drops: Sequence[DropFolder], ref: Reference, today: dt.date | None = None,
    progress: Progress | None = None, actor: str | None = None, *, guard: Callable[[], None] | None = None,
) -> IngestReport:
    """Validate drops and load the valid ones into an open read-write warehouse, in one transaction. Writer-side:
    `con` is the connection being written (`Warehouse.writing`), never a reader's; readers take a `Snapshot`.

    A drop with any error loads nothing; the others load whole. Unchanged drops (same fingerprint as a
    loaded version) are skipped; changed ones become a new version. Every attempt is audited, with who
    ran it (`actor`: a signed-in user, or the command and system user of a scheduled ingest). `guard` is called
    before anything is written when a drop that is not the bundled sample is about to load (its exception, e.g.
    demo mode that may not end yet, aborts the whole ingest).
    """
    today = today or clock.today()
    # Bounded memory whatever the drop's size: DuckDB spills staged rows to disk past the limit.
    sql.execute(con, sql.setting_sql("SET", "memory_limit", int(ref.settings.ingest_memory_mb), "MB"))
    _quiet(con)
    known: dict[str, list[tuple[str, int]]] = {}
    for path, fp, version in sql.execute(con, "SELECT path, fingerprint, version FROM drops ORDER BY version").fetchall():
        known.setdefault(path, []).append((fp, version))
    results: list[DropResult | None] = []
    unchanged: dict[int, tuple[str, dict[str, str], dt.datetime]] = {}
    to_check: list[CheckedDrop] = []
    refused: dict[int, DropResult] = {}
    pending: list[tuple[int, DropFolder, DropFiles]] = []
    for n, drop in enumerate(drops):
        if progress:
            progress(n, len(drops), drop.path)
        if drop.problem is not None:
            refused[n] = _refused(drop)
            results.append(refused[n])
            continue
        try:
            found = regular_files(drop.folder)
        except READER_CRASHES as exc:  # one bad drop never stops the others (docs/drop-contract.md)
            if machine_failure(exc):
                raise
            refused[n] = _crashed(drop, exc)
            results.append(refused[n])
            continue
        if not found.issues and any(fp == found.fingerprint for fp, _ in known.get(drop.path, [])):
            unchanged[n] = (found.fingerprint, found.checksums, clock.utc_now())
            results.append(DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                      outcome="unchanged"))
            continue
        results.append(None)
        pending.append((n, drop, found))
    # Every file of the run opened once in one child process first: a file that would end the process is refused.
    unsafe = unsafe_files([p for _, drop, found in pending for p in _contract_paths(drop, found)], ref)
    for n, drop, found in pending:
        try:
            to_check.append(_start_check(len(to_check), drop, ref, today, found, unsafe))
        except READER_CRASHES as exc:  # one bad drop never stops the others (docs/drop-contract.md)
            if machine_failure(exc):
                raise
            refused[n] = results[n] = _crashed(drop, exc)
    stages = check_drops(con, to_check, ref)
    snapshot_checks(con, to_check, ref)
    fill_checks(con, to_check, stages, ref)
    if guard is not None and any(not c.errors and not sample_marked(c.drop.folder) for c in to_check):
        try:
            guard()
        except BaseException:
            for stage in stages:
                sql.execute(con, f"DROP TABLE IF EXISTS {stage}")
            raise

    next_drop = sql.execute(con, "SELECT coalesce(max(drop_id), 0) + 1 FROM drops").fetchall()[0][0]
    attempt = sql.execute(con, "SELECT coalesce(max(attempt_id), 0) + 1 FROM ingest_audit").fetchall()[0][0]
    accepted: dict[int, tuple[int, int]] = {}
    sql.execute(con, "BEGIN TRANSACTION")
    try:
        checked_iter = iter(to_check)
        for n, drop in enumerate(drops):
            if n in refused:
                _audit(con, refused[n], None, {}, clock.utc_now(), attempt, actor)
                attempt += 1
                continue
            if n in unchanged:
                whole, checksums, started = unchanged[n]
                _audit(con, results[n], whole, checksums, started, attempt, actor)
                attempt += 1
                continue
            c = next(checked_iter)
            errors, warnings = c.errors, c.warnings
            if errors:
                result = DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                    outcome="rejected", errors=errors, warnings=warnings, row_counts=c.row_counts,
                                    children_form=c.children_form)
            else:
                versions = known.get(drop.path, [])
                version = versions[-1][1] + 1 if versions else 1
                drop_id = next_drop
                next_drop += 1
                accepted[to_check.index(c)] = (drop_id, int(drop.la_code or 0))
                sql.execute(
                    con,
                    "INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, "
                    "loaded_at, children_form) VALUES ($drop_id, $la_code, $extract_date, $path, $version, "
                    "$fingerprint, $files, $loaded_at, $form)",
                    {"drop_id": drop_id, "la_code": drop.la_code, "extract_date": drop.extract_date,
                     "path": drop.path, "version": version, "fingerprint": c.fingerprint,
                     "files": sorted(c.row_counts), "loaded_at": clock.utc_now(), "form": c.children_form})
                if sample_marked(drop.folder):
                    sql.execute(con, "INSERT INTO sample_drops VALUES ($drop_id)", {"drop_id": drop_id})
                carried = [(f.spec.name, col) for f in c.files if f.selects is not None
                           for col in ASGLB_V3_COLUMNS.get(f.spec.name, ()) if col in f.provided]
                if carried:
                    sql.execute(con, "INSERT INTO drop_columns SELECT $drop_id, unnest($tbls), unnest($cols)",
                                {"drop_id": drop_id, "tbls": [t for t, _ in carried], "cols": [c for _, c in carried]})
                result = DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                    outcome="accepted", new_version=bool(versions), drop_id=drop_id,
                                    warnings=warnings, row_counts=c.row_counts, children_form=c.children_form)
            _audit(con, result, c.fingerprint, c.checksums, c.started, attempt, actor)
            attempt += 1
            results[n] = result
        if accepted:
            ids = {"idx": list(accepted), "drop_ids": [d for d, _ in accepted.values()],
                   "la_codes": [la for _, la in accepted.values()]}
            for stage in stages:
                spec = next(t for t in TABLES if stage.startswith(f"stage_{t.name}_"))
                cols = ", ".join(spec.column_names)
                sql.execute(
                    con,
                    f"INSERT INTO {spec.name} (drop_id, la_code, {cols}) SELECT a.drop_id, a.la_code, {cols} "
                    f"FROM {stage} s JOIN (SELECT unnest($idx) AS idx, unnest($drop_ids) AS drop_id, "
                    f"unnest($la_codes) AS la_code) a ON s.__drop = a.idx ORDER BY a.drop_id, s.__row",
                    ids)
        sql.execute(con, "COMMIT")
    except BaseException:  # rolls back, then re-raises: nothing is swallowed
        sql.rollback(con)
        raise
    finally:
        for stage in stages:
            sql.execute(con, f"DROP TABLE IF EXISTS {stage}")
    return IngestReport(results=[r for r in results if r is not None])


def ingest(
    db: Path, root: Path, ref: Reference, today: dt.date | None = None, progress: Progress | None = None,
    actor: str | None = None,
) -> IngestReport:
    """Validate and load every drop under root; publishes a new warehouse version atomically."""
    return ingest_folders(db, discover(root), ref, today, progress, actor=actor)


def ingest_folders(
    db: Path, drops: Sequence[DropFolder], ref: Reference, today: dt.date | None = None,
    progress: Progress | None = None, actor: str | None = None, *, first_build: bool = False,
) -> IngestReport:
    """Validate and load the given drop folders in one new warehouse version.

    When every drop is byte-for-byte one already loaded (`unchanged`), nothing is written: no new version, no
    audit row (the run is in the event log, `raa_core.logs`). Otherwise the new version is published and versions
    older than the newest `keep_versions` (settings.json) are removed (`warehouse.retain`).
    Raises warehouse.WarehouseError for operational failures (disk full, read-only, damaged warehouse),
    and with `first_build` warehouse.AlreadyBuilt if a version exists once the writer lock is held.
    """
    same = None if first_build else all_unchanged(db, drops)
    from raa_core.access import accounts  # accounts reads freshness, of this package

    def guard() -> None:  # the first council drop ends demo mode: refused before anything is loaded
        accounts.check_can_leave_demo_mode(_appstate_of(db))

    try:
        if same is not None:
            report = IngestReport(results=same)
        else:
            with warehouse.writing(db, first_build=first_build, keep=ref.settings.keep_versions) as con:
                report = ingest_into(con, drops, ref, today, progress, actor, guard=guard)
    except warehouse.WarehouseError as exc:
        logs.event("fault", where="ingest", message=str(exc))
        raise
    if any(r.outcome == "accepted" and not _sample_result(r, drops) for r in report.results):
        accounts.leave_demo_mode(_appstate_of(db), actor)
    log_report(report, actor, published=same is None)
    if progress:
        progress(len(drops), len(drops), "done")
    return report


def _appstate_of(db: Path) -> AppState:
    """The app-state store beside the warehouse at `db` (its accounts and demo mode)."""
    return AppState(Path(db).parent / FILE_NAME)


def _sample_result(result: DropResult, drops: Sequence[DropFolder]) -> bool:
    return any(d.path == result.path and sample_marked(d.folder) for d in drops)


def all_unchanged(db: Path, drops: Sequence[DropFolder]) -> list[DropResult] | None:
    """The `unchanged` results when every drop is byte-for-byte one the current version already holds (same
    path and fingerprint, as `ingest_into` judges it), else None (something to load, refuse or build)."""
    if any(d.problem is not None for d in drops):
        return None
    try:
        file = warehouse.current_file(db)
    except warehouse.WarehouseError:
        return None  # the writer reports it
    if file is None:
        return None
    wh = warehouse.Warehouse(db)
    try:
        with wh.cursor(file) as con:
            known = set(sql.execute(con, "SELECT path, fingerprint FROM drops").fetchall())
    except (duckdb.Error, OSError):
        return None
    finally:
        wh.close()
    results = []
    for drop in drops:
        try:
            found = regular_files(drop.folder)
        except OSError:
            return None
        if found.issues or (drop.path, found.fingerprint) not in known:
            return None
        results.append(DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                                  outcome="unchanged"))
    return results


def log_report(report: IngestReport, actor: str | None, *, published: bool) -> None:
    """One event per drop (its outcome, counts and the rules it broke: never a message, which may quote a
    value) and one for the run (`raa_core.logs`)."""
    for r in report.results:
        logs.event("ingest", path=r.path, la_code=r.la_code, extract_date=r.extract_date, outcome=r.outcome,
                   new_version=r.new_version, drop_id=r.drop_id, errors=len(r.errors), warnings=len(r.warnings),
                   rules=sorted({i.rule for i in r.errors}), actor=actor)
    logs.event("ingest_run", actor=actor, published=published,
               **{k: len(report.by(k)) for k in ("accepted", "unchanged", "rejected")})


def first_build(
    db: Path, root: Path, ref: Reference, today: dt.date | None = None, progress: Progress | None = None,
    actor: str | None = None,
) -> IngestReport | None:
    """Build the warehouse from the drops under root on first start, once, however many sessions ask.

    Returns the report of the build, or None when there was nothing to do: a warehouse already exists, or
    another session or process built it while this one waited for the writer lock. Never builds while
    version files exist (a damaged link falls back to the newest intact version; see warehouse.health).
    """
    if warehouse.current_file(db) is not None:
        return None
    try:
        return ingest_folders(db, discover(root), ref, today, progress, actor, first_build=True)
    except warehouse.AlreadyBuilt:
        return None


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bar: DuckDB draws one on standard output for a query past 2 s, which would corrupt
    `raa ingest --json` and `raa check --json` output read by a script."""
    sql.execute(con, "SET enable_progress_bar = false")


def check_only(drop: DropFolder, ref: Reference, today: dt.date | None = None,
               compare_with: Path | None = None) -> DropResult:
    """Validate a drop without loading it (an in-memory database; the warehouse is not touched).

    With `compare_with` (a warehouse), a column whose values fell sharply against the council's previous
    accepted file is warned before loading (`fill_checks`), as the ingest would."""
    if drop.problem is not None:
        return _refused(drop)
    con = duckdb.connect()
    _quiet(con)
    try:
        checked = _start_check(0, drop, ref, today or clock.today())
        stages = check_drops(con, [checked], ref)
        if compare_with is not None:
            _compare_fill(con, checked, stages, ref, compare_with)
    except READER_CRASHES as exc:  # a native reader's crash is this drop's error, not the command's
        if machine_failure(exc):
            raise
        return _crashed(drop, exc)
    finally:
        con.close()
    errors = checked.errors
    return DropResult(path=drop.path, la_code=drop.la_code, extract_date=drop.extract_date,
                      outcome="rejected" if errors else "accepted", errors=errors,
                      warnings=checked.warnings, row_counts=checked.row_counts, children_form=checked.children_form)


def _compare_fill(con: duckdb.DuckDBPyConnection, checked: CheckedDrop, stages: list[str], ref: Reference,
                  db: Path) -> None:
    """`fill_checks` of a checked drop against the warehouse at `db` (read-only; nothing when there is none)."""
    try:
        file = warehouse.current_file(db)
    except warehouse.WarehouseError:
        return  # no warehouse to compare with: loading reports it
    if file is None:
        return
    wh = warehouse.Warehouse(db)
    try:
        with wh.cursor(file) as reader:
            fill_checks(con, [checked], stages, ref, previous=reader)
    finally:
        wh.close()


def issues_frame(result: DropResult) -> list[dict[str, object]]:
    """Errors then warnings as plain rows for a table or a download, readable without the rule codes.

    Columns: severity, file, column, rule (plain-English title with the code beside it), rows (counted as a
    person counts them, first data row = row 1), message; and for `access.issues_for`, which decides who sees
    the row numbers and keys (and drops `raw_rows`): la_code, raw_rows (zero-based), row_count.
    """
    return [
        {"severity": i.severity, "file": i.file, "column": i.column, "rule": f"{i.title} ({i.rule})",
         "rows": person_rows(i.rows, i.row_count) if i.rows else "", "message": i.message,
         "la_code": result.la_code, "raw_rows": i.rows, "row_count": i.row_count}
        for i in [*result.errors, *result.warnings]
    ]
