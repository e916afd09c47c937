"""The gate every run passes: sign-in (Streamlit's OpenID Connect, or the embedded users), the session's
limits, who is signed in, and each page's own check of the viewer's right to open it.

Sessions live server-side (`raa_core.access.sessions`). The embedded sign-in is the app server's own route
(`raa_app.server`: the form posts there, which sets the HttpOnly session cookie): every run reads the cookie
(`st.context.cookies`) and looks its session up, so reload, a new tab and a deep link keep the person signed in,
and a sign-out, an expiry or an account change in any tab ends them all at the next click. A Streamlit session
is bound to its cookie: the same session id replayed by a client without that cookie is signed out. An identity
provider's session (`st.login`) gets the same server-side record, bound to Streamlit's own auth cookie.

app.py calls `signed_in()` before it builds the navigation: a person who is not signed in sees the sign-in
screen and nothing else. Every page script calls `page_viewer(page)` first: a page opened by its URL
without the right refuses with a message and shows nothing else (the navigation only hides what the page
itself refuses). The rules are raa_core's (`access`, `accounts`, `signin`); this module only draws them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from raa_app import errors, navigation
from raa_core import access, logs
from raa_core.access import accounts, audit, sessions, signin
from raa_core.reference import Reference
from raa_core.requests import Viewer
from raa_core.store import appstate
from raa_core.store.appstate import AppState

SESSION = "raa_session"
NOTICE = "raa_signin_notice"


@dataclass
class Session:
    """A signed-in session: who, since when, last click (UTC), how (password or the identity provider)."""

    viewer: Viewer
    started: dt.datetime
    last_seen: dt.datetime
    how: str
    audited_views: dict[str, tuple[Any, dt.datetime]] = field(default_factory=dict)
    #: The server-side session's token (the cookie's value, or held here for an identity provider's session);
    #: None only for a session a test put in place.
    token: str | None = None


@dataclass(frozen=True)
class Oidc:
    """The production sign-in configured in secrets.toml: `[auth]` (Streamlit) and `[raa]` (ours)."""

    provider: str | None
    label: str
    rules: list[signin.IdentityRule]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def oidc(ref: Reference) -> Oidc | None:
    """The OpenID Connect configuration, or None (embedded sign-in) when secrets.toml has no `[auth]`.
    Raises signin.IdentityConfigError when the `[[raa.identities]]` mapping is not valid."""
    try:
        if "auth" not in st.secrets:
            return None
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None
    raa = st.secrets.get("raa", {})
    provider = raa.get("provider")
    label = raa.get("provider_label") or (provider or "your organisation").title()
    return Oidc(provider, label, signin.identity_rules(list(raa.get("identities", [])), ref))


def current() -> Session | None:
    return st.session_state.get(SESSION)


#: What the sign-in screen says when the store cannot be read or written for a moment.
STORE_BUSY = ("The app's store is busy or cannot be read just now, so your session cannot be checked. Please try "
              "again in a minute; if it goes on, tell the system administrator.")
#: What the sign-in screen says after a session ended for a reason other than its time limits.
ENDED_NOTICES = {"account changed": "Your account has changed or been removed: please sign in again.",
                 "account locked": "Your account has changed or been removed: please sign in again.",
                 "signed out": "You have signed out."}


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except (AttributeError, RuntimeError):
        return None
    return value if isinstance(value, str) and value else None  # AppTest has no browser, so no cookie


def _bound(sess: Session) -> bool:
    """Whether this browser still presents what the session is bound to: its cookie (embedded sign-in) or the
    identity provider's sign-in (Streamlit's auth cookie). A session a test put in place (no token) is bound."""
    if sess.token is None:
        return True
    if sess.how == "oidc":
        return bool(st.user.is_logged_in)
    cookie = _cookie()
    return cookie is not None and hmac.compare_digest(cookie, sess.token)


def _forget() -> None:
    """End the session in this Streamlit session's memory (and everything the person had on screen)."""
    for key in list(st.session_state):
        del st.session_state[key]


def _end(state: AppState, sess: Session, why: str) -> None:
    del st.session_state[SESSION]
    appstate.record(state, actor=sess.viewer.user, role=sess.viewer.role, action="sign_out", page=None,
                    la_code=sess.viewer.la_code, detail=why)


def sign_out(state: AppState) -> None:
    """End the session in memory first, then in the store (every tab of the cookie; audited), so a busy store
    never leaves the person signed in; and the identity provider's cookie. The next run shows the sign-in screen."""
    sess = current()
    _forget()  # the next person on this browser starts afresh
    st.session_state[NOTICE] = "You have signed out."
    if sess is None:
        return
    if sess.token is not None:
        sessions.sign_out(state, sess.token)
    else:
        try:
            audit.flush(state)
            appstate.record(state, actor=sess.viewer.user, role=sess.viewer.role, action="sign_out",
                            la_code=sess.viewer.la_code, detail=sessions.ENDED["signed out"])
        except sqlite3.OperationalError:
            audit.later(actor=sess.viewer.user, role=sess.viewer.role, action="sign_out", page=None,
                        la_code=sess.viewer.la_code, detail=sessions.ENDED["signed out"])
    if sess.how == "oidc":
        st.logout()


def session_viewer(state: AppState, ref: Reference, *,
                   demo_allowed: bool | Callable[[], bool] = True) -> Viewer | None:
    """The signed-in viewer, or None. The session comes from the cookie's server-side record (reload, new tab,
    deep link) and ends there past its idle or total limit, on sign-out in any tab, or when the account changed
    (audited; the sign-in screen then says why). A Streamlit session whose cookie is missing or another is
    signed out. With OpenID Connect, a person the provider has signed in (its cookie) and the mapping names
    starts a session here. A store that is busy or unreadable stops the run with `STORE_BUSY` (never signed in).
    `demo_allowed` may be a callable (it reads the store too). Audit rows the store could not take before
    (`audit.later`) are written first, once it answers."""
    with store_answers():
        with contextlib.suppress(sqlite3.OperationalError):  # still busy: the rows wait for a later run
            audit.flush(state)  # what the store could not take before (a sign-out, a failed sign-in)
        return _session_viewer(state, ref, demo_allowed() if callable(demo_allowed) else demo_allowed)


@contextlib.contextmanager
def store_answers() -> Iterator[None]:
    """Run a block that reads the app-state store; a store that is busy or cannot be read stops the run with
    `STORE_BUSY` (never signed in), after the sign-out notice when the person has just signed out."""
    try:
        yield
    except sqlite3.OperationalError:
        notice = st.session_state.get(NOTICE)
        if notice:
            st.info(notice, icon=":material/logout:")
        st.error(STORE_BUSY, icon=":material/hourglass_top:")
        st.stop()
        raise


def _session_viewer(state: AppState, ref: Reference, demo_allowed: bool) -> Viewer | None:
    rules = signin.policy(ref.settings.signin)
    now = _now()
    sess = current()
    if sess is not None and not _bound(sess):
        _forget()  # a replayed session id, or a cookie changed under it: this client starts signed out
        sess = None
    if sess is not None and sess.token is None:  # a session a test put in place: the account rules only
        reason = signin.session_expiry(sess.started, sess.last_seen, now, rules)
        if reason is None and sess.how == "password" and not accounts.still_allowed(
                state, sess.viewer, demo_allowed=demo_allowed):
            _end(state, sess, sessions.ENDED["account changed"])
            st.session_state[NOTICE] = ENDED_NOTICES["account changed"]
            return None
        if reason is None:
            sess.last_seen = now
            return sess.viewer
        _end(state, sess, sessions.ENDED[reason])
        st.session_state[NOTICE] = signin.expiry_message(reason, rules)
        return None
    token = sess.token if sess is not None else _cookie()
    if token:
        found = sessions.resolve(state, token, rules, now=now)
        if found.viewer is not None:
            if sess is not None and sess.viewer == found.viewer:
                sess.last_seen = now
                return sess.viewer
            return _start(found.viewer, found.how, found.started or now, now, token)
        if sess is not None or found.reason != "unknown":
            _forget()
            reason = found.reason or "signed out"
            st.session_state[NOTICE] = signin.expiry_message(reason, rules) if reason in ("idle", "total") else \
                ENDED_NOTICES.get(reason, "Your session has ended. Please sign in again.")
            if found.how == "oidc" and st.user.is_logged_in:
                st.logout()
                st.stop()
            if found.how == "oidc" or sess is not None:
                return None
    provider = oidc(ref)
    if provider is not None and st.user.is_logged_in:
        return _oidc_viewer(state, provider, rules, now)
    return None


def sign_in_screen(state: AppState, ref: Reference, demo_users: list[str], page: str | None = None) -> None:
    """The sign-in screen (and nothing else): the provider's button, or the way to the embedded form (the app
    server's sign-in route, which comes back to `page`); stops the run."""
    provider = oidc(ref)
    _heading(ref)
    with store_answers():
        aside = appstate.set_aside_notice(state)
    if aside:
        st.warning(appstate.SET_ASIDE_SIGNIN, icon=":material/warning:")
    if provider is None:
        if demo_users:
            demo_banner()
        st.link_button("Sign in", signin_url(page), type="primary", icon=":material/login:")
    elif st.user.is_logged_in:  # signed in with the provider, but no role mapped
        who = signin.identity_email(st.user.to_dict()) or "an unknown account"
        st.error(f"You are signed in with {provider.label} as {who}, but this dashboard has no role for you. "
                 "Ask the RAA's administrator to add you.", icon=":material/block:")
        if st.button("Sign out"):
            st.logout()
    elif st.button(f"Sign in with {provider.label}", type="primary", icon=":material/login:"):
        st.login(provider.provider) if provider.provider else st.login()
    accessibility_link()
    st.stop()


def signin_url(page: str | None) -> str:
    """The sign-in route's address, coming back to `page` (a page key; the Overview when None)."""
    from raa_app import navigation

    target = "/" if page in (None, "overview") else "/" + navigation.url_path(page)
    return "/signin?" + urllib.parse.urlencode({"next": target})


def accessibility_link() -> None:
    """The link to the accessibility statement (at the foot of every page's sidebar; the sign-in route links it too)."""
    script, title, icon = navigation.page(navigation.ACCESSIBILITY)
    st.page_link(script, label=title, icon=icon)


def _start(viewer: Viewer, how: str, started: dt.datetime, now: dt.datetime, token: str | None = None) -> Viewer:
    st.session_state[SESSION] = Session(viewer, started, now, how, token=token)
    st.session_state.pop(NOTICE, None)
    return viewer


def _heading(ref: Reference) -> None:
    st.title(ref.settings.raa_name)
    st.caption("Adoption performance and pooled-budget dashboard. Child-level data is shared under the partners' "
               "information sharing agreement: sign in to see what your role allows.")
    notice = st.session_state.get(NOTICE)
    if notice:
        st.info(notice, icon=":material/logout:")


def _oidc_viewer(state: AppState, provider: Oidc, rules: signin.SigninPolicy, now: dt.datetime) -> Viewer | None:
    claims = st.user.to_dict()
    viewer = signin.viewer_for_identity(claims, provider.rules)
    if viewer is None:
        if not st.session_state.get("raa_unmapped_audited"):
            who = signin.identity_email(claims) or str(claims.get("sub", "unknown"))
            appstate.record(state, actor=who, role=None, action="sign_in_failed", page="sign-in", la_code=None,
                            detail="identity provider: no role mapped")
            logs.event("sign_in", how="identity provider", user=who, outcome="no role mapped")
            st.session_state["raa_unmapped_audited"] = True
        return None
    issued = claims.get("auth_time") or claims.get("iat")
    started = dt.datetime.fromtimestamp(float(issued), dt.UTC).replace(tzinfo=None) if issued else now
    reason = signin.session_expiry(started, now, now, rules)
    if reason is not None:  # the provider's cookie outlived our total limit: sign in afresh
        st.session_state[NOTICE] = signin.expiry_message(reason, rules)
        st.logout()
        st.stop()
    appstate.record(state, actor=viewer.user, role=viewer.role, action="sign_in", page=None, la_code=viewer.la_code,
                    detail=f"Signed in with the identity provider {provider.provider or ''}".strip() + ".")
    logs.event("sign_in", how="identity provider", user=viewer.user, outcome="ok", role=viewer.role)
    token = sessions.start(state, viewer, "oidc", started=started, now=now)
    return _start(viewer, "oidc", started, now, token)


def demo_banner() -> None:
    st.warning("**Sample data.** This server holds only the bundled synthetic sample: every figure is illustrative. "
               "**Demo users** can sign in with the documented accounts until a council's own drops are loaded.",
               icon=":material/science:")


def who_is_signed_in(state: AppState, ref: Reference) -> None:
    """The sidebar's 'signed in as' line and the sign-out button (on every page)."""
    sess = current()
    if sess is None:
        return
    st.container(key="signed_in_as").markdown(
        f":material/account_circle: Signed in as **{access.describe(sess.viewer, ref)}**")
    if sess.how == "password":
        with st.popover("Change password", icon=":material/key:"):
            password_form(state, sess.viewer, forced=False)
    # A callback: the sign-out happens before the next run reads the store, so a store that is busy or cannot be
    # read then never swallows the click (the run would stop at the session check with the person signed in).
    st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=sign_out, args=(state,))


def password_form(state: AppState, viewer: Viewer, *, forced: bool) -> None:
    """Change one's own password: the current one, the new one twice (`accounts.change_password`: length, the
    common-password list). Says what went wrong, or that it is done."""
    with st.form("own_password" + ("_forced" if forced else ""), border=not forced):
        current_pw = st.text_input("Current password", type="password", autocomplete="current-password")
        new_pw = st.text_input(f"New password (at least {accounts.MIN_PASSWORD} characters)", type="password",
                               autocomplete="new-password")
        again = st.text_input("New password again", type="password", autocomplete="new-password")
        done = st.form_submit_button("Change password", type="primary")
    if done:
        if new_pw != again:
            st.error("The two new passwords differ.")
            return
        try:
            accounts.change_password(state, viewer, current_pw, new_pw)
        except accounts.UserError as exc:
            st.error(f"The password was not changed: {exc}.")
            return
        st.success("Your password has been changed.")
        if forced:
            st.rerun()


def page_viewer(page: str, state: AppState, ref: Reference, demo_users: list[str]) -> Viewer:
    """First line of every page script: the viewer, if their role may open `page`; the sign-in screen for a
    person not signed in (the page's URL is kept: it opens once they are); otherwise a refusal (audited)
    and nothing else."""
    sess = current()
    if sess is None:
        sign_in_screen(state, ref, demo_users, page)
        st.stop()
    if sess.how == "password" and sess.token is not None and accounts.must_change(state, sess.viewer.user):
        st.title("Choose a new password")
        st.info("An administrator reset your password: choose your own before you go on.", icon=":material/key:")
        password_form(state, sess.viewer, forced=True)
        st.stop()
    st.session_state["raa_page"] = page
    try:
        access.require_page(sess.viewer, page, ref)
    except access.AccessDenied as exc:
        audit.refused(state, sess.viewer, page, str(exc))
        errors.show(exc, "**This page is not available to you.** ")
        st.stop()
    return sess.viewer


#: A child-level view of the same page, council and content is audited again after this long.
REAUDIT = dt.timedelta(minutes=10)


def audit_child_view(state: AppState, page: str, la_code: int | None, what: str) -> None:
    """Record that the signed-in viewer is shown child-level rows (who, council, page, when).

    Streamlit reruns a page on every click; a view is recorded when what is shown changes, and again
    after REAUDIT while it stays on screen across clicks."""
    sess = current()
    if sess is None:
        return
    now = _now()
    last = sess.audited_views.get(page)
    if last is not None and last[0] == (la_code, what) and now - last[1] < REAUDIT:
        return
    sess.audited_views[page] = ((la_code, what), now)
    appstate.record(state, actor=sess.viewer.user, role=sess.viewer.role, action="child_level_view", page=page,
                    la_code=la_code, detail=f"Viewed {what}.")


def audited_export(state: AppState, build: Callable[[], bytes], name: str, page: str | None,
                   la_code: int | None = None) -> Callable[[], bytes]:
    """Wrap a download's file builder so the download is audited when it happens (Streamlit calls the
    builder on the click, outside the script run: the viewer is taken now)."""
    sess = current()
    viewer = sess.viewer if sess else None

    def built() -> bytes:
        data = build()
        appstate.record(state, actor=viewer.user if viewer else None, role=viewer.role if viewer else None,
                        action="export", page=page, la_code=la_code, detail=f"Downloaded the file {name}.")
        return data

    return built
