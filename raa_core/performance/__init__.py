"""Adoption performance: journeys, the scorecard indicators, the ASGLB return and their charts.

Modules:
- indicators: the DfE adoption scorecard (A1, A2, A3, A10) per council and region: docs/indicators.md.
- journeys: stage durations, the funnel, children waiting.
- characteristics: children's characteristics (age, sibling groups, ethnicity, disability).
- recruitment: the adopter pipeline and its timeliness.
- reconciliation: the region's figures reconciled to the business case.
- asglb: the ASGLB quarterly return: docs/asglb.md.
- performance_charts: the performance pages' chart figures.
"""

__all__ = ['asglb', 'characteristics', 'indicators', 'journeys', 'performance_charts', 'reconciliation', 'recruitment']
