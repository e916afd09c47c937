"""Who may see and do what: the roles of `data/reference/roles.csv` applied to a signed-in `Viewer`.

Every rule about access is here, so the app's pages, its navigation and the raa_core functions that return
child-level rows all ask the same questions. A refusal raises `AccessDenied` (`Refused`, and a `PermissionError`) whose
message names the user, the role and what was refused. The rules (docs/operations.md) come from the information
sharing agreement behind the business case (3.4, 3.8): child-level rows only for the Head of Service (every
council) and a council's own analyst (that council); aggregates for the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from raa_core.errors import Refused
from raa_core.ingest.contract import Issue, person_rows
from raa_core.presentation import count_noun, display
from raa_core.reference import Reference, Role, load_reference
from raa_core.requests import Viewer


class AccessDenied(Refused, PermissionError):
    """The signed-in viewer's role does not allow this; the message says who, as what, and what was refused."""

    def __init__(self, viewer: Viewer, what: str, ref: Reference | None = None) -> None:
        role = (ref or load_reference()).role(viewer.role)
        label = role.label if role else f"unknown role {viewer.role!r}"
        ref = ref or load_reference()
        council = (f" for {display.council_label(ref, viewer.la_code)}"
                   if role and role.council_bound and viewer.la_code is not None else "")
        super().__init__(f"{viewer.user} ({label}{council}) may not {what}.")
        self.viewer = viewer
        self.what = what


def role_of(viewer: Viewer, ref: Reference | None = None) -> Role | None:
    """The viewer's role from reference data; None when the role is unknown or a council-bound role has no
    council (such a viewer may do nothing)."""
    role = (ref or load_reference()).role(viewer.role)
    if role is None or (role.council_bound and viewer.la_code is None):
        return None
    return role


def has_right(viewer: Viewer, right: str, ref: Reference | None = None) -> bool:
    """Whether the viewer's role holds a right of `reference.RIGHTS` (for any council)."""
    role = role_of(viewer, ref)
    return role is not None and right in role.rights


def require_right(viewer: Viewer, right: str, what: str, ref: Reference | None = None) -> None:
    """Raise AccessDenied (saying `what` was refused) unless the viewer's role holds `right`."""
    if not has_right(viewer, right, ref):
        raise AccessDenied(viewer, what, ref)


def pages(viewer: Viewer, ref: Reference | None = None) -> list[str]:
    """The pages the viewer may open, in the app's order (none for an unknown role)."""
    role = role_of(viewer, ref)
    return [] if role is None else (ref or load_reference()).pages_for(role.role)


def can_open(viewer: Viewer, page: str, ref: Reference | None = None) -> bool:
    return page in pages(viewer, ref)


def require_page(viewer: Viewer, page: str, ref: Reference | None = None) -> None:
    """Raise AccessDenied unless the viewer's role lists `page` in roles.csv."""
    if not can_open(viewer, page, ref):
        raise AccessDenied(viewer, f"open the {display.label('page', page)} page", ref)


def _own_or_all(viewer: Viewer, right: str, ref: Reference | None) -> list[int]:
    ref = ref or load_reference()
    role = role_of(viewer, ref)
    if role is None or right not in role.rights:
        return []
    return [viewer.la_code] if role.council_bound and viewer.la_code is not None else list(ref.la_codes)


def councils(viewer: Viewer, ref: Reference | None = None) -> list[int]:
    """The councils the viewer may pick in the app (besides the region as a whole): a council-bound role its
    own council only, every other role all three; none for an unknown role."""
    ref = ref or load_reference()
    role = role_of(viewer, ref)
    if role is None:
        return []
    return [viewer.la_code] if role.council_bound and viewer.la_code is not None else list(ref.la_codes)


def child_level_councils(viewer: Viewer, ref: Reference | None = None) -> list[int]:
    """The councils whose child-level rows the viewer may see: all, the own council, or none."""
    return _own_or_all(viewer, "child_level", ref)


def can_see_children(viewer: Viewer, la_code: int | None, ref: Reference | None = None) -> bool:
    """Whether the viewer may see child-level rows of a council (`None`: of every council together)."""
    ref = ref or load_reference()
    allowed = child_level_councils(viewer, ref)
    wanted = ref.la_codes if la_code is None else [int(la_code)]
    return bool(allowed) and all(c in allowed for c in wanted)


def require_children(viewer: Viewer, la_code: int | None, ref: Reference | None = None) -> None:
    """Guard of every raa_core function returning child-level rows: raise AccessDenied unless the viewer may
    see that council's children (`None`: every council's)."""
    if not can_see_children(viewer, la_code, ref):
        whose = "every council" if la_code is None else display.council_option(ref or load_reference(), int(la_code))
        raise AccessDenied(viewer, f"see child-level rows of {whose}", ref)


def _as_rows(rows: object) -> list[int]:
    """Zero-based row numbers from a list, an array (a DuckDB list column), or nothing (None, NaN, text)."""
    if rows is None or isinstance(rows, str | float | int):
        return []
    return [int(r) for r in rows]  # type: ignore[attr-defined]


def _row_count(rows: list[int], row_count: object) -> int:
    n = None if row_count is None or pd.isna(row_count) else int(row_count)  # type: ignore[call-overload]
    return max(n or 0, len(rows))


def issue_message(message: str, rows: Sequence[int] | None, row_count: int | None, identifiers: bool) -> str:
    """A drop issue's message as shown: whole where `identifiers` (row numbers and the rows' keys, e.g.
    "...: rows 23 and 204 (the first data row is row 1); child_id BX-074565, BX-904493"), else with the
    location after the rule's words replaced by a count ("...: 2 rows").

    The location is the text `contract.person_rows` wrote after ": " (with any "; <key> ..." after it), so it is
    found by writing it again; a message without rows is returned as it is (it names no row)."""
    listed = _as_rows(rows)
    if identifiers or not listed:
        return message
    where = ": " + person_rows(listed, row_count)
    cut = message.find(where)
    head = message[:cut] if cut >= 0 else message.split(": ", 1)[0]
    return f"{head}: {count_noun(_row_count(listed, row_count), 'row')}"


def issue_shown(issue: Issue, identifiers: bool) -> Issue:
    """A drop issue as an output without child-level scope prints it (the command line's `raa check` and `raa ingest`
    unless the operator asks for identifiers, docs/command-line.md): its message by `issue_message` and, without
    `identifiers`, no row numbers (`rows` None; the message counts them)."""
    if identifiers:
        return issue
    return issue.model_copy(update={"message": issue_message(issue.message, issue.rows, issue.row_count, False),
                                    "rows": None})


def issues_for(viewer: Viewer | None, issues: pd.DataFrame, la_code: int | None = None,
               ref: Reference | None = None) -> tuple[pd.DataFrame, set[int]]:
    """The one rule for where child identifiers, row numbers and dates of birth may appear: drop issues
    (warnings and errors, as stored in `drop_issues` or listed by `drops.issues_frame`) as `viewer` may see
    them, and the councils whose identifiers are shown (the caller audits that as a child-level view).

    A viewer with child-level rights for the issue's council (its `la_code` column, else `la_code`) sees the
    messages whole with their row numbers; everyone else (`viewer` None: an aggregate output such as the board
    pack) sees counts ("2 rows"). Frame columns: `message`, and any of `la_code`, `rows` (zero-based row lists, or
    the person-counted text of `issues_frame` with the lists in `raw_rows`), `row_count`. The `rows` column comes
    back as text: the rows as a person counts them, or their count.
    """
    if issues.empty:
        return issues, set()
    ref = ref or load_reference()
    allowed = set(child_level_councils(viewer, ref)) if viewer is not None else set()
    out = issues.copy()
    councils = out["la_code"] if "la_code" in out.columns else pd.Series([la_code] * len(out), index=out.index)
    raw_rows = out["raw_rows"] if "raw_rows" in out.columns else out.get("rows")
    counts = out["row_count"] if "row_count" in out.columns else pd.Series([None] * len(out), index=out.index)
    shown: set[int] = set()
    messages, row_texts = [], []
    for i in out.index:
        la = councils[i]
        mine = la is not None and not pd.isna(la) and int(la) in allowed
        listed = _as_rows(raw_rows[i]) if raw_rows is not None else []
        if mine and listed:
            shown.add(int(la))
        messages.append(issue_message(str(out.at[i, "message"]), listed, counts[i], mine))
        if "rows" in out.columns:
            if not listed:
                row_texts.append("")
            elif mine:
                given = out.at[i, "rows"]
                row_texts.append(given if isinstance(given, str) else person_rows(listed, counts[i]))
            else:
                row_texts.append(count_noun(_row_count(listed, counts[i]), "row"))
    out["message"] = messages
    if "rows" in out.columns:
        out["rows"] = row_texts
    return out.drop(columns=["raw_rows"], errors="ignore"), shown


def upload_councils(viewer: Viewer, ref: Reference | None = None) -> list[int]:
    """The councils whose drops the viewer may upload: all (admin, Head of Service), the own council, none."""
    return _own_or_all(viewer, "upload_drops", ref)


def require_upload(viewer: Viewer, la_code: int, ref: Reference | None = None) -> None:
    """Raise AccessDenied unless the viewer may upload (check and load) a drop of council `la_code`."""
    if int(la_code) not in upload_councils(viewer, ref):
        raise AccessDenied(viewer, f"upload drops of {display.council_option(ref or load_reference(), la_code)}", ref)


def publication_only(viewer: Viewer, ref: Reference | None = None) -> bool:
    """True when the viewer sees performance figures only with the publication suppression on (the Board)."""
    return has_right(viewer, "publication_only", ref)


def require_comment(viewer: Viewer, ref: Reference | None = None) -> None:
    """Only the Head of Service records variance comments."""
    require_right(viewer, "comment", "record variance comments", ref)


def require_scenarios_write(viewer: Viewer, ref: Reference | None = None) -> None:
    require_right(viewer, "scenarios_write", "save contribution scenarios", ref)


def require_audit(viewer: Viewer, ref: Reference | None = None) -> None:
    require_right(viewer, "audit", "read the audit trail", ref)


def require_users(viewer: Viewer, ref: Reference | None = None) -> None:
    require_right(viewer, "users", "manage users", ref)


def describe(viewer: Viewer, ref: Reference | None = None) -> str:
    """'name, Role label (Council)' for the 'signed in as' line on every page."""
    ref = ref or load_reference()
    role = ref.role(viewer.role)
    label = role.label if role else viewer.role
    if role is not None and role.council_bound and viewer.la_code is not None:
        label += f", {ref.council_name(viewer.la_code)} ({viewer.la_code})"
    return f"{viewer.user} · {label}"
