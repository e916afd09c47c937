"""The app server's sign-in route and redirect (raa_app/server.py), called as the ASGI server calls them: the
cookie's attributes, the deep link kept through sign-in, one answer for every refusal, a forged cookie, sign-out,
`next` never leaving the site, and every text on the form escaped."""

from __future__ import annotations

import asyncio
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from starlette.applications import Starlette

from raa_app import server
from raa_core.access import accounts, sessions
from raa_core.reference import load_reference
from raa_core.store import appstate
from raa_core.store.appstate import AppState

PASSWORD = "correct horse battery"


def call(method: str, path: str, *, body: dict[str, str] | None = None, cookie: str | None = None,
         accept: str = "text/html", scheme: str = "http") -> tuple[int, dict[str, list[str]], str]:
    """One request through the routes and middleware: (status, headers (lower-case name -> values), body)."""
    app = Starlette(routes=server.routes(), middleware=server.middleware())
    parts = urllib.parse.urlsplit(path)
    data = urllib.parse.urlencode(body or {}).encode()
    headers = [(b"accept", accept.encode()), (b"host", b"testserver")]
    if body is not None:
        headers += [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", str(len(data)).encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {"type": "http", "method": method, "path": parts.path, "raw_path": parts.path.encode(),
             "query_string": parts.query.encode(), "headers": headers, "scheme": scheme, "server": ("testserver", 80),
             "client": ("127.0.0.1", 1234), "http_version": "1.1", "root_path": ""}
    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": data, "more_body": False}]

    async def receive() -> dict:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    got: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        got.setdefault(k.decode().lower(), []).append(v.decode())
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    return start["status"], got, text


@pytest.fixture
def store(app_env) -> AppState:
    state = AppState(app_env.parent / appstate.FILE_NAME)
    accounts.add_user(state, "Kim.Hos", PASSWORD, "hos", None, load_reference())
    return state


def test_sign_in_sets_an_httponly_lax_cookie_and_lands_on_the_page_asked_for(store) -> None:
    status, headers, _ = call("GET", "/regional_performance?x=1")
    assert status == 303
    assert headers["location"] == ["/signin?next=%2Fregional_performance%3Fx%3D1"]
    status, _, page = call("GET", headers["location"][0])
    assert status == 200 and 'name="next" value="/regional_performance?x=1"' in page
    assert '<label for="username">User name</label>' in page and '<label for="password">Password</label>' in page
    status, headers, _ = call("POST", "/signin", body={"username": " kim.hos ", "password": PASSWORD,
                                                     "next": "/regional_performance?x=1"})
    assert status == 303 and headers["location"] == ["/regional_performance?x=1"]
    [set_cookie] = headers["set-cookie"]
    morsel = SimpleCookie(set_cookie)[sessions.COOKIE]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert not morsel["secure"] and not morsel["max-age"], "a browser-session cookie; Secure only over TLS"
    token = morsel.value
    rules = server.signin.policy(load_reference().settings.signin)
    assert sessions.resolve(store, token, rules).viewer.user == "Kim.Hos"
    # With the cookie a deep link is served (the app itself), without it or with a forged one: the sign-in form.
    assert call("GET", "/regional_performance", cookie=f"{sessions.COOKIE}={token}")[0] == 404  # no Streamlit here
    assert call("GET", "/regional_performance", cookie=f"{sessions.COOKIE}=forged{token}")[0] == 303
    # Streamlit's own endpoints, assets and health are never redirected.
    assert call("GET", "/_stcore/health")[0] == 404 and call("GET", "/healthz", accept="application/json")[0] != 303
    # Sign-out ends the session for every tab and clears the cookie.
    status, headers, _ = call("GET", "/signout", cookie=f"{sessions.COOKIE}={token}")
    assert status == 303 and headers["location"] == ["/signin?notice=signed-out"]
    assert 'raa_session=""' in headers["set-cookie"][0] and "Max-Age=0" in headers["set-cookie"][0]
    assert sessions.resolve(store, token, rules).viewer is None
    assert [r["action"] for r in reversed(appstate.audit_rows(store))] == ["sign_in", "sign_out"]


def test_the_cookie_is_secure_over_tls(store) -> None:
    _, headers, _ = call("POST", "/signin", body={"username": "kim.hos", "password": PASSWORD}, scheme="https")
    assert SimpleCookie(headers["set-cookie"][0])[sessions.COOKIE]["secure"]


def test_every_refusal_is_the_same_page(store) -> None:
    answers = [call("POST", "/signin", body={"username": u, "password": p, "next": "/audit"})
               for u, p in (("kim.hos", "wrong wrong wrong"), ("nobody", PASSWORD))]
    assert [a[0] for a in answers] == [401, 401]
    assert answers[0][2] == answers[1][2] and "were not accepted" in answers[0][2]
    assert "set-cookie" not in answers[0][1]
    assert 'value="/audit"' in answers[0][2], "the page asked for is kept for the next try"


@pytest.mark.parametrize("raw", ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)",
                                 "/signin?next=/x", "", None])
def test_next_never_leaves_the_site(raw) -> None:
    assert server.safe_next(raw) == "/"


def test_the_form_escapes_every_text(app_env) -> None:
    ref = load_reference()
    page = server.signin_html(ref, next_path='/x"><script>alert(1)</script>', message="<b>x</b>")
    assert "<script>alert" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    status, _, page = call("GET", "/signin?notice=<script>")
    assert status == 200 and "<script>" not in page.split("</style>")[1]


def test_the_accessibility_statement_is_open_before_sign_in(app_env) -> None:
    """The statement is reachable before sign-in (Public Sector Bodies Accessibility Regulations 2018): the form
    links to it and the sign-in redirect leaves its address alone."""
    status, _, page = call("GET", "/signin")
    assert status == 200 and f'<a href="{server.STATEMENT_PATH}">Accessibility statement</a>' in page
    assert call("GET", server.STATEMENT_PATH)[0] == 404  # served by Streamlit itself, not redirected to sign-in
    assert call("GET", "/regional_performance")[0] == 303


def test_a_sign_in_the_busy_store_refused_is_said_plainly_and_audited_once_it_answers(store, monkeypatch) -> None:
    """Another process holds the store's write lock: the form says so in words (503, no cookie, no traceback), and
    the refused attempt's audit row is written by the next request once the store answers, once."""
    import sqlite3

    monkeypatch.setattr(appstate, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        status, headers, page = call("POST", "/signin", body={"username": "kim.hos", "password": PASSWORD})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert status == 503 and "set-cookie" not in headers
    assert server.html.escape(server.BUSY) in page and "Traceback" not in page and "OperationalError" not in page
    assert not [r for r in appstate.audit_rows(store) if r["action"] == "sign_in_failed"]
    assert call("GET", "/regional_performance")[0] == 303  # any next request, the store answering again
    call("GET", "/signin")
    failed = [r for r in appstate.audit_rows(store) if r["action"] == "sign_in_failed"]
    assert [(r["actor"], r["page"]) for r in failed] == [("kim.hos", "sign-in")], failed
    assert "busy or unreadable" in failed[0]["detail"]
