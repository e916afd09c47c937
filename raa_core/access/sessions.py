"""Server-side sign-in sessions, kept in the app-state store and named by a cookie.

A session starts when a person signs in (the embedded form's route, or the identity provider): a random token
(`secrets.token_urlsafe`, 256 bits) goes to the browser in an HttpOnly cookie and only its SHA-256 is stored, so
a copy of the store names no live session. Every click looks the session up by the cookie (`resolve`): it ends
after `idle` without a click or `session` in all (settings.json `signin`, `signin.session_expiry`), when the
person signs out in any tab (`end`), and when their account is removed, changed (role, council), reset or
locked (`end_for_user`), whichever comes first. Reload, a new tab and a bookmark carry the same cookie, so they
keep the session; a Streamlit session id replayed without the cookie finds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass

from raa_core.access.signin import SigninPolicy, session_expiry
from raa_core.requests import Viewer
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState

#: The session cookie's name.
COOKIE = "raa_session"
#: Sessions ended in this process (their token hashes): a sign-out holds here even while the store is busy.
_REVOKED: set[str] = set()
_REVOKED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Found:
    """What a token names: the Viewer while the session lives; else why it ended ('idle', 'total', 'signed out',
    'account changed', ... or 'unknown' for a token the store never issued)."""

    viewer: Viewer | None
    reason: str | None
    how: str = "password"
    started: dt.datetime | None = None


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a session token: what the store keeps and compares."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start(state: AppState, viewer: Viewer, how: str, *, started: dt.datetime | None = None,
          now: dt.datetime | None = None) -> str:
    """Record a new session for `viewer` (`how`: 'password' or 'oidc'); returns its token (for the cookie only).
    `started` is when the person signed in (the identity provider's time), now by default."""
    token = secrets.token_urlsafe(32)
    at = _now(now)
    with state.connect() as con:
        sql.sqlite_execute(
            con,
            "INSERT INTO sessions(token_hash, username, role, la_code, how, started_at, last_seen) "
            "VALUES (:h, :user, :role, :la, :how, :started, :seen)",
            {"h": token_hash(token), "user": viewer.user, "role": viewer.role, "la": viewer.la_code, "how": how,
             "started": (started or at).isoformat(), "seen": at.isoformat()},
        )
    return token


def resolve(state: AppState, token: str | None, rules: SigninPolicy, *, now: dt.datetime | None = None) -> Found:
    """The session a cookie's token names, touched (its last click now) while it lives. A session past its
    idle or total limit is ended here (reason 'idle' or 'total') and audited once as a sign-out. A password
    session whose account has gone or changed role or council is ended ('account changed')."""
    if not token:
        return Found(None, "unknown")
    at = _now(now)
    h = token_hash(token)
    with _REVOKED_LOCK:
        if h in _REVOKED:
            return Found(None, "signed out")
    with state.connect() as con:
        row = sql.sqlite_execute(
            con,
            "SELECT s.username, s.role, s.la_code, s.how, s.started_at, s.last_seen, s.ended_at, s.end_reason, "
            "u.username IS NOT NULL AND u.role = s.role AND u.la_code IS s.la_code "
            "FROM sessions s LEFT JOIN users u ON u.username = s.username WHERE s.token_hash = :h",
            {"h": h}).fetchone()
        if row is None:
            return Found(None, "unknown")
        user, role, la_code, how, started, seen, ended, why, account_same = tuple(row)
        if ended is not None:
            return Found(None, why or "signed out", how)
        started_at = dt.datetime.fromisoformat(started)
        reason = session_expiry(started_at, dt.datetime.fromisoformat(seen), at, rules)
        if reason is None and how == "password" and not account_same:
            reason = "account changed"
        if reason is None:
            sql.sqlite_execute(con, "UPDATE sessions SET last_seen = :at WHERE token_hash = :h",
                               {"at": at.isoformat(), "h": h})
            return Found(Viewer(user=user, role=role, la_code=la_code), None, how, started_at)
    if end(state, token, reason, now=at):
        appstate.record(state, actor=user, role=role, action="sign_out", la_code=la_code,
                        detail=ENDED.get(reason, reason))
    return Found(None, reason, how)


#: Why a session ended, as the audit's detail says it.
ENDED = {"idle": "Session ended after the idle limit without a click.",
         "total": "Session ended at its total time limit.",
         "account changed": "Session ended: the account was removed or its role or council changed.",
         "account locked": "Session ended: the account was locked after failed sign-ins.",
         "signed out": "Signed out."}


def end(state: AppState, token: str | None, reason: str = "signed out", *, now: dt.datetime | None = None) -> bool:
    """End the session a token names (every tab sharing its cookie is signed out at its next click); True when a
    live session was ended by this call."""
    if not token:
        return False
    with state.connect() as con:
        return sql.sqlite_execute(
            con, "UPDATE sessions SET ended_at = :at, end_reason = :why WHERE token_hash = :h AND ended_at IS NULL",
            {"at": _now(now).isoformat(), "why": reason, "h": token_hash(token)}).rowcount > 0


def sign_out(state: AppState, token: str | None, *, now: dt.datetime | None = None) -> bool:
    """A person signs out: the session ends in this process's memory first (so a busy store never leaves them
    signed in), then in the store, with its audit row. A store that cannot be written now gets both later
    (`audit.later`: recorded once it answers). True when a live session was ended."""
    from raa_core.access import audit

    if not token:
        return False
    with _REVOKED_LOCK:
        _REVOKED.add(token_hash(token))
    try:
        audit.flush(state)  # rows kept while the store was busy go first, in order
        with state.connect() as con:
            row = sql.sqlite_execute(con, "SELECT username, role, la_code FROM sessions WHERE token_hash = :h "
                                     "AND ended_at IS NULL", {"h": token_hash(token)}).fetchone()
        if row is None or not end(state, token, now=now):
            return False
        appstate.record(state, actor=row[0], role=row[1], action="sign_out", la_code=row[2], detail=ENDED["signed out"])
    except sqlite3.OperationalError:
        audit.later(actor=None, role=None, action="sign_out", page=None, la_code=None,
                    detail="Signed out while the app's store was busy (the session was ended in memory).",
                    ends=token_hash(token))
        return True
    return True


def end_for_user(state: AppState, username: str, reason: str, *, now: dt.datetime | None = None) -> int:
    """End every live session of a user (removed, role or council changed, password reset, locked), each audited
    as a sign-out saying why; returns how many ended. Names are compared without regard to case."""
    with state.connect() as con:
        ended = sql.sqlite_execute(
            con, "UPDATE sessions SET ended_at = :at, end_reason = :why "
                 "WHERE lower(username) = lower(:user) AND ended_at IS NULL RETURNING username, role, la_code",
            {"at": _now(now).isoformat(), "why": reason, "user": username.strip()}).fetchall()
    for user, role, la_code in ended:
        appstate.record(state, actor=user, role=role, action="sign_out", la_code=la_code,
                        detail=ENDED.get(reason, ENDED["account changed"]))
    return len(ended)


def live(state: AppState, username: str) -> int:
    """How many live (not ended) sessions a user has, whatever their age."""
    with state.connect() as con:
        return int(sql.sqlite_execute(
            con, "SELECT count(*) FROM sessions WHERE lower(username) = lower(:user) AND ended_at IS NULL",
            {"user": username.strip()}).fetchone()[0])
