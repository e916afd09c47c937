"""The gate every run passes: sign-in (Streamlit's OpenID Connect, or the embedded users), the session's
limits, who is signed in, and each page's own check of the viewer's right to open it.

app.py calls `signed_in()` before it builds the navigation: a person who is not signed in sees the sign-in
screen and nothing else. Every page script calls `page_viewer(page)` first: a page opened by its URL
without the right refuses with a message and shows nothing else (the navigation only hides what the page
itself refuses). The rules are raa_core's (`access`, `accounts`, `signin`); this module only draws them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from raa_app import errors, navigation
from raa_core import access, logs
from raa_core.access import accounts, audit, signin
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


def _end(state: AppState, sess: Session, why: str) -> None:
    appstate.record(state, actor=sess.viewer.user, role=sess.viewer.role, action="sign_out", page=None,
                    la_code=sess.viewer.la_code, detail=why)
    del st.session_state[SESSION]


def sign_out(state: AppState) -> None:
    """End the session (and the identity provider's cookie); the next run shows the sign-in screen."""
    sess = current()
    if sess is not None:
        _end(state, sess, "signed out")
    for key in list(st.session_state):  # the next person on this browser starts afresh
        del st.session_state[key]
    st.session_state[NOTICE] = "You have signed out."
    if sess is not None and sess.how == "oidc":
        st.logout()


def session_viewer(state: AppState, ref: Reference, *, demo_allowed: bool) -> Viewer | None:
    """The signed-in viewer, or None. Ends a session past its idle or total limit (audited; the sign-in
    screen then says why). With OpenID Connect, a person the provider has signed in (its cookie) and the
    mapping names starts a session here."""
    rules = signin.policy(ref.settings.signin)
    now = _now()
    sess = current()
    if sess is not None:
        reason = signin.session_expiry(sess.started, sess.last_seen, now, rules)
        if reason is None and sess.how == "password" and not accounts.still_allowed(
                state, sess.viewer, demo_allowed=demo_allowed):
            _end(state, sess, "user removed or changed")
            st.session_state[NOTICE] = "Your account has changed or been removed: please sign in again."
            return None
        if reason is None:
            sess.last_seen = now
            return sess.viewer
        _end(state, sess, f"session expired ({reason})")
        st.session_state[NOTICE] = signin.expiry_message(reason, rules)
        if sess.how == "oidc":
            st.logout()
            st.stop()
        return None
    provider = oidc(ref)
    if provider is not None and st.user.is_logged_in:
        return _oidc_viewer(state, provider, rules, now)
    return None


def sign_in_screen(state: AppState, ref: Reference, demo_users: list[str]) -> None:
    """The sign-in screen (and nothing else): the provider's button, or the embedded form; stops the run."""
    rules = signin.policy(ref.settings.signin)
    provider = oidc(ref)
    _heading(ref)
    if provider is None:
        _password_form(state, ref, rules, demo_users)
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


def accessibility_link() -> None:
    """The link to the accessibility statement (on the sign-in screen and at the foot of every page's sidebar)."""
    script, title, icon = navigation.page(navigation.ACCESSIBILITY)
    st.page_link(script, label=title, icon=icon)


def _start(viewer: Viewer, how: str, started: dt.datetime, now: dt.datetime) -> Viewer:
    st.session_state[SESSION] = Session(viewer, started, now, how)
    st.session_state.pop(NOTICE, None)
    return viewer


def _heading(ref: Reference) -> None:
    st.title(ref.settings.raa_name)
    st.caption("Adoption performance and pooled-budget dashboard. Child-level data is shared under the partners' "
               "information sharing agreement: sign in to see what your role allows.")
    notice = st.session_state.get(NOTICE)
    if notice:
        st.info(notice, icon=":material/logout:")


def _password_form(state: AppState, ref: Reference, rules: signin.SigninPolicy, demo_users: list[str]) -> None:
    if demo_users:
        demo_banner()
    left, _ = st.columns([2, 3])
    with left, st.form("signin", border=True):
        st.header("Sign in")
        name = st.text_input("User name", key="signin_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if submitted:
        attempt = accounts.sign_in(state, name, password, rules, demo_allowed=bool(demo_users), page="sign-in")
        if attempt.viewer is not None:
            now = _now()
            _start(attempt.viewer, "password", now, now)
            st.rerun()
        left.error(attempt.message, icon=":material/lock:")
    if demo_users:
        with left.expander("Demo users (bundled sample only)", expanded=True):
            labels = ref.role_labels()
            rows = [(n, p, labels.get(role, role) + (f", {ref.council_name(la)} ({la})" if la else ""))
                    for n, p, role, la in accounts.DEMO_USERS if n in demo_users]
            st.dataframe({"User name": [r[0] for r in rows], "Password": [r[1] for r in rows],
                          "Role": [r[2] for r in rows]}, hide_index=True)


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
                    detail=f"identity provider {provider.provider or ''}".strip())
    logs.event("sign_in", how="identity provider", user=viewer.user, outcome="ok", role=viewer.role)
    return _start(viewer, "oidc", started, now)


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
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        sign_out(state)
        st.rerun()


def page_viewer(page: str, state: AppState, ref: Reference, demo_users: list[str]) -> Viewer:
    """First line of every page script: the viewer, if their role may open `page`; the sign-in screen for a
    person not signed in (the page's URL is kept: it opens once they are); otherwise a refusal (audited)
    and nothing else."""
    sess = current()
    if sess is None:
        sign_in_screen(state, ref, demo_users)
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
                    la_code=la_code, detail=what)


def audited_export(state: AppState, build: Callable[[], bytes], name: str, page: str | None,
                   la_code: int | None = None) -> Callable[[], bytes]:
    """Wrap a download's file builder so the download is audited when it happens (Streamlit calls the
    builder on the click, outside the script run: the viewer is taken now)."""
    sess = current()
    viewer = sess.viewer if sess else None

    def built() -> bytes:
        data = build()
        appstate.record(state, actor=viewer.user if viewer else None, role=viewer.role if viewer else None,
                        action="export", page=page, la_code=la_code, detail=name)
        return data

    return built
