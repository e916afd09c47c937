"""Budgets by year, council, area and cost line; the 2019-20 baseline table and the pay award check.

Cost lines and their kinds come from reference data; money stays Decimal and rounds only where the
business case prints £'000s.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from raa_core.money import to_k
from raa_core.reference import Reference
from raa_core.requests import MonitoringRequest
from raa_core.snapshot import Snapshot
from raa_core.store import sql

AREAS = ("pooled", "adoption_support")
#: The business case baseline (budgets only, before pooling) and the first pooled year (baseline + pay award).
BASELINE_YEAR = "2019-20"
FIRST_POOLED_YEAR = "2020-21"


def is_baseline_year(year: str) -> bool:
    """Whether a year is the business case baseline (budgets only, before pooling: docs/finance.md)."""
    return year == BASELINE_YEAR


def is_pay_award_year(year: str) -> bool:
    """Whether a year's contributions are the baseline plus the pay award (the first pooled year, docs/finance.md)."""
    return year == FIRST_POOLED_YEAR


def baseline_reproduced(comparison: pd.DataFrame) -> bool:
    """Whether every printed figure of the business case baseline is reproduced (`baseline_comparison`)."""
    return bool(comparison["match"].all())


#: The reference cost lines as a relation (`budget_area, cost_line, label, kind, asf, recharged_quarterly,
#: sort_order`) from the `$cost_lines` parameter (`cost_lines_param`): reference values never pasted into SQL.
COST_LINES_SQL = "SELECT unnest($cost_lines, recursive := true)"


def cost_lines_param(ref: Reference) -> list[dict[str, object]]:
    """The `$cost_lines` parameter: one struct per reference cost line."""
    return [
        {"budget_area": c.budget_area, "cost_line": c.cost_line, "label": c.label, "kind": c.kind, "asf": c.asf,
         "recharged_quarterly": c.recharged_quarterly, "sort_order": int(c.sort_order)}
        for c in ref.cost_lines
    ]


_INT_TYPES = {pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32()}


def arrow_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow as a DataFrame keeping money exact: DECIMAL -> Decimal objects, integers -> nullable Int64."""
    return table.to_pandas(types_mapper=lambda t: pd.Int64Dtype() if t in _INT_TYPES else None)


def frame(rel: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """A relation as a DataFrame keeping money exact (see `arrow_frame`)."""
    return arrow_frame(rel.to_arrow_table())


def budgets(
    snapshot: Snapshot, request: MonitoringRequest | None = None, la_code: int | None = None
) -> pd.DataFrame:
    """Approved budgets per council, year, area and cost line (budget as Decimal), with the line's kind:
    the request's year as at its as-at date (None: every year, now); one council's (`la_code`) or every
    council's. Each year comes from the newest drop carrying it (`sql.latest_by_year_sql`, docs/finance.md)."""
    year, as_at = (None, None) if request is None else (request.year, request.as_at)
    with snapshot.cursor() as con:
        return _budget_lines(con, snapshot.ref, year, la_code, as_at)


def _budget_lines(
    con: duckdb.DuckDBPyConnection, ref: Reference, year: str | None, la_code: int | None, as_at: dt.date | None
) -> pd.DataFrame:
    """`budgets` on a cursor the caller holds (internal: the snapshot's functions share one cursor)."""
    where = ["TRUE"]
    if year is not None:
        where.append("b.financial_year = $year")
    if la_code is not None:
        where.append("b.la_code = $la")
    query = f"""
        WITH cl AS ({COST_LINES_SQL})
        SELECT b.la_code, b.financial_year, b.budget_area, b.cost_line,
               coalesce(cl.kind, 'non_staff') AS kind, coalesce(cl.asf, false) AS asf,
               b.budget_gbp AS budget
        FROM ({sql.latest_by_year_sql("budget")}) b
        LEFT JOIN cl USING (budget_area, cost_line)
        WHERE {" AND ".join(where)}
        ORDER BY b.la_code, b.financial_year, coalesce(cl.sort_order, 999), b.cost_line
    """
    params = {"year": year, "la": la_code, "as_at": as_at, "cost_lines": cost_lines_param(ref)}
    return frame(sql.query(con, query, params))


def baseline_table(snapshot: Snapshot, year: str = BASELINE_YEAR) -> pd.DataFrame:
    """The business case's baseline table: per council pooled / adoption support / total (cash-limited,
    ASF excluded) in pounds and each rounded separately to £'000s at 1 dp, plus a Total row (docs/finance.md)."""
    ref = snapshot.ref
    b = budgets(snapshot, MonitoringRequest(year=year))
    b = b[~b["asf"].astype(bool)]
    names = {c.la_code: c.short_name for c in ref.councils}
    rows = []
    for la in sorted(int(x) for x in b["la_code"].unique()):
        mine = b[b["la_code"] == la]
        rows.append(
            {
                "la_code": str(la),
                "council": names.get(la, str(la)),
                "pooled": sum(mine.loc[mine["budget_area"] == "pooled", "budget"], Decimal("0.00")),
                "adoption_support": sum(
                    mine.loc[mine["budget_area"] == "adoption_support", "budget"], Decimal("0.00")
                ),
            }
        )
    rows.append(
        {
            "la_code": "total",
            "council": "Total",
            "pooled": sum((r["pooled"] for r in rows), Decimal("0.00")),
            "adoption_support": sum((r["adoption_support"] for r in rows), Decimal("0.00")),
        }
    )
    for r in rows:
        r["total"] = r["pooled"] + r["adoption_support"]
        for col in ("pooled", "adoption_support", "total"):
            r[f"{col}_k"] = to_k(r[col])
    return pd.DataFrame(
        rows,
        columns=[
            "la_code", "council", "pooled", "adoption_support", "total",
            "pooled_k", "adoption_support_k", "total_k",
        ],
    )


BASELINE_COLUMNS = ["la_code", "council", "pooled", "adoption_support", "total",
                    "pooled_k", "adoption_support_k", "total_k"]


def baseline_comparison(snapshot: Snapshot, year: str = BASELINE_YEAR) -> pd.DataFrame:
    """The baseline table (`baseline_table`) with the business case's printed £'000s beside each figure, in
    pounds (`pooled_printed`, `adoption_support_printed`, `total_printed`; None where the case prints no
    row) and `match`: every printed cell of the council's row reproduced (`reconcile_baseline`)."""
    table = baseline_table(snapshot, year)
    rec = reconcile_baseline(snapshot, year)
    ok = rec.groupby("la_code")["ok"].all().to_dict()
    printed = {p.la_code: p for p in snapshot.ref.baseline_published}
    for col in ("pooled", "adoption_support", "total"):
        table[f"{col}_printed"] = [getattr(printed[c], f"{col}_k") * 1000 if c in printed else None
                                   for c in table["la_code"]]
    table["match"] = [bool(ok.get(c, False)) for c in table["la_code"]]
    return table


def reconcile_baseline(snapshot: Snapshot, year: str = BASELINE_YEAR) -> pd.DataFrame:
    """Every printed cell of the business case baseline against the budgets' own rounding (`ok` per cell)."""
    table = baseline_table(snapshot, year).set_index("la_code")
    out = []
    for pub in snapshot.ref.baseline_published:
        for col in ("pooled_k", "adoption_support_k", "total_k"):
            computed = table.at[pub.la_code, col] if pub.la_code in table.index else None
            printed = getattr(pub, col)
            out.append(
                {
                    "la_code": pub.la_code,
                    "column": col,
                    "printed": printed,
                    "computed": computed,
                    "ok": computed is not None and computed == printed,
                }
            )
    return pd.DataFrame(out, columns=["la_code", "column", "printed", "computed", "ok"])


def pay_award_check(
    snapshot: Snapshot,
    base_year: str = BASELINE_YEAR,
    year: str = FIRST_POOLED_YEAR,
    *,
    la_code: int | None = None,
) -> pd.DataFrame:
    """Year-1 budgets against the baseline plus the pay award on payroll staff lines (staff lines
    recharged quarterly); other cash-limited lines unchanged (ASF is outside the contributions).
    `ok` allows only rounding to the nearest penny; a line missing from either year is not ok."""
    ref = snapshot.ref
    pct = ref.settings.pay_award_2020_21_pct
    payroll = {(c.budget_area, c.cost_line) for c in ref.cost_lines if c.kind == "staff" and c.recharged_quarterly}
    base = budgets(snapshot, MonitoringRequest(year=base_year), la_code)
    new = budgets(snapshot, MonitoringRequest(year=year), la_code)
    base, new = base[~base["asf"].astype(bool)], new[~new["asf"].astype(bool)]
    keys = ["la_code", "budget_area", "cost_line"]
    m = base[[*keys, "kind", "budget"]].merge(
        new[[*keys, "budget"]], on=keys, how="outer", suffixes=("_base", "_year")
    )
    m["pay_award"] = [(a, c) in payroll for a, c in zip(m["budget_area"], m["cost_line"], strict=True)]
    factor = 1 + pct / Decimal(100)
    expected, diff, ok = [], [], []
    for b, y, pay in zip(m["budget_base"], m["budget_year"], m["pay_award"], strict=True):
        b = None if b is None or b is pd.NA or (isinstance(b, float) and pd.isna(b)) else b
        y = None if y is None or y is pd.NA or (isinstance(y, float) and pd.isna(y)) else y
        e = None if b is None else (b * factor if pay else b)
        d = None if e is None or y is None else y - e
        expected.append(e)
        diff.append(d)
        ok.append(d is not None and abs(d) <= Decimal("0.005"))
    m["expected"] = expected
    m["difference"] = diff
    m["ok"] = ok
    m.insert(0, "year", year)
    m.insert(0, "base_year", base_year)
    return m.sort_values(keys).reset_index(drop=True)
