"""The Partnership Board pack: sections, workbook and PDF.

Modules:
- pack (re-exported here): the pack's sections built from one request.
- boardpack_files: the pack written as a workbook and an A4 landscape PDF.
- static_charts: charts drawn to PNG for the PDF.
- tagged_pdf: the PDF's structure tree for screen readers (fpdf2 with nested tags and artifacts).
"""

from raa_core.boardpack.pack import (
    ADOPTERS_WAITING,
    CHILDREN_WAITING,
    DEFAULT_CLASSIFICATION,
    DEFINITIONS_SPEC,
    FRESHNESS,
    SCENARIO,
    SCORECARD,
    SECTIONS,
    SHEETS,
    TREND,
    TREND_YEARS,
    WARNINGS,
    BoardPack,
    PackChart,
    PackRequest,
    PackTable,
    Progress,
    Section,
    as_at_asked,
    asglb_quarter,
    budget_year,
    build,
    classification,
    money_total,
    pack_period,
    period_choices,
)

__all__ = [
    'ADOPTERS_WAITING',
    'CHILDREN_WAITING',
    'DEFAULT_CLASSIFICATION',
    'DEFINITIONS_SPEC',
    'FRESHNESS',
    'SCENARIO',
    'SCORECARD',
    'SECTIONS',
    'SHEETS',
    'TREND',
    'TREND_YEARS',
    'WARNINGS',
    'BoardPack',
    'PackChart',
    'PackRequest',
    'PackTable',
    'Progress',
    'Section',
    'as_at_asked',
    'asglb_quarter',
    'budget_year',
    'build',
    'classification',
    'money_total',
    'pack_period',
    'period_choices',
]
