"""Every permission check of raa_core.access, and the child-level function refusing a viewer without the right."""

from __future__ import annotations

import re

import pytest

from factories import HOS, req, snap
from raa_core import access
from raa_core.access import AccessDenied
from raa_core.performance import journeys
from raa_core.periods import parse_period
from raa_core.presentation import display
from raa_core.requests import Viewer

BOARD = Viewer(user="b", role="board", la_code=None)
FINANCE = Viewer(user="f", role="finance", la_code=None)
ADMIN = Viewer(user="a", role="admin", la_code=None)
A303 = Viewer(user="x303", role="council_analyst", la_code=303)
A886 = Viewer(user="x886", role="council_analyst", la_code=886)
A887 = Viewer(user="x887", role="council_analyst", la_code=887)
UNBOUND_ANALYST = Viewer(user="nobody", role="council_analyst", la_code=None)
STRANGER = Viewer(user="s", role="superuser", la_code=None)
EVERYONE = [HOS, BOARD, FINANCE, ADMIN, A303, A886, A887, UNBOUND_ANALYST, STRANGER]


@pytest.mark.parametrize(("viewer", "children", "uploads"), [
    (HOS, [303, 886, 887], [303, 886, 887]),
    (BOARD, [], []),
    (FINANCE, [], []),
    (ADMIN, [], [303, 886, 887]),
    (A303, [303], [303]),
    (A886, [886], [886]),
    (A887, [887], [887]),
    (UNBOUND_ANALYST, [], []),
    (STRANGER, [], []),
])
def test_child_level_and_upload_councils(ref, viewer, children, uploads) -> None:
    assert access.child_level_councils(viewer, ref) == children
    bound = viewer.role == "council_analyst"
    assert access.councils(viewer, ref) == ([] if viewer in (UNBOUND_ANALYST, STRANGER) else
                                            [viewer.la_code] if bound else [303, 886, 887])
    assert access.upload_councils(viewer, ref) == uploads
    for la in ref.la_codes:
        assert access.can_see_children(viewer, la, ref) is (la in children)
        if la in children:
            access.require_children(viewer, la, ref)
        else:
            with pytest.raises(AccessDenied, match=re.escape(f"may not see child-level rows of {display.council_option(ref, la)}")):
                access.require_children(viewer, la, ref)
        if la in uploads:
            access.require_upload(viewer, la, ref)
        else:
            with pytest.raises(AccessDenied, match=re.escape(f"may not upload drops of {display.council_option(ref, la)}")):
                access.require_upload(viewer, la, ref)
    # Every council's children together: only a viewer who may see each council's.
    assert access.can_see_children(viewer, None, ref) is (children == ref.la_codes)


@pytest.mark.parametrize(("viewer", "pages"), [
    (HOS, ["overview", "regional_performance", "local_performance", "forecast", "budget", "scenarios", "boardpack",
           "data_drops", "audit", "users"]),
    (BOARD, ["overview", "regional_performance", "forecast", "budget", "scenarios", "boardpack"]),
    (FINANCE, ["overview", "regional_performance", "local_performance", "forecast", "budget", "scenarios"]),
    (ADMIN, ["overview", "data_drops", "audit", "users"]),
    (A886, ["overview", "regional_performance", "local_performance", "data_drops"]),
    (UNBOUND_ANALYST, []),
    (STRANGER, []),
])
def test_pages(ref, viewer, pages) -> None:
    assert access.pages(viewer, ref) == pages
    for page in ("overview", "regional_performance", "local_performance", "forecast", "budget", "data_drops", "audit"):
        assert access.can_open(viewer, page, ref) is (page in pages)
        if page in pages:
            access.require_page(viewer, page, ref)
        else:
            with pytest.raises(AccessDenied, match=f"may not open the {display.label('page', page)} page"):
                access.require_page(viewer, page, ref)


@pytest.mark.parametrize(("check", "allowed", "message"), [
    (access.require_comment, {"hos"}, "record variance comments"),
    (access.require_scenarios_write, {"hos", "finance"}, "save contribution scenarios"),
    (access.require_audit, {"hos", "admin"}, "read the audit trail"),
    (access.require_users, {"hos", "admin"}, "manage users"),
])
def test_rights(ref, check, allowed, message) -> None:
    for viewer in EVERYONE:
        ok = viewer.role in allowed and viewer is not STRANGER
        if ok:
            check(viewer, ref)
        else:
            with pytest.raises(AccessDenied, match=message):
                check(viewer, ref)


def test_only_the_board_is_held_to_the_publication_view(ref) -> None:
    assert [v.user for v in EVERYONE if access.publication_only(v, ref)] == ["b"]


def test_refusal_is_a_permission_error_naming_who_and_what(ref) -> None:
    with pytest.raises(PermissionError) as err:
        access.require_children(A886, 887, ref)
    assert str(err.value) == "x886 (Council performance analyst for Kent) may not see child-level rows of Medway (887)."
    with pytest.raises(PermissionError, match=r"s \(unknown role 'superuser'\) may not open the Overview page"):
        access.require_page(STRANGER, "overview", ref)


def test_describe_says_who_and_as_what(ref) -> None:
    assert access.describe(A886, ref) == "x886 · Council performance analyst, Kent (886)"
    assert access.describe(HOS, ref) == "test-hos · Head of Service"


def test_the_child_level_function_refuses_another_council_and_roles_without_the_right(sample_con) -> None:
    period = parse_period("2018-19")
    mine = journeys.a1_distribution(snap(sample_con), req(period, la_code=886), viewer=A886)
    assert len(mine) > 0 and set(mine["la_code"]) == {886}
    for viewer, la_code in [(A886, 887), (A886, None), (BOARD, 886), (FINANCE, 303), (ADMIN, 887)]:
        with pytest.raises(AccessDenied, match="child-level rows"):
            journeys.a1_distribution(snap(sample_con), req(period, la_code=la_code), viewer=viewer)
    assert len(journeys.a1_distribution(snap(sample_con), req(period, la_code=None), viewer=HOS)) >= len(mine)
