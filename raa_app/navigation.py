"""The app's pages, written once: each page's key (in roles.csv), script, menu title and icon, by menu group.

app.py registers them with `st.navigation`; the Overview's "Go to" links are the same entries (`OVERVIEW_LINKS`),
so a title or icon changes in one place.
"""

from __future__ import annotations

from pathlib import Path

#: group -> [(key in roles.csv, page script, title, icon)], in menu order.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "": [("overview", "pages/overview.py", "Overview", ":material/home:")],
    "Performance": [
        ("regional_performance", "pages/regional_performance.py", "Regional performance", ":material/monitoring:"),
        ("local_performance", "pages/local_performance.py", "Local performance", ":material/location_on:"),
        ("forecast", "pages/forecast.py", "Forecast", ":material/trending_up:"),
    ],
    "Finance": [("budget", "pages/budget.py", "Pooled budget", ":material/account_balance:"),
                ("scenarios", "pages/scenarios.py", "Contribution scenarios", ":material/calculate:")],
    "Board": [("boardpack", "pages/boardpack.py", "Board pack", ":material/picture_as_pdf:")],
    "Data": [("data_drops", "pages/data_drops.py", "Data drops", ":material/upload_file:")],
    "Administration": [("audit", "pages/audit.py", "Audit", ":material/policy:"),
                       ("users", "pages/users.py", "Users", ":material/group:")],
}

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
    for pages in PAGES.values():
        for k, script, title, icon in pages:
            if k == key:
                return script, title, icon
    raise KeyError(key)
