"""The pipeline forecast: children and adopter households flowing through the adoption stages, simulated.

Holds `journeys` (the warehouse's children and adopters as whole-month stage spells, cut at an as-at date),
`model` (estimation with pooling to the region, the seeded simulation, the forecast rows and the approvals gap),
`fees` (the interagency fee in force on a date, with sibling rates and yearly uprating), `history` (what
happened, counted as the model counts it), `backtest` (forecasts from past origins against what happened), `charts`
(the Forecast page's bands over the actuals), `uses` (the forecast as contribution drivers and the board pack's
section) and `synthetic` (journeys with known rates, for tests and the bench).
The rules live in docs/forecast.md; the settings in data/reference/settings.json ("forecast").
"""

from raa_core.forecast.model import MEASURES, REGION, Forecast, ForecastRequest, forecast

__all__ = ["MEASURES", "REGION", "Forecast", "ForecastRequest", "forecast"]
