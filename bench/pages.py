"""Benchmark: every page in headless Chromium against `streamlit run app.py` on the bundled sample.

A person signs in (the Head of Service, who may open every page) on the audit page, then opens each page from
the menu in turn. For each page: the settle time of its first visit after the server starts (cold: its figures
are not cached yet), of a visit by a second person signed in afterwards (warm: a new session, the figures
cached), of a sidebar change on it (council: Kent, timed from the press on the option; then back to the
region, not timed), and of the second
person's next visit to it (again: the tab has loaded the charts' code by then). A page has settled
when the app is connected, no script runs and no skeleton is left (tests/browser_support.py).
The app logs each script run (RAA_PROFILE): run time, warehouse cursors taken, SQL statements run through them
(cache misses reach DuckDB; cached results take none) and the seconds spent in them; the bench prints them
per page and visit. The audit page is where each person signs in, so it is timed warm only.

Where the browser spends a visit (printed per page and visit, last server start): `script` is the time from the
action to the script's last run ending (the server's part, seen in the browser); `after` the time from the
script's last run ending (the app's script state turning to notRunning, browser clock) to the page settling;
`long` the time in the page's long tasks (over 50 ms, PerformanceObserver 'longtask'); `js`, `layout` and `style`
the main thread's time in JavaScript, layout and style recalculation (Chromium's Performance.getMetrics); `charts`
the Plotly charts on the page and `drawn` those with their SVG drawn. With --by-file the JavaScript time is also
split by the file it runs in (Chromium's sampling profiler, which slows the page a little: timings are then
not comparable with a run without it).

Targets: cold < 1 s, warm < 0.5 s, sidebar change < 0.5 s per page (again: as warm). docs/operations.md
("Page speed") keeps the figures.
Usage: .venv/bin/python bench/pages.py [--db PATH] [--repeat N] [--by-file] [--save FIGURES.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser_support import chromium, open_select, sign_in, streamlit_server, wait_ready  # noqa: E402
from raa_core.ingest import drops  # noqa: E402
from raa_core.reference import load_reference  # noqa: E402

PAGES = [("overview", "Overview"), ("regional_performance", "Regional performance"),
         ("local_performance", "Local performance"), ("budget", "Pooled budget"),
         ("scenarios", "Contribution scenarios"), ("data_drops", "Data drops"), ("audit", "Audit")]
USER = "hos"  # the Head of Service opens every page
REGION = "Region (all three councils)"
TARGETS = {"cold": 1.0, "warm": 0.5, "sidebar": 0.5, "again": 0.5}
SAMPLE_TODAY = "2026-11-23"


def build_sample(folder: Path) -> Path:
    db = folder / "raa.duckdb"
    report = drops.ingest(db, REPO / "data" / "drops", load_reference(), today=dt.date.fromisoformat(SAMPLE_TODAY))
    assert not report.by("rejected")
    return db


#: Installed once per browser page: logs each change of the app's script state and of the skeleton count,
#: with the page's own clock, so a settle time is read in the browser (no polling delay of the driver); the
#: page's long tasks ([start, duration] in ms); and the moment of the last press of a pointer, where a visit made
#: by clicking starts (the driver's time to find and open a select before that is not the page's).
OBSERVE = """() => {
    if (window._raaLog) {
        window._raaLog.length = 0; window._raaLong.length = 0; window._raaPress = null;
        return performance.now();
    }
    window._raaLog = [];
    window._raaLong = [];
    window._raaPress = null;
    document.addEventListener('pointerdown', () => { window._raaPress = performance.now(); }, true);
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) window._raaLong.push([e.startTime, e.duration]);
    }).observe({type: 'longtask'});
    const app = document.querySelector('[data-testid="stApp"]');
    const note = () => window._raaLog.push([performance.now(), app.getAttribute('data-test-script-state'),
        document.querySelectorAll('[data-testid="stSkeleton"]').length]);
    new MutationObserver(note).observe(app, {attributes: true});
    new MutationObserver(note).observe(document.body, {childList: true, subtree: true});
    return performance.now();
}"""


#: The Plotly charts on the page, and those drawn (an SVG with a trace in it).
CHARTS = """() => { const c = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return [c.length, c.filter(x => x.querySelector('.main-svg g.trace')).length]; }"""
#: Chromium's cumulative main-thread times (seconds) read before and after a visit.
METRICS = {"js": "ScriptDuration", "layout": "LayoutDuration", "style": "RecalcStyleDuration"}


class Probe:
    """Chromium's view of one tab through the DevTools protocol: main-thread times (Performance.getMetrics) and,
    when `by_file`, JavaScript self time per script file (the sampling profiler)."""

    def __init__(self, page, by_file: bool) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.by_file = by_file
        if by_file:
            self.cdp.send("Profiler.enable")
            self.cdp.send("Profiler.setSamplingInterval", {"interval": 200})

    def metrics(self) -> dict[str, float]:
        got = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return {k: got.get(name, 0.0) for k, name in METRICS.items()}

    def start(self) -> dict[str, float]:
        if self.by_file:
            self.cdp.send("Profiler.start")
        return self.metrics()

    def stop(self, before: dict[str, float]) -> dict[str, object]:
        after = self.metrics()
        out: dict[str, object] = {k: after[k] - before[k] for k in METRICS}
        if self.by_file:
            out["files"] = self_time_by_file(self.cdp.send("Profiler.stop")["profile"])
        return out


def self_time_by_file(profile: dict) -> dict[str, float]:
    """Seconds of JavaScript self time per script file (its name without the hash) in a CPU profile."""
    where = {n["id"]: n["callFrame"].get("url", "") or n["callFrame"]["functionName"] for n in profile["nodes"]}
    spent: dict[str, float] = {}
    for node, delta in zip(profile.get("samples", []), profile.get("timeDeltas", []), strict=False):
        url = where[node].rsplit("/", 1)[-1]
        name = url.split(".")[0] if url.endswith(".js") else url or "(other)"
        spent[name] = spent.get(name, 0.0) + delta / 1e6
    return spent


def settle(page, heading: str, action, probe: Probe | None = None, out: dict | None = None) -> float:
    """Seconds from the action (the last pointer press of a click; the call, for a change of URL) to the moment
    the page last became settled (browser clock): no script running, no skeleton, the heading shown. With a `probe`, `out` gets where the browser spent the visit
    (the module's docstring)."""
    t0 = page.evaluate(OBSERVE)
    before = probe.start() if probe else None
    action()
    page.wait_for_timeout(100)  # let the click or the URL change reach the server before waiting
    wait_ready(page)
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_ready(page)
    log = page.evaluate("window._raaLog")
    t0 = page.evaluate("window._raaPress") or t0  # a click: timed from the press
    if not log:
        raise RuntimeError(f"{heading}: the page did not change")
    busy = [i for i, (_, state, skeletons) in enumerate(log) if state != "notRunning" or skeletons]
    # the first settled moment after the last busy one (a run quicker than one observer callback shows no
    # busy moment: then its first change)
    settled = log[busy[-1] + 1 if busy else 0][0]
    if probe is not None and out is not None:
        ran = [t for (t, state, _), (_, was, _) in zip(log[1:], log, strict=False)
               if state == "notRunning" and was != "notRunning"]
        ends = [t for t in ran if t <= settled]
        longs = page.evaluate("window._raaLong")
        out.update(probe.stop(before))  # type: ignore[arg-type]
        out["script"] = (ends[-1] - t0) / 1000 if ends else float("nan")
        out["after"] = (settled - ends[-1]) / 1000 if ends else float("nan")
        out["long"] = sum(d for start, d in longs if t0 <= start <= settled) / 1000
        out["charts"], out["drawn"] = page.evaluate(CHARTS)
    return (settled - t0) / 1000


def runs(profile: Path, since: int) -> list[dict]:
    lines = profile.read_text().splitlines() if profile.exists() else []
    return [json.loads(x) for x in lines[since:]]


def go(page, path: str):
    """Open a page in the same session, as the menu does (a new URL would start a new, signed-out session)."""
    return lambda: page.evaluate("""(path) => {
        window.history.pushState({}, '', path);
        window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
    }""", "/" + path)


def pick(page, option: str):
    def choose() -> None:
        open_select(page, "Council")  # as the browser tests open a selectbox: scrolled into view first
        page.get_by_role("option", name=option, exact=True).first.click()
    return choose


def measure(db: Path, profile: Path, by_file: bool = False) -> list[dict]:
    env = {"RAA_DB": str(db), "RAA_TODAY": SAMPLE_TODAY, "RAA_PROFILE": str(profile)}
    rows: dict[str, dict] = {heading: {"page": heading} for _, heading in PAGES}
    with streamlit_server(env) as url, chromium() as browser:
        for visit in ("cold", "warm"):
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            probe = Probe(page, by_file)
            sign_in(page, f"{url}/audit", USER)
            for path, heading in PAGES:
                row = rows[heading]
                if visit == "cold" and path == "audit":
                    row["cold"], row["cold_runs"] = float("nan"), []  # the sign-in page: warm only
                    continue
                mark = len(runs(profile, 0))
                row[visit] = settle(page, heading, go(page, path), probe, row.setdefault(f"{visit}_browser", {}))
                row[f"{visit}_runs"] = runs(profile, mark)
                if visit == "warm":
                    mark = len(runs(profile, 0))
                    row["sidebar"] = settle(page, heading, pick(page, "Kent (886)"), probe,
                                            row.setdefault("sidebar_browser", {}))
                    row["sidebar_runs"] = runs(profile, mark)
                    settle(page, heading, pick(page, REGION))
            if visit == "warm":  # the same person opens every page again: charts' code is loaded in the tab now
                for path, heading in PAGES:
                    mark = len(runs(profile, 0))
                    rows[heading]["again"] = settle(page, heading, go(page, path), probe,
                                                   rows[heading].setdefault("again_browser", {}))
                    rows[heading]["again_runs"] = runs(profile, mark)
            ctx.close()
    return [rows[heading] for _, heading in PAGES]


def summary(run_list: list[dict]) -> str:
    if not run_list:
        return "no run logged"
    return " + ".join(f"{r['seconds']:.2f}s run ({r.get('cpu_seconds', float('nan')):.2f}s CPU), "
                      f"{r.get('cursors', '?')} cursors, {r['queries']} statements, "
                      f"{r['query_seconds']:.2f}s in SQL" for r in run_list)


def browser_summary(b: dict) -> str:
    """Where the browser spent a visit (the module's docstring)."""
    if not b:
        return ""
    files = b.get("files")
    top = ", ".join(f"{k} {v:.2f}" for k, v in sorted(files.items(), key=lambda kv: -kv[1])[:4]) if files else ""
    return (f"script {b['script']:.2f}s, after {b['after']:.2f}s, long {b['long']:.2f}s, js {b['js']:.2f}s, "
            f"layout {b['layout']:.2f}s, style {b['style']:.2f}s, charts {b['drawn']}/{b['charts']}" + (f" [js by file: {top}]" if top else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, default=None, help="a warehouse to use (default: the sample, built fresh)")
    ap.add_argument("--repeat", type=int, default=1, help="server starts to measure (median reported)")
    ap.add_argument("--by-file", action="store_true", help="split the JavaScript time by file (slows the page)")
    ap.add_argument("--save", type=Path, default=None,
                    help="write each server start's figures to this JSON file (to take medians over several runs)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or build_sample(Path(tmp))
        rounds = []
        for i in range(args.repeat):
            profile = Path(tmp) / f"profile{i}.jsonl"
            rounds.append(measure(db, profile, args.by_file))
    if args.save:
        args.save.write_text(json.dumps([[{k: r.get(k) for k in ("page", *TARGETS)} for r in rows] for rows in rounds],
                                        indent=1))
    failed = False
    met: list[str] = []
    print(f"{'page':22} " + " ".join(f"{k + ' s':>9}" for k in TARGETS)
          + f"   (targets {' / '.join(str(t) for t in TARGETS.values())} s; median of {len(rounds)} server start(s))")
    for n, (_, heading) in enumerate(PAGES):
        med = {k: statistics.median(r[n][k] for r in rounds) for k in TARGETS}
        flags = {k: "!" if med[k] > TARGETS[k] else "" for k in TARGETS}  # NaN (not timed) compares False
        failed |= any(flags.values())
        if not any(flags.values()):
            met.append(heading)
        print(f"{heading:22} " + " ".join(f"{med[k]:>8.2f}{flags[k]:1}" for k in TARGETS))
    print("\nscript runs per visit (last server start): run time (CPU time of the run's thread), cursors, SQL "
          "statements, time in them; then the browser: action to script end, script end to settled, long tasks, "
          "main-thread JavaScript, layout and style time, charts drawn/placed")
    for row in rounds[-1]:
        for k in TARGETS:
            print(f"  {row['page']:22} {k:8} {summary(row[f'{k}_runs'])}")
            if b := row.get(f"{k}_browser"):
                print(f"  {'':22} {'':8} {browser_summary(b)}")
    print("\nwithin every target: " + (", ".join(met) or "no page"))
    print("! = over target" if failed else "every page within its targets")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
