"""The event log (raa_core/logs.py; docs/operations.md "Logs and rotation"): one JSON line per event, at the
points that matter to the IT team, with no personal values: an ingest of the bundled sample (and a drop rejected
for a repeated child), sign-ins and a refused page leave no child identifier, date of birth or password in it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core import logs
from raa_core.access import accounts, audit, signin
from raa_core.ingest import drops
from raa_core.requests import Viewer
from raa_core.store import appstate
from raa_core.store.appstate import AppState

PASSWORD = "correct horse battery staple"


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.log"
    logs.configure(path)
    yield path
    logs.configure(None)


def sample_children() -> tuple[set[str], set[str]]:
    ids: set[str] = set()
    births: set[str] = set()
    for f in SAMPLE_DROPS.glob("*/*/children.parquet"):
        t = pq.read_table(f, columns=["child_id", "date_of_birth"])
        ids |= {str(v) for v in t.column("child_id").to_pylist() if v}
        births |= {v.isoformat() for v in t.column("date_of_birth").to_pylist() if v}
    return ids, births


def test_an_ingest_and_sign_ins_log_no_personal_values(tmp_path: Path, ref, log_file: Path) -> None:
    root = tmp_path / "drops"
    shutil.copytree(SAMPLE_DROPS, root)
    # one more Kent drop that repeats a child: rejected, with the child's id in its message (never logged)
    newest = sorted((root / "886").iterdir())[-1]
    bad = root / "886" / (dt.date.fromisoformat(newest.name) + dt.timedelta(days=1)).isoformat()
    shutil.copytree(newest, bad)
    (bad / "manifest.json").unlink(missing_ok=True)
    kids = pq.read_table(bad / "children.parquet")
    pq.write_table(pa.concat_tables([kids, kids.slice(0, 1)]), bad / "children.parquet")
    db = tmp_path / "wh" / "raa.duckdb"
    report = drops.ingest(db, root, ref, today=SAMPLE_TODAY, actor="raa ingest (user ops)")
    rejected = report.by("rejected")
    assert len(report.by("accepted")) == 27 and [r.path for r in rejected] == [f"886/{bad.name}"]
    repeated = kids.column("child_id")[0].as_py()
    assert any(repeated in i.message for i in rejected[0].errors)  # the message holds it; the log must not

    state = AppState(db.parent / appstate.FILE_NAME)
    accounts.add_user(state, "kent.analyst", PASSWORD, "council_analyst", 886, ref)
    rules = signin.policy(ref.settings.signin)
    assert accounts.sign_in(state, "kent.analyst", PASSWORD, rules, demo_allowed=False).viewer is not None
    assert accounts.sign_in(state, "kent.analyst", PASSWORD + "!", rules, demo_allowed=False).viewer is None
    audit.refused(state, Viewer(user="kent.analyst", role="council_analyst", la_code=886), "audit",
                  "Your role cannot open the Audit page.")

    text = log_file.read_text("utf-8")
    events = [json.loads(line) for line in text.splitlines()]
    kinds = [e["kind"] for e in events]
    assert kinds.count("ingest") == 28 and kinds.count("ingest_run") == 1
    assert [e["outcome"] for e in events if e["kind"] == "sign_in"] == ["ok", "wrong password"]
    assert all(e["user"] == "kent.analyst" for e in events if e["kind"] in ("sign_in", "refused"))
    assert next(e for e in events if e.get("outcome") == "rejected")["rules"]
    assert all(e["at"].endswith("Z") for e in events)
    ids, births = sample_children()
    assert len(ids) > 100
    assert not [i for i in ids if i in text]
    # extract dates (drop paths) and the day of the events are logged on purpose; a birth on one of them says nothing
    logged_dates = {p.name for p in root.glob("*/*")} | {e["at"][:10] for e in events}
    assert not [b for b in births - logged_dates if b in text]
    assert PASSWORD not in text


def test_events_go_to_standard_error_without_a_file(capsys, monkeypatch) -> None:
    monkeypatch.delenv(logs.ENV, raising=False)
    logs.configure(None)
    logs.event("fault", where="test", message="could not write: No space left on device")
    err = capsys.readouterr().err.strip().splitlines()
    assert json.loads(err[-1])["message"] == "could not write: No space left on device"


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(logs.ENV, str(tmp_path / "raa.log"))
    logs.configure(None)
    try:
        logs.event("ingest_run", accepted=0)
        assert json.loads((tmp_path / "raa.log").read_text())["kind"] == "ingest_run"
        assert (tmp_path / "raa.log").stat().st_mode & 0o077 == 0
    finally:
        logs.configure(None)


def test_a_personal_field_is_refused() -> None:
    with pytest.raises(ValueError, match="must not log password"):
        logs.line("sign_in", user="a", password="b")


def test_the_command_line_keeps_standard_error_for_people(tmp_path: Path, capsys, monkeypatch) -> None:
    """Without a log file named, `raa` writes no event lines on standard error; with one, they go there."""
    from raa_core.cli import main

    monkeypatch.delenv(logs.ENV, raising=False)
    shutil.copytree(SAMPLE_DROPS / "886", tmp_path / "drops" / "886")
    db = tmp_path / "wh" / "raa.duckdb"
    try:
        assert main(["ingest", str(tmp_path / "drops"), "--db", str(db), "--today", SAMPLE_TODAY.isoformat()]) == 0
        assert '"kind"' not in capsys.readouterr().err
        monkeypatch.setenv(logs.ENV, str(tmp_path / "events.log"))
        assert main(["ingest", str(tmp_path / "drops"), "--db", str(db), "--today", SAMPLE_TODAY.isoformat()]) == 0
        assert '"kind"' not in capsys.readouterr().err
        runs = [json.loads(x) for x in (tmp_path / "events.log").read_text().splitlines() if '"ingest_run"' in x]
        assert [r["published"] for r in runs] == [False]
    finally:
        logs.configure(None)
