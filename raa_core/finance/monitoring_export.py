"""The monitoring report as an Excel workbook for finance readers (written through `raa_core.presentation.export`).

Sheets: Summary, Lines, Recharges, ASF, Agency cover (go-live vacancies charged to councils),
Settlement, Commentary. Every figure is written as a value
taken from `raa_core`'s own results (no formulas), so the workbook's totals are exactly the report's;
money is formatted in £ with negatives in brackets or with a sign, percentages' negatives in the same style,
headers are frozen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from raa_core import clock
from raa_core.errors import BadInput, NoData
from raa_core.finance import commentary
from raa_core.finance.monitoring import Monitoring, latest_period, monitor, recharge_schedule
from raa_core.finance.settlement import BASIS_LABELS, Settlement, settlement_of
from raa_core.presentation import date_text, display, excel_money_format, excel_percent_format, missing, palette
from raa_core.presentation.export import Workbook, print_setup
from raa_core.requests import MonitoringRequest
from raa_core.snapshot import Snapshot
from raa_core.store.appstate import AppState

HEADER_ROW = 3  # zero-based row of every sheet's column headers; data start on the next row
SHEETS = ("Summary", "Lines", "Recharges", "ASF", "Agency cover", "Settlement", "Commentary")


def money_format(negatives: Literal["brackets", "sign"]) -> str:
    """Excel number format for pounds and pence with negatives in brackets or with a minus sign."""
    if negatives in ("brackets", "sign"):
        return excel_money_format(negatives=negatives, symbol=True)
    raise BadInput(f"negatives must be 'brackets' or 'sign', not {negatives!r}")


def _num(v: Any) -> float | None:
    return None if missing(v) else float(v)


def _txt(v: Any) -> str:
    return "" if missing(v) else str(v)


class _Book:
    """Formats and a uniform sheet writer (title, subtitle, header row, typed columns)."""

    def __init__(self, wb: Workbook, negatives: Literal["brackets", "sign"]) -> None:
        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.sub = wb.add_format({"italic": True, "font_color": palette.NOTE_TEXT})
        self.head = wb.add_format({"bold": True, "bg_color": palette.HEADER_FILL, "bottom": 1, "text_wrap": True})
        self.money = wb.add_format({"num_format": money_format(negatives)})
        self.money_b = wb.add_format({"num_format": money_format(negatives), "bold": True, "top": 1})
        # percentages' negatives in the money's style, so a row never shows (13.3) beside -2.9%
        self.pct = wb.add_format({"num_format": excel_percent_format(1, negatives)})
        self.pct_b = wb.add_format({"num_format": excel_percent_format(1, negatives), "bold": True, "top": 1})
        self.bold = wb.add_format({"bold": True, "top": 1})
        self.text = wb.add_format({"text_wrap": False})
        self.int = wb.add_format({"num_format": "0"})
        self.fte = wb.add_format({"num_format": "0.00"})
        # RAG fills and labels from raa_core.presentation.display, the one place the pages take them from too
        self.rag = {k: wb.add_format({"bg_color": bg, "align": "center"}) for k, (_w, _i, _c, bg) in display.RAG.items()}
        self.period: str | None = None
        self.as_at: dt.date | None = None

    def sheet(
        self,
        name: str,
        title: str,
        subtitle: str,
        columns: list[tuple[str, str, int]],
        rows: list[list[Any]],
        bold_rows: set[int] | None = None,
    ) -> Worksheet:
        """Write a table; column kinds: money, pct (a percentage number, e.g. 1.2), text, int, fte, rag."""
        ws = self.wb.add_worksheet(name)
        self.wb.text(ws, 0, 0, title, self.title)
        self.wb.text(ws, 1, 0, subtitle, self.sub)
        for c, (label, _kind, width) in enumerate(columns):
            self.wb.text(ws, HEADER_ROW, c, label, self.head)
            ws.set_column(c, c, width)
        bold_rows = bold_rows or set()
        for i, row in enumerate(rows):
            r = HEADER_ROW + 1 + i
            strong = i in bold_rows
            for c, ((_label, kind, _w), v) in enumerate(zip(columns, row, strict=True)):
                if kind == "money":
                    n = _num(v)
                    if n is None:
                        ws.write_blank(r, c, None, self.money_b if strong else self.money)
                    else:
                        ws.write_number(r, c, n, self.money_b if strong else self.money)
                elif kind == "pct":
                    n = _num(v)
                    fmt = self.pct_b if strong else self.pct
                    if n is None:
                        ws.write_blank(r, c, None, fmt)
                    else:
                        ws.write_number(r, c, n / 100, fmt)
                elif kind == "fte":
                    n = _num(v)
                    if n is None:
                        ws.write_blank(r, c, None)
                    else:
                        ws.write_number(r, c, n, self.fte)
                elif kind == "int":
                    n = _num(v)
                    if n is None:
                        ws.write_blank(r, c, None)
                    else:
                        ws.write_number(r, c, n, self.int)
                elif kind == "rag":
                    t = _txt(v)
                    self.wb.text(ws, r, c, display.label("rag", t) if t else "", self.rag.get(t, self.text))
                else:
                    self.wb.text(ws, r, c, _txt(v), self.bold if strong else self.text)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        if rows:
            ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), len(columns) - 1)
        print_setup(ws, title=title, period=self.period, as_at=self.as_at, header_row=HEADER_ROW)
        return ws


def monitoring_workbook(
    report: Monitoring,
    *,
    recharges: pd.DataFrame | None = None,
    settled: Settlement | None = None,
    comments: pd.DataFrame | None = None,
    negatives: Literal["brackets", "sign"] = "brackets",
    overspend_positive: bool = True,
    council_names: dict[int, str] | None = None,
    line_labels: dict[str, str] | None = None,
    as_at: dt.date | None = None,
) -> bytes:
    """The monitoring report as .xlsx bytes. With `overspend_positive=False` variances and movements
    (and settlement amounts) are shown with the sign flipped (underspend positive)."""
    money_format(negatives)
    names = council_names or {}
    labels = line_labels or {}
    flip = Decimal(1) if overspend_positive else Decimal(-1)

    def council(la: Any) -> str:
        return display.RAA if missing(la) else names.get(int(la), str(int(la)))

    area = display.area_label

    def signed(v: Any) -> Any:
        n = _num(v)
        return None if n is None else v * flip

    sign_word = "overspend +" if overspend_positive else "underspend +"
    subtitle = (
        f"Financial year {report.year}, period {report.period if report.period is not None else '—'}, "
        f"forecast method {report.method}; variance = forecast - budget ({sign_word}); "
        f"produced {date_text(clock.today())}"
    )
    wb = Workbook()
    book = _Book(wb, negatives)
    book.period = f"{report.year} P{report.period}" if report.period is not None else report.year
    book.as_at = as_at

    # Summary: totals at every level.
    t = report.totals
    sum_rows = [
        [
            council(r.la_code), area(r.budget_area), r.budget, r.ytd_actual, r.forecast,
            signed(r.variance), r.variance_pct * float(flip) if _num(r.variance_pct) is not None else None,
            r.rag, signed(r.movement),
        ]
        for r in t.itertuples(index=False)
    ]
    bold = {i for i, r in enumerate(t.itertuples(index=False)) if r.level in ("council", "raa")}
    book.sheet(
        "Summary",
        "Pooled budget monitoring: summary",
        subtitle,
        [
            ("Council", "text", 14), ("Budget area", "text", 18), ("Budget", "money", 16),
            ("Actual to date", "money", 16), ("Forecast outturn", "money", 16), ("Variance", "money", 16),
            ("Variance %", "pct", 11), ("RAG", "rag", 8), ("Movement", "money", 15),
        ],
        sum_rows,
        bold,
    )

    # Lines, with the RAA cash-limited total.
    line_rows = [
        [
            council(r.la_code), area(r.budget_area), labels.get(r.cost_line, r.cost_line), r.budget,
            r.ytd_actual, r.forecast, _txt(r.method), signed(r.variance),
            r.variance_pct * float(flip) if _num(r.variance_pct) is not None else None,
            r.rag, signed(r.movement), _txt(r.comment),
        ]
        for r in report.lines.itertuples(index=False)
    ]
    raa = t[t["level"] == "raa"]
    if not raa.empty:
        g = raa.iloc[0]
        line_rows.append(
            ["Total", "All areas", "Cash-limited total", g["budget"], g["ytd_actual"], g["forecast"], "",
             signed(g["variance"]), None, g["rag"], signed(g["movement"]), ""]
        )
    book.sheet(
        "Lines",
        "Pooled budget monitoring: cost lines",
        subtitle,
        [
            ("Council", "text", 14), ("Budget area", "text", 18), ("Cost line", "text", 30),
            ("Budget", "money", 16), ("Actual to date", "money", 16), ("Forecast outturn", "money", 16),
            ("Method", "text", 14), ("Variance", "money", 16), ("Variance %", "pct", 11), ("RAG", "rag", 8),
            ("Movement", "money", 15), ("Comment", "text", 50),
        ],
        line_rows,
        {len(line_rows) - 1} if not raa.empty else set(),
    )

    # Recharges.
    rc = recharges if recharges is not None else pd.DataFrame()
    rc_rows = [
        [
            council(r.la_code), f"Q{int(r.quarter)}", f"P{int(r.first_period)}-{int(r.last_period)}",
            area(r.budget_area), labels.get(r.cost_line, r.cost_line), r.recharged,
            "yes" if bool(r.complete) else "no",
        ]
        for r in rc.itertuples(index=False)
    ]
    if not rc.empty:
        rc_rows.append(["Total", "", "", "", "", sum(rc["recharged"], Decimal("0.00")), ""])
    book.sheet(
        "Recharges",
        "Quarterly staffing recharges",
        subtitle,
        [
            ("Council", "text", 14), ("Quarter", "text", 9), ("Periods", "text", 9), ("Budget area", "text", 18),
            ("Cost line", "text", 30), ("Recharged", "money", 16), ("Quarter complete", "text", 10),
        ],
        rc_rows,
        {len(rc_rows) - 1} if not rc.empty else set(),
    )

    # ASF: lines and per-council summary with the unfunded flag.
    asf_rows: list[list[Any]] = [
        [council(r.la_code), labels.get(r.cost_line, r.cost_line), r.budget, r.ytd_actual, r.forecast, ""]
        for r in report.asf_lines.itertuples(index=False)
    ]
    for r in report.asf.itertuples(index=False):
        asf_rows.append(
            [
                f"{council(r.la_code)} net", "ASF spend less income", Decimal(0) + r.spend_budget + r.income_budget,
                r.net_ytd, r.net_forecast, "UNFUNDED ASF SPEND" if bool(r.unfunded) else "funded",
            ]
        )
    book.sheet(
        "ASF",
        "Adoption Support Fund (outside the cash-limited budget)",
        subtitle,
        [
            ("Council", "text", 16), ("Line", "text", 30), ("Budget", "money", 16), ("Actual to date", "money", 16),
            ("Forecast outturn", "money", 16), ("Flag", "text", 22),
        ],
        asf_rows,
        set(range(len(report.asf_lines), len(asf_rows))),
    )

    # Go-live agency cover: charged to the council, outside the pooled figures.
    ch = report.council_charges
    ch_rows: list[list[Any]] = [
        [council(r.la_code), area(r.budget_area), r.posts, r.fte, r.annual_cost, r.months, r.charge_to_date]
        for r in ch.itertuples(index=False)
    ]
    if not ch.empty:
        ch_rows.append(["Total", "", int(ch["posts"].sum()), None, sum(ch["annual_cost"], Decimal("0.00")), None,
                        sum(ch["charge_to_date"], Decimal("0.00"))])
    book.sheet(
        "Agency cover",
        "Agency cover of posts vacant at go-live: charged to the council, not the pool",
        subtitle,
        [
            ("Council", "text", 14), ("Budget area", "text", 18), ("Posts", "int", 8), ("FTE", "fte", 8),
            ("Full-year charge", "money", 18), ("Months to date", "int", 10), ("Charge to date", "money", 18),
        ],
        ch_rows,
        {len(ch_rows) - 1} if not ch.empty else set(),
    )

    # Settlement.
    st_rows: list[list[Any]] = []
    st_sub = subtitle
    if settled is not None:
        st_sub = f"{BASIS_LABELS.get(settled.basis, settled.basis)}; {subtitle}"
        for s in settled.rows:
            st_rows.append(
                [council(s.la_code), float(s.share) * 100, signed(s.pooled_amount),
                 signed(s.adoption_support_variance), signed(s.total)]
            )
        st_rows.append(["Contingency reserve", None, signed(settled.reserve), None, signed(settled.reserve)])
        support_total = sum(
            (s.adoption_support_variance or Decimal(0) for s in settled.rows), Decimal("0.00")
        )
        st_rows.append(
            ["Total", 100.0 if settled.basis != "reserve" else None, signed(settled.pooled_variance),
             signed(support_total), signed(settled.pooled_variance + support_total)]
        )
    book.sheet(
        "Settlement",
        "Year-end settlement of the pooled variance",
        st_sub,
        [
            ("Council", "text", 20), ("Share %", "pct", 10), ("Pooled variance share", "money", 20),
            ("Own adoption support variance", "money", 20), ("Total", "money", 16),
        ],
        st_rows,
        {len(st_rows) - 1} if st_rows else set(),
    )

    # Commentary.
    if comments is None:
        cm = report.lines[report.lines["comment"].notna()]
        cm_rows = [
            [council(r.la_code), str(report.period), area(r.budget_area), labels.get(r.cost_line, r.cost_line),
             _txt(r.comment), _txt(r.comment_author), _txt(r.comment_at)]
            for r in cm.itertuples(index=False)
        ]
    else:
        cm_rows = [
            [council(r.la_code), str(int(r.period)), area(r.budget_area), labels.get(r.cost_line, r.cost_line),
             _txt(r.comment), _txt(r.author), _txt(r.created_at)]
            for r in comments.itertuples(index=False)
        ]
    book.sheet(
        "Commentary",
        "Variance commentary",
        subtitle,
        [
            ("Council", "text", 14), ("Period", "text", 8), ("Budget area", "text", 18), ("Cost line", "text", 30),
            ("Comment", "text", 60), ("Author", "text", 20), ("Recorded (UTC)", "text", 20),
        ],
        cm_rows,
    )
    return wb.to_bytes()


def export_monitoring(
    snapshot: Snapshot,
    request: MonitoringRequest,
    basis: str = "contribution",
    *,
    negatives: Literal["brackets", "sign"] = "brackets",
    shares: dict[int, Decimal] | None = None,
    overspend_positive: bool | None = None,
    state: AppState | None = None,
) -> bytes:
    """Gather the whole-RAA report (the request's year, period, default: the latest, method and as-at date),
    recharges, settlement (when there is a forecast) and comments into a workbook. `overspend_positive`
    defaults to the reference setting. Comments come from the app-state store `state` (none without one): the
    latest per line beside the figures, and every comment recorded for the period, newest first, on the
    Commentary sheet (docs/finance.md)."""
    ref, year = snapshot.ref, request.year
    if request.period is None:
        request = request.model_copy(update={"period": latest_period(snapshot, request)})
    period = request.period
    latest = commentary.comments(state, year, period) if state is not None and period is not None else None
    every = commentary.history(state, year, period) if state is not None and period is not None else None
    mon = monitor(snapshot, request, comments=latest)
    try:
        settled: Settlement | None = settlement_of(mon, basis, shares)
    except (ValueError, NoData):
        settled = None
    return monitoring_workbook(
        mon,
        recharges=recharge_schedule(snapshot, request),
        settled=settled,
        comments=every,
        negatives=negatives,
        overspend_positive=ref.settings.overspend_positive if overspend_positive is None else overspend_positive,
        council_names={c.la_code: c.short_name for c in ref.councils},
        line_labels={c.cost_line: c.label for c in ref.cost_lines},
        as_at=request.as_at,
    )
