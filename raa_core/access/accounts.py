"""The embedded sign-in's users (works offline, no identity provider), kept in the app-state store.

Passwords are hashed with argon2id (`argon2-cffi`, its recommended parameters); nothing else is stored.
After `max_failed_attempts` failures in a row an account is locked for `lockout` (settings.json `signin`,
docs/operations.md), and `unlock` (`raa users unlock`) lifts it. A sign-in attempt's outcome is one of three, and
whichever it is the person is told only that the user name and password were not accepted: the form
never says which was wrong, nor whether a user exists or is locked. Every attempt is audited.

User names are matched without regard to case or surrounding spaces (`Jo.Smith` and `jo.smith ` are one
account) for sign-in, lock-out, creation and every change. A password has at least `MIN_PASSWORD` characters
and is not on the common-password list (data/reference/common_passwords.txt) nor the user name: length and a
block list rather than composition rules (NCSC password guidance). Removing a user, changing their role or
council, resetting their password or locking them ends their sessions (`sessions.end_for_user`).

Demo users (one per role, README lists them) are the documented `DEMO_USERS` only, and exist while the store is
in demo mode (`demo_mode`, a flag set when the bundled sample is installed). Any other account, made by anyone
by any means, is real. Leaving demo mode (`leave_demo_mode`, the first council drop) deletes only the demo
accounts and is refused while no real administrator or Head of Service exists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict

from raa_core import logs
from raa_core.access import sessions
from raa_core.access.signin import SigninPolicy
from raa_core.errors import BadInput, Refused
from raa_core.ingest import freshness
from raa_core.presentation import count_noun, display, utc_time
from raa_core.reference import Reference, reference_dir
from raa_core.requests import Viewer
from raa_core.snapshot import Snapshot
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState

HASHER = PasswordHasher()
#: Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password of anyone")
MIN_PASSWORD = 12
COMMON_PASSWORDS_FILE = "common_passwords.txt"
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


@functools.cache
def _common(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


def common_passwords() -> frozenset[str]:
    """The common-password list of the reference data, lower-cased."""
    return _common(reference_dir() / COMMON_PASSWORDS_FILE)


def check_password(password: str, username: str | None = None) -> None:
    """UserError unless the password has MIN_PASSWORD characters (not counting spaces at either end), is not
    on the common-password list, is not one character repeated, and is not the user name (any case)."""
    bare = password.strip()
    if len(bare) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters (not counting spaces at "
                        "either end)")
    if bare.lower() in common_passwords() or len(set(bare)) == 1:
        raise UserError("that password is one of the most common passwords: choose another (three random words "
                        "make a good one)")
    if username is not None and bare.lower() == username.strip().lower():
        raise UserError("the password must not be the user name")


def canonical(username: str) -> str:
    """A typed user name as the accounts compare it: surrounding spaces removed, lower-cased."""
    return username.strip().lower()


def stored_name(state: AppState, username: str) -> str | None:
    """The account's name as stored for a typed name (any case, surrounding spaces), or None."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT username FROM users WHERE lower(username) = :name",
                                 {"name": canonical(username)}).fetchone()
    return row[0] if row else None


def add_user(state: AppState, username: str, password: str, role: str, la_code: int | None, ref: Reference,
             *, demo: bool = False, now: dt.datetime | None = None) -> None:
    """Create a user with an argon2 hash of `password`. Raises UserError for a bad name, role, council, a
    password shorter than MIN_PASSWORD characters, or a name already taken."""
    username = username.strip()
    _validate(username, role, la_code, ref)
    if not demo:
        check_password(password, username)
    hashed = HASHER.hash(password)
    try:
        with state.connect() as con:
            if sql.sqlite_execute(con, "SELECT 1 FROM users WHERE lower(username) = :name",
                                  {"name": canonical(username)}).fetchone():
                raise sqlite3.IntegrityError(username)
            sql.sqlite_execute(
                con,
                "INSERT INTO users(username, role, la_code, password_hash, failed_attempts, locked_until, created_at,"
                " demo) VALUES (:username, :role, :la_code, :hashed, 0, NULL, :created_at, :demo)",
                {"username": username, "role": role, "la_code": la_code, "hashed": hashed,
                 "created_at": _iso(_now(now)), "demo": int(demo)},
            )
    except sqlite3.IntegrityError as exc:
        raise UserError(f"user {username!r} already exists (user names are the same whatever their case)") from exc


def remove_user(state: AppState, username: str) -> bool:
    """Delete a user and end their sessions; False when there was none of that name."""
    with state.connect() as con:
        gone = sql.sqlite_execute(con, "DELETE FROM users WHERE lower(username) = :name",
                                  {"name": canonical(username)}).rowcount > 0
    if gone:
        sessions.end_for_user(state, username, "account changed")
    return gone


def unlock(state: AppState, username: str) -> bool:
    """Clear a user's failed attempts and lock-out; False when there is no such user."""
    with state.connect() as con:
        return sql.sqlite_execute(con, "UPDATE users SET failed_attempts = 0, locked_until = NULL "
                                  "WHERE lower(username) = :name", {"name": canonical(username)}).rowcount > 0


def set_role(state: AppState, username: str, role: str, la_code: int | None, ref: Reference) -> bool:
    """Give a user another role (and council, for a council-bound role) and end their sessions; False when there
    is no such user. Raises UserError for an unknown role or a council that does not fit it."""
    name = stored_name(state, username)
    if name is None:
        return False
    _validate(name, role, la_code, ref)
    with state.connect() as con:
        sql.sqlite_execute(con, "UPDATE users SET role = :role, la_code = :la WHERE username = :name",
                           {"role": role, "la": la_code, "name": name})
    sessions.end_for_user(state, name, "account changed")
    return True


def reset_password(state: AppState, username: str, password: str) -> bool:
    """An administrator sets a new password: checked as any password, the lock-out cleared, the person must change
    it at their next sign-in, and their sessions end. False when there is no such user."""
    name = stored_name(state, username)
    if name is None:
        return False
    check_password(password, name)
    with state.connect() as con:
        sql.sqlite_execute(con, "UPDATE users SET password_hash = :h, must_change = 1, failed_attempts = 0, "
                           "locked_until = NULL WHERE username = :name", {"h": HASHER.hash(password), "name": name})
    sessions.end_for_user(state, name, "account changed")
    return True


def change_password(state: AppState, viewer: Viewer, current: str, new: str) -> None:
    """A signed-in person changes their own password, giving the current one. Raises UserError when the current
    password is wrong, the new one fails `check_password` or equals the current one."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT password_hash FROM users WHERE username = :name",
                                 {"name": viewer.user}).fetchone()
    if row is None or not _verify(row[0], current):
        raise UserError("the current password is not right")
    check_password(new, viewer.user)
    if new == current:
        raise UserError("the new password must differ from the current one")
    with state.connect() as con:
        sql.sqlite_execute(con, "UPDATE users SET password_hash = :h, must_change = 0 WHERE username = :name",
                           {"h": HASHER.hash(new), "name": viewer.user})
    appstate.record(state, actor=viewer.user, role=viewer.role, action="password_changed", page="account",
                    la_code=viewer.la_code, detail=f"{viewer.user} changed their own password.")


def must_change(state: AppState, username: str) -> bool:
    """Whether the user's password was reset by an administrator and not yet changed by them."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT must_change FROM users WHERE username = :name",
                                 {"name": username}).fetchone()
    return bool(row and row[0])


def users(state: AppState) -> list[User]:
    """Every user, by name."""
    with state.connect() as con:
        rows = sql.sqlite_execute(con, "SELECT username, role, la_code, failed_attempts, locked_until, created_at, "
                                  "demo FROM users ORDER BY username").fetchall()
    return [User(username=r[0], role=r[1], la_code=r[2], failed_attempts=r[3],
                 locked_until=dt.datetime.fromisoformat(r[4]) if r[4] else None,
                 created_at=dt.datetime.fromisoformat(r[5]), demo=bool(r[6])) for r in rows]


def still_allowed(state: AppState, viewer: Viewer, *, demo_allowed: bool = True) -> bool:
    """Whether a signed-in embedded user may go on: still present with the same role and council (removed
    or changed users are signed out on their next click), and not a demo user once real data is loaded."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT role, la_code, demo FROM users WHERE username = :username",
                                 {"username": viewer.user}).fetchone()
    return row is not None and (row[0], row[1]) == (viewer.role, viewer.la_code) and (demo_allowed or not row[2])


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > _now(now)


def sign_in(state: AppState, username: str, password: str, rules: SigninPolicy, *, demo_allowed: bool = True,
            page: str | None = None, now: dt.datetime | None = None) -> Attempt:
    """Check a user name and password typed into the sign-in form, with lock-out; audits the attempt.

    Accepted: the Viewer (failures reset, the hash upgraded if argon2's parameters have moved on).
    Refused (unknown name, wrong password, locked account, or a demo user while real data is loaded):
    the same message whatever the cause; the `max_failed_attempts`-th failure in a row locks the account
    for `rules.lockout` and is audited as a lock-out. `demo_allowed` is whether the warehouse holds only
    the bundled sample.

    Every answer takes the time of one argon2 check, whatever the account's state (a locked account, an unknown
    name, a demo user refused), so the time tells nothing. The name is matched without regard to case or
    surrounding spaces; the Viewer carries the name as stored. A lock-out ends the account's sessions."""
    at = _now(now)
    username = username.strip()
    refused = REFUSED.format(n=rules.max_failed_attempts, m=int(rules.lockout.total_seconds() // 60))
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT role, la_code, password_hash, locked_until, demo, username FROM users "
                                 "WHERE lower(username) = :name", {"name": canonical(username)}).fetchone()
    if row is not None:
        username = row[5]
    # The hash is checked outside any write transaction (argon2 is slow on purpose): the store stays free
    # for everyone else meanwhile. The outcome is then written in one short statement that counts from the
    # stored values, so concurrent attempts on one account are never lost.
    if row is None:
        _verify(_DUMMY_HASH, password)
        outcome, viewer, locked_now = "unknown user", None, False
    else:
        role, la_code, hashed, locked_until, demo, _ = row
        locked = locked_until is not None and dt.datetime.fromisoformat(locked_until) > at
        if locked:
            _verify(hashed, password)  # the same time as any other answer
            outcome, viewer, locked_now = "account locked", None, False
        elif demo and not demo_allowed:
            _verify(hashed, password)
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
                        detail="Signed in with a user name and password.")
        return Attempt(viewer, None)
    appstate.record(state, actor=username[:64], role=who, action="sign_in_failed", page=page, la_code=None,
                    detail=FAILED.get(outcome, outcome))
    if locked_now:
        sessions.end_for_user(state, username, "account locked")
        appstate.record(state, actor=username, role=who, action="lock_out", page=page, la_code=None,
                        detail=f"Locked after {rules.max_failed_attempts} failed attempts in a row, for "
                               f"{int(rules.lockout.total_seconds() // 60)} minutes.")
    return Attempt(None, refused, locked_now)


#: A refused sign-in's cause, as the audit's detail says it (the form never says it).
FAILED = {"unknown user": "No account has that user name.",
          "wrong password": "The password was wrong.",
          "account locked": "The account is locked after failed attempts.",
          "demo user while real data is loaded": "A demo account tried to sign in after demo mode ended."}


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return HASHER.verify(hashed or _DUMMY_HASH, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: The app-state flag of demo mode: absent (never decided), "1" (demo), "0" (left for good).
DEMO_FLAG = "demo_mode"
#: The roles of which one real account must exist before demo mode may end (someone can then run the app).
RUNS_THE_APP = ("admin", "hos")
NO_REAL_ADMIN = ("Loading a council's own drop ends demo mode, which removes the demo accounts, and no real "
                 "administrator or Head of Service account exists yet: nobody could sign in afterwards. Nothing "
                 "was loaded. First add a real account: on the Users page (signed in as the demo admin), or "
                 "`raa users add NAME --role admin` on the server; then load the drop again.")


#: What the Data drops page and `raa ingest` say first while in demo mode.
LEAVING_DEMO = ("This server is in demo mode. Loading a council's own drop ends it: the documented demo accounts "
                "are removed and every other account is kept. It needs a real administrator or Head of Service "
                "account first; without one nothing is loaded.")


def _flag(state: AppState) -> str | None:
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT value FROM flags WHERE name = :name", {"name": DEMO_FLAG}).fetchone()
    return row[0] if row else None


def _set_flag(con: sqlite3.Connection, value: str) -> None:
    sql.sqlite_execute(con, "INSERT INTO flags(name, value) VALUES (:name, :value) "
                       "ON CONFLICT(name) DO UPDATE SET value = excluded.value", {"name": DEMO_FLAG, "value": value})


def demo_mode(state: AppState) -> bool:
    """Whether the store is in demo mode (the bundled sample installed, no council drop loaded yet). A store of
    before the flag is in demo mode while it holds documented demo accounts."""
    flag = _flag(state)
    if flag is not None:
        return flag == "1"
    return bool(demo_names(state, any_mode=True))


def demo_names(state: AppState, *, any_mode: bool = False) -> list[str]:
    """The documented demo accounts present (only in demo mode, unless `any_mode`), by name."""
    if not any_mode and _flag(state) == "0":
        return []
    with state.connect() as con:
        return [r[0] for r in sql.sqlite_execute(con, "SELECT username FROM users WHERE demo = 1 ORDER BY username")]


def enter_demo_mode(state: AppState, ref: Reference) -> list[str]:
    """The bundled sample is installed: set demo mode (unless it was left for good) and create the missing
    documented demo accounts (a name a real account holds is left to it). Returns the demo names present."""
    if _flag(state) == "0":
        return []
    with state.connect() as con:
        _set_flag(con, "1")
        taken = {r[0].lower() for r in sql.sqlite_execute(con, "SELECT username FROM users")}
    for name, password, role, la_code in DEMO_USERS:
        if name not in taken:
            with contextlib.suppress(UserError):  # created meanwhile by another session
                add_user(state, name, password, role, la_code, ref, demo=True)
    return demo_names(state)


def check_can_leave_demo_mode(state: AppState) -> None:
    """Raises Refused (NO_REAL_ADMIN) while in demo mode without a real administrator or Head of Service."""
    if not demo_mode(state):
        return
    with state.connect() as con:
        real = sql.sqlite_execute(
            con, "SELECT count(*) FROM users WHERE demo = 0 AND role IN ('admin', 'hos')").fetchone()[0]
    if not real:
        raise Refused(NO_REAL_ADMIN)


def leave_demo_mode(state: AppState, actor: str | None) -> list[str]:
    """The first council drop is loaded: delete the documented demo accounts (and end their sessions), nothing
    else, and leave demo mode for good (audited). Refused (nothing changed) without a real administrator or Head
    of Service. Returns the demo names removed ([] when not in demo mode)."""
    if not demo_mode(state):
        return []
    check_can_leave_demo_mode(state)
    gone = demo_names(state, any_mode=True)
    with state.connect() as con:
        sql.sqlite_execute(con, "DELETE FROM users WHERE demo = 1")
        _set_flag(con, "0")
    for name in gone:
        sessions.end_for_user(state, name, "account changed")
    appstate.record(state, actor=actor, action="demo_mode_left",
                    detail=f"Demo mode ended with the first council drop: removed the demo accounts "
                           f"{', '.join(gone) or '(none left)'}; every other account kept.")
    return gone


def sync_demo_users_for(snapshot: Snapshot, state: AppState | str | Path) -> list[str]:
    """Demo mode for what a snapshot holds, in the app-state store `state` (or at its path): while the snapshot
    holds only the bundled sample (`freshness.holds_only_sample`) and demo mode was never left, demo mode is set
    and the demo accounts exist. Real data never deletes an account here (the ingest leaves demo mode:
    `leave_demo_mode`). Returns the demo user names present."""
    store = state if isinstance(state, AppState) else AppState(state)
    if freshness.holds_only_sample(snapshot):
        return enter_demo_mode(store, snapshot.ref)
    return demo_names(store)


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
    """Add, remove, unlock, change the role (and council) of, or reset the password of a user on behalf of a
    signed-in `viewer` (who needs the `users` right), audited as one row of its own action; returns the sentence
    the page shows ("Added jo.smith as Council performance analyst…"). Every account made here is real.

    Raises `access.AccessDenied` without the right, `UserError` for a bad name, role, council or password, an
    unknown user, or a person removing or changing their own account (they would lock themselves out)."""
    from raa_core import access

    access.require_users(viewer, ref)
    username = username.strip()

    def role_words(code: str | None, la: int | None) -> str:
        found = ref.role(code) if code else None
        return (found.label if found else str(code)) + (f" of {ref.council_name(la)}" if la is not None else "")

    if action in ("remove", "role") and canonical(username) == canonical(viewer.user):
        raise UserError("you cannot remove your own account or change its role while signed in with it")
    if action == "add":
        if password is None or role is None:
            raise UserError("give a role and an initial password")
        add_user(state, username, password, role, la_code, ref, now=now)
        done, code = f"Added {username} as {role_words(role, la_code)}.", "user_added"
    elif action == "remove":
        name = stored_name(state, username)
        if name is None or not remove_user(state, name):
            raise UserError(f"no user {username!r}")
        done, code = f"Removed {name}; their sessions ended.", "user_removed"
    elif action == "unlock":
        name = stored_name(state, username)
        if name is None or not unlock(state, name):
            raise UserError(f"no user {username!r}")
        done, code = f"Unlocked {name}.", "user_unlocked"
    elif action == "role":
        name = stored_name(state, username)
        if role is None or name is None or not set_role(state, name, role, la_code, ref):
            raise UserError(f"no user {username!r}" if name is None else "give a role")
        done, code = f"Made {name} {role_words(role, la_code)}; their sessions ended.", "user_changed"
    elif action == "reset":
        name = stored_name(state, username)
        if password is None or name is None or not reset_password(state, name, password):
            raise UserError(f"no user {username!r}" if name is None else "give a new password")
        done, code = (f"Reset the password of {name}: they must change it at their next sign-in; their sessions "
                      "ended."), "password_reset"
    else:
        raise BadInput(f"unknown action {action!r} (add, remove, unlock, role or reset)")
    appstate.record(state, actor=viewer.user, role=viewer.role, action=code, page=page,
                    la_code=la_code if action in ("add", "role") else None, detail=done)
    return done


#: The users table's columns (`users_table`'s rows) and their headings on the Users page.
USER_HEADINGS: dict[str, str] = {"user": "User name", "role": "Role", "council": "Council", "status": "Status",
                                 "demo": "Demo user", "created": "Created (UTC)"}


def users_frame(state: AppState, ref: Reference) -> pd.DataFrame:
    """`users_table(state, ref)` as the Users page shows it: one row a person, under `USER_HEADINGS`."""
    listed = pd.DataFrame(users_table(state, ref), columns=list(USER_HEADINGS))
    return listed.rename(columns=USER_HEADINGS)
