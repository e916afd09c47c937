"""AppTest: the Overview's line of disk used (raa_core.store.backup.disk_usage; docs/operations.md)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_core.presentation import disk_text
from raa_core.store import backup


def test_overview_shows_the_disk_used(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Overview"
    lines = [c.value for c in at.main.caption if c.value.startswith("Disk used:")]
    assert lines == [disk_text(backup.disk_usage(app_env))]
    assert "(1 version kept)" in lines[0] and "app-state store" in lines[0]
