"""Forecast (the Board, the Head of Service, finance leads): the next 12 to 36 months of the adoption pipeline
with 80% and 95% ranges, against the last three years; the approvals gap in words, the interagency fees, and
the forecast's record in the backtest. Every figure and word comes from raa_core.forecast and its texts; this
page only lays them out."""

from __future__ import annotations

import streamlit as st

from raa_app import data, shell, tables
from raa_app import performance_view as pv
from raa_core.forecast import MEASURES, ForecastRequest, forecast
from raa_core.forecast.backtest import backtest
from raa_core.forecast.charts import forecast_chart
from raa_core.presentation import forecast_text as ft

viewer = shell.page_viewer("forecast")
run = shell.run()
ref = shell.reference()
publication = pv.header("Pipeline forecast", ["publication"])
area = run.performance.area

left, right = st.columns(2)
months = left.select_slider("Months ahead", options=list(range(12, 37)), value=12, key="forecast_months")
step = right.radio("Rows per", ["month", "quarter"], horizontal=True, key="forecast_step")
result = data.load(forecast, ForecastRequest(as_at=run.performance.as_at, months=months, step=step))

st.markdown(f"**{ft.gap_text(result, ref, area, publication=publication)}**")
st.caption(ft.run_caption(result))

st.header(f"{ft.area_label(ref, area)}: the next {months} months")
tables.show_frame(ft.horizon_table(result, area, ref, publication=publication), hide_index=True, width="stretch")
st.caption(ft.table_caption(ref))
st.caption(ft.pooling_caption(result, ref))
st.caption(ft.ADOPTER_STAGES_NOTE)

measure = st.selectbox("Chart", list(MEASURES), format_func=ft.MEASURE_LABELS.__getitem__, key="forecast_measure")
pv.plot(forecast_chart(result, area, measure, publication=publication,
                       count_max=ref.settings.suppression.count_max), key="forecast_chart")

st.header("How good has it been?")
record = data.load(backtest)
st.markdown(ft.backtest_sentence(record, area))
tables.show_frame(ft.backtest_table(record.summary, area), hide_index=True, width="stretch")
