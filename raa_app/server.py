"""The app server's own routes and middleware, served beside Streamlit's by app.py's `st.App` (docs/operations.md).

- `GET /healthz`: the service's health as JSON for a monitor (`raa_core.store.status.health`: warehouse version
  and age, store writable, last ingest, stale councils, disk), HTTP 200 while serving, 503 when the warehouse,
  the store or the reference data is unusable. No personal data; not behind sign-in (a monitor has none).
- `GET /signin`: the embedded sign-in form (plain HTML, works without script). `POST /signin` checks the user
  name and password (`accounts.sign_in`: lock-out, audit, the same answer whatever was wrong), starts a
  server-side session (`raa_core.access.sessions`) and sets its token in an HttpOnly, SameSite=Lax cookie
  (Secure when served over TLS), then sends the browser to the page it asked for (`next`, a path of this site).
- `GET /signout`: ends the cookie's session (every tab), clears the cookie, back to the sign-in form.
- `SigninRedirect` (middleware): a page of the app asked for without a live session is answered with the sign-in
  form's address, the page kept in `next`, so a bookmark or deep link lands on its page after sign-in. Only
  with the embedded sign-in (the identity provider's button is Streamlit's own screen).
"""

from __future__ import annotations

import contextlib
import functools
import html
import sqlite3
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

# Imported with this module (when `streamlit run` imports app.py), never inside a request: a request's import of
# raa_app would come before the first script run's, which must be the one that leaves the legacy pages mode
# (raa_app.legacy_pages).
from raa_app.shell import calendar_today, db_path, drops_root
from raa_core.access import accounts, audit, sessions, signin
from raa_core.ingest import drops
from raa_core.presentation.display import PAGE_LABELS
from raa_core.reference import Reference, ReferenceError, load_reference
from raa_core.snapshot import pin
from raa_core.store import appstate, status, warehouse
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

HEALTH_PATH = "/healthz"
#: The accessibility statement's address: open before sign-in (Public Sector Bodies Accessibility Regulations 2018).
STATEMENT_PATH = "/accessibility"
SIGNIN_PATH = "/signin"
SIGNOUT_PATH = "/signout"
_HEADERS = {"Cache-Control": "no-store"}
#: Paths the sign-in redirect leaves alone: Streamlit's own endpoints and assets, the identity provider's
#: callbacks, and these routes.
OPEN_PREFIXES = ("/_stcore", "/static", "/media", "/component", "/app/static", "/auth", "/oauth2callback",
                 "/favicon", "/robots.txt", HEALTH_PATH, SIGNIN_PATH, SIGNOUT_PATH, STATEMENT_PATH)
#: Fixed notices the form may show (`?notice=`): never text from the address itself.
NOTICES = {"signed-out": "You have signed out.",
           "ended": "Your session has ended. Please sign in again."}
BUSY = ("Sign-in is not available for a moment: the app's store is busy. Please try again in a minute; "
        "if it goes on, tell the system administrator.")


def health_payload() -> dict[str, object]:
    """The health payload of the warehouse the app serves (RAA_DB, as `shell.db_path`)."""
    try:
        ref = load_reference()
    except ReferenceError as exc:
        return {"status": "unusable", "http_status": status.HTTP_UNAVAILABLE,
                "problem": f"the reference data cannot be read: {exc}"}
    return status.health(db_path(), ref)


async def healthz(request: Request) -> JSONResponse:
    payload = await run_in_threadpool(health_payload)
    return JSONResponse(payload, status_code=int(payload["http_status"]), headers=_HEADERS)  # type: ignore[call-overload]


def _state() -> AppState:
    """The app-state store beside the warehouse the app serves (as `shell.appstate`, without Streamlit's cache)."""
    return AppState(db_path().parent / "appstate.sqlite3")


def safe_next(raw: str | None) -> str:
    """A `next` address reduced to a path of this site ('/' for anything else: another site, a scheme, '//x',
    a backslash, the sign-in routes themselves), so the form never sends a person elsewhere."""
    value = (raw or "/").strip()
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if parts.path.startswith((SIGNIN_PATH, SIGNOUT_PATH)):
        return "/"
    return urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))


def _https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def signin_html(ref: Reference, *, next_path: str, message: str | None = None, notice: str | None = None,
                demo: list[str] | None = None) -> str:
    """The sign-in page: the RAA's name, a notice or an error, the form (labelled fields, one button), and the
    demo users' table while only the bundled sample is held. Every text is escaped."""
    e = html.escape
    parts = [f"<h1>{e(ref.settings.raa_name)}</h1>",
             "<p>Adoption performance and pooled-budget dashboard. Child-level data is shared under the partners' "
             "information sharing agreement: sign in to see what your role allows.</p>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{e(notice)}</p>')
    if demo:
        parts.append('<p class="demo" role="note"><strong>Sample data.</strong> This server holds only the bundled '
                     "synthetic sample: every figure is illustrative. <strong>Demo users</strong> can sign in with "
                     "the documented accounts until a council's own drops are loaded.</p>")
    if message:
        parts.append(f'<p class="error" role="alert">{e(message)}</p>')
    parts.append(
        f'<form method="post" action="{SIGNIN_PATH}"><h2>Sign in</h2>'
        f'<input type="hidden" name="next" value="{e(next_path)}">'
        '<label for="username">User name</label>'
        '<input id="username" name="username" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>')
    if demo:
        labels = ref.role_labels()
        rows = "".join(
            f"<tr><td>{e(n)}</td><td>{e(p)}</td><td>{e(labels.get(r, r))}"
            f"{e(f', {ref.council_name(la)} ({la})') if la else ''}</td></tr>"
            for n, p, r, la in accounts.DEMO_USERS if n in demo)
        parts.append('<table><caption>Demo users (bundled sample only)</caption><thead><tr><th scope="col">User name'
                     '</th><th scope="col">Password</th><th scope="col">Role</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table>")
    parts.append(f'<p><a href="{STATEMENT_PATH}">{e(PAGE_LABELS["accessibility"])}</a></p>')
    return ('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>Sign in · {e(ref.settings.raa_name)}</title>'
            f"<style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>")


#: The sign-in page's styles (a file beside this module: the form is served without Streamlit's).
_CSS = (Path(__file__).with_name("signin.css")).read_text(encoding="utf-8")


def _page(ref: Reference, status_code: int = 200, **kwargs: Any) -> HTMLResponse:
    return HTMLResponse(signin_html(ref, **kwargs), status_code=status_code, headers=_HEADERS)


@functools.cache
def _warehouse(path: str) -> Warehouse:
    return Warehouse(path)


def _demo_names(state: AppState) -> list[str]:
    """The demo accounts the form lists. On a server's first start the warehouse is built from the bundled drops
    here (the first page waits for it otherwise, behind this form), and demo mode is set while only the bundled
    sample is held (`accounts.sync_demo_users_for`, as each page run does)."""
    try:
        ref = load_reference()
        db = db_path()
        if warehouse.current_file(db) is None:
            drops.first_build(db, drops_root(), ref, today=calendar_today(), actor="first start (bundled drops)")
        return accounts.sync_demo_users_for(pin(_warehouse(str(db)), ref, calendar_today()), state)
    except (sqlite3.Error, warehouse.WarehouseError, ReferenceError, OSError):
        return []  # the app's own pages say what is wrong once someone signs in


def _store_notice(state: AppState) -> str | None:
    """What the form says when the app-state store was found damaged and set aside (its accounts are gone until
    restored: `appstate.SET_ASIDE_SIGNIN`), else None. Audit rows kept while the store was busy are written
    first (`audit.flush`)."""
    try:
        audit.flush(state)
        return appstate.SET_ASIDE_SIGNIN if appstate.set_aside_notice(state) else None
    except (sqlite3.Error, OSError):
        return None  # the sign-in attempt says the store is busy or unreadable


async def signin_form(request: Request) -> Response:
    ref = load_reference()
    state = _state()
    demo = await run_in_threadpool(_demo_names, state)
    notice = NOTICES.get(request.query_params.get("notice", "")) or await run_in_threadpool(_store_notice, state)
    return _page(ref, next_path=safe_next(request.query_params.get("next")), notice=notice, demo=demo)


def _attempt(state: AppState, username: str, password: str, ref: Reference) -> tuple[str | None, str | None]:
    """(token, None) when accepted, else (None, the message the form shows). A store that is busy or unreadable
    gives BUSY (the attempt is audited once the store answers again: `audit.later`)."""
    rules = signin.policy(ref.settings.signin)
    try:
        audit.flush(state)
        attempt = accounts.sign_in(state, username, password, rules, page="sign-in")
        if attempt.viewer is None:
            return None, attempt.message
        return sessions.start(state, attempt.viewer, "password"), None
    except sqlite3.OperationalError as exc:
        audit.later(actor=username.strip()[:64], role=None, action="sign_in_failed", page="sign-in", la_code=None,
                    detail=f"Sign-in could not be checked: the app's store was busy or unreadable ({exc}).")
        return None, BUSY


async def signin_submit(request: Request) -> Response:
    ref = load_reference()
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or "/"))
    state = _state()
    token, message = await run_in_threadpool(_attempt, state, username, password, ref)
    if token is None:
        demo = await run_in_threadpool(_demo_names, state)
        code = 503 if message == BUSY else 401
        return _page(ref, code, next_path=next_path, message=message, demo=demo)
    response = RedirectResponse(next_path, status_code=303, headers=_HEADERS)
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="lax", secure=_https(request), path="/")
    return response


async def signout(request: Request) -> Response:
    token = request.cookies.get(sessions.COOKIE)
    await run_in_threadpool(sessions.sign_out, _state(), token)
    response = RedirectResponse(f"{SIGNIN_PATH}?notice=signed-out", status_code=303, headers=_HEADERS)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=_https(request))
    return response


def embedded_signin() -> bool:
    """Whether people sign in with the embedded form (no identity provider configured in secrets.toml)."""
    import streamlit as st

    try:
        return "auth" not in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return True


def _live(token: str | None) -> bool:
    """Whether the cookie's token names a live session. Audit rows the store could not take before (`audit.later`:
    a sign-in refused, a sign-out, while it was busy) are written first, once it answers."""
    with contextlib.suppress(sqlite3.OperationalError):  # still busy: they wait for the next request
        audit.flush(_state())
    if not token:
        return False
    try:
        ref = load_reference()
        return sessions.resolve(_state(), token, signin.policy(ref.settings.signin)).viewer is not None
    except (sqlite3.Error, ReferenceError):
        return True  # the page itself then says what is wrong; never a redirect loop


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SigninRedirect:
    """ASGI middleware: a browser asking for one of the app's pages (a GET for HTML) without a live session goes
    to the sign-in form, with the page it asked for kept in `next`."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            request = Request(scope)
            path = request.url.path
            wants_page = "text/html" in request.headers.get("accept", "")
            if wants_page and not path.startswith(OPEN_PREFIXES) and embedded_signin() and not await run_in_threadpool(
                    _live, request.cookies.get(sessions.COOKIE)):
                target = safe_next(path + (f"?{request.url.query}" if request.url.query else ""))
                query = urllib.parse.urlencode({"next": target})
                response = RedirectResponse(f"{SIGNIN_PATH}?{query}", status_code=303, headers=_HEADERS)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routes() -> list[Route]:
    """The routes app.py adds to Streamlit's server."""
    return [Route(HEALTH_PATH, healthz, methods=["GET", "HEAD"]),
            Route(SIGNIN_PATH, signin_form, methods=["GET"]),
            Route(SIGNIN_PATH, signin_submit, methods=["POST"]),
            Route(SIGNOUT_PATH, signout, methods=["GET"])]


def middleware() -> list[Middleware]:
    """The middleware app.py adds before Streamlit's own."""
    return [Middleware(SigninRedirect)]
