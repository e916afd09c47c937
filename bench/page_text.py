"""Every page's on-screen content on the sample, as text: run before and after a refactor and diff.

Renders each page through app.py with AppTest (like a live server) for a set of sidebar choices and
writes one text file per (page, choice): titles, captions, metrics, alerts, tables (as CSV) and chart specs.
Usage: python bench/page_text.py OUT_DIR [--db data/warehouse/raa.duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = ["pages/overview.py", "pages/regional_performance.py", "pages/local_performance.py", "pages/budget.py",
         "pages/data_drops.py"]
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
}
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


def render(page: str, choice: dict[str, object]) -> str:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    for k, v in choice.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page)
    for k, v in choice.items():
        at.session_state[k] = v
    at.run()
    out: list[str] = [f"exception: {[e.value for e in at.exception]}"]
    _walk(at.main, out)
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    args = ap.parse_args()
    os.environ.setdefault("RAA_TODAY", "2026-11-23")
    sys.path[:0] = [str(REPO), str(REPO / "tests")]  # this checkout's code, not an installed copy
    from conftest import _serve_through_app_py  # AppTest like a live server: every run through app.py

    class _MP:
        def setattr(self, obj, name, value):
            setattr(obj, name, value)

    _serve_through_app_py(_MP())  # type: ignore[arg-type]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for page in PAGES:
        for name, choice in CHOICES.items():
            text = render(page, choice)
            (out / f"{Path(page).stem}__{name}.txt").write_text(text)
            print(page, name, len(text), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
