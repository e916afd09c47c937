"""AppTest: the app-state store damaged while the app runs. The signed-in administrator's next click meets no
traceback: the store is set aside and a fresh one created, the sign-in screen says accounts must be restored
(the accounts were in the damaged store), no demo account appears although only the bundled sample is held, and
once an administrator account is back the Users and Audit pages name the set-aside file and `raa restore`."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from conftest import APP, _add_test_users, signed_in
from raa_core.store import appstate
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse


def damage(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"this is no longer a database " * 8)
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)


def texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in (at.warning, at.error, at.info, at.markdown) for e in kind)


def test_a_store_damaged_while_the_app_runs_is_set_aside_and_told_to_the_administrator(app_env) -> None:
    state = AppState.beside(Warehouse(app_env))
    at = signed_in(AppTest.from_file(APP, default_timeout=60), "admin")
    at.run()
    assert not at.exception, at.exception

    damage(state.path)
    at.run()  # the administrator's next click
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    assert appstate.SET_ASIDE_SIGNIN in [w.value for w in at.warning]  # signed out: the account is gone
    assert "Sample data" not in texts(at)  # no demo accounts offered on a server whose accounts were lost
    [aside] = list(state.path.parent.glob(appstate.FILE_NAME + ".damaged-*"))

    _add_test_users(app_env)  # an administrator account restored (raa restore, or raa users add)
    for page in ("pages/users.py", "pages/audit.py"):
        at = signed_in(AppTest.from_file(APP, default_timeout=60), "admin")
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, at.exception
        [notice] = [w.value for w in at.warning if aside.name in w.value]
        assert "raa restore" in notice and "demo mode stays off" in notice
