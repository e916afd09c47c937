"""Server memory around upload sessions: it must return to its level once the sessions end.

Starts `streamlit run app.py` over a fresh warehouse, then in headless Chromium opens N sessions one after
another; each uploads a large zip of one drop on the Data drops page, clicks "Check only", waits for the
verdict and closes. Prints the server's resident memory (VmRSS) at its warm baseline, after each upload,
and 15 s after the last session closed, the ratio of the last to the baseline, and the files left in the
upload staging folder (target: ratio <= 1.2, no file left).

    .venv/bin/python bench/uploads.py [--sessions 3] [--mb 190]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

TODAY = dt.date(2026, 11, 23)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def big_zip(folder: Path, mb: int) -> Path:
    """A Kent drop whose children file holds ~mb MB of incompressible (random) identifiers, zipped."""
    import numpy as np
    import pyarrow as pa

    import dropkit as dk

    n = mb * 1_048_576 // 40
    rng = np.random.default_rng(1)
    ids = pa.array(np.char.add("KC-", rng.integers(0, 2**62, n).astype(str)))
    t = pa.table({
        "child_id": ids,
        "sex": pa.array(["F"] * n),
        "date_of_birth": pa.array([dt.date(2018, 3, 1)] * n, pa.date32()),
        "entered_care_date": pa.array([dt.date(2019, 1, 10)] * n, pa.date32()),
        "ethnicity": pa.array(np.char.add("E", rng.integers(0, 2**62, n).astype(str))),
    })
    drop = dk.write_drop(folder, 886, "2026-11-20", children=t, manifest=True)
    archive = folder / "kent-drop.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        for f in sorted(drop.iterdir()):
            z.write(f, f"886/2026-11-20/{f.name}")
    return archive


def main() -> None:
    from playwright.sync_api import sync_playwright

    from browser_support import CHROMIUM, free_port, sign_in, wait_ready
    from raa_core.ingest import drops
    from raa_core.reference import load_reference

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=3)
    ap.add_argument("--mb", type=int, default=190)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "wh" / "raa.duckdb"
        drops.ingest(db, REPO / "data" / "drops", load_reference(), today=TODAY)
        archive = big_zip(tmp_path / "src", args.mb)
        print(f"upload: {archive.stat().st_size / 1_048_576:.0f} MiB zip, {args.sessions} sessions")
        staging = tmp_path / "uploads"
        port = free_port()
        env = {**os.environ, "RAA_DB": str(db), "RAA_TODAY": TODAY.isoformat(), "RAA_UPLOADS": str(staging)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.maxUploadSize", str(args.mb + 50)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                warm = browser.new_context()
                page = warm.new_page()
                page.goto(f"{url}/data_drops")
                wait_ready(page)
                warm.close()
                time.sleep(5)
                baseline = rss_mib(proc.pid)
                print(f"baseline (warm, no session): {baseline:8.0f} MiB")
                peak = baseline
                for i in range(args.sessions):
                    ctx = browser.new_context()
                    page = ctx.new_page()
                    sign_in(page, f"{url}/data_drops", "hos")  # the bundled sample's demo Head of Service
                    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(archive))
                    page.get_by_role("button", name="Check only").click()
                    page.get_by_text("taken from manifest.json").wait_for(timeout=600_000)
                    now = rss_mib(proc.pid)
                    peak = max(peak, now)
                    print(f"after upload {i + 1} (session open): {now:8.0f} MiB")
                    ctx.close()
                browser.close()
            time.sleep(15)
            after = rss_mib(proc.pid)
            left = [p for p in staging.rglob("*") if p.is_file()] if staging.exists() else []
            print(f"15 s after the sessions closed: {after:8.0f} MiB")
            print(f"ratio after/baseline: {after / baseline:.2f} (target <= 1.2); peak {peak:.0f} MiB")
            print(f"files left in the upload staging folder: {len(left)}")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
