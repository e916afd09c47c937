"""The app's pages are written once (raa_app.navigation): app.py registers them and the Overview links to them."""

from __future__ import annotations

from pathlib import Path

from raa_app import navigation

REPO = Path(__file__).resolve().parents[2]


def test_every_page_has_a_script_and_the_overview_links_name_pages() -> None:
    entries = list(navigation.PAGES)
    assert len({k for k, *_ in entries}) == len(entries)
    for _, script, title, icon in entries:
        assert (REPO / script).is_file() and title and icon.startswith(":material/")
    assert navigation.page("budget") == ("pages/budget.py", "Pooled budget", ":material/account_balance:")
    assert all(navigation.page(k) for k in navigation.OVERVIEW_LINKS)


def test_titles_and_icons_are_not_written_again_in_app_or_overview() -> None:
    for source in ("app.py", "pages/overview.py"):
        text = (REPO / source).read_text("utf-8")
        assert ":material/account_balance:" not in text and '"Pooled budget"' not in text, source
