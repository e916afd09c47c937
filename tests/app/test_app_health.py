"""`streamlit run app.py` serves `/healthz` beside the pages (raa_app/server.py; docs/operations.md "Health"):
browser-free, over urllib. 200 and the payload while serving; 503 once the warehouse is unusable."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from browser_support import streamlit_process
from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.store import warehouse


def get(url: str) -> tuple[int, dict[str, object], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.loads(r.read()), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers.get("Content-Type", "")


def test_the_server_answers_healthz(sample_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, db.parent / real.name)
    db.symlink_to(real.name)
    env = {"RAA_DB": str(db), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat()}
    with streamlit_process(env) as (url, _, _):
        code, doc, kind = get(f"{url}/healthz")
        assert code == 200 and kind.startswith("application/json")
        assert doc["status"] == "ok" and doc["warehouse"]["version"] == real.name
        assert doc["last_ingest"]["outcome"] == "accepted"
        with urllib.request.urlopen(url, timeout=30) as r:  # the app itself is still served
            assert r.status == 200 and b"<html" in r.read(2000).lower()
        with open(db.parent / real.name, "r+b") as fh:
            fh.truncate(100)
        code, doc, _ = get(f"{url}/healthz")
        assert code == 503 and doc["status"] == "unusable"
