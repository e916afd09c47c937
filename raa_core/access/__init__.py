"""Who may see and do what: roles and rights, accounts, sign-in and the audit trail.

Modules:
- policy (re-exported here): roles' pages and rights from data/reference/roles.csv, and the checks every path uses.
- accounts: users of the embedded sign-in and the demo accounts.
- signin: password sign-in, lock-out and sessions.
- audit: the audit trail of sign-ins, views of child-level data, exports and writes.
"""

from raa_core.access.policy import (
    AccessDenied,
    can_open,
    can_see_children,
    child_level_councils,
    councils,
    describe,
    has_right,
    issue_message,
    issue_shown,
    issues_for,
    pages,
    publication_only,
    require_audit,
    require_children,
    require_comment,
    require_page,
    require_right,
    require_scenarios_write,
    require_upload,
    require_users,
    role_of,
    upload_councils,
)

__all__ = [
    'AccessDenied',
    'can_open',
    'can_see_children',
    'child_level_councils',
    'councils',
    'describe',
    'has_right',
    'issue_message',
    'issue_shown',
    'issues_for',
    'pages',
    'publication_only',
    'require_audit',
    'require_children',
    'require_comment',
    'require_page',
    'require_right',
    'require_scenarios_write',
    'require_upload',
    'require_users',
    'role_of',
    'upload_councils',
]
