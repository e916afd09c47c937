"""The audit trail in the app-state store: who signed in (or failed to), who was locked out, who saw
child-level rows of which council on which page, and who exported or uploaded what, with when (UTC).

Rows are appended by `appstate.record` where each event happens and never changed. This module reads
them for the Audit page (admin, Head of Service) with filters, newest first.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd

from raa_core import clock, logs
from raa_core.access import require_audit
from raa_core.errors import BadInput
from raa_core.presentation import date_text, display
from raa_core.reference import Reference, load_reference
from raa_core.requests import Viewer
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState

#: Every action recorded, with the label the Audit page shows.
ACTIONS: dict[str, str] = display.ACTIONS  # the words are the labels table's (kind "audit_action")
COLUMNS = ["at", "actor", "role", "action", "page", "la_code", "detail"]


def events(
    state: AppState,
    viewer: Viewer,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actors: list[str] | None = None,
    actions: list[str] | None = None,
    la_codes: list[int] | None = None,
    ref: Reference | None = None,
    limit: int = 50_000,
) -> pd.DataFrame:
    """Audit rows matching every filter given (dates inclusive, London days, as people count them), newest
    first: at (London wall-clock datetime, as the ingest history shows times; stored as UTC), actor, role,
    action, page, la_code (nullable integer), detail. At most `limit` rows. Raises AccessDenied unless the
    viewer may read the audit trail, and BadInput for a first day after the last."""
    require_audit(viewer, ref)
    if since is not None and until is not None and since > until:
        raise BadInput(f"the first day, {date_text(since)}, is after the last, {date_text(until)}: give the "
                       "earlier day first")
    where: list[str] = ["1 = 1"]
    params: dict[str, object] = {"limit": int(limit)}
    if since is not None:
        where.append("at >= :since")
        params["since"] = clock.utc_start_of(since).isoformat(timespec="microseconds")
    if until is not None:
        where.append("at < :until")
        params["until"] = clock.utc_start_of(until + dt.timedelta(days=1)).isoformat(timespec="microseconds")
    for column, values in (("actor", actors), ("action", actions), ("la_code", la_codes)):
        if values:
            names = [f"{column}{i}" for i in range(len(values))]
            where.append(f"{column} IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, values, strict=True))
    with state.connect() as con:
        rows = sql.sqlite_execute(
            con,
            f"SELECT {', '.join(COLUMNS)} FROM audit WHERE {' AND '.join(where)} ORDER BY at DESC, id DESC LIMIT :limit",
            params,
        ).fetchall()
    df = pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS)
    df["at"] = clock.london_times(pd.to_datetime(df["at"], format="ISO8601"), to_minute=False)
    df["la_code"] = df["la_code"].astype("Int64")
    return df


def actors(state: AppState) -> list[str]:
    """Everyone who appears in the audit trail, for the page's filter."""
    with state.connect() as con:
        return [r[0] for r in sql.sqlite_execute(con, "SELECT DISTINCT actor FROM audit WHERE actor IS NOT NULL ORDER BY 1")]


def refused(state: AppState, viewer: Viewer, page: str, reason: str) -> None:
    """Record that `viewer` was refused `page` (the audit trail's `refused` action) and log it as a `refused`
    event (raa_core.logs): who, role, council and page, and the refusal's sentence."""
    appstate.record(state, actor=viewer.user, role=viewer.role, action="refused", page=page,
                    la_code=viewer.la_code, detail=reason)
    logs.event("refused", user=viewer.user, role=viewer.role, la_code=viewer.la_code, page=page, reason=reason)


#: The audit's column headings, on the Audit page and in its CSV.
HEADINGS: dict[str, str] = {"at": "When (London time)", "actor": "Who", "role": "Role", "action": "Action",
                            "page": "Page", "la_code": "Council", "detail": "Detail"}


def events_table(events: pd.DataFrame, ref: Reference | None = None) -> pd.DataFrame:
    """`events` (from `events`) as the Audit page and its CSV show them (`events_words`)."""
    return events_words(events, ref)


def events_words(events: pd.DataFrame, ref: Reference | None = None) -> pd.DataFrame:
    """`events` in words under `HEADINGS`: London time to the second, each role, action, page and council by its
    name (the presentation layer's labels; a code without words as itself), the detail as recorded (a sentence)."""
    ref = ref or load_reference()
    return pd.DataFrame({
        "at": pd.to_datetime(events["at"]).dt.floor("s"),
        "actor": events["actor"],
        "role": events["role"].map(lambda r: display.label("role", r, ref) if isinstance(r, str) else ""),
        "action": events["action"].map(lambda a: display.label("audit_action", a)),
        "page": events["page"].map(lambda p: display.label("page", p) if isinstance(p, str) else ""),
        "la_code": events["la_code"].map(lambda c: "" if pd.isna(c) else display.label("council", c, ref)),
        "detail": events["detail"].fillna(""),
    }).rename(columns=HEADINGS)


#: Audit rows the store could not take when they happened (busy or unreadable), oldest first, with any session
#: to end (`ends`: a token hash): written by the next `flush` that finds the store answering.
_PENDING: list[dict[str, object]] = []
_PENDING_LOCK = threading.Lock()


def later(*, actor: str | None, role: str | None, action: str, page: str | None, la_code: int | None,
          detail: str, ends: str | None = None) -> None:
    """Keep an audit row (and a session to end) for when the store answers again (`flush`)."""
    with _PENDING_LOCK:
        _PENDING.append({"actor": actor, "role": role, "action": action, "page": page, "la_code": la_code,
                         "detail": detail,
                         "ends": ends})


def flush(state: AppState) -> int:
    """Write the rows `later` kept (and end their sessions), oldest first; returns how many were written. Raises
    the store's error when it still does not answer (the rows stay for the next try)."""
    written = 0
    while True:
        with _PENDING_LOCK:
            if not _PENDING:
                return written
            row = dict(_PENDING[0])
        ends = row.pop("ends")
        if ends:
            with state.connect() as con:
                sql.sqlite_execute(con, "UPDATE sessions SET ended_at = :at, end_reason = 'signed out' "
                                   "WHERE token_hash = :h AND ended_at IS NULL", {"at": appstate.now_text(), "h": ends})
        appstate.record(state, **row)  # type: ignore[arg-type]
        with _PENDING_LOCK:
            _PENDING.pop(0)
        written += 1
