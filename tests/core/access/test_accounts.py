"""The embedded sign-in: argon2 hashes, one refusal message, lock-out after 5 failures for 15 minutes,
unlock, demo users only on the bundled sample, and every attempt in the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from raa_core.access import accounts
from raa_core.access.accounts import UserError
from raa_core.access.signin import policy
from raa_core.errors import Refused
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def state(tmp_path) -> AppState:
    return AppState(tmp_path / "appstate.sqlite3")


@pytest.fixture
def rules(ref):
    return policy(ref.settings.signin, environ={})


def audit_rows(state: AppState) -> list[tuple]:
    with state.connect() as con:
        return [tuple(r) for r in con.execute("SELECT actor, role, action, la_code, detail FROM audit ORDER BY id")]


def test_password_is_stored_as_an_argon2id_hash_only(state, ref) -> None:
    accounts.add_user(state, "jo.analyst", PASSWORD, "council_analyst", 886, ref)
    with state.connect() as con:
        (hashed,) = con.execute("SELECT password_hash FROM users").fetchone()
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert accounts.HASHER.verify(hashed, PASSWORD)
    [user] = accounts.users(state)
    assert (user.username, user.role, user.la_code, user.demo) == ("jo.analyst", "council_analyst", 886, False)
    assert "password" not in user.model_dump() and "password_hash" not in user.model_dump()


@pytest.mark.parametrize(("name", "password", "role", "council", "message"), [
    ("jo", PASSWORD, "council_analyst", None, "works for one council"),
    ("jo", PASSWORD, "council_analyst", 999, "works for one council"),
    ("jo", PASSWORD, "hos", 886, "not bound to a council"),
    ("jo", PASSWORD, "root", None, "unknown role 'root'"),
    ("jo", "short", "hos", None, "at least 12 characters"),
    ("'; DROP TABLE users; --", PASSWORD, "hos", None, "user name"),
    ("x", PASSWORD, "hos", None, "user name"),
])
def test_bad_users_are_refused_with_the_reason(state, ref, name, password, role, council, message) -> None:
    with pytest.raises(UserError, match=message):
        accounts.add_user(state, name, password, role, council, ref)
    assert accounts.users(state) == []


def test_a_name_is_taken_once_and_remove(state, ref) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    with pytest.raises(UserError, match="already exists"):
        accounts.add_user(state, "jo", PASSWORD, "board", None, ref)
    assert accounts.remove_user(state, "jo") is True
    assert accounts.remove_user(state, "jo") is False


def test_sign_in_accepts_the_right_password_and_audits_it(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "council_analyst", 887, ref)
    got = accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0)
    assert got.viewer == Viewer(user="jo", role="council_analyst", la_code=887)
    assert audit_rows(state) == [("jo", "council_analyst", "sign_in", 887, "Signed in with a user name and password.")]


def test_the_refusal_never_says_which_was_wrong(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    wrong_password = accounts.sign_in(state, "jo", "nope nope nope", rules, demo_allowed=False, now=T0)
    wrong_name = accounts.sign_in(state, "jim", PASSWORD, rules, demo_allowed=False, now=T0)
    assert wrong_password.viewer is None and wrong_name.viewer is None
    assert wrong_password.message == wrong_name.message
    assert "user name and password were not accepted" in wrong_name.message
    assert [r[2] for r in audit_rows(state)] == ["sign_in_failed", "sign_in_failed"]
    assert [r[4] for r in audit_rows(state)] == ["The password was wrong.", "No account has that user name."]


def test_five_failures_lock_for_15_minutes_then_unlock(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    for i in range(4):
        got = accounts.sign_in(state, "jo", f"wrong {i} wrong", rules, demo_allowed=False, now=T0)
        assert not got.locked_now
    fifth = accounts.sign_in(state, "jo", "wrong again!", rules, demo_allowed=False, now=T0)
    assert fifth.locked_now and fifth.viewer is None
    assert accounts.is_locked(accounts.users(state)[0], T0)
    # Locked: even the right password is refused, with the same message, until 15 minutes have passed.
    locked = accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0 + dt.timedelta(minutes=14))
    assert locked.viewer is None and locked.message == fifth.message
    later = accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0 + dt.timedelta(minutes=15))
    assert later.viewer is not None
    actions = [r[2] for r in audit_rows(state)]
    assert actions == ["sign_in_failed"] * 5 + ["lock_out", "sign_in_failed", "sign_in"]
    assert audit_rows(state)[5][4] == "Locked after 5 failed attempts in a row, for 15 minutes."


def test_unlock_lifts_a_lock_out(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    for _ in range(5):
        accounts.sign_in(state, "jo", "wrong wrong", rules, demo_allowed=False, now=T0)
    assert accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0).viewer is None
    assert accounts.unlock(state, "jo") is True
    assert accounts.unlock(state, "nobody") is False
    assert accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0).viewer is not None


def test_a_success_resets_the_failure_count(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    for _ in range(4):
        accounts.sign_in(state, "jo", "wrong wrong", rules, demo_allowed=False, now=T0)
    assert accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False, now=T0).viewer is not None
    for _ in range(4):
        assert not accounts.sign_in(state, "jo", "wrong wrong", rules, demo_allowed=False, now=T0).locked_now
    assert not accounts.is_locked(accounts.users(state)[0], T0)


def test_demo_mode_holds_only_the_documented_accounts_and_ends_keeping_every_real_one(state, ref, rules) -> None:
    assert not accounts.demo_mode(state)
    names = accounts.enter_demo_mode(state, ref)
    assert accounts.demo_mode(state) and names == sorted(n for n, *_ in accounts.DEMO_USERS)
    assert {u.role for u in accounts.users(state)} == set(ref.role_labels())  # a demo user for every role
    for name, password, role, la_code in accounts.DEMO_USERS:
        assert accounts.sign_in(state, name, password, rules).viewer == Viewer(user=name, role=role, la_code=la_code)
    # An account the demo admin makes is real (not a demo account), whatever made it.
    demo_admin = Viewer(user="admin", role="admin")
    accounts.administer(state, demo_admin, "add", "jo.smith", ref, password=PASSWORD, role="finance")
    assert not next(u for u in accounts.users(state) if u.username == "jo.smith").demo
    # No real administrator or Head of Service: leaving is refused, nothing changes.
    with pytest.raises(Refused, match="no real administrator or Head of Service"):
        accounts.leave_demo_mode(state, "raa ingest")
    assert accounts.demo_mode(state) and len(accounts.users(state)) == len(accounts.DEMO_USERS) + 1
    accounts.administer(state, demo_admin, "add", "ann.admin", ref, password=PASSWORD, role="admin")
    gone = accounts.leave_demo_mode(state, "raa ingest")
    assert gone == names and not accounts.demo_mode(state)
    assert [u.username for u in accounts.users(state)] == ["ann.admin", "jo.smith"]
    assert accounts.sign_in(state, "hos", "demo-hos", rules).viewer is None
    assert accounts.enter_demo_mode(state, ref) == [], "demo mode, once left, is never entered again"
    assert ("raa ingest", "demo_mode_left") in [(r[0], r[2]) for r in audit_rows(state)]


def test_a_real_user_keeps_a_demo_name(state, ref) -> None:
    accounts.add_user(state, "Admin", PASSWORD, "admin", None, ref)
    accounts.enter_demo_mode(state, ref)
    admin = next(u for u in accounts.users(state) if u.username == "Admin")
    assert admin.demo is False and "admin" not in accounts.demo_names(state)
    accounts.leave_demo_mode(state, None)
    assert [u.username for u in accounts.users(state)] == ["Admin"]


def test_a_removed_or_changed_user_is_signed_out(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "council_analyst", 886, ref)
    viewer = accounts.sign_in(state, "jo", PASSWORD, rules, demo_allowed=False).viewer
    assert accounts.still_allowed(state, viewer, demo_allowed=False)
    assert not accounts.still_allowed(state, Viewer(user="jo", role="council_analyst", la_code=887), demo_allowed=False)
    accounts.remove_user(state, "jo")
    assert not accounts.still_allowed(state, viewer, demo_allowed=False)


def test_the_warehouse_holds_only_the_sample_until_other_drops_load(sample_db, tmp_path, ref) -> None:
    import shutil

    import dropkit as dk
    from conftest import SAMPLE_TODAY
    from raa_core import snapshot
    from raa_core.ingest import drops, freshness
    from raa_core.store.warehouse import Warehouse

    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = Warehouse(sample_db).current_file()
    shutil.copyfile(real, db.parent / real.name)
    (db.parent / "raa.duckdb").symlink_to(real.name)
    wh = Warehouse(db)
    state = AppState.beside(wh)
    state.migrate()
    assert freshness.holds_only_sample(snapshot.pin(wh, ref, SAMPLE_TODAY))
    assert accounts.sync_demo_users_for(snapshot.pin(wh, ref, SAMPLE_TODAY), state)  # demo users while sample
    dk.write_drop(tmp_path / "new", 303, "2026-11-22")
    version = wh.current_file()
    with pytest.raises(Refused, match="Nothing was loaded"):  # no real admin or hos yet: nothing loaded
        drops.ingest(db, tmp_path / "new", ref, today=SAMPLE_TODAY)
    assert wh.current_file() == version and accounts.demo_mode(state)
    accounts.add_user(state, "kim.hos", PASSWORD, "hos", None, ref)
    assert drops.ingest(db, tmp_path / "new", ref, today=SAMPLE_TODAY).by("accepted")
    assert not freshness.holds_only_sample(snapshot.pin(wh, ref, SAMPLE_TODAY))
    assert accounts.sync_demo_users_for(snapshot.pin(wh, ref, SAMPLE_TODAY), state.path) == []  # and gone after
    assert [u.username for u in accounts.users(state)] == ["kim.hos"]
    from factories import empty_warehouse

    assert not freshness.holds_only_sample(snapshot.over(empty_warehouse(), ref, SAMPLE_TODAY))  # nothing loaded


def test_concurrent_wrong_passwords_lock_once_and_never_fail(state, ref, rules) -> None:
    """Sign-ins at once (20 people, one account guessed in parallel): the hash is checked outside the write
    lock, every failure is counted, exactly one lock-out, no 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda i: accounts.sign_in(state, "jo", f"guess {i} guess", rules, demo_allowed=False,
                                                       now=T0), range(6)))
    assert all(a.viewer is None for a in got)
    assert sum(a.locked_now for a in got) == 1
    actions = [r[2] for r in audit_rows(state)]
    assert actions.count("sign_in_failed") == 6 and actions.count("lock_out") == 1
    assert accounts.is_locked(accounts.users(state)[0], T0)
