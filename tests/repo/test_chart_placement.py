"""Every chart of every page is placed by `raa_app.charts.place`, which draws a sentence instead of a chart without
data and gives every chart its text alternative: no page or app module calls Streamlit's chart functions itself."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHART_CALLS = re.compile(r"\.(plotly_chart|pyplot|altair_chart|vega_lite_chart|line_chart|bar_chart|area_chart)\(")


def test_only_charts_place_places_charts() -> None:
    sources = [*REPO.glob("pages/*.py"), *REPO.glob("raa_app/*.py"), REPO / "app.py"]
    found = {str(p.relative_to(REPO)): CHART_CALLS.findall(p.read_text("utf-8")) for p in sources}
    assert found.pop("raa_app/charts.py") == ["plotly_chart"]
    assert not {k: v for k, v in found.items() if v}
