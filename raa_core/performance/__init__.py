"""Adoption performance: journeys, the scorecard indicators, the ASGLB return and their charts.

Modules:
- indicators: the DfE adoption scorecard (A1, A2, A3, A10) per council and region: docs/indicators.md.
- journeys: stage durations, the funnel, children waiting.
- characteristics: children's characteristics (age, sibling groups, ethnicity, disability).
- recruitment: the adopter pipeline and its timeliness; the scorecard's adopter and context indicators (A11-A13,
  A4, A5, A15, A16).
- reconciliation: the region's figures reconciled to the business case.
- asglb: the ASGLB quarterly return: docs/asglb.md.
- asglb_rows: the ASGLB row-level template (a row per child and adopter household) and the v3 items counted from it.
- performance_charts: the performance pages' chart figures.
- tiles: the regional page's headline tiles as frozen records (figure, change, lines, badges).
- publication: the publication view of the pages' tables (suppressed text, masked frames), per snapshot.

Every query takes the run's `Snapshot` and, where it needs a period or an as-at date, a `PerformanceRequest`.
"""

__all__ = ['asglb', 'asglb_rows', 'characteristics', 'indicators', 'journeys', 'performance_charts', 'publication',
           'reconciliation', 'recruitment', 'tiles']
