"""AppTest: the in-page sign-out (the sidebar's button) while the app-state store is busy (another writer holds
it) or cannot be read. The person ends signed out (the session ended in memory first, so the cookie is no longer
accepted), reads plain words (no traceback), and the sign-out's audit row is written once the store answers."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_app import gate
from raa_core.access import audit, sessions
from raa_core.access.signin import policy
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store import appstate
from raa_core.store.appstate import AppState


@contextlib.contextmanager
def busy(state: AppState) -> Iterator[None]:
    """Another process holds the store's write lock (WAL: reads still answer, writes wait and fail)."""
    holder = sqlite3.connect(state.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.contextmanager
def unreadable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The store cannot be opened at all (SQLite's own error for a file it cannot read)."""
    def fails(self):
        raise sqlite3.OperationalError("unable to open database file")

    with monkeypatch.context() as patch:
        patch.setattr(AppState, "connect", fails)
        yield


def sign_outs(state: AppState) -> list[str]:
    return [r["detail"] for r in appstate.audit_rows(state) if r["action"] == "sign_out"]


@pytest.mark.parametrize("trouble", ["busy", "unreadable"])
def test_the_in_page_sign_out_ends_the_session_whatever_the_store_and_is_audited_once_it_answers(
        app_env, monkeypatch, trouble) -> None:
    state = AppState(app_env.parent / appstate.FILE_NAME)
    token = sessions.start(state, Viewer(user="hos.test", role="hos"), "password")
    monkeypatch.setattr(gate, "_cookie", lambda: token)  # the browser presents the session's cookie on every run
    monkeypatch.setattr(appstate, "BUSY_TIMEOUT_MS", 200)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[gate.SESSION] = None  # no session in memory: the cookie's session is found
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[gate.SESSION].token == token and at.sidebar.selectbox, "signed in by the cookie"

    with busy(state) if trouble == "busy" else unreadable(monkeypatch):
        at.sidebar.button(key="sign_out").click().run()
        assert not at.exception, at.exception
        assert gate.SESSION not in at.session_state, "the session in memory is cleared first"
        assert not at.sidebar.selectbox, "nothing of the app is left on screen"
        said = [m.value for m in (*at.info, *at.error, *at.warning)]
        assert "You have signed out." in said, said
        assert not any("Traceback" in s or "OperationalError" in s for s in said), said
        # The cookie is no longer accepted, although the store could not record the sign-out yet.
        assert sessions.resolve(state, token, policy(load_reference().settings.signin)).viewer is None
        assert not server_live(token)
    assert sign_outs(state) == [], "the store could not take the row while it was in trouble"

    at.run()  # the next click, the store answering again (the browser still sends the old cookie)
    assert not at.exception, at.exception
    assert gate.SESSION not in at.session_state and not at.sidebar.selectbox, "still signed out"
    assert len(sign_outs(state)) == 1, "the sign-out is audited once the store answers"
    with state.connect() as con:
        ended = con.execute("SELECT ended_at IS NOT NULL FROM sessions WHERE token_hash = ?",
                            (sessions.token_hash(token),)).fetchone()[0]
    assert ended == 1, "and the session is ended in the store too (every process sees it)"
    at.run()
    assert len(sign_outs(state)) == 1 and audit.flush(state) == 0, "audited once only"


def server_live(token: str) -> bool:
    """Whether the app server's sign-in redirect lets the cookie through to a page."""
    from raa_app import server

    return server._live(token)
