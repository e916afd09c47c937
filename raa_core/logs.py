"""The service's event log: one line of JSON per event, for the IT team's log collector.

Events: each drop's ingest outcome and each run's (`ingest`, `ingest_run`), sign-in outcomes (`sign_in`),
refused access (`refused`) and faults with their sentence (`fault`). Each line holds `at` (UTC, ISO 8601 with
`Z`), `kind` and the event's fields. Lines go to the file named by `RAA_LOG_FILE` in the environment, else by
settings.json `log_file` (a relative path is read from the project folder), else to standard error: the app's;
the command line keeps its standard error for people (docs/command-line.md: one line per error), so its events
are written only to a named file. The file
is opened for each line and appended to (owner-only when created), so `logrotate` may move it at any time
without `copytruncate`. No personal values are written: user names are, but never passwords, child
identifiers or dates of birth (a field so named is refused). See docs/operations.md "Logs and rotation".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from pathlib import Path

#: Field names never written (a programming error to pass one).
FORBIDDEN = frozenset({"password", "child_id", "child_ids", "dob", "date_of_birth", "adopter_id", "upn"})
ENV = "RAA_LOG_FILE"
_ROOT = Path(__file__).resolve().parent.parent
_lock = threading.Lock()
_target: list[Path | None] = []  # resolved once: [] not yet, [None] standard error, [path] a file
_stderr = [True]  # whether events without a file go to standard error (the app) or nowhere (the command line)


def configure(path: Path | str | None = None, *, stderr: bool = True) -> None:
    """Send events to `path` (None: decide again from the environment and settings at the next event); with
    `stderr` false, events with no file named are not written (the command line: `raa_core.cli.main`)."""
    with _lock:
        _target.clear()
        _stderr[0] = stderr
        if path is not None:
            _target.append(Path(path))


def destination() -> Path | None:
    """The file events go to, or None for standard error."""
    with _lock:
        if not _target:
            _target.append(_from_settings())
        return _target[0]


def _from_settings() -> Path | None:
    named = os.environ.get(ENV)
    if not named:
        from raa_core.reference import ReferenceError, load_reference

        try:
            named = load_reference().settings.log_file
        except (ReferenceError, OSError, ValueError):  # reported where the reference is used; log to stderr
            named = None
    if not named:
        return None
    path = Path(named)
    return path if path.is_absolute() else _ROOT / path


def line(kind: str, **fields: object) -> str:
    """The JSON line of one event (no newline). Raises ValueError for a field that must never be logged."""
    bad = FORBIDDEN & set(fields)
    if bad:
        raise ValueError(f"event {kind!r} must not log {', '.join(sorted(bad))}")
    at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"at": at, "kind": kind, **fields}, default=str, ensure_ascii=False, separators=(",", ":"))


def event(kind: str, **fields: object) -> str:
    """Write one event line (see the module docstring); returns it. A log that cannot be written never stops
    the work it describes: the line then goes to standard error (where that is allowed)."""
    text = line(kind, **fields)
    path = destination()
    if path is not None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (text + "\n").encode("utf-8"))
            finally:
                os.close(fd)
            return text
        except OSError:
            pass
    if _stderr[0] and sys.stderr is not None:
        try:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    return text
