"""Every chart's text alternative: its title, and its figures as a table read from the figure itself."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from conftest import SAMPLE_TODAY
from raa_core.errors import Fault
from raa_core.forecast import MEASURES, ForecastRequest, forecast
from raa_core.forecast.charts import forecast_chart
from raa_core.performance import performance_charts as pc
from raa_core.presentation import chart_text
from raa_core.snapshot import pin
from raa_core.store.warehouse import Warehouse

pytestmark = pytest.mark.core


def test_a_chart_without_a_title_is_refused_and_html_is_dropped_from_one() -> None:
    with pytest.raises(Fault, match="title"):
        chart_text.chart_title(go.Figure(go.Bar(x=["a"], y=[1])))
    fig = go.Figure(go.Bar(x=["a"], y=[1])).update_layout(title="A1: councils<br><sup>days</sup>")
    assert chart_text.chart_title(fig) == "A1: councils days"


def test_bars_lines_and_marks_become_one_row_per_category_and_a_column_per_series() -> None:
    fig = go.Figure([
        go.Bar(x=["2023-24", "2024-25"], y=[410, None], text=["410*", "x"], name="Bexley"),
        go.Scatter(x=["2023-24", "2024-25"], y=[380, 390], name="Region"),
    ]).update_layout(title="A1 by year", xaxis_title="Year")
    table = chart_text.chart_table(fig)
    assert list(table.columns) == ["Year", "Bexley", "Region"]
    assert table.to_dict("records") == [{"Year": "2023-24", "Bexley": "410*", "Region": 380},
                                        {"Year": "2024-25", "Bexley": "x", "Region": 390}]
    mixed = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, None, None], text=["", "x", ""])).update_layout(title="T")
    assert chart_text.chart_table(mixed)["Value"].tolist() == ["3", "x", "—"]  # one type: Arrow can show it


def test_horizontal_bars_and_funnels_read_their_categories_from_the_y_axis() -> None:
    fig = go.Figure(go.Bar(x=[1200, -300], y=["Panels", "Staff"], orientation="h", name="Variance"))
    fig.update_layout(title="Variance by line")
    assert chart_text.chart_table(fig).to_dict("records") == [
        {"Category": "Panels", "Variance": 1200}, {"Category": "Staff", "Variance": -300}]
    funnel = go.Figure(go.Funnel(y=["Decision", "Placed"], x=[20, 12])).update_layout(title="Journeys")
    assert chart_text.chart_table(funnel)["Value"].tolist() == [20, 12]


def test_a_range_band_becomes_its_upper_and_lower_edges_and_a_box_its_summary() -> None:
    x = [pd.Timestamp("2026-01-31"), pd.Timestamp("2026-02-28")]
    fig = go.Figure([go.Scatter(x=x + x[::-1], y=[10, 12, 6, 5], fill="toself", name="80% range"),
                     go.Scatter(x=x, y=[8, 9], name="Forecast")]).update_layout(title="Children waiting")
    table = chart_text.chart_table(fig)
    assert table.to_dict("records") == [
        {"Category": dt.date(2026, 1, 31), "80% range (upper)": 10, "80% range (lower)": 5, "Forecast": 8},
        {"Category": dt.date(2026, 2, 28), "80% range (upper)": 12, "80% range (lower)": 6, "Forecast": 9}]
    box = make_subplots(rows=2, cols=1)
    box.add_trace(go.Box(x=[100, 200, 300, 400, 500], name="children"), row=1, col=1)
    box.add_trace(go.Bar(x=["0-99", "100-199"], y=[3, 4], name="children"), row=2, col=1)
    box.update_layout(title="Days to placement")
    got = chart_text.chart_table(box)
    assert list(got.columns) == ["Statistic", "children", "children (2)"]
    assert got.set_index("Statistic").loc["Median", "children"] == 300
    assert got.set_index("Statistic").loc["0-99", "children (2)"] == 3


def test_days_a_chart_was_given_as_iso_text_are_days_in_its_table() -> None:
    """A chart drawn from periods' ends written "2026-03-31" reads them, under it, as the app writes days."""
    fig = go.Figure(go.Bar(x=["2026-03-31", "2026-06-30"], y=[4, 5])).update_layout(title="Waiting")
    assert list(chart_text.chart_table(fig)["Category"]) == [dt.date(2026, 3, 31), dt.date(2026, 6, 30)]
    assert list(chart_text.chart_table_text(fig)["Category"]) == ["31 Mar 2026", "30 Jun 2026"]


def test_every_forecast_chart_on_the_sample_has_a_title_and_its_figures(sample_db, ref) -> None:
    """Real charts: a builder that forgot its title, or whose traces the table cannot read, fails here."""
    result = forecast(pin(Warehouse(sample_db), ref, SAMPLE_TODAY), ForecastRequest(as_at=None, months=12,
                                                                                     step="month"))
    for measure in MEASURES:
        fig = forecast_chart(result, "region", measure, publication=True, count_max=5)
        assert chart_text.chart_title(fig)
        table = chart_text.chart_table(fig)
        assert len(table) >= 12 and {"Forecast", "80% range (upper)", "What happened"} <= set(table.columns)


def test_within_or_over_14_months_is_said_by_pattern_and_words_not_colour_alone() -> None:
    bands = pd.DataFrame({"area": ["303"] * 4, "band": ["0-6", "6-12", "12-14", "14+"], "band_order": [0, 1, 2, 3],
                          "children": [2, 5, 3, 4]})
    fig = pc.a1_bands_chart(bands, "303")
    assert list(fig.data[0].marker.pattern.shape) == ["", "", "", "/"]
    assert "hatched red: over 14" in chart_text.chart_title(fig)
    assert chart_text.chart_table(fig)["Value"].tolist() == ["2", "5", "3", "4"]


def test_the_table_under_a_chart_reads_its_figures_as_people_write_them() -> None:
    """Never a float's digits ("8,212.6000"): whole numbers with separators, else the places the figure has (up
    to two), dates in words, a dash for no figure, a mark kept."""
    fig = go.Figure(go.Bar(x=["a", "b", "c", "d", "e"], y=[8212.6, 234.0, 1234.56, None, -1500],
                           name="Spend")).update_layout(title="T")
    assert chart_text.chart_table_text(fig)["Spend"].tolist() == ["8,212.6", "234", "1,234.56", "—", "-1,500"]
    x = [pd.Timestamp("2026-01-31"), pd.Timestamp("2026-02-28")]
    dated = go.Figure(go.Scatter(x=x, y=[8, 9.5], name="Forecast")).update_layout(title="Children waiting")
    assert chart_text.chart_table_text(dated).to_dict("records") == [
        {"Category": "31 Jan 2026", "Forecast": "8"}, {"Category": "28 Feb 2026", "Forecast": "9.5"}]
    empty = go.Figure().update_layout(title="Nothing")
    assert chart_text.chart_table_text(empty).empty
