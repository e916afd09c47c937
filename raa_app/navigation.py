"""The app's pages, written once: each page's key (in roles.csv), script, menu title (the presentation layer's
`PAGE_LABELS`, which the audit also uses) and icon, in menu order.

app.py registers them with `st.navigation`; the Overview's "Go to" links are the same entries (`OVERVIEW_LINKS`),
so a title or icon changes in one place.
"""

from __future__ import annotations

from pathlib import Path

from raa_core.presentation.display import PAGE_LABELS

#: (key in roles.csv, page script, title, icon), in menu order.
#:
#: The menu is one flat list, not grouped under headings: Streamlit draws a group's heading and its links inside
#: the menu's list (`<ul>`) but outside any list item, so a screen reader is not told how many links the menu
#: holds or that they belong together (WCAG 2.2 1.3.1; axe rules `list` and `listitem`). Ten titles that say what
#: each page is need no headings; docs/accessibility/ records the finding when it comes back.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("overview", "pages/overview.py", PAGE_LABELS["overview"], ":material/home:"),
    ("regional_performance", "pages/regional_performance.py", PAGE_LABELS["regional_performance"], ":material/monitoring:"),
    ("local_performance", "pages/local_performance.py", PAGE_LABELS["local_performance"], ":material/location_on:"),
    ("forecast", "pages/forecast.py", PAGE_LABELS["forecast"], ":material/trending_up:"),
    ("budget", "pages/budget.py", PAGE_LABELS["budget"], ":material/account_balance:"),
    ("scenarios", "pages/scenarios.py", PAGE_LABELS["scenarios"], ":material/calculate:"),
    ("boardpack", "pages/boardpack.py", PAGE_LABELS["boardpack"], ":material/picture_as_pdf:"),
    ("data_drops", "pages/data_drops.py", PAGE_LABELS["data_drops"], ":material/upload_file:"),
    ("audit", "pages/audit.py", PAGE_LABELS["audit"], ":material/policy:"),
    ("users", "pages/users.py", PAGE_LABELS["users"], ":material/group:"),
    # Open to everyone, signed in or not: never in the menu (roles.csv does not list it), linked from the foot of
    # the sidebar on every page and from the sign-in screen (`ACCESSIBILITY`).
    ("accessibility", "pages/accessibility.py", PAGE_LABELS["accessibility"], ":material/accessibility:"),
)

#: The accessibility statement's page key (Public Sector Bodies Accessibility Regulations 2018: reachable from
#: every page, and before sign-in).
ACCESSIBILITY = "accessibility"

#: The pages the Overview links to under "Go to" (those the viewer may open, in the role's order; the Overview
#: itself and the Forecast are not linked).
OVERVIEW_LINKS = ("regional_performance", "local_performance", "budget", "scenarios", "boardpack", "data_drops",
                  "audit", "users")


#: The documents the Overview opens under "Go to" (key, file in the repository, title, icon): what a reader of the
#: information sharing agreement asks of the dashboard.
DOCUMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("data_protection", "docs/data-protection.md", "How personal data is handled", ":material/shield_person:"),
)


def document(key: str) -> tuple[str, str, str]:
    """(title, icon, Markdown text) of the document with `key` in `DOCUMENTS`, read from the repository."""
    for k, path, title, icon in DOCUMENTS:
        if k == key:
            return title, icon, (Path(__file__).resolve().parent.parent / path).read_text(encoding="utf-8")
    raise KeyError(key)


def page(key: str) -> tuple[str, str, str]:
    """(script, title, icon) of the page with `key`."""
    for k, script, title, icon in PAGES:
        if k == key:
            return script, title, icon
    raise KeyError(key)


def url_path(key: str) -> str:
    """The page's address path without the leading slash, as Streamlit names it from the script (its stem)."""
    script, _, _ = page(key)
    return script.rsplit("/", 1)[-1].removesuffix(".py")
