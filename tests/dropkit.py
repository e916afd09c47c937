"""Small valid drops written as real Parquet files, to be broken one rule at a time by tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import stat
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from raa_core.ingest.contract import TABLES
from raa_core.store import warehouse

D = dt.date
EXTRACT = D(2022, 10, 7)


def children() -> list[dict[str, Any]]:
    return [
        {"child_id": "KC-0001", "sex": "M", "date_of_birth": D(2018, 3, 1), "entered_care_date": D(2019, 1, 10),
         "adm_decision_date": D(2019, 5, 1), "placement_order_date": D(2019, 8, 1), "matched_date": D(2019, 11, 1),
         "placed_date": D(2019, 12, 1), "adoption_order_date": D(2020, 6, 1), "early_permanence": False,
         "interagency": False, "placed_with_consent": False},
        {"child_id": "KC-0002", "sex": "F", "date_of_birth": D(2020, 2, 1), "entered_care_date": D(2020, 3, 1),
         "adm_decision_date": D(2020, 9, 1), "placement_order_date": D(2021, 1, 5), "matched_date": None,
         "placed_date": None, "adoption_order_date": None, "early_permanence": False, "interagency": False,
         "placed_with_consent": False},
        {"child_id": "KC-0003", "sex": "F", "date_of_birth": D(2016, 7, 1), "entered_care_date": D(2017, 1, 1),
         "adm_decision_date": D(2017, 4, 1), "placement_order_date": D(2017, 7, 1), "matched_date": D(2017, 9, 1),
         "placed_date": D(2017, 10, 1), "fostered_by_adopters_from": D(2017, 3, 1),
         "adoption_order_date": D(2018, 5, 1), "early_permanence": True, "interagency": True,
         "placed_with_consent": False},
    ]


def adopters() -> list[dict[str, Any]]:
    return [
        {"household_id": "KH-01", "enquiry_date": D(2021, 1, 4), "roi_date": D(2021, 2, 1),
         "stage1_end_date": D(2021, 3, 20), "stage2_start_date": D(2021, 4, 1), "approval_date": D(2021, 8, 1),
         "matched_date": D(2021, 10, 1), "placed_date": D(2021, 11, 1), "children_placed": 1,
         "fast_track": False},
        {"household_id": "KH-02", "enquiry_date": D(2022, 2, 4), "roi_date": D(2022, 3, 1), "fast_track": True,
         "children_placed": 0},
    ]


def budget() -> list[dict[str, Any]]:
    return [
        {"financial_year": "2022-23", "budget_area": "pooled", "cost_line": "staffing",
         "budget_gbp": Decimal("1200000.00")},
        {"financial_year": "2022-23", "budget_area": "pooled", "cost_line": "panels",
         "budget_gbp": Decimal("60000.50")},
    ]


def ledger() -> list[dict[str, Any]]:
    return [
        {"financial_year": "2022-23", "period": p, "budget_area": "pooled", "cost_line": "panels",
         "actual_gbp": Decimal("5000.25"), "forecast_outturn_gbp": Decimal("60000.00")}
        for p in range(1, 7)
    ] + [
        {"financial_year": "2022-23", "period": 3, "budget_area": "pooled", "cost_line": "staffing",
         "actual_gbp": Decimal("300000.00"), "forecast_outturn_gbp": None},
    ]


def establishment() -> list[dict[str, Any]]:
    return [
        {"post_id": "P1", "team": "family_finding", "role": "social_worker", "fte": 1.0,
         "annual_cost_gbp": Decimal("48000.00"), "status": "filled", "agency_covers_go_live_vacancy": False},
        {"post_id": "P2", "team": "panels", "role": "admin", "fte": 0.5,
         "annual_cost_gbp": Decimal("14000.00"), "status": "agency", "agency_covers_go_live_vacancy": True},
    ]


TYPES: dict[str, pa.DataType] = {
    "date": pa.date32(), "money": pa.decimal128(18, 2), "bool": pa.bool_(), "int": pa.int64(),
    "string": pa.string(), "number": pa.float64(),
}


def table(spec_name: str, rows: list[dict[str, Any]], overrides: dict[str, pa.DataType] | None = None) -> pa.Table:
    """An Arrow table with the contract's canonical types (or `overrides` per column)."""
    from raa_core.ingest.contract import TABLES

    spec = next(t for t in TABLES if t.name == spec_name)
    names: list[str] = []
    for r in rows:
        names += [k for k in r if k not in names]
    # Contract v3: every contract column is present (missing values stay missing); drop one with `drop_columns`.
    names += [c.name for c in spec.columns if c.name not in names and not c.may_be_absent]
    arrays, fields = [], []
    for name in names:
        col = next((c for c in spec.columns if c.name == name), None)
        typ = (overrides or {}).get(name) or (TYPES[col.type.value] if col else pa.string())
        values = [r.get(name) for r in rows]
        if typ == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=typ))
        fields.append(pa.field(name, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def complete(spec_name: str, tbl: pa.Table) -> pa.Table:
    """The table with every contract column it lacks (matched ignoring case and spaces) added as all missing,
    typed canonically: contract v3 requires every column to be present."""
    spec = next(t for t in TABLES if t.name == spec_name)
    have = {n.strip().lstrip("\ufeff").strip().lower() for n in tbl.column_names}
    for col in spec.columns:
        if col.name not in have and not col.may_be_absent:
            tbl = tbl.append_column(pa.field(col.name, TYPES[col.type.value]),
                                    pa.nulls(tbl.num_rows, TYPES[col.type.value]))
    return tbl


def write_drop(
    root: Path, la_code: int | str = 886, extract: dt.date | str = EXTRACT, *, manifest: bool = False,
    exact: bool = False, **tables: pa.Table | list[dict[str, Any]] | None,
) -> Path:
    """Write a drop folder; tables default to the valid ones above, `name=None` leaves a file out.

    A table given as Arrow gains the contract columns it lacks (`complete`) unless `exact` (to test a missing
    column)."""
    folder = Path(root) / str(la_code) / str(extract)
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {"children": children, "adopters": adopters, "budget": budget, "ledger": ledger,
                "establishment": establishment}
    for name, make in defaults.items():
        data = tables.get(name, make())
        if data is None:
            continue
        tbl = data if isinstance(data, pa.Table) else table(name, data)
        if not exact:
            tbl = complete(name, tbl)
        pq.write_table(tbl, folder / f"{name}.parquet")
    if manifest:
        write_manifest(folder, la_code, extract)
    return folder


def write_manifest(folder: Path, la_code: int | str, extract: dt.date | str) -> dict[str, Any]:
    files = {}
    for p in sorted(folder.glob("*.parquet")):
        files[p.name] = {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                         "rows": pq.ParquetFile(p).metadata.num_rows}
    doc = {"la_code": int(la_code), "extract_date": str(extract), "files": files}
    (folder / "manifest.json").write_text(json.dumps(doc, indent=2, sort_keys=True))
    return doc


class FakeUpload(io.BytesIO):
    """What Streamlit's file_uploader hands a page: bytes with a name and a size."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


TODAY = dt.date(2022, 10, 10)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Everything the warehouse holds except the audit trail (which records every attempt)."""
    if warehouse.current_file(db) is None:
        return {}
    con = warehouse.Warehouse(db).connect()
    try:
        out = {t.name: sorted(con.execute(f"SELECT * FROM {t.name}").fetchall(), key=repr) for t in TABLES}
        out["drops"] = con.execute(
            "SELECT drop_id, la_code, extract_date, path, version, fingerprint, files FROM drops ORDER BY 1"
        ).fetchall()
        return out
    finally:
        con.close()


def zip_upload(entries: dict[str, bytes], *, links: dict[str, str] | None = None,
         compression: int = zipfile.ZIP_DEFLATED) -> FakeUpload:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return FakeUpload("drop.zip", buf.getvalue())


def folder_zip(folder: Path, prefix: str = "") -> FakeUpload:
    return zip_upload({f"{prefix}{p.name}": p.read_bytes() for p in sorted(folder.iterdir())})
