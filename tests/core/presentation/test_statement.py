"""The accessibility statement says only what the checks' latest results say, in the regulations' sections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raa_core.presentation import statement

pytestmark = pytest.mark.core

HEADINGS = ["Compliance status", "Non-accessible content", "Reporting accessibility problems",
            "Enforcement procedure", "How we tested this dashboard"]


def _write(folder: Path, name: str, passed: bool, findings: list[dict[str, str]]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({
        "tested_on": "2026-11-20", "tool": f"{name}-tool 1.0", "passed": passed, "scope": f"{name} scope",
        "findings": findings}))


def test_nothing_tested_claims_nothing(tmp_path: Path) -> None:
    got = statement.sections(statement.load(tmp_path), "Some RAA", None)
    assert [s.heading for s in got[1:]] == HEADINGS
    text = "\n".join(s.text for s in got)
    assert "has not been tested" in got[1].text and "compliant" not in got[1].text
    assert text.count("not run.") == len(statement.CHECKS)
    assert "administrator" in got[3].text and "Equality and Human Rights Commission" in got[4].text


def test_results_become_the_status_the_findings_and_the_dates(tmp_path: Path) -> None:
    _write(tmp_path, "axe", True, [{"what": "Streamlit's toolbar button has no name", "impact": "serious",
                                    "where": "every page", "why": "It is Streamlit's own.",
                                    "upstream": "streamlit/streamlit#1"}])
    _write(tmp_path, "pdf", False, [{"what": "A table has no header cells", "impact": "moderate"}])
    (tmp_path / "keyboard.json").write_text("not json")  # unreadable: not tested, never passed
    got = {s.heading: s.text for s in statement.sections(statement.load(tmp_path), "Some RAA", "access@example.org")}
    status = got["Compliance status"]
    assert "**partially compliant**" in status and "2 issues (1 serious or critical)" in status
    assert "1 check did not pass" in status and "the keyboard walk has not been run" in status
    assert "fully compliant" not in status.replace("do not claim full compliance", "")
    issues = got["Non-accessible content"]
    assert "- Streamlit's toolbar button has no name (every page; serious). It is Streamlit's own. " \
           "Upstream issue: streamlit/streamlit#1." in issues and "- A table has no header cells (moderate)." in issues
    assert "Not tested: a scripted walk with the keyboard alone" in issues
    tested = got["How we tested this dashboard"]
    assert "last run on 20 Nov 2026 with axe-tool 1.0; axe scope; passed" in tested
    assert "with pdf-tool 1.0; pdf scope; did not pass" in tested and "keyboard alone" in tested
    # each line starts with a capital and keeps its names' capitals (Chromium, PDF), never str.capitalize()
    assert "- An automated scan with axe-core in Chromium" in tested and "the board pack's PDF" in tested
    assert "contact access@example.org" in got["Reporting accessibility problems"]


def test_the_shipped_results_are_readable() -> None:
    """The results the suite last wrote (docs/accessibility/) are what the page shows: each file that exists
    reads back as a check."""
    files = sorted(statement.RESULTS.glob("*.json"))
    assert files, "docs/accessibility/ holds no results: run the accessibility checks"
    loaded = statement.load()
    assert all(loaded[f.stem] is not None for f in files if f.stem in statement.CHECKS)
