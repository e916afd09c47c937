"""AppTest helpers shared by the app tests: open a page with sidebar choices, read its tiles and markdown."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from conftest import APP, SAMPLE_TODAY
from raa_app import charts
from raa_core.periods import financial_year_of
from raa_core.store import warehouse

REGIONAL = "pages/regional_performance.py"
LOCAL = "pages/local_performance.py"
CURRENT_YEAR = financial_year_of(SAMPLE_TODAY).name  # the sidebar's default year (2026-27, in progress)


def open_page(page: str, **sidebar: Any) -> AppTest:
    """Run the app, go to `page`, then set sidebar widgets by key (council, year, window, as_at)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(page)
    at.run()
    for key, value in sidebar.items():
        if key in ("council", "year"):
            at.selectbox(key=key).set_value(value)
        elif key == "window":
            at.radio(key=key).set_value(value)
        elif key == "as_at":
            at.text_input(key=key).input(value.isoformat())
        at.run()
    assert not at.exception, at.exception
    return at


def publish(at: AppTest) -> AppTest:
    at.toggle(key="publication").set_value(True)
    at.run()
    assert not at.exception, at.exception
    return at


def connect(app_env: Path) -> duckdb.DuckDBPyConnection:
    return warehouse.Warehouse(app_env).connect()


def tiles(at: AppTest) -> dict[str, str]:
    """Headline tiles: indicator -> the figure shown."""
    return {m.label.split(" ")[0]: m.value for m in at.metric if re.match(r"^A\d+ · ", m.label)}


def expected_figure(indicator: str, value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{int(value)}%" if indicator == "A3" else f"{int(value)} days"


def _decode(v: Any) -> Any:
    """Plotly JSON may carry numbers as typed arrays ({dtype, bdata}); turn them back into lists."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return v


def draw_later_charts(at: AppTest) -> AppTest:
    """Turn on every chart's "Show chart" switch (a chart placed `later`, raa_app.charts) and run the page."""
    for switch in at.toggle:
        if switch.label.startswith(charts.SHOW_CHART):
            switch.set_value(True)
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, key: str) -> list[dict[str, Any]]:
    """The traces of the plotly chart placed with `key` (drawn first if it was placed `later`)."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    switch = [t for t in at.toggle if t.key == charts.show_key(key)]
    if not found and switch and not switch[0].value:
        switch[0].set_value(True)
        at.run()
        assert not at.exception, at.exception
        found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    traces = json.loads(found[0].proto.spec)["data"]
    return [{k: _decode(v) for k, v in t.items()} for t in traces]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


