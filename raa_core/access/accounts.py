"""The embedded sign-in's users (works offline, no identity provider), kept in the app-state store.

Passwords are hashed with argon2id (`argon2-cffi`, its recommended parameters); nothing else is stored.
After `max_failed_attempts` failures in a row an account is locked for `lockout` (settings.json `signin`,
docs/operations.md), and `unlock` (`raa users unlock`) lifts it. A sign-in attempt's outcome is one of three, and
whichever it is the person is told only that the user name and password were not accepted: the form
never says which was wrong, nor whether a user exists or is locked. Every attempt is audited.

Demo users (one per role, README lists them) exist only while the warehouse holds nothing but the bundled
sample (`freshness.holds_only_sample`, the sample marker): `sync_demo_users_for` creates them then and deletes
them as soon as real data arrives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict

from raa_core import logs
from raa_core.access.signin import SigninPolicy
from raa_core.errors import BadInput
from raa_core.ingest import freshness
from raa_core.presentation import count_noun, display, utc_time
from raa_core.reference import Reference
from raa_core.requests import Viewer
from raa_core.snapshot import Snapshot
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState

HASHER = PasswordHasher()
#: Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password of anyone")
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")

#: Demo users: (user name, password, role, council). Documented in README; only on the bundled sample.
DEMO_USERS: tuple[tuple[str, str, str, int | None], ...] = (
    ("board", "demo-board", "board", None),
    ("hos", "demo-hos", "hos", None),
    ("finance", "demo-finance", "finance", None),
    ("analyst303", "demo-analyst303", "council_analyst", 303),
    ("analyst886", "demo-analyst886", "council_analyst", 886),
    ("analyst887", "demo-analyst887", "council_analyst", 887),
    ("admin", "demo-admin", "admin", None),
)

REFUSED = "Sign-in failed: the user name and password were not accepted. After {n} failed attempts an account " \
          "is locked for {m} minutes; an administrator can unlock it."


class UserError(BadInput):
    """A user that cannot be added or changed as asked; the message says why."""


class User(BaseModel):
    """A user as `raa users list` shows it (never the hash)."""

    model_config = ConfigDict(frozen=True)
    username: str
    role: str
    la_code: int | None
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    demo: bool


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt's outcome: the Viewer when accepted; else the one message the form shows."""

    viewer: Viewer | None
    message: str | None
    locked_now: bool = False


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _validate(username: str, role: str, la_code: int | None, ref: Reference) -> None:
    if not USERNAME.match(username):
        raise UserError(f"user name {username!r}: 2 to 64 letters, digits, '.', '_', '-' or '@', starting with a "
                        "letter or digit")
    found = ref.role(role)
    if found is None:
        raise UserError(f"unknown role {role!r} (roles: {', '.join(ref.role_labels())})")
    if found.council_bound and la_code not in ref.la_codes:
        councils = [display.council_option(ref, c) for c in ref.la_codes]
        raise UserError(f"a {found.label} works for one council: choose {', '.join(councils[:-1])} or {councils[-1]}")
    if not found.council_bound and la_code is not None:
        raise UserError(f"a {found.label} is not bound to a council: choose no council")


def check_password(password: str) -> None:
    """UserError unless the password has MIN_PASSWORD characters, not counting spaces at either end."""
    if len(password.strip()) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters (not counting spaces at "
                        "either end)")


def _is_demo(state: AppState, username: str) -> bool:
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT demo FROM users WHERE username = :username", {"username": username}).fetchone()
    return bool(row and row[0])


def add_user(state: AppState, username: str, password: str, role: str, la_code: int | None, ref: Reference,
             *, demo: bool = False, now: dt.datetime | None = None) -> None:
    """Create a user with an argon2 hash of `password`. Raises UserError for a bad name, role, council, a
    password shorter than MIN_PASSWORD characters, or a name already taken."""
    username = username.strip()
    _validate(username, role, la_code, ref)
    if not demo:
        check_password(password)
    hashed = HASHER.hash(password)
    try:
        with state.connect() as con:
            sql.sqlite_execute(
                con,
                "INSERT INTO users(username, role, la_code, password_hash, failed_attempts, locked_until, created_at,"
                " demo) VALUES (:username, :role, :la_code, :hashed, 0, NULL, :created_at, :demo)",
                {"username": username, "role": role, "la_code": la_code, "hashed": hashed,
                 "created_at": _iso(_now(now)), "demo": int(demo)},
            )
    except sqlite3.IntegrityError as exc:
        raise UserError(f"user {username!r} already exists") from exc


def remove_user(state: AppState, username: str) -> bool:
    """Delete a user; False when there was none of that name."""
    with state.connect() as con:
        return sql.sqlite_execute(con, "DELETE FROM users WHERE username = :username", {"username": username}).rowcount > 0


def unlock(state: AppState, username: str) -> bool:
    """Clear a user's failed attempts and lock-out; False when there is no such user."""
    with state.connect() as con:
        return sql.sqlite_execute(con, "UPDATE users SET failed_attempts = 0, locked_until = NULL "
                                  "WHERE username = :username", {"username": username}).rowcount > 0


def users(state: AppState) -> list[User]:
    """Every user, by name."""
    with state.connect() as con:
        rows = sql.sqlite_execute(con, "SELECT username, role, la_code, failed_attempts, locked_until, created_at, "
                                  "demo FROM users ORDER BY username").fetchall()
    return [User(username=r[0], role=r[1], la_code=r[2], failed_attempts=r[3],
                 locked_until=dt.datetime.fromisoformat(r[4]) if r[4] else None,
                 created_at=dt.datetime.fromisoformat(r[5]), demo=bool(r[6])) for r in rows]


def still_allowed(state: AppState, viewer: Viewer, *, demo_allowed: bool) -> bool:
    """Whether a signed-in embedded user may go on: still present with the same role and council (removed
    or changed users are signed out on their next click), and not a demo user once real data is loaded."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT role, la_code, demo FROM users WHERE username = :username",
                                 {"username": viewer.user}).fetchone()
    return row is not None and (row[0], row[1]) == (viewer.role, viewer.la_code) and (demo_allowed or not row[2])


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > _now(now)


def sign_in(state: AppState, username: str, password: str, rules: SigninPolicy, *, demo_allowed: bool,
            page: str | None = None, now: dt.datetime | None = None) -> Attempt:
    """Check a user name and password typed into the sign-in form, with lock-out; audits the attempt.

    Accepted: the Viewer (failures reset, the hash upgraded if argon2's parameters have moved on).
    Refused (unknown name, wrong password, locked account, or a demo user while real data is loaded):
    the same message whatever the cause; the `max_failed_attempts`-th failure in a row locks the account
    for `rules.lockout` and is audited as a lock-out. `demo_allowed` is whether the warehouse holds only
    the bundled sample."""
    at = _now(now)
    username = username.strip()
    refused = REFUSED.format(n=rules.max_failed_attempts, m=int(rules.lockout.total_seconds() // 60))
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT role, la_code, password_hash, locked_until, demo FROM users "
                                 "WHERE username = :username", {"username": username}).fetchone()
    # The hash is checked outside any write transaction (argon2 is slow on purpose): the store stays free
    # for everyone else meanwhile. The outcome is then written in one short statement that counts from the
    # stored values, so concurrent attempts on one account are never lost.
    if row is None:
        _verify(_DUMMY_HASH, password)
        outcome, viewer, locked_now = "unknown user", None, False
    else:
        role, la_code, hashed, locked_until, demo = row
        locked = locked_until is not None and dt.datetime.fromisoformat(locked_until) > at
        if locked:
            outcome, viewer, locked_now = "account locked", None, False
        elif demo and not demo_allowed:
            outcome, viewer, locked_now = "demo user while real data is loaded", None, False
        elif _verify(hashed, password):
            with state.connect() as con:
                ok = sql.sqlite_execute(con, "UPDATE users SET failed_attempts = 0, locked_until = NULL "
                                        "WHERE username = :username AND (locked_until IS NULL OR locked_until <= :at)",
                                        {"username": username, "at": _iso(at)}).rowcount
                if ok and HASHER.check_needs_rehash(hashed):
                    sql.sqlite_execute(con, "UPDATE users SET password_hash = :hashed WHERE username = :username",
                                       {"hashed": HASHER.hash(password), "username": username})
            if ok:
                outcome, viewer, locked_now = "ok", Viewer(user=username, role=role, la_code=la_code), False
            else:  # locked by other attempts while this one was checked
                outcome, viewer, locked_now = "account locked", None, False
        else:
            with state.connect() as con:
                # An expired lock starts the count afresh; the last allowed failure locks and resets the count;
                # a failure while locked (another attempt locked it meanwhile) changes nothing.
                got = sql.sqlite_execute(
                    con,
                    """UPDATE users SET
                         failed_attempts = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1
                                                     >= :max THEN 0
                                                ELSE (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1
                                           END,
                         locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_attempts ELSE 0 END) + 1
                                                  >= :max THEN :until
                                             ELSE NULL
                                        END
                       WHERE username = :user AND (locked_until IS NULL OR locked_until <= :at)
                       RETURNING locked_until""",
                    {"at": _iso(at), "max": rules.max_failed_attempts, "until": _iso(at + rules.lockout),
                     "user": username},
                ).fetchone()
            locked_now = got is not None and got[0] == _iso(at + rules.lockout)
            outcome, viewer = "wrong password", None
    who = row[0] if row is not None else None
    logs.event("sign_in", how="password", user=username[:64], outcome=outcome, role=who, locked_now=locked_now)
    if viewer is not None:
        appstate.record(state, actor=username, role=viewer.role, action="sign_in", page=page, la_code=viewer.la_code,
                        detail="embedded sign-in")
        return Attempt(viewer, None)
    appstate.record(state, actor=username[:64], role=who, action="sign_in_failed", page=page, la_code=None,
                    detail=outcome)
    if locked_now:
        appstate.record(state, actor=username, role=who, action="lock_out", page=page, la_code=None,
                        detail=f"{rules.max_failed_attempts} failed attempts: locked until "
                               f"{_iso(at + rules.lockout)} UTC")
    return Attempt(None, refused, locked_now)


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return HASHER.verify(hashed or _DUMMY_HASH, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sync_demo_users_for(snapshot: Snapshot, state: AppState | str | Path) -> list[str]:
    """`sync_demo_users` for what a snapshot holds, in the app-state store `state` (or at its path): demo users
    exist while the snapshot holds only the bundled sample, decided by the one rule
    (`raa_core.ingest.freshness.holds_only_sample`: the sample marker the ingest records), the same rule that
    judges freshness on the sample's own date. Returns the demo user names now present."""
    store = state if isinstance(state, AppState) else AppState(state)
    return sync_demo_users(store, freshness.holds_only_sample(snapshot), snapshot.ref)


def sync_demo_users(state: AppState, sample_only: bool, ref: Reference) -> list[str]:
    """Create the missing demo users while the warehouse holds only the bundled sample; delete every demo
    user once it holds anything else. Returns the demo user names now present."""
    with state.connect() as con:
        present = {r[0] for r in sql.sqlite_execute(con, "SELECT username FROM users WHERE demo = 1")}
        if not sample_only:
            if present:
                sql.sqlite_execute(con, "DELETE FROM users WHERE demo = 1")
            return []
        taken = {r[0] for r in sql.sqlite_execute(con, "SELECT username FROM users WHERE demo = 0")}
    for name, password, role, la_code in DEMO_USERS:
        if name not in present and name not in taken:
            with contextlib.suppress(UserError):  # created meanwhile by another session
                add_user(state, name, password, role, la_code, ref, demo=True)
    with state.connect() as con:
        return [r[0] for r in sql.sqlite_execute(con, "SELECT username FROM users WHERE demo = 1 ORDER BY username")]


# --- the Users page (the administrator manages the embedded sign-in's users: docs/operations.md) -------------


def users_table(state: AppState, ref: Reference, now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Every user as the Users page lists them (never the hash): user name, role label, council, status in
    words ('active', 'locked until 14:05 UTC', '2 failed sign-ins'), whether a demo user, created (UTC)."""
    rows: list[dict[str, object]] = []
    for u in users(state):
        role = ref.role(u.role)
        if is_locked(u, now):
            status = f"locked until {utc_time(u.locked_until)}"
        elif u.failed_attempts:
            status = count_noun(u.failed_attempts, "failed sign-in")
        else:
            status = "active"
        rows.append({"user": u.username, "role": role.label if role else u.role,
                     "council": f"{ref.council_name(u.la_code)} ({u.la_code})" if u.la_code is not None else "",
                     "status": status, "demo": u.demo, "created": u.created_at})
    return rows


def administer(state: AppState, viewer: Viewer, action: str, username: str, ref: Reference, *,
               password: str | None = None, role: str | None = None, la_code: int | None = None,
               page: str = "users", now: dt.datetime | None = None) -> str:
    """Add, remove or unlock a user on behalf of a signed-in `viewer` (who needs the `users` right), audited
    as 'User change'; returns the sentence the page shows ("Added jo.smith as Council performance analyst…").

    Raises `access.AccessDenied` without the right, `UserError` for a bad name, role, council or password, an
    unknown user, or a person removing their own account (they would lock themselves out mid-session)."""
    from raa_core import access

    access.require_users(viewer, ref)
    username = username.strip()
    if action == "add":
        if password is None or role is None:
            raise UserError("give a role and an initial password")
        check_password(password)
        # A demo user (whose password README publishes) can only make demo accounts: they go with the demo
        # users as soon as real drops are loaded, so no account made on the sample outlives it.
        add_user(state, username, password, role, la_code, ref, demo=_is_demo(state, viewer.user), now=now)
        found = ref.role(role)
        done = f"Added {username} as {found.label if found else role}" + (
            f" of {ref.council_name(la_code)} ({la_code})" if la_code is not None else "")
    elif action == "remove":
        if username == viewer.user:
            raise UserError("you cannot remove your own account while signed in with it")
        if not remove_user(state, username):
            raise UserError(f"no user {username!r}")
        done = f"Removed {username}"
    elif action == "unlock":
        if not unlock(state, username):
            raise UserError(f"no user {username!r}")
        done = f"Unlocked {username}"
    else:
        raise BadInput(f"unknown action {action!r} (add, remove or unlock)")
    appstate.record(state, actor=viewer.user, role=viewer.role, action="users", page=page,
                    la_code=la_code if action == "add" else None, detail=done)
    return done


#: The users table's columns (`users_table`'s rows) and their headings on the Users page.
USER_HEADINGS: dict[str, str] = {"user": "User name", "role": "Role", "council": "Council", "status": "Status",
                                 "demo": "Demo user", "created": "Created (UTC)"}


def users_frame(state: AppState, ref: Reference) -> pd.DataFrame:
    """`users_table(state, ref)` as the Users page shows it: one row a person, under `USER_HEADINGS`."""
    listed = pd.DataFrame(users_table(state, ref), columns=list(USER_HEADINGS))
    return listed.rename(columns=USER_HEADINGS)
