"""AppTest: the Users page (administrator and Head of Service) lists the embedded sign-in's users from
`raa_core.access.accounts`, adds one, unlocks a locked one and removes one, each audited; other roles are refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, signed_in
from raa_core.access import accounts, audit
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

PAGE = "pages/users.py"


def open_page(role: str = "admin", la_code: int | None = None) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), role, la_code)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def listed(at: AppTest) -> dict[str, dict[str, object]]:
    return {r["User name"]: r for r in at.dataframe[0].value.to_dict("records")}


def test_the_page_lists_what_raa_core_lists(app_env) -> None:
    state = AppState.beside(Warehouse(app_env))
    at = open_page()
    assert at.title[0].value == "Users"
    rows = listed(at)
    expected = accounts.users_table(state, load_reference())
    assert set(rows) == {u["user"] for u in expected}
    assert rows["analyst887.test"]["Council"] == "Medway (887)"
    assert rows["admin.test"]["Role"] == "Administrator" and rows["admin.test"]["Status"] == "active"
    # a grid without a table spec (raa_app.tables.show_frame) pins its first column, the one naming a row, so a
    # list wider than the page at 1366 px scrolls sideways to its last columns (Status, locked until …)
    grid = at.dataframe[0]
    config = json.loads(grid.proto.columns)
    first, *rest = list(grid.value.columns)
    assert first == "User name" and config[first]["pinned"] is True
    assert not any(config.get(c, {}).get("pinned") for c in rest)
    assert config["Created (UTC)"]["type_config"] == {"type": "datetime", "format": "D MMM YYYY HH:mm"}  # its own


def test_add_unlock_and_remove_a_user_each_audited(app_env) -> None:
    state = AppState.beside(Warehouse(app_env))
    at = open_page()
    at.text_input(key="users_add_name").input("jo.smith")
    at.selectbox(key="users_add_role").select("council_analyst")
    at.selectbox(key="users_add_council").select(886)
    at.text_input(key="users_add_password").input("a long enough password")
    at.text_input(key="users_add_again").input("a long enough password")
    at.button[0].click()  # the form's submit button comes first
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "Added jo.smith as Council performance analyst of Kent."
    assert listed(at)["jo.smith"]["Council"] == "Kent (886)"

    with state.connect() as con:  # five failed sign-ins lock the account
        con.execute("UPDATE users SET failed_attempts = 5, locked_until = ? WHERE username = 'jo.smith'",
                    [(dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=15)).isoformat()])
    at.run()
    assert str(listed(at)["jo.smith"]["Status"]).startswith("locked until")
    at.selectbox(key="users_pick").select("jo.smith")
    at.button(key="users_unlock").click()
    at.run()
    assert at.success[0].value == "Unlocked jo.smith." and listed(at)["jo.smith"]["Status"] == "active"

    at.selectbox(key="users_pick").select("jo.smith")
    at.selectbox(key="users_new_role").select("council_analyst")
    at.selectbox(key="users_new_council").select(887)
    button(at, "Change role").click()
    at.run()
    assert at.success[0].value == "Made jo.smith Council performance analyst of Medway; their sessions ended."
    assert listed(at)["jo.smith"]["Council"] == "Medway (887)"
    at.selectbox(key="users_pick").select("jo.smith")
    at.text_input(key="users_reset_password").input("password1234")
    button(at, "Reset password").click()
    at.run()
    assert "Not reset: that password is one of the most common passwords" in at.error[0].value
    at.text_input(key="users_reset_password").input("a fresh long passphrase")
    button(at, "Reset password").click()
    at.run()
    assert at.success[0].value.startswith("Reset the password of jo.smith: they must change it")
    assert accounts.must_change(state, "jo.smith")

    at.selectbox(key="users_pick").select("jo.smith")
    assert at.button(key="users_remove").disabled, "removing needs the confirmation ticked"
    at.checkbox(key="users_sure").check()
    at.run()
    at.button(key="users_remove").click()
    at.run()
    assert at.success[0].value == "Removed jo.smith; their sessions ended." and "jo.smith" not in listed(at)

    events = audit.events(state, Viewer(user="admin.test", role="admin", la_code=None),
                          actions=["user_added", "user_changed", "password_reset", "user_unlocked", "user_removed"])
    assert list(reversed(events["action"])) == ["user_added", "user_unlocked", "user_changed", "password_reset",
                                                "user_removed"], "one audit row for each change"
    assert set(events["actor"]) == {"admin.test"}


def test_a_bad_user_is_refused_with_the_reason_and_nothing_added(app_env) -> None:
    state = AppState.beside(Warehouse(app_env))
    at = open_page()
    at.text_input(key="users_add_name").input("jo.smith")
    at.selectbox(key="users_add_role").select("council_analyst")  # needs a council
    at.text_input(key="users_add_password").input("a long enough password")
    at.text_input(key="users_add_again").input("a long enough password")
    at.button[0].click()
    at.run()
    assert "Not added: a Council performance analyst works for one council: choose Bexley (303)" in at.error[0].value
    assert "jo.smith" not in {u.username for u in accounts.users(state)}


@pytest.mark.parametrize(("role", "la_code"), [("board", None), ("finance", None), ("council_analyst", 886)])
def test_roles_without_the_users_right_are_refused(app_env, role, la_code) -> None:
    """Opened by its URL, the page refuses and shows nothing of the users (refused, not hidden)."""
    at = open_page(role, la_code)
    assert not [t for t in at.title if t.value == "Users"]
    assert not at.dataframe and not [t for t in at.text_input if t.key == "users_add_name"]
    assert [e for e in at.error if "This page is not available to you" in e.value], [e.value for e in at.error]


def test_administer_needs_the_right_and_never_removes_the_signed_in_person(tmp_path) -> None:
    from raa_core.access import AccessDenied

    state = AppState(tmp_path / "appstate.sqlite3")
    ref = load_reference()
    admin = Viewer(user="ada", role="admin", la_code=None)
    with pytest.raises(AccessDenied):
        accounts.administer(state, Viewer(user="pat", role="finance", la_code=None), "add", "x.y", ref,
                            password="0123456789ab", role="board")
    accounts.administer(state, admin, "add", "ada", ref, password="a long enough passphrase", role="admin")
    with pytest.raises(accounts.UserError, match="your own account"):
        accounts.administer(state, admin, "remove", "ada", ref)
    with pytest.raises(accounts.UserError, match="no user 'nobody'"):
        accounts.administer(state, admin, "unlock", "nobody", ref)
    assert [u.username for u in accounts.users(state)] == ["ada"]


def test_an_account_made_by_the_demo_admin_is_real_and_outlives_demo_mode(tmp_path) -> None:
    """Every account a person makes is real: leaving demo mode removes only the documented demo accounts."""
    state = AppState(tmp_path / "appstate.sqlite3")
    ref = load_reference()
    accounts.enter_demo_mode(state, ref)
    demo_admin = Viewer(user="admin", role="admin", la_code=None)
    accounts.administer(state, demo_admin, "add", "jo.smith", ref, password="a long enough passphrase", role="hos")
    assert not next(u for u in accounts.users(state) if u.username == "jo.smith").demo
    accounts.leave_demo_mode(state, "raa ingest")
    assert [u.username for u in accounts.users(state)] == ["jo.smith"]


def test_a_password_of_spaces_is_refused(tmp_path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    with pytest.raises(accounts.UserError, match="at least 12 characters"):
        accounts.add_user(state, "grace", " " * 12, "hos", None, load_reference())
