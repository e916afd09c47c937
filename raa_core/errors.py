"""The one error hierarchy of the product: every error `raa_core` raises on purpose is a `RaaError`.

Four families, each with one meaning for the person who meets it:

- `BadInput`: what was given cannot be used (a malformed request, scenario, manifest, argument or reference
  file). The command line exits 2; a page says what to change.
- `Refused`: the request was understood and refused (a role without the right, a rejected drop, an account
  rule). The command line exits 1; a page says why and what the person can do instead.
- `NoData`: the figures asked for need data the warehouse does not hold (no warehouse yet, no drop by the
  as-at date). The command line exits 1; a page says which data is missing.
- `Fault`: the service could not do its work (disk full, read-only folder, a damaged warehouse version, the
  app-state store busy or unreadable: SQLite's codes become sentences in `sqlite_sentence`). The command line
  exits 2; a page tells the person to try again or tell the administrator.

Exit codes are mapped once, in `raa_core.cli` (`exit_code`); page messages once, in `raa_app.errors`; both ask
`classify` which family an error belongs to. No other code catches `Exception` wholesale (tests/repo/test_errors.py);
ingest survives a native reader's crash on one partner file by catching the classes such a crash raises
(`raa_core.ingest.contract.READER_CRASHES`). Messages are plain English sentences a person can act on: an error of
the operating system names the path and what to do (`os_sentence`), and a `Fault` always ends with what to do.
"""

from __future__ import annotations

import errno
import sqlite3

import duckdb
from pydantic import ValidationError


class RaaError(Exception):
    """Base of every error the product raises on purpose; `str(error)` is the sentence shown to people.

    `on_page` is the sentence a page shows (`raa_app.errors.message`): the same, unless the error names something
    only the command line or a file's author knows (a JSON field of a scenario file), which a page names by the
    label of the control that sets it."""

    @property
    def on_page(self) -> str:
        return str(self)


class BadInput(RaaError, ValueError):
    """Input that cannot be used as given: a request, a file, an argument or reference data."""


class Refused(RaaError):
    """A request understood and refused: missing rights, a rejected drop, an account rule."""


class NoData(RaaError):
    """The figures asked for need data the warehouse does not hold."""


class Fault(RaaError, RuntimeError):
    """The service could not do its work: storage full or read-only, a damaged file, a store busy or unreadable.

    `advises` is True when the sentence already says what to do (`os_sentence`: "check the folder's
    permissions"); otherwise the mapping places add `TRY_AGAIN` (`fault_line`, `raa_app.errors.message`)."""

    advises: bool = False


#: What to do after a `Fault` whose sentence does not say: the command line's words (`fault_line`).
TRY_AGAIN = "try again, and tell the administrator if it happens again"


def fault_line(error: Fault) -> str:
    """A `Fault` as the command line's one line: its sentence, then what to do unless it says already."""
    line = " ".join(str(error).split())
    return line if error.advises else f"{line}; {TRY_AGAIN}"


def _advising(fault: Fault) -> Fault:
    fault.advises = True
    return fault


def operational(exc: BaseException) -> bool:
    """True for failures of the machine rather than of the input: a `Fault`, or disk full, read-only,
    permissions and I/O errors from the operating system or DuckDB."""
    if isinstance(exc, Fault):
        return True
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM)
    if isinstance(exc, duckdb.IOException | duckdb.PermissionException):
        text = str(exc).lower()
        return any(t in text for t in ("no space left", "read-only file system", "permission denied",
                                       "disk quota", "input/output error", "could not write"))
    return False


def validation_sentence(error: ValidationError) -> str:
    """Pydantic's ValidationError (a request record built from values that break its validators) as one
    sentence: each failing field and pydantic's message, without pydantic's 'Value error, ' prefix."""
    parts = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"])
        text = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{field}: {text}" if field else text)
    return "; ".join(parts) or str(error)


def os_sentence(error: OSError) -> str:
    """An operating-system error as a sentence a person can act on: what happened, to which path, and what to
    do (`classify`). Python's own text ("[Errno 2] No such file or directory: '/proc/raa'") names neither."""
    where = error.filename if error.filename is not None else None
    path = f" {where}" if where is not None else ""
    if isinstance(error, FileExistsError):
        return f"{where or 'the path'} already exists: name another path, or move that one away"
    if isinstance(error, FileNotFoundError):
        return (f"cannot find or create{path or ' the path'}: no such file or folder; check the path and that "
                f"the folder above it exists and can hold files")
    if isinstance(error, NotADirectoryError):
        return f"cannot use{path or ' the path'}: a part of it is a file, not a folder; check the path"
    if isinstance(error, IsADirectoryError):
        return f"{where or 'the path'} is a folder, not a file: name a file"
    if error.errno in (errno.EACCES, errno.EPERM):
        return (f"permission denied on{path or ' a file or folder'}: check the folder's permissions, or tell the "
                f"administrator")
    if error.errno == errno.EROFS:
        return (f"{error.strerror or 'Read-only file system'}{path and ' at' + path}: choose a folder that can "
                f"be written, or tell the administrator")
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"{error.strerror or 'No space left on device'}{path and ' writing' + path}: free some space, "
                f"then try again, or tell the administrator")
    return f"{error.strerror or error}{path and ' (' + path.strip() + ')'}: tell the administrator"


#: SQLite's primary result codes of a failure of the machine, as what happened to the app-state store and what
#: to do (`sqlite_sentence`). SQLite names no path: the store is `appstate.sqlite3` beside the warehouse.
SQLITE_SENTENCES = {
    "SQLITE_FULL": ("the disk holding the app-state store (appstate.sqlite3 beside the warehouse) is full, so "
                    "nothing was saved: free some space, then try again, or tell the administrator"),
    "SQLITE_READONLY": ("the app-state store (appstate.sqlite3 beside the warehouse) or its folder is read-only, so "
                        "nothing was saved: let the service's user write the folder and the store, or tell the "
                        "administrator"),
    "SQLITE_CANTOPEN": ("cannot open the app-state store (appstate.sqlite3 beside the warehouse): check that its "
                        "folder exists and that the service's user may write it, or tell the administrator"),
    "SQLITE_PERM": ("permission denied on the app-state store (appstate.sqlite3 beside the warehouse): check the "
                    "folder's permissions, or tell the administrator"),
    "SQLITE_BUSY": ("the app-state store is busy: another program has held it for writing longer than the wait "
                    "allows, so nothing was saved; try again in a minute, and if it stays busy tell the "
                    "administrator (a stuck process may hold it)"),
    "SQLITE_IOERR": ("the disk could not read or write the app-state store (appstate.sqlite3 beside the "
                     "warehouse), so nothing was saved: tell the administrator to check the disk"),
    "SQLITE_NOTADB": ("the app-state store (appstate.sqlite3 beside the warehouse) is damaged: it is set aside and "
                      "a fresh one created when the app next opens it; restore accounts from a backup "
                      "(raa restore), or tell the administrator"),
}
SQLITE_SENTENCES["SQLITE_LOCKED"] = SQLITE_SENTENCES["SQLITE_BUSY"]
SQLITE_SENTENCES["SQLITE_CORRUPT"] = SQLITE_SENTENCES["SQLITE_NOTADB"]


def sqlite_sentence(error: BaseException) -> str | None:
    """A failure of the machine reported by SQLite (the app-state store: disk full, read-only, busy, cannot
    open, I/O, damaged) as a sentence saying what happened and what to do; None for any other error, SQLite's
    own programming errors included. SQLite's extended codes (`SQLITE_READONLY_DBMOVED`) map by their primary
    code."""
    if not isinstance(error, sqlite3.Error):
        return None
    name = getattr(error, "sqlite_errorname", None) or ""
    return SQLITE_SENTENCES.get("_".join(name.split("_")[:2]))


def classify(error: BaseException) -> RaaError | None:
    """The family of an error that reached one of the two mapping places (`raa_core.cli.main`,
    `raa_app.errors.show`): the error itself if it is a `RaaError`; pydantic's ValidationError, or a path that
    is not there, already there or of the wrong kind (a file for a folder), as `BadInput`; a failure of the
    machine (disk full, read-only folder, permissions, I/O: see `operational`; the app-state store full,
    read-only, busy or damaged: see `sqlite_sentence`) as `Fault`; None for anything
    else, a programming error that must surface as a traceback rather than be dressed as a message. Errors of
    the operating system become sentences naming the path and what to do (`os_sentence`)."""
    if isinstance(error, RaaError):
        return error
    if isinstance(error, ValidationError):
        return BadInput(validation_sentence(error))
    if isinstance(error, FileNotFoundError | FileExistsError | NotADirectoryError | IsADirectoryError):
        return BadInput(os_sentence(error))
    if (store := sqlite_sentence(error)) is not None:
        return _advising(Fault(store))
    if operational(error):
        if isinstance(error, OSError):
            return _advising(Fault(os_sentence(error)))
        return Fault(str(error))
    return None
