"""Server-side sessions: a random token stored hashed, idle and total limits, sign-out in one tab ending every
tab, every account change (removal, role, council, reset, lock-out) ending the sessions, a busy store never
leaving anyone signed in, user names without regard to case, the password rules, and the audit append-only."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import statistics
import time

import argon2
import pytest

from raa_core.access import accounts, audit, sessions
from raa_core.access.accounts import UserError
from raa_core.access.signin import policy
from raa_core.requests import Viewer
from raa_core.store import appstate
from raa_core.store.appstate import AppState

T0 = dt.datetime(2026, 11, 23, 9, 0)
PASSWORD = "correct horse battery"
ADMIN = Viewer(user="ann.admin", role="admin")


@pytest.fixture
def state(tmp_path) -> AppState:
    return AppState(tmp_path / "appstate.sqlite3")


@pytest.fixture
def rules(ref):
    return policy(ref.settings.signin, environ={})


def actions(state: AppState) -> list[tuple[str, str]]:
    return [(r["action"], r["detail"]) for r in reversed(appstate.audit_rows(state))]


def test_a_session_is_a_random_token_stored_only_as_its_hash(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    viewer = Viewer(user="jo", role="hos")
    first, second = sessions.start(state, viewer, "password", now=T0), sessions.start(state, viewer, "password", now=T0)
    assert first != second and len(first) >= 40
    with state.connect() as con:
        stored = [r[0] for r in con.execute("SELECT token_hash FROM sessions")]
    assert first not in stored and sessions.token_hash(first) in stored
    assert sessions.resolve(state, first, rules, now=T0).viewer == viewer
    assert sessions.resolve(state, "forged" + first, rules, now=T0) == sessions.Found(None, "unknown")
    assert sessions.resolve(state, None, rules, now=T0).viewer is None


def test_idle_and_total_limits_end_the_session_once_audited(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    token = sessions.start(state, Viewer(user="jo", role="hos"), "password", now=T0)
    t = T0
    for _ in range(20):  # a click every 29 minutes keeps it alive until 8 hours have passed
        t += dt.timedelta(minutes=29)
        found = sessions.resolve(state, token, rules, now=t)
        if found.viewer is None:
            break
    assert found.reason == "total" and t - T0 >= dt.timedelta(hours=8)
    other = sessions.start(state, Viewer(user="jo", role="hos"), "password", now=T0)
    assert sessions.resolve(state, other, rules, now=T0 + dt.timedelta(minutes=30)).reason == "idle"
    assert sessions.resolve(state, other, rules, now=T0 + dt.timedelta(minutes=31)).reason == "idle"
    assert [a for a, _ in actions(state)] == ["sign_out", "sign_out"]


def test_sign_out_in_one_tab_ends_every_tab_of_the_cookie(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    token = sessions.start(state, Viewer(user="jo", role="hos"), "password", now=T0)
    assert sessions.sign_out(state, token, now=T0) is True
    assert sessions.resolve(state, token, rules, now=T0).reason == "signed out"
    assert sessions.sign_out(state, token, now=T0) is False
    assert actions(state) == [("sign_out", "Signed out.")]


@pytest.mark.parametrize("change", ["remove", "role", "council", "reset", "lock"])
def test_every_account_change_ends_the_sessions_at_the_next_click(state, ref, rules, change) -> None:
    accounts.add_user(state, "Jo.Smith", PASSWORD, "council_analyst", 886, ref)
    token = sessions.start(state, Viewer(user="Jo.Smith", role="council_analyst", la_code=886), "password", now=T0)
    assert sessions.resolve(state, token, rules, now=T0).viewer is not None
    if change == "remove":
        accounts.administer(state, ADMIN, "remove", "jo.smith ", ref)
    elif change == "role":
        accounts.administer(state, ADMIN, "role", "JO.SMITH", ref, role="finance")
    elif change == "council":
        accounts.administer(state, ADMIN, "role", "jo.smith", ref, role="council_analyst", la_code=887)
    elif change == "reset":
        accounts.administer(state, ADMIN, "reset", "jo.smith", ref, password="a brand new passphrase")
        assert accounts.must_change(state, "Jo.Smith")
    else:
        for i in range(rules.max_failed_attempts):
            accounts.sign_in(state, " jo.smith", f"wrong {i} wrong", rules, now=T0)
    found = sessions.resolve(state, token, rules, now=T0 + dt.timedelta(seconds=1))
    assert found.viewer is None and sessions.live(state, "jo.smith") == 0


def test_a_busy_store_never_leaves_anyone_signed_in_and_is_audited_once_it_answers(state, ref, rules,
                                                                                    monkeypatch) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    token = sessions.start(state, Viewer(user="jo", role="hos"), "password", now=T0)
    holder = sqlite3.connect(state.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the store
    monkeypatch.setattr(appstate, "BUSY_TIMEOUT_MS", 200)
    try:
        assert sessions.sign_out(state, token) is True  # ended in memory first
        assert sessions.resolve(state, token, rules).reason == "signed out"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert actions(state) == []
    assert audit.flush(state) == 1
    assert [a for a, _ in actions(state)] == ["sign_out"]
    with state.connect() as con:
        assert con.execute("SELECT ended_at IS NOT NULL FROM sessions").fetchone()[0] == 1
    assert audit.flush(state) == 0


def test_user_names_are_one_account_whatever_their_case_or_spaces(state, ref, rules) -> None:
    accounts.add_user(state, "Jo.Smith", PASSWORD, "hos", None, ref)
    for other in ("jo.smith", " JO.SMITH ", "jo.Smith"):
        with pytest.raises(UserError, match="already exists"):
            accounts.add_user(state, other, PASSWORD, "board", None, ref)
    got = accounts.sign_in(state, "  jo.smith ", PASSWORD, rules, now=T0)
    assert got.viewer == Viewer(user="Jo.Smith", role="hos")
    for i in range(rules.max_failed_attempts):  # failures under any spelling count against the one account
        accounts.sign_in(state, ["jo.smith", "JO.SMITH", "Jo.Smith "][i % 3], f"wrong {i} wrong", rules, now=T0)
    assert accounts.is_locked(accounts.users(state)[0], T0)
    assert accounts.unlock(state, "JO.smith") and accounts.remove_user(state, " jo.smith")
    assert accounts.users(state) == []


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaa", "at least 12"), ("1234567890", "at least 12"), ("aaaaaaaaaaaaaa", "most common"),
    ("Password1234", "most common"), ("qwertyuiop123", "most common"), ("administrator", "most common"),
    ("ann.admin.smith", "not be the user name"),
])
def test_passwords_need_length_and_not_a_common_one(state, ref, password, why) -> None:
    with pytest.raises(UserError, match=why):
        accounts.add_user(state, "ann.admin.smith", password, "admin", None, ref)
    with pytest.raises(UserError, match=why):
        accounts.add_user(state, "ANN.ADMIN.SMITH", password, "hos", None, ref)
    assert accounts.users(state) == []


def test_own_password_change_needs_the_current_one(state, ref, rules) -> None:
    accounts.add_user(state, "jo", PASSWORD, "hos", None, ref)
    me = Viewer(user="jo", role="hos")
    with pytest.raises(UserError, match="current password is not right"):
        accounts.change_password(state, me, "not my password", "another long passphrase")
    with pytest.raises(UserError, match="most common"):
        accounts.change_password(state, me, PASSWORD, "password1234")
    accounts.administer(state, ADMIN, "reset", "jo", ref, password="set by the admin today")
    assert accounts.must_change(state, "jo")
    accounts.change_password(state, me, "set by the admin today", "another long passphrase")
    assert not accounts.must_change(state, "jo")
    assert accounts.sign_in(state, "jo", "another long passphrase", rules).viewer == me
    assert ("password_changed", "jo changed their own password.") in actions(state)
    assert "password_reset" in [a for a, _ in actions(state)]


def test_the_audit_is_append_only_in_the_store_itself(state) -> None:
    appstate.record(state, actor="jo", action="sign_in")
    with state.connect() as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit SET actor = 'someone else'")
    with state.connect() as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit")
    assert [r["actor"] for r in appstate.audit_rows(state)] == ["jo"]


def refused_accounts(state: AppState, ref, rules) -> dict[str, tuple[str, str]]:
    """One refused sign-in of each account state: (user name, password) by state."""
    accounts.add_user(state, "open.account", PASSWORD, "hos", None, ref)
    accounts.add_user(state, "locked.account", PASSWORD, "hos", None, ref)
    accounts.add_user(state, "board", "demo-board", "board", None, ref, demo=True)
    for i in range(rules.max_failed_attempts):
        accounts.sign_in(state, "locked.account", f"wrong {i} wrong", rules)
    return {"unknown": ("nobody.here", PASSWORD), "wrong password": ("open.account", "wrong wrong wrong"),
            "locked": ("locked.account", PASSWORD), "demo while real data": ("board", "demo-board")}


def test_every_sign_in_answer_does_one_argon2_check_of_the_same_cost(state, ref, rules, monkeypatch) -> None:
    """The work behind the equal time, counted: whatever the account's state (an unknown name included: a dummy
    hash), each answer verifies exactly one argon2 hash, made with the parameters of every real one."""
    tries = {**refused_accounts(state, ref, rules), "accepted": ("open.account", PASSWORD)}
    checked: list[str] = []

    class Counted(argon2.PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checked.append(str(hash))
            return super().verify(hash, password)

    cost = argon2.extract_parameters(accounts.HASHER.hash("any password at all"))
    monkeypatch.setattr(accounts, "HASHER", Counted.from_parameters(cost))
    for what, (name, password) in tries.items():
        checked.clear()
        got = accounts.sign_in(state, name, password, rules, demo_allowed=what != "demo while real data")
        assert (got.viewer is not None) == (what == "accepted"), what
        assert len(checked) == 1, f"{what}: {len(checked)} argon2 checks"
        assert argon2.extract_parameters(checked[0]) == cost, f"{what}: a hash of another cost"


def test_every_sign_in_answer_takes_the_same_time_whatever_the_account(state, ref, rules) -> None:
    """50 rounds, each trying every refused state once in a shuffled order (unknown name, wrong password, locked
    account), so a busy machine slows every state alike. Each state's median time stays within a factor of two of
    the others' (an argon2 check each; a locked account, or an unknown name without the dummy hash, answers tens of
    times faster). The work itself is counted by the test above."""
    tries = {k: v for k, v in refused_accounts(state, ref, rules).items() if k != "demo while real data"}
    took: dict[str, list[float]] = {what: [] for what in tries}
    order = list(tries)
    shuffle = random.Random(20261123).shuffle
    for _ in range(50):
        shuffle(order)
        for what in order:
            name, password = tries[what]
            accounts.unlock(state, "open.account")  # untimed: a wrong password stays a wrong password, never a lock
            start = time.perf_counter()
            got = accounts.sign_in(state, name, password, rules)
            took[what].append(time.perf_counter() - start)
            assert got.viewer is None
    medians = {what: statistics.median(times) for what, times in took.items()}
    assert max(medians.values()) < 2 * min(medians.values()), medians


def test_a_variance_comment_and_a_saved_scenario_each_leave_one_audit_row(state, ref) -> None:
    from raa_core.contributions import saved_scenarios
    from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
    from raa_core.finance import commentary

    hos = Viewer(user="kim", role="hos")
    commentary.add_comment(state, 886, "2026-27", 7, "pooled", "staffing", "Agency cover ended in October.", hos)
    [(action, detail)] = actions(state)
    assert action == "comment" and detail.startswith("Variance comment saved on a pooled line")
    saved_scenarios.save(state, parse_scenario({**DEFAULT_SCENARIO, "name": "Option B"}), hos, ref)
    assert actions(state)[-1] == ("scenario_saved", "Scenario “Option B” saved.")
