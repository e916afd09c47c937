"""The app's Streamlit settings are production's: no file watcher (it walks .venv and the uploads folder), no
usage statistics, and the README says how a developer turns the watcher on for a run."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_file_watcher_is_off_and_the_readme_says_how_to_turn_it_on() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False
    assert config["browser"]["gatherUsageStats"] is False
    assert "--server.fileWatcherType auto" in (REPO / "README.md").read_text("utf-8")
