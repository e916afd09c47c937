"""The app's pages, written once: each page's key (in roles.csv), script, menu title and icon, by menu group.

app.py registers them with `st.navigation`; the Overview's "Go to" links are the same entries (`OVERVIEW_LINKS`),
so a title or icon changes in one place.
"""

from __future__ import annotations

from raa_core.presentation.display import PAGE_TITLES as TITLES

#: group -> [(key in roles.csv, page script, title, icon)], in menu order.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "": [("overview", "pages/overview.py", TITLES["overview"], ":material/home:")],
    "Performance": [
        ("regional_performance", "pages/regional_performance.py", TITLES["regional_performance"], ":material/monitoring:"),
        ("local_performance", "pages/local_performance.py", TITLES["local_performance"], ":material/location_on:"),
        ("forecast", "pages/forecast.py", TITLES["forecast"], ":material/trending_up:"),
    ],
    "Finance": [("budget", "pages/budget.py", TITLES["budget"], ":material/account_balance:"),
                ("scenarios", "pages/scenarios.py", TITLES["scenarios"], ":material/calculate:")],
    "Board": [("boardpack", "pages/boardpack.py", TITLES["boardpack"], ":material/picture_as_pdf:")],
    "Data": [("data_drops", "pages/data_drops.py", TITLES["data_drops"], ":material/upload_file:")],
    "Administration": [("audit", "pages/audit.py", TITLES["audit"], ":material/policy:"),
                       ("users", "pages/users.py", TITLES["users"], ":material/group:")],
}

#: The pages the Overview links to under "Go to" (those the viewer may open, in the role's order; the Overview
#: itself and the Forecast are not linked).
OVERVIEW_LINKS = ("regional_performance", "local_performance", "budget", "scenarios", "boardpack", "data_drops",
                  "audit", "users")


def page(key: str) -> tuple[str, str, str]:
    """(script, title, icon) of the page with `key`."""
    for pages in PAGES.values():
        for k, script, title, icon in pages:
            if k == key:
                return script, title, icon
    raise KeyError(key)
