"""docs/operations.md says what the service does: its roles table lists each role's pages as roles.csv grants them
(by app.py's page titles), the scheduled ingest's wrapper names the event log file (the command line writes events
only to a named file: raa_core/logs.py), and the health route's example has the payload's fields
(raa_core/store/status.py `health`)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from conftest import REPO
from raa_core.store import status, warehouse

DOC = (REPO / "docs" / "operations.md").read_text()


def _titles() -> dict[str, str]:
    """The pages roles.csv grants, by key (the accessibility statement is open to everyone, granted to none)."""
    from raa_app.navigation import ACCESSIBILITY, PAGES

    return {key: title for key, _, title, _ in PAGES if key != ACCESSIBILITY}


def test_the_roles_table_lists_the_pages_roles_csv_grants() -> None:
    titles = _titles()
    with open(REPO / "data" / "reference" / "roles.csv", newline="") as f:
        granted = {row["role"]: [titles[p] for p in row["pages"].split()] for row in csv.DictReader(f)}
    roles = DOC.split("### Roles", 1)[1].split("###", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", roles, re.M)}
    assert set(granted) <= set(rows)
    for role, pages in granted.items():
        if rows[role].strip() == "every page":
            assert pages == list(titles.values()), role
            continue
        listed = [re.sub(r"\s*\(.*?\)", "", p).strip() for p in rows[role].split(",")]
        assert listed == pages, role


def test_the_cron_wrapper_names_the_event_log_file() -> None:
    script = DOC.split("A wrapper script, `/srv/raa/ingest.sh`:", 1)[1].split("```", 2)[1]
    assert re.search(r"^export RAA_LOG_FILE=/\S+", script, re.M)
    assert script.index("RAA_LOG_FILE") < script.index(".venv/bin/raa ingest")


def test_the_health_example_has_the_payloads_fields(tmp_path: Path, ref) -> None:
    example = DOC.split("## Health route", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    shown = json.loads(example)
    warehouse.ensure(tmp_path / "raa.duckdb")
    payload = status.health(tmp_path / "raa.duckdb", ref)
    assert shown.keys() == payload.keys()
    for part in ("warehouse", "store", "disk"):
        assert shown[part].keys() == payload[part].keys(), part
