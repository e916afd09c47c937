"""Sign-in rules shared by both ways in: how long a session lives, and who an OpenID Connect identity is.

The app signs people in either with the councils' identity provider (Streamlit's built-in OpenID Connect,
`st.login`, configured in `.streamlit/secrets.toml`) or, offline, with the embedded users of `accounts.py`.
Either way a session expires after `idle_minutes` without a click and `session_hours` in all
(`settings.json` `signin`; docs/operations.md), and the person becomes a `Viewer` with one role of `roles.csv`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from raa_core.errors import BadInput
from raa_core.reference import Reference, SigninSettings
from raa_core.requests import Viewer


class SigninPolicy(BaseModel):
    """Lock-out and session limits in force (reference settings, optionally overridden for tests/demos)."""

    model_config = ConfigDict(frozen=True)
    max_failed_attempts: int
    lockout: dt.timedelta
    idle: dt.timedelta
    session: dt.timedelta


def policy(settings: SigninSettings, environ: Mapping[str, str] | None = None) -> SigninPolicy:
    """The policy from `settings.json`; `RAA_SESSION_IDLE_SECONDS` / `RAA_SESSION_MAX_SECONDS` in the
    environment shorten or lengthen the session limits (a demo, a test of expiry). Raises BadInput on a
    value that is not a positive number."""
    env = os.environ if environ is None else environ

    def seconds(name: str, default: dt.timedelta) -> dt.timedelta:
        raw = env.get(name)
        if raw in (None, ""):
            return default
        try:
            value = float(raw)
        except ValueError as exc:
            raise BadInput(f"{name} must be a number of seconds, not {raw!r}") from exc
        if value <= 0:
            raise BadInput(f"{name} must be positive, not {raw!r}")
        return dt.timedelta(seconds=value)

    return SigninPolicy(
        max_failed_attempts=settings.max_failed_attempts,
        lockout=dt.timedelta(minutes=settings.lockout_minutes),
        idle=seconds("RAA_SESSION_IDLE_SECONDS", dt.timedelta(minutes=settings.idle_minutes)),
        session=seconds("RAA_SESSION_MAX_SECONDS", dt.timedelta(hours=settings.session_hours)),
    )


def session_expiry(
    started: dt.datetime, last_seen: dt.datetime, now: dt.datetime, rules: SigninPolicy
) -> str | None:
    """Why a session has ended, or None while it lives: 'idle' after `rules.idle` without a click,
    'total' once `rules.session` has passed since sign-in (whichever comes first is reported; the total
    limit wins a tie)."""
    if now - started >= rules.session:
        return "total"
    if now - last_seen >= rules.idle:
        return "idle"
    return None


def expiry_message(reason: str, rules: SigninPolicy) -> str:
    """What the sign-in screen says after a session ended."""
    def span(d: dt.timedelta) -> str:
        s = int(d.total_seconds())
        if s % 3600 == 0:
            return f"{s // 3600} hours" if s != 3600 else "1 hour"
        if s % 60 == 0:
            return f"{s // 60} minutes"
        return f"{s} seconds"

    if reason == "idle":
        return f"Your session ended after {span(rules.idle)} without activity. Please sign in again."
    return f"Your session reached its limit of {span(rules.session)}. Please sign in again."


# --- OpenID Connect: identity to role ----------------------------------------------------------------


class IdentityRule(BaseModel):
    """One line of the `[[raa.identities]]` mapping in secrets.toml: an e-mail address or a group object id
    (Entra ID `groups` claim) given a role of roles.csv, and a council for a council-bound role."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    email: str | None = None
    group: str | None = None
    role: str
    council: int | None = None

    @model_validator(mode="after")
    def _one_key(self) -> IdentityRule:
        if (self.email is None) == (self.group is None):
            raise ValueError("give exactly one of email or group")
        return self


class IdentityConfigError(BadInput):
    """The identity mapping in secrets.toml is not valid; the message names the entry and the field."""


def identity_rules(entries: Sequence[Mapping[str, Any]], ref: Reference) -> list[IdentityRule]:
    """Validate the `[[raa.identities]]` entries: known role, a council (of reference data) exactly where the
    role is council-bound. Raises IdentityConfigError naming the entry (counted from 1) and the problem."""
    rules: list[IdentityRule] = []
    for i, raw in enumerate(entries, start=1):
        try:
            rule = IdentityRule.model_validate(dict(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            raise IdentityConfigError(f"raa.identities entry {i} {where}: {err['msg']}") from exc
        role = ref.role(rule.role)
        if role is None:
            raise IdentityConfigError(f"raa.identities entry {i}: unknown role {rule.role!r} "
                                      f"(roles: {', '.join(ref.role_labels())})")
        if role.council_bound and rule.council not in ref.la_codes:
            raise IdentityConfigError(f"raa.identities entry {i}: role {rule.role} needs a council "
                                      f"({', '.join(map(str, ref.la_codes))})")
        if not role.council_bound and rule.council is not None:
            raise IdentityConfigError(f"raa.identities entry {i}: role {rule.role} is not bound to a council")
        rules.append(rule)
    return rules


def identity_email(claims: Mapping[str, Any]) -> str | None:
    """The person's e-mail address from ID-token claims: `email`, else Entra ID's `preferred_username`
    (the sign-in name, an e-mail address in the councils' tenants), lower-cased."""
    for key in ("email", "preferred_username", "upn"):
        value = claims.get(key)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def viewer_for_identity(claims: Mapping[str, Any], rules: Sequence[IdentityRule]) -> Viewer | None:
    """The Viewer an OpenID Connect identity signs in as, or None when no rule names it.

    A rule naming the person's e-mail address wins over group rules (so one person can be given a role
    other than their group's); otherwise the first group rule, in file order, naming one of the token's
    `groups`. The Viewer's user is the e-mail address (or the token's `sub` when it carries none)."""
    email = identity_email(claims)
    groups = {str(g) for g in claims.get("groups") or [] if g is not None}
    match = next((r for r in rules if r.email is not None and email is not None and r.email.lower() == email), None)
    if match is None:
        match = next((r for r in rules if r.group is not None and r.group in groups), None)
    if match is None:
        return None
    user = email or str(claims.get("sub") or "unknown")
    return Viewer(user=user, role=match.role, la_code=match.council)
