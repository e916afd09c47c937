"""Uploaded drops (the Data drops page, `raa check`): checked before anything is written, staged privately,
and deleted as soon as they have been checked or loaded.

An upload is either one zip of one drop folder or the drop's loose files. A zip is inspected from its
central directory before a byte is extracted: size, entry count, compression ratio, names (no absolute or
`..` paths, no control characters), no links or special entries, no encryption, exactly one folder of
files. Extraction then streams each entry with a byte budget (a zip's declared sizes are not trusted).
Each upload gets its own staging folder (mode 0700, unique name), so two people uploading the same
council and date never see each other's files, and the folder is removed when the check or load ends,
whatever its outcome: personal data sent by mistake does not stay on the server.

Limits come from settings (`drops.upload_max_bytes`, `unpacked_max_bytes`, `zip_max_entries`,
`zip_max_ratio`). Python's zipfile is used for reading only; we never call its `extract`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal, Protocol

from raa_core.errors import BadInput
from raa_core.ingest import drops
from raa_core.ingest.contract import Issue
from raa_core.presentation import count_noun, count_text
from raa_core.reference import DropLimits, Reference

#: Entries some zip tools add that are not part of the drop; they are skipped (never extracted).
#: A folder of these names anywhere in the path, in any case (macOS resource forks), or a file of these names.
_IGNORED_FOLDERS = ("__macosx",)
_IGNORED_NAMES = (".ds_store", "thumbs.db", "desktop.ini")
_CHUNK = 1 << 20
#: Ratio checks apply to entries large enough to matter (small files compress unevenly).
_RATIO_FLOOR_BYTES = 1 << 20
_STALE_AFTER_S = 3600


class UploadError(BadInput):
    """An upload refused before it was checked; the message says why and what to send instead."""


class Upload(Protocol):
    """What the page's uploader gives (Streamlit's UploadedFile): a name, a size and a readable file."""

    name: str
    size: int

    def read(self, n: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...


@dataclass(frozen=True, slots=True)
class ZipEntry:
    name: str
    file: str
    size: int


@dataclass(frozen=True, slots=True)
class ZipPlan:
    """A zip found safe to extract: its file entries, and the drop folder's own names (hints)."""

    entries: tuple[ZipEntry, ...]
    folder_names: tuple[str, ...]


def _bad_name(name: str) -> str | None:
    if not name or "\x00" in name or any(not ch.isprintable() for ch in name):
        return "has characters that do not print (control, zero-width or direction characters) in its name"
    if "\\" in name:
        return "uses backslashes in its path"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "has a '..' path"
    if not PurePosixPath(name).parts:  # `.` or `./`: a name with no file or folder in it
        return "has no file or folder name (it is only '.')"
    return None


#: What zipfile raises for a file that is not a zip, or a damaged one. Their text is never shown to people.
#: (OSError is not among them while extracting: a full disk is an operational failure, not a bad zip.)
_ZIP_FAULTS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError, IndexError,
               KeyError)
_DAMAGED = "is damaged or incomplete (it may not have finished uploading): make the zip again and upload it"


def _unreadable_zip(fh: BinaryIO, size: int) -> str:
    """Why a file named .zip cannot be opened, in words a council officer can act on."""
    if size == 0:
        return "the file is empty (it may not have finished uploading): upload it again"
    try:
        fh.seek(0)
        head = fh.read(2)
    except OSError:
        head = b""
    if head != b"PK":
        return ("the file is not a zip archive (it may be another kind of file renamed .zip): zip the drop "
                "folder and upload the zip, or upload the drop's files themselves")
    return f"the zip {_DAMAGED}"


def inspect_zip(fh: BinaryIO, size: int, limits: DropLimits) -> ZipPlan:
    """Check a zip from its directory alone (nothing written); raises UploadError naming the problem."""
    if size > limits.upload_max_bytes:
        raise UploadError(f"the zip is {count_noun(size, 'byte')}; the limit is {count_text(limits.upload_max_bytes)}")
    try:
        zf = zipfile.ZipFile(fh)
    except (*_ZIP_FAULTS, OSError) as exc:
        raise UploadError(_unreadable_zip(fh, size)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.zip_max_entries:
            raise UploadError(f"the zip has {len(infos)} entries; a drop has at most {limits.zip_max_entries}")
        entries: list[ZipEntry] = []
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            shown = drops.shown(name)
            why = _bad_name(name)
            if why:
                raise UploadError(f"zip entry '{shown}' {why}")
            parts = [part.casefold() for part in PurePosixPath(name).parts]
            if any(part in _IGNORED_FOLDERS for part in parts[:-1]) or parts[-1] in _IGNORED_NAMES:
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UploadError(f"zip entry '{shown}' is a symbolic link; a drop holds only regular files")
            if info.is_dir():
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise UploadError(f"zip entry '{shown}' is not a regular file")
            if info.flag_bits & 0x1:
                raise UploadError(f"zip entry '{shown}' is encrypted")
            if name in seen:
                raise UploadError(f"zip entry '{shown}' appears twice")
            seen.add(name)
            total += info.file_size
            if total > limits.unpacked_max_bytes:
                raise UploadError(f"the zip unpacks to more than {count_noun(limits.unpacked_max_bytes, 'byte')}")
            if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > limits.zip_max_ratio * max(info.compress_size, 1):
                raise UploadError(f"zip entry '{shown}' is compressed more than {limits.zip_max_ratio}:1 "
                                  "(a zip bomb, or not a drop)")
            path = PurePosixPath(name)
            entries.append(ZipEntry(name, path.name, info.file_size))
        if not entries:
            raise UploadError("the zip holds no files")
        folders = {PurePosixPath(e.name).parent for e in entries}
        if len(folders) > 1:
            raise UploadError(
                "the zip must hold exactly one drop (one folder of files); it has files in "
                + ", ".join(sorted(f"'{drops.shown(str(f))}/'" if str(f) != "." else "its top level" for f in folders)))
        if len({e.file for e in entries}) != len(entries):
            raise UploadError("the zip holds two files with the same name")
        folder = next(iter(folders))
        return ZipPlan(tuple(entries), tuple(p for p in folder.parts if p not in (".", "")))


def _write_new(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "wb")


def extract_zip(fh: BinaryIO, plan: ZipPlan, dest: Path, limits: DropLimits) -> None:
    """Stream the planned entries into dest (flat), never more bytes than declared or allowed."""
    budget = limits.unpacked_max_bytes
    try:
        zf = zipfile.ZipFile(fh)
    except _ZIP_FAULTS as exc:
        raise UploadError(f"the zip {_DAMAGED}") from exc
    with zf:
        for entry in plan.entries:
            written = 0
            try:
                with zf.open(entry.name) as src, _write_new(dest / entry.file) as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        budget -= len(chunk)
                        if written > entry.size or budget < 0:
                            raise UploadError(f"zip entry '{drops.shown(entry.name)}' holds more than it declares")
                        out.write(chunk)
            except UploadError:
                raise
            except NotImplementedError as exc:
                raise UploadError(
                    f"zip entry '{drops.shown(entry.name)}' is compressed in a way this service cannot unpack: make "
                    "the zip again with ordinary (deflate) compression") from exc
            except _ZIP_FAULTS as exc:
                raise UploadError(f"zip entry '{drops.shown(entry.name)}' {_DAMAGED}") from exc


def _copy_loose(files: list[Upload], dest: Path, limits: DropLimits) -> None:
    if len(files) > limits.zip_max_entries:
        raise UploadError(f"{count_noun(len(files), 'file')}; a drop has at most {limits.zip_max_entries}")
    total = sum(int(f.size) for f in files)
    if total > limits.upload_max_bytes:
        raise UploadError(f"the files come to {count_noun(total, 'byte')}; the limit is {count_text(limits.upload_max_bytes)}")
    names = [PurePosixPath(f.name.replace("\\", "/")).name for f in files]
    for f, name in zip(files, names, strict=True):
        why = _bad_name(name)
        if why or name in (".", ""):
            raise UploadError(f"file '{drops.shown(f.name)}' {why or 'has no name'}")
    if len(set(names)) != len(names):
        raise UploadError("two files have the same name")
    for f, name in zip(files, names, strict=True):
        f.seek(0)
        with _write_new(dest / name) as out:
            shutil.copyfileobj(f, out, _CHUNK)  # type: ignore[misc]


@contextlib.contextmanager
def staging(base: Path) -> Iterator[Path]:
    """A private staging folder for one upload (0700, unique), removed when the block ends, whatever happens.

    Folders of earlier uploads older than an hour (a killed server) are removed too.
    """
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in base.glob("upload-*"):
        with contextlib.suppress(OSError):
            if now - old.lstat().st_mtime > _STALE_AFTER_S:
                shutil.rmtree(old, ignore_errors=True)
    area = Path(tempfile.mkdtemp(prefix="upload-", dir=base))
    try:
        yield area
    finally:
        shutil.rmtree(area, ignore_errors=True)


DateSource = Literal["manifest.json", "the zip's folder name", "the form"]


@dataclass(frozen=True, slots=True)
class Staged:
    """An upload staged as a drop folder `<area>/<la_code>/<extract_date>/`, and where its date came from."""

    drop: drops.DropFolder
    date_source: DateSource
    files: tuple[str, ...]




def _council(la_code: int, councils: Mapping[int, str]) -> str:
    name = councils.get(la_code)
    return f"{name} ({la_code})" if name else f"council {la_code} (not one of this agency's councils)"


def _named_councils(name: str, councils: Mapping[int, str]) -> set[int]:
    """The agency's councils a folder name points to: a three-digit run of digits that is a council's code
    (`101`, `101 Northshire`, `LA101`, `la_code=101`, in any script's digits: `١٠١`, `１０１`), or a council's name
    as a word (`Northshire`, `northshire_export`). The name is NFKC-normalised and trimmed first."""
    text = unicodedata.normalize("NFKC", name).strip()
    named = {int(run) for run in re.findall(r"\d+", text) if len(run) == 3 and int(run) in councils}
    words = set(re.findall(r"[^\W\d_]+", text.casefold()))
    named |= {code for code, short in councils.items() if short and short.casefold() in words}
    return named


def council_conflict(
    la_code: int, folder_names: tuple[str, ...], manifest_la_code: int | None, councils: Mapping[int, str],
) -> str | None:
    """Why an upload for `la_code` holds another council's drop, or None; `councils` maps codes to names.

    Every folder of the zip's path is read (`_named_councils`): one that names another of the agency's
    councils, by its code or its name, refuses the upload, wherever it stands (`101/2022-10-07/`,
    `export/101 Northshire/`, `101/2022-10-07 (1)/`). The council folder (the one above a dated folder, or the
    folder holding the files when that is not a date) that is all digits but not a council code (`0101`, `10`,
    `1010`, `999`) is refused too: it may name a council, and which one cannot be told. Other names (`export/`)
    say nothing about the council. A manifest.json's la_code must be the chosen council's as well.
    """
    chosen = _council(la_code, councils)
    for folder in folder_names:
        others = sorted(_named_councils(folder, councils) - {la_code})
        if others:
            return (f"the zip's folder '{drops.shown(folder)}/' names {_council(others[0], councils)}, but the upload "
                    f"is for {chosen}: choose the council the drop belongs to, or upload {chosen}'s own drop")
    names = tuple(unicodedata.normalize("NFKC", n).strip() for n in folder_names)
    folder = (names[-2] if len(names) >= 2 else None) if names and drops.extract_date_of(names[-1]) else (
        names[-1] if names else None)
    if folder is not None and folder.isdigit() and not (len(folder) == 3 and int(folder) == la_code):
        return (f"the zip's folder '{drops.shown(folder)}/' looks like a council code but is not {chosen}'s (a "
                f"council code has three digits, such as {la_code}): name the folder {la_code}/ for "
                f"{chosen}, or zip the dated folder on its own")
    if manifest_la_code is not None and manifest_la_code != la_code:
        return (f"manifest.json says the drop is {_council(manifest_la_code, councils)}'s, but the upload is for "
                f"{chosen}: choose the council the drop belongs to, or upload {chosen}'s own drop")
    return None


def stage(
    uploads: list[Upload], la_code: int, form_date: dt.date | None, area: Path, limits: DropLimits,
    councils: Mapping[int, str] | None = None,
) -> Staged:
    """Write an upload (one zip, or loose files) into `area` as a drop folder; raises UploadError.

    The extract date comes from manifest.json where it has a valid one, else from the zip's folder name
    where that is an ISO date, else from the form; `date_source` says which. The council is the form's: a
    zip whose folders, or a manifest whose la_code, name another council is refused (`council_conflict`),
    naming both councils from `councils` (code to name).
    """
    if not uploads:
        raise UploadError("choose the drop's files, or one zip of the drop folder")
    raw = Path(area) / "raw"
    raw.mkdir(mode=0o700)
    hint: tuple[str, ...] = ()
    zips = [u for u in uploads if u.name.lower().endswith(".zip")]
    if zips:
        if len(uploads) != 1:
            raise UploadError("upload one zip on its own, or the loose files without a zip")
        z = zips[0]
        z.seek(0)
        plan = inspect_zip(z, int(z.size), limits)  # type: ignore[arg-type]
        if conflict := council_conflict(la_code, plan.folder_names, None, councils or {}):
            raise UploadError(conflict)  # before a byte is extracted
        z.seek(0)
        extract_zip(z, plan, raw, limits)  # type: ignore[arg-type]
        hint = plan.folder_names
    else:
        _copy_loose(uploads, raw, limits)
    manifest, _ = drops.read_manifest(raw, limits.manifest_max_bytes)
    if manifest is not None and (conflict := council_conflict(la_code, (), manifest.la_code, councils or {})):
        raise UploadError(conflict)
    when, source = None, None
    folder_date = drops.extract_date_of(unicodedata.normalize("NFKC", hint[-1]).strip()) if hint else None
    if manifest is not None and (when := drops.extract_date_of(manifest.extract_date)):
        source = "manifest.json"
        if folder_date is not None and folder_date != when:  # the contract: a manifest must agree with its folders
            raise UploadError(f"manifest.json says the extract date is {when.isoformat()}, but the zip's folder is "
                              f"{folder_date.isoformat()}/: correct one of them so that they agree")
    elif (when := folder_date) is not None:
        source = "the zip's folder name"
    elif form_date is not None:
        when, source = form_date, "the form"
    if when is None or source is None:
        raise UploadError("the drop has no manifest.json with its extract date: enter the extract date")
    folder = Path(area) / str(la_code) / when.isoformat()
    folder.parent.mkdir(mode=0o700)
    raw.rename(folder)
    files = tuple(sorted(p.name for p in folder.iterdir()))
    return Staged(drops.DropFolder(f"{la_code}/{when.isoformat()}", folder, la_code, when), source, files)


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What happened to an upload: the drop's result (as ingest reports it) and where its date came from."""

    result: drops.DropResult
    date_source: DateSource | None
    files: tuple[str, ...]
    loaded: bool


def loaded_by(user: str) -> str:
    """Who loaded a drop uploaded on the page, as the ingest history's "by whom" column shows it."""
    return f"{user} (upload on the Data drops page)"


def audit_detail(outcome: UploadOutcome, action: str) -> str:
    """The audit record's detail of an upload, as a sentence (the audit shows words, never JSON): the action,
    the drop, the verdict with its counts, the files, where the extract date came from, and that the raw files
    were deleted (they never outlive `check_upload`). A refused upload still names the files it brought."""
    r = outcome.result
    drop = "an upload that named no drop" if r.path == "upload" else f"drop {r.path}"
    verdict = {"accepted": "accepted", "rejected": "rejected", "unchanged": "unchanged (already loaded)"}.get(
        r.outcome, r.outcome)
    counts = f"{count_noun(len(r.errors), 'error')} and {count_noun(len(r.warnings), 'warning')}"
    files = ", ".join(drops.shown(f) for f in outcome.files) if outcome.files else "no files"
    dated = f"; extract date from {outcome.date_source}" if outcome.date_source else ""
    return (f"{action.capitalize()} of {drop}: {verdict}, with {counts}; files: {files}{dated}; "
            "the uploaded files were deleted.")


def refused(la_code: int | None, message: str, files: tuple[str, ...] = ()) -> UploadOutcome:
    """An upload refused before its drop could be checked (`message` says why); `files`: the names it brought."""
    result = drops.DropResult(path="upload", la_code=la_code, extract_date=None, outcome="rejected",
                              errors=[Issue(rule="upload_refused", message=message)])
    return UploadOutcome(result, None, files, False)


def check_upload(
    uploads: list[Upload], la_code: int, form_date: dt.date | None, ref: Reference, today: dt.date,
    staging_root: Path, *, load_into: Path | None = None, actor: str | None = None,
    compare_with: Path | None = None,
) -> UploadOutcome:
    """Stage an upload privately, check it (and load it into `load_into`'s warehouse if given), then delete it.

    The raw files never outlive this call: the staging folder goes when the check or load ends, rejected or
    not. `actor` is recorded in the ingest audit of a load. A check only compares the drop with the council's
    previous file in `compare_with`'s warehouse (a sharp fall in a column's values is warned before loading). Operational failures (disk full, damaged warehouse) propagate as warehouse.WarehouseError.
    """
    with staging(staging_root) as area:
        try:
            staged = stage(uploads, la_code, form_date, area, ref.settings.drops,
                           {c.la_code: c.short_name for c in ref.councils})
        except UploadError as exc:
            return refused(la_code, str(exc), tuple(str(u.name) for u in uploads))
        if load_into is not None:
            result = drops.ingest_folders(load_into, [staged.drop], ref, today, actor=actor).results[0]
        else:
            result = drops.check_only(staged.drop, ref, today, compare_with=compare_with)
        return UploadOutcome(result, staged.date_source, staged.files, load_into is not None)


class _LocalFile:
    """A file on disk seen as an Upload (for `raa check` of a zip)."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.size = path.stat().st_size
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()

    def read(self, n: int = -1, /) -> bytes:
        return self._fh.read(n)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()


def check_path(path: Path, ref: Reference, today: dt.date, la_code: int | None = None,
               extract_date: dt.date | None = None) -> drops.DropResult:
    """`raa check`: validate one drop folder or a zip of one, without loading; the same result as ingest.

    A folder's council and date come from its names (`<la_code>/<extract_date>/`, as under a drops root);
    a zip's from `la_code` (or its folder names) and its manifest, folder name or `extract_date`.
    """
    path = Path(path)
    if path.is_dir():
        council = path.parent.name
        drop = drops.DropFolder(f"{drops.shown(council)}/{drops.shown(path.name)}", path,
                                drops.council_code_of(council), drops.extract_date_of(path.name))
        return drops.check_only(drop, ref, today)
    local = _LocalFile(path)
    try:
        if la_code is None:
            try:
                local.seek(0)
                plan = inspect_zip(local, local.size, ref.settings.drops)  # type: ignore[arg-type]
            except UploadError as exc:
                return refused(None, str(exc)).result
            names = plan.folder_names
            la_code = drops.council_code_of(names[-2]) if len(names) >= 2 else None
            if la_code is None:
                return refused(None, "the zip's folders do not name the council (<la_code>/<extract_date>/): "
                                     "give --council").result
        with tempfile.TemporaryDirectory(prefix="raa-check-") as tmp:
            return check_upload([local], la_code, extract_date, ref, today, Path(tmp)).result
    finally:
        local.close()


#: What an upload's outcome means for the person who sent it, by the drop's outcome (`outcome_text`).
_OUTCOME_WORDS = {"unchanged": "unchanged (already loaded)", "rejected": "rejected"}


def outcome_text(outcome: UploadOutcome) -> str:
    """The upload's one-line summary: 'Drop 886/2022-10-07: loaded — 12 rows ...' (accepted and loaded), 'passes
    every check' (accepted, checked only), 'unchanged (already loaded)' or 'rejected', and whether it is a new
    version of an earlier drop."""
    result = outcome.result
    verb = (("loaded" if outcome.loaded else "passes every check") if result.outcome == "accepted"
            else _OUTCOME_WORDS[result.outcome])
    return (f"Drop {result.path}: {verb} — {result.counts_text()}"
            + (" (new version of an earlier drop)" if result.new_version else "")
            + (f"; {result.form_text()}" if result.children_form else ""))


def upload_limit_text(limits: DropLimits) -> str:
    """The largest upload in whole MB (1 MB = 1024 × 1024 bytes, rounded down): '200 MB'."""
    return f"{limits.upload_max_bytes // 1_048_576} MB"
