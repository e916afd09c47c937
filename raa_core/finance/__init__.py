"""The pooled budget: monitoring, forecast outturn, settlement, recharges, variance comments, interagency fees.

Modules:
- budget: budget and ledger figures by line, council and year: docs/finance.md.
- monitoring: monitoring by period with forecast outturn methods and RAG.
- budget_tables: the monitoring tables as shown and exported.
- budget_charts: the budget page's chart figures.
- monitoring_export: the monitoring workbook.
- settlement: year-end settlement between the councils.
- commentary: variance comments written by finance leads.
- interagency: interagency fees.
"""

__all__ = ['budget', 'budget_charts', 'budget_tables', 'commentary', 'interagency', 'monitoring', 'monitoring_export', 'settlement']
