"""AppTest: the Forecast page shows raa_core.forecast's figures for the sidebar's council, the approvals gap in
words, the fees in pounds and the backtest's record; the publication view hides small forecasts; the board,
Head of Service and finance roles see it, a council analyst does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from appkit import chart, markdown, open_page, publish
from conftest import APP, SAMPLE_TODAY, signed_in
from raa_core import snapshot
from raa_core.forecast import ForecastRequest, forecast
from raa_core.presentation import forecast_text as ft
from raa_core.store.warehouse import Warehouse

PAGE = "pages/forecast.py"


def expected(app_env: Path, ref: Any, area: str) -> tuple[str, Any]:
    snap = snapshot.pin(Warehouse(app_env), ref, SAMPLE_TODAY)
    f = forecast(snap, ForecastRequest())
    g = f.gaps[f.gaps["area"] == area].iloc[0]
    who = ref.settings.raa_name if area == "region" else ft.area_label(ref, area)
    return ft.gap_sentence(who, g["by"], g["forecast"], g["low80"], g["high80"]), f


def test_forecast_page_shows_raa_cores_forecast_for_the_council(app_env: Path, ref: Any) -> None:
    at = open_page(PAGE, council="886")
    sentence, f = expected(app_env, ref, "886")
    text = markdown(at)
    assert sentence in text
    assert "Checked against what happened" in text
    table = at.dataframe[0].value
    row = table[table["Measure"] == "Placements"].iloc[0]
    want = f.rows[(f.rows.area == "886") & (f.rows.measure == "placements")].iloc[0]
    assert row["Forecast"] == ft.figure_text("placements", want["forecast"])
    fees = table[table["Measure"] == "Interagency fees"].iloc[0]["Forecast"]
    assert fees.startswith("£")
    traces = chart(at, "forecast_chart")
    assert [t["name"] for t in traces] == ["95% range", "80% range", "Forecast", "What happened"]
    assert len(at.dataframe[1].value) == 9  # the backtest's record of each tested measure


def test_publication_view_hides_small_forecasts(app_env: Path) -> None:
    at = publish(open_page(PAGE, council="303"))
    table = at.dataframe[0].value
    ia = table[table["Measure"] == "Interagency placements"].iloc[0]
    assert ia["Forecast"] == "x" and ia["80% range"] == "x"
    assert table[table["Measure"] == "Interagency fees"].iloc[0]["Forecast"] == "x"


def test_board_sees_the_page_and_an_analyst_does_not(app_env: Path) -> None:
    at = signed_in(AppTest.from_file(APP, default_timeout=90), "board")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception and "Pipeline forecast" in [t.value for t in at.title]
    analyst = signed_in(AppTest.from_file(APP, default_timeout=90), "council_analyst", 303)
    analyst.run()
    analyst.switch_page(PAGE)
    analyst.run()
    assert "Pipeline forecast" not in [t.value for t in analyst.title]
