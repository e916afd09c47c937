"""Session limits and the OpenID Connect identity-to-role mapping (no live provider: claims as Entra ID sends them)."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from conftest import REPO
from raa_core.access import signin
from raa_core.access.signin import IdentityConfigError
from raa_core.requests import Viewer

T0 = dt.datetime(2026, 11, 23, 9, 0)


def test_policy_defaults_are_those_of_issue_13(ref) -> None:
    rules = signin.policy(ref.settings.signin, environ={})
    assert rules.max_failed_attempts == 5
    assert rules.lockout == dt.timedelta(minutes=15)
    assert rules.idle == dt.timedelta(minutes=30)
    assert rules.session == dt.timedelta(hours=8)


def test_policy_session_limits_can_be_set_in_the_environment(ref) -> None:
    rules = signin.policy(ref.settings.signin, environ={"RAA_SESSION_IDLE_SECONDS": "4",
                                                       "RAA_SESSION_MAX_SECONDS": "90.5"})
    assert (rules.idle, rules.session) == (dt.timedelta(seconds=4), dt.timedelta(seconds=90.5))
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ValueError, match="RAA_SESSION_IDLE_SECONDS"):
            signin.policy(ref.settings.signin, environ={"RAA_SESSION_IDLE_SECONDS": bad})


@pytest.mark.parametrize(("since_start", "since_click", "expected"), [
    (dt.timedelta(minutes=5), dt.timedelta(minutes=1), None),
    (dt.timedelta(minutes=40), dt.timedelta(minutes=29, seconds=59), None),
    (dt.timedelta(minutes=40), dt.timedelta(minutes=30), "idle"),
    (dt.timedelta(hours=7, minutes=59), dt.timedelta(seconds=10), None),
    (dt.timedelta(hours=8), dt.timedelta(seconds=10), "total"),
    (dt.timedelta(hours=9), dt.timedelta(hours=1), "total"),
])
def test_session_expiry(ref, since_start, since_click, expected) -> None:
    rules = signin.policy(ref.settings.signin, environ={})
    now = T0 + since_start
    assert signin.session_expiry(T0, now - since_click, now, rules) == expected


def test_expiry_messages(ref) -> None:
    rules = signin.policy(ref.settings.signin, environ={})
    assert signin.expiry_message("idle", rules) == (
        "Your session ended after 30 minutes without activity. Please sign in again.")
    assert signin.expiry_message("total", rules) == "Your session reached its limit of 8 hours. Please sign in again."


RULES = [
    {"email": "Sam.Head@Kent.gov.uk", "role": "hos"},
    {"group": "5f1c-finance", "role": "finance"},
    {"group": "aa11-kent-analysts", "role": "council_analyst", "council": 886},
    {"group": "bb22-medway-analysts", "role": "council_analyst", "council": 887},
    {"email": "pat.board@bexley.gov.uk", "role": "board"},
]


@pytest.mark.parametrize(("claims", "expected"), [
    ({"email": "sam.head@kent.gov.uk", "groups": ["aa11-kent-analysts"]}, Viewer(user="sam.head@kent.gov.uk", role="hos", la_code=None)),
    ({"preferred_username": "Ann@Kent.gov.uk", "groups": ["zz", "aa11-kent-analysts"]},
     Viewer(user="ann@kent.gov.uk", role="council_analyst", la_code=886)),
    ({"email": "mo@medway.gov.uk", "groups": ["bb22-medway-analysts", "5f1c-finance"]},
     Viewer(user="mo@medway.gov.uk", role="finance", la_code=None)),  # first group rule in file order
    ({"email": "pat.board@bexley.gov.uk"}, Viewer(user="pat.board@bexley.gov.uk", role="board", la_code=None)),
    ({"email": "stranger@example.com", "groups": ["other"]}, None),
    ({"sub": "abc", "groups": []}, None),
])
def test_identity_to_role(ref, claims, expected) -> None:
    rules = signin.identity_rules(RULES, ref)
    assert signin.viewer_for_identity(claims, rules) == expected


@pytest.mark.parametrize(("entry", "message"), [
    ({"email": "a@b", "group": "g", "role": "hos"}, "entry 1 .*exactly one of email or group"),
    ({"role": "hos"}, "entry 1 .*exactly one of email or group"),
    ({"email": "a@b", "role": "root"}, "entry 1: unknown role 'root'"),
    ({"group": "g", "role": "council_analyst"}, "entry 1: role council_analyst needs a council"),
    ({"group": "g", "role": "council_analyst", "council": 999}, "entry 1: role council_analyst needs a council"),
    ({"group": "g", "role": "finance", "council": 886}, "entry 1: role finance is not bound to a council"),
    ({"group": "g", "role": "finance", "colour": "red"}, "entry 1 colour"),
])
def test_bad_identity_rules_are_named(ref, entry, message) -> None:
    with pytest.raises(IdentityConfigError, match=message):
        signin.identity_rules([entry], ref)


def test_the_shipped_entra_example_is_a_valid_configuration(ref) -> None:
    """The example secrets file README documents: Streamlit's [auth] for Microsoft Entra ID and our mapping."""
    example = tomllib.loads((REPO / ".streamlit" / "secrets.example.toml").read_text())
    auth = example["auth"]
    assert auth["redirect_uri"].endswith("/oauth2callback") and auth["cookie_secret"]
    provider = example["raa"]["provider"]
    entra = auth[provider]
    assert entra["server_metadata_url"].startswith("https://login.microsoftonline.com/")
    assert entra["server_metadata_url"].endswith("/v2.0/.well-known/openid-configuration")
    assert entra["client_id"] and entra["client_secret"]
    rules = signin.identity_rules(example["raa"]["identities"], ref)
    assert {r.role for r in rules} == set(ref.role_labels())
    assert not (REPO / ".streamlit" / "secrets.toml").exists(), "never commit the real secrets file"
