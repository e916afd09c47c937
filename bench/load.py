"""Load: 20 signed-in browser sessions clicking through their pages while `raa ingest` loads a new drop set.

Builds a private warehouse from the bundled sample, adds 20 users (the five roles in turn, analysts of each
council) with `raa users add`, starts `streamlit run app.py` on 127.0.0.1, and drives 20 Playwright contexts
of one headless Chromium (Debian's) concurrently: each signs in, then clicks through its role's menu for the
run's duration, timed from its own sign-in. Once every session has signed in and clicked for a while, `raa ingest` of a newer synthetic drop set (`raa sample --as-at`) runs in
another process. Prints, and writes to bench/out/load.json: sign-in and page settle times (p50, p95, max
per page), errors shown in pages and in the server log (target: zero), the ingest's time and outcome, and
the server's resident memory before and after.

    .venv/bin/python bench/load.py [--sessions 20] [--seconds 150]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from playwright.async_api import Page, async_playwright  # noqa: E402

from browser_support import CHROMIUM, CHROMIUM_ARGS, READY_JS, streamlit_process  # noqa: E402
from raa_core.ingest import drops  # noqa: E402
from raa_core.reference import load_reference  # noqa: E402
from raa_core.store import warehouse  # noqa: E402

SAMPLE_TODAY = dt.date(2026, 11, 23)
PASSWORD = "load-test-password"
#: (role, council) in turn for the sessions: every role, an analyst of each council.
ROLES = [("hos", None), ("board", None), ("finance", None), ("council_analyst", 886), ("admin", None),
         ("council_analyst", 887), ("council_analyst", 303)]
ERROR_LINE = re.compile(r"Traceback|Error|Exception", re.IGNORECASE)


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (MiB), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def ready(page: Page, timeout_ms: int = 300_000) -> None:
    await page.wait_for_function(READY_JS, timeout=timeout_ms)
    await page.wait_for_timeout(200)
    await page.wait_for_function(READY_JS, timeout=timeout_ms)


class Started:
    """Counts sessions that have signed in (or failed to); `all_in` is set once every one has."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.all_in = asyncio.Event()

    def one(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.all_in.set()


async def session(browser, url: str, user: str, seconds: float, times: dict[str, list[float]],
                  errors: list[str], started: Started) -> int:
    """One person: sign in, then click through the menu for `seconds` (timed from their own sign-in, so a
    slow sign-in never eats the clicking window); returns the clicks made."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(300_000)  # a busy machine: judge by the settle figures, not by timeouts
    page = await context.new_page()
    clicks, signed_in = 0, False
    try:
        await page.goto(url, wait_until="commit")
        await ready(page)
        await page.get_by_label("User name").fill(user)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        t0 = time.monotonic()
        await page.get_by_role("button", name="Sign in").click()
        await page.locator(".st-key-signed_in_as").wait_for(timeout=180_000)
        await ready(page)
        times["sign-in"].append(time.monotonic() - t0)
        signed_in = True
        started.one()
        until = time.monotonic() + seconds
        links = [(await link.inner_text()).split("\n")[-1]
                 for link in await page.locator('[data-testid="stSidebarNavLink"]').all()]
        i = 0
        while time.monotonic() < until:
            title = links[(i + 1) % len(links)]
            i += 1
            t0 = time.monotonic()
            await page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
            await page.wait_for_timeout(100)
            await ready(page)
            times[title].append(time.monotonic() - t0)
            clicks += 1
            shown = page.locator('[data-testid="stException"]')
            if await shown.count():
                errors.append(f"{user} on {title}: {(await shown.first.inner_text())[:300]}")
            if await page.locator(".st-key-signed_in_as").count() == 0:
                errors.append(f"{user} on {title}: signed out during the run")
                break
    except Exception as exc:  # a timeout or a crash counts as an error of the run
        errors.append(f"{user}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        if not signed_in:
            started.one()  # failed before signing in: the ingest must not wait for it
        await context.close()
    return clicks


async def drive(url: str, n: int, seconds: float, on_start) -> tuple[dict[str, list[float]], list[str], int]:
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        started = Started(n)
        ingest = asyncio.create_task(on_start(started))
        clicks = await asyncio.gather(*(session(browser, url, f"load{i:02d}", seconds, times, errors, started)
                                        for i in range(n)))
        await ingest
        await browser.close()
    return times, errors, sum(clicks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=150, help="how long the sessions click (after signing in)")
    ap.add_argument("--ingest-after", type=float, default=30,
                    help="seconds after the last session signed in when the ingest starts")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="raa-load-"))
    db = work / "wh" / "raa.duckdb"
    print(f"building the sample warehouse in {work} …", flush=True)
    report = drops.ingest(db, ROOT / "data" / "drops", load_reference(), today=SAMPLE_TODAY)
    assert not report.by("rejected")
    newer = work / "newer"
    later = SAMPLE_TODAY + dt.timedelta(days=7)
    subprocess.run([sys.executable, "-m", "raa_core", "sample", str(newer), "--as-at", later.isoformat()],
                   check=True, capture_output=True)
    for i in range(args.sessions):
        role, council = ROLES[i % len(ROLES)]
        cmd = [sys.executable, "-m", "raa_core", "users", "add", f"load{i:02d}", "--role", role, "--db", str(db)]
        if council:
            cmd += ["--council", str(council)]
        subprocess.run(cmd, input=PASSWORD + "\n", text=True, check=True, capture_output=True)

    env = {"RAA_DB": str(db), "RAA_DROPS": str(ROOT / "data" / "drops"), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_UPLOADS": str(work / "uploads")}
    ingest_result: dict[str, object] = {}
    with streamlit_process(env) as (url, proc, log):
        # One warm-up request so the server has imported everything before "before" is measured.
        import urllib.request

        urllib.request.urlopen(url, timeout=30).read()
        time.sleep(2)
        before = rss_mib(proc.pid)

        async def ingest_later(started: Started) -> None:
            await started.all_in.wait()  # every session signed in and clicking
            await asyncio.sleep(args.ingest_after)
            t0 = time.monotonic()
            done = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "raa_core", "ingest", str(newer), "--db", str(db), "--json",
                "--today", later.isoformat(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await done.communicate()
            payload = json.loads(out or b"{}")
            ingest_result.update(
                seconds=round(time.monotonic() - t0, 1), exit_code=done.returncode,
                accepted=len(payload.get("accepted", [])), unchanged=len(payload.get("unchanged", [])),
                rejected=len(payload.get("rejected", [])), stderr=err.decode()[-300:])

        t0 = time.monotonic()
        times, errors, clicks = asyncio.run(drive(url, args.sessions, args.seconds, ingest_later))
        wall = time.monotonic() - t0
        time.sleep(1)
        after = rss_mib(proc.pid)
        version_after = warehouse.version(db)
        log_text = log.read_text(errors="replace")
    log_errors = [line for line in log_text.splitlines() if ERROR_LINE.search(line)]

    rows = {page: {"n": len(v), "p50_s": round(statistics.median(v), 2), "p95_s": round(pct(v, 0.95), 2),
                   "max_s": round(max(v), 2)} for page, v in sorted(times.items())}
    result = {
        "sessions": args.sessions, "seconds": args.seconds, "wall_s": round(wall, 1), "clicks": clicks,
        "settle": rows, "page_errors": errors, "server_log_errors": log_errors[:50],
        "ingest": ingest_result, "warehouse_version_after": version_after,
        "server_rss_mib": {"before": round(before, 1), "after": round(after, 1)},
        "machine": {"cpus": os.cpu_count()},
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=2, default=str))

    print(f"\n{args.sessions} sessions for {args.seconds:.0f} s (wall {wall:.0f} s), {clicks} page clicks, "
          f"{os.cpu_count()} CPUs")
    print(f"{'page':24} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for page, r in rows.items():
        print(f"{page:24} {r['n']:>5} {r['p50_s']:>7} {r['p95_s']:>7} {r['max_s']:>7}")
    print(f"ingest during the run: {ingest_result}")
    print(f"server memory (RSS): before {before:.0f} MiB, after {after:.0f} MiB (x{after / before:.2f})")
    print(f"errors in pages: {len(errors)}; errors in the server log: {len(log_errors)}")
    for e in [*errors, *log_errors][:20]:
        print("  " + e)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if not errors and not log_errors and ingest_result.get("exit_code") in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
