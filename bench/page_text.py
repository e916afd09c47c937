"""Everything a user sees on the sample, as text: run before and after a refactor and diff.

Renders each page through app.py with AppTest (like a live server) and writes one text file per (user, page,
sidebar choice): titles, captions, metrics, alerts, widgets, tables (as CSV) and chart specs of the page and the
sidebar. Every page runs for every sidebar choice in CHOICES signed in as the Head of Service (the demo user
`hos`: every page, every council); every other role's pages (roles.csv) run for ROLE_CHOICES, signed in as that
role's demo user (present while the warehouse holds only the bundled sample). The `_pub` choices turn the
publication view on. Then the board packs of PACKS are written by the command line (`python -m raa_core
boardpack`) and each workbook (every sheet's cell values) and PDF (its text) is dumped as text too. Files:
OUT_DIR/<user>__<page>__<choice>.txt, OUT_DIR/boardpack__<period>[_asat_<date>]__{cli,xlsx,pdf}.txt, _run.txt.

Only app.py (through AppTest), the sign-in session of `raa_app.gate` and the `python -m raa_core` command line are
used, so the same script runs on the code before a refactor and after it. One warehouse is built once from
data/drops (`python -m raa_core ingest`, at RAA_TODAY, default the tests' 2026-11-23) into a temporary folder,
unless $RAA_DB names one; all pages render in this one process. About 200 page renders and 4 board packs: some minutes.

Usage: python bench/page_text.py OUT_DIR [--users hos board ...] [--pages overview ...] [--choices default ...]
       [--no-boardpack] [--no-pages]

Before/after a refactor (each checkout renders itself with this script; `.venv` a link to the main checkout's
venv; run both on the same day, as the audit page's dates and the packs without --as-at follow the calendar):
    git -C /work/main worktree add --detach /work/wt-before ae963b4 && ln -s /work/main/.venv /work/wt-before/
    cp bench/page_text.py bench/page_diff.sh /work/wt-before/bench/    # from the checkout holding this script
    (cd /work/wt-before && PYTHONPATH=$PWD nice -n 10 .venv/bin/python bench/page_text.py /work/render-before)
    (cd /work/main && PYTHONPATH=$PWD nice -n 10 .venv/bin/python bench/page_text.py /work/render-after)
    bash bench/page_diff.sh /work/render-before /work/render-after   # exit 0 when nothing a user sees changed
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: app.py's pages (the keys of roles.csv): each is pages/<key>.py.
PAGES = ["overview", "regional_performance", "local_performance", "budget", "scenarios", "boardpack",
         "data_drops", "audit", "users"]
CHOICES: dict[str, dict[str, object]] = {
    "default": {},
    "kent": {"council": "886"},
    "medway_3y": {"council": "887", "window": "3 years"},
    "y2019": {"year": "2019-20"},
    "y2020_bexley": {"year": "2020-21", "council": "303"},
    "y2024_asat": {"year": "2024-25", "as_at": dt.date(2025, 1, 15)},
    "asat_oct": {"as_at": dt.date(2026, 10, 20)},
    "kent_asat_3y": {"council": "886", "as_at": dt.date(2026, 10, 20), "window": "3 years"},
    "y2025_medway": {"year": "2025-26", "council": "887"},
    "medway": {"council": "887"},
    "default_pub": {"publication": True},
    "kent_pub": {"council": "886", "publication": True},
    "medway_3y_pub": {"council": "887", "window": "3 years", "publication": True},
    "y2019_bexley_pub": {"year": "2019-20", "council": "303", "publication": True},
    "kent_asat_3y_pub": {"council": "886", "as_at": dt.date(2026, 10, 20), "window": "3 years", "publication": True},
}
#: The demo users (raa_core accounts' DEMO_USERS): user name -> (role, council).
USERS: dict[str, tuple[str, int | None]] = {
    "hos": ("hos", None), "board": ("board", None), "finance": ("finance", None),
    "analyst886": ("council_analyst", 886), "analyst887": ("council_analyst", 887), "admin": ("admin", None),
}
#: The sidebar choices each user other than the Head of Service renders (the Head of Service renders all): a
#: council's analyst cannot choose another council, so Medway's renders Medway where the others render Kent.
ROLE_CHOICES = ["default", "kent", "default_pub"]
USER_CHOICES = {"analyst887": ["default", "medway", "default_pub"]}
#: Board packs written by the command line: (period, as-at). With no as-at the command takes the calendar's today
#: (it does not read RAA_TODAY), so those two differ between runs on different days; the sample's as-at date
#: (tests/conftest.py SAMPLE_AS_AT) gives packs that do not. A refusal is written as text, not fatal.
PACKS: list[tuple[str, str | None]] = [("2025-26", None), ("2026-27", None), ("2025-26", "2026-11-20"),
                                       ("2026-27", "2026-11-20")]
_ID = re.compile(r'(deferred_file_id: "[^"]*"|\bid: "[^"]*"|"id": "[^"]*"|form_id: "[^"]*"|\$\$ID-[0-9a-f]+-[^"\s]*|uuid[^\n]*)')


def _walk(node, out: list[str], depth: int = 0) -> None:
    kind = getattr(node, "type", type(node).__name__)
    children = getattr(node, "children", None)
    if kind == "dataframe":
        out.append("  " * depth + "dataframe:\n" + node.value.to_csv(index=False))
    elif kind in ("plotly_chart",):
        out.append("  " * depth + "plotly:" + node.proto.spec)
    elif children is None or kind not in ("main", "sidebar", "block", "root", "event"):
        text = _ID.sub("", str(getattr(node, "proto", node)))
        out.append("  " * depth + f"{kind}: {text}")
    if children:
        for child in (children.values() if isinstance(children, dict) else children):
            _walk(child, out, depth + 1)


def role_pages() -> dict[str, list[str]]:
    """Each role's pages, from data/reference/roles.csv (the file the app reads)."""
    with open(REPO / "data" / "reference" / "roles.csv", newline="") as f:
        return {row["role"]: row["pages"].split() for row in csv.DictReader(f)}


def render(page: str, choice: dict[str, object], user: str = "hos") -> str:
    """One page's text as `user` (a demo user) with the sidebar `choice` set before each run."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from raa_app import gate  # the session a sign-in leaves (the tests put it in place the same way)

    viewer = getattr(gate, "Viewer", None) or importlib.import_module("raa_core.requests").Viewer
    role, la_code = USERS[user]
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    at.session_state[gate.SESSION] = gate.Session(viewer(user=user, role=role, la_code=la_code), now, now, "password")
    for k, v in choice.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py")
    for k, v in choice.items():
        at.session_state[k] = v
    at.run()
    out: list[str] = [f"exception: {[e.value for e in at.exception]}"]
    _walk(at.main, out)
    out.append("--- sidebar")
    _walk(at.sidebar, out)
    return "\n".join(out)


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "raa_core", *args, "--db", str(db)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1800)


def build_warehouse(db: Path, today: str) -> None:
    """The bundled drops loaded by `raa ingest` into `db`, judged at `today`."""
    db.parent.mkdir(parents=True, exist_ok=True)
    done = _cli("ingest", str(REPO / "data" / "drops"), "--today", today, db=db)
    if done.returncode != 0:
        raise SystemExit(f"raa ingest failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def xlsx_text(path: Path) -> str:
    """Every sheet's cell values, row by row, each with its number format when not General (the workbook shows
    money in £'000 by format, so a rounding shows there); empty cells as nothing, trailing empties dropped."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=False)
    out: list[str] = []
    for sheet in book.worksheets:
        out.append(f"=== sheet {sheet.title!r} ({sheet.max_row}x{sheet.max_column})")
        for row in sheet.iter_rows():
            cells = ["" if c.value is None else repr(c.value) + ("" if c.number_format == "General"
                                                                 else f" [{c.number_format}]") for c in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                out.append(f"{row[0].row}: " + " | ".join(cells))
        merged = sorted(str(r) for r in sheet.merged_cells.ranges)
        if merged:
            out.append("merged: " + " ".join(merged))
    return "\n".join(out) + "\n"


def pdf_text(path: Path) -> str:
    """The PDF's text, page by page."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "".join(f"=== page {i + 1}\n{p.extract_text()}\n" for i, p in enumerate(reader.pages))


def boardpack(out: Path, db: Path, work: Path) -> int:
    """Each board pack of PACKS as text files in `out`: the command's output, the workbook and the PDF."""
    n = 0
    for period, as_at in PACKS:
        name = period if as_at is None else f"{period}_asat_{as_at}"
        folder = work / f"pack-{name}"
        done = _cli("boardpack", "--period", period, *(["--as-at", as_at] if as_at else []), "--out", str(folder),
                    db=db)
        (out / f"boardpack__{name}__cli.txt").write_text(
            f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}".replace(str(folder), "<out>"))
        n += 1
        for f in sorted(folder.glob("*")) if folder.exists() else []:
            text = xlsx_text(f) if f.suffix == ".xlsx" else pdf_text(f) if f.suffix == ".pdf" else None
            if text is not None:
                (out / f"boardpack__{name}__{f.suffix[1:]}.txt").write_text(f"file: {f.name}\n{text}")
                n += 1
        print("boardpack", name, done.returncode, flush=True)
    return n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--users", nargs="*", default=None, help="demo users (default: every one)")
    ap.add_argument("--pages", nargs="*", default=None, help="page names (default: every page)")
    ap.add_argument("--choices", nargs="*", default=None, help="sidebar choices (default: CHOICES / ROLE_CHOICES)")
    ap.add_argument("--no-boardpack", action="store_true", help="skip the command line's board pack")
    ap.add_argument("--no-pages", action="store_true", help="only the board pack")
    args = ap.parse_args()
    started = time.monotonic()
    today = os.environ.setdefault("RAA_TODAY", "2026-11-23")
    work = Path(tempfile.mkdtemp(prefix="page_text-"))
    if "RAA_DB" not in os.environ:
        os.environ["RAA_DB"] = str(work / "wh" / "raa.duckdb")
    db = Path(os.environ["RAA_DB"])
    os.environ.setdefault("RAA_DROPS", str(REPO / "data" / "drops"))
    os.environ.setdefault("RAA_UPLOADS", str(work / "uploads"))
    if not db.exists():
        build_warehouse(db, today)
        print(f"warehouse built at {db} in {time.monotonic() - started:.0f}s", flush=True)
    sys.path[:0] = [str(REPO), str(REPO / "tests")]  # this checkout's code, not an installed copy
    from conftest import _serve_through_app_py  # AppTest like a live server: every run through app.py

    class _MP:
        def setattr(self, obj, name, value):
            setattr(obj, name, value)

    _serve_through_app_py(_MP())  # type: ignore[arg-type]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("boardpack__*.txt" if args.no_pages else "*.txt"):  # left from an earlier run
        old.unlink()
    (out / "_run.txt").write_text(f"RAA_TODAY {today}\ncalendar date (UTC) {dt.datetime.now(dt.UTC).date()}\n")
    print(f"warehouse: RAA_DB={db}", flush=True)
    pages_of = role_pages()
    n = 0
    for user in [u for u in USERS if (not args.users or u in args.users) and not args.no_pages]:
        role = USERS[user][0]
        names = list(CHOICES) if role == "hos" else USER_CHOICES.get(user, ROLE_CHOICES)
        for page in [p for p in PAGES if p in pages_of[role] and (not args.pages or p in args.pages)]:
            for name in [c for c in names if not args.choices or c in args.choices]:
                t = time.monotonic()
                text = render(page, CHOICES[name], user)
                (out / f"{user}__{page}__{name}.txt").write_text(text)
                n += 1
                print(user, page, name, len(text), f"{time.monotonic() - t:.1f}s", flush=True)
    if not args.no_boardpack:
        n += boardpack(out, db, work)
    print(f"{n} files written to {out} in {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
