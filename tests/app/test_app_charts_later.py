"""AppTest: a chart placed `later` (raa_app.charts) keeps its text alternative while it is not drawn: its title
and its figures as a table are on the page, and its "Show chart" switch draws it (docs/operations.md, "Page
speed")."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from appkit import LOCAL, REGIONAL, chart, open_page
from raa_app import charts
from raa_core.presentation import chart_text


def chart_ids(at: AppTest) -> list[str]:
    return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]


def test_a_later_chart_is_its_title_switch_and_table_until_asked_for(app_env: Path) -> None:
    at = open_page(LOCAL, council="887", year="2018-19")
    assert chart_ids(at) == ["council_vs_region"]  # the leading chart only: the rest wait for their switch
    switch = at.toggle(key=charts.show_key("funnel"))
    assert switch.value is False
    tables = [e.label for e in at.expander if e.label.endswith(": the figures as a table")]
    later = [t for t in at.toggle if t.label.startswith(charts.SHOW_CHART)]
    assert len({t.label for t in later}) == len(later)  # each switch names its own chart
    assert len(later) >= 5 and len(tables) == len(later) + 1  # every chart, drawn or not, has its table

    traces = chart(at, "funnel")  # turns the switch on: the chart is drawn, the table stays
    assert traces and "funnel" in chart_ids(at)
    [drawn] = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-funnel")]
    title = chart_text.chart_title(go.Figure(json.loads(drawn.proto.spec)))
    assert switch.label == charts.show_label(title)  # its switch named it before it was drawn
    assert f"{title}: the figures as a table" in tables
    assert at.toggle(key=charts.show_key("funnel")).value is True
    assert len([e for e in at.expander if e.label.endswith(": the figures as a table")]) == len(tables)
    assert "stages" not in chart_ids(at)  # the other later charts still wait
    at.switch_page(REGIONAL).run()
    at.switch_page(LOCAL).run()
    assert not at.exception, at.exception
    assert "funnel" in chart_ids(at) and "stages" not in chart_ids(at)  # the switch holds for the session


def test_the_regional_page_draws_its_trends_at_once(app_env: Path) -> None:
    at = open_page(REGIONAL)
    assert chart_ids(at) == ["trend_year", "trend_three_year"]
    assert chart(at, "council_comparison")  # drawn once asked for
