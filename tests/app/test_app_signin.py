"""AppTest: the sign-in screens. The OpenID Connect path by configuration (secrets as in the Entra ID example,
the identity as `st.user` carries it; no live provider), and the embedded form's refusal."""

from __future__ import annotations

import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, REPO
from raa_app.gate import SESSION

SECRETS = tomllib.loads((REPO / ".streamlit" / "secrets.example.toml").read_text())


def signed_out(**kwargs) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[SESSION] = None  # start signed out (app_env signs AppTests in)
    for key, value in kwargs.items():
        setattr(at, key, value)
    return at


def test_oidc_configured_shows_the_provider_button_and_no_password_form(app_env) -> None:
    at = signed_out(secrets=SECRETS, user={"is_logged_in": False})
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in with Microsoft (council account)"]
    assert not at.text_input, "no password form when the identity provider signs people in"
    assert not at.sidebar.selectbox, "nothing but the sign-in screen"


@pytest.mark.parametrize(("claims", "who", "pages"), [
    ({"email": "head.of.service@kent.gov.uk"}, "head.of.service@kent.gov.uk · Head of Service",
     ["Regional performance", "Local performance", "Pooled budget", "Contribution scenarios", "Board pack", "Data drops",
      "Audit", "Users"]),
    ({"preferred_username": "Ann.Analyst@medway.gov.uk", "groups": ["44444444-4444-4444-4444-444444444887"]},
     "ann.analyst@medway.gov.uk · Council performance analyst, Medway (887)",
     ["Regional performance", "Local performance", "Data drops"]),
    ({"email": "pat@bexley.gov.uk", "groups": ["22222222-2222-2222-2222-222222222222"]},
     "pat@bexley.gov.uk · Partnership Board member",
     ["Regional performance", "Pooled budget", "Contribution scenarios", "Board pack"]),
])
def test_an_oidc_identity_signs_in_as_its_mapped_role(app_env, claims, who, pages) -> None:
    at = signed_out(secrets=SECRETS, user={"is_logged_in": True, "iat": None, **claims})
    at.run()
    assert not at.exception, at.exception
    assert any(who in m.value for m in at.sidebar.markdown), [m.value for m in at.sidebar.markdown]
    assert [p.label for p in at.main.get("page_link")] == pages  # the Overview's links (the sidebar's: the statement)
    assert at.session_state[SESSION].how == "oidc"


def test_an_oidc_identity_without_a_role_sees_only_a_message(app_env) -> None:
    at = signed_out(secrets=SECRETS, user={"is_logged_in": True, "email": "someone@example.com", "groups": ["x"]})
    at.run()
    assert not at.exception, at.exception
    assert "no role for you" in at.error[0].value and "someone@example.com" in at.error[0].value
    assert not at.sidebar.selectbox and not at.dataframe
    assert [p.label for p in at.get("page_link")] == ["Accessibility statement"]  # the one link before sign-in


def test_signed_out_the_screen_leads_to_the_sign_in_route_coming_back_to_the_page(app_env) -> None:
    at = signed_out()
    at.run()
    at.switch_page("pages/regional_performance.py")
    at.run()
    assert not at.exception, at.exception
    assert not at.text_input, "the password goes only to the sign-in route, never through the page"
    [link] = at.get("link_button")
    assert link.proto.label == "Sign in" and link.proto.url == "/signin?next=%2Fregional_performance"
    assert any("Demo users" in w.value for w in at.warning), "the demo users banner"
    assert not at.sidebar.selectbox, "nothing but the sign-in screen"


@pytest.mark.parametrize("cookie", [None, "the cookie of another browser"])
def test_a_session_bound_to_a_cookie_is_signed_out_without_it(app_env, monkeypatch, cookie) -> None:
    """A live Streamlit session (its server-side session live too) replayed by a client that does not carry the
    session's cookie, or carries another: signed out, while the owner's own session (the cookie) lives on."""
    from conftest import signed_in
    from raa_app import gate
    from raa_core.access import sessions
    from raa_core.access.signin import policy
    from raa_core.reference import load_reference
    from raa_core.requests import Viewer
    from raa_core.store import appstate
    from raa_core.store.appstate import AppState

    state = AppState(app_env.parent / appstate.FILE_NAME)
    token = sessions.start(state, Viewer(user="hos.test", role="hos"), "password")
    presented = {"cookie": token}
    monkeypatch.setattr(gate, "_cookie", lambda: presented["cookie"])
    at = signed_in(AppTest.from_file(APP, default_timeout=60))
    at.session_state[SESSION].token = token
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox, "the owner, with the cookie, is signed in"
    presented["cookie"] = cookie  # the same Streamlit session id, from a client without the cookie
    at.run()
    assert not at.exception, at.exception
    assert SESSION not in at.session_state and not at.sidebar.selectbox
    assert [b.proto.label for b in at.get("link_button")] == ["Sign in"]
    rules = policy(load_reference().settings.signin)
    assert sessions.resolve(state, token, rules).viewer is not None, "the owner's session is not ended by a replay"


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/regional_performance.py", "pages/local_performance.py",
                                  "pages/budget.py", "pages/scenarios.py", "pages/data_drops.py", "pages/audit.py",
                                  "pages/users.py"])
def test_every_page_says_sample_data_while_only_the_sample_is_held(app_env, page) -> None:
    """Issue 9 point 7: the bundled sample is 'clearly labelled sample data' on every page (the sidebar)."""
    from conftest import signed_in

    at = signed_in(AppTest.from_file(APP, default_timeout=90))
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("**Sample data.**") for w in at.sidebar.warning), [w.value for w in at.sidebar.warning]
