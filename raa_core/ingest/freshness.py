"""What the warehouse holds and how fresh it is: per council and dataset, the newest drop, staleness, rows, warnings."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from raa_core import clock
from raa_core.errors import BadInput
from raa_core.ingest.contract import DATASETS, FRESHNESS_TABLES, TABLES, person_rows, rule_title
from raa_core.presentation import count_noun, count_text, date_text, display, missing
from raa_core.reference import Reference
from raa_core.store.sql import contract_literal, execute, newest_drop_sql

if TYPE_CHECKING:
    from raa_core.snapshot import Snapshot  # the snapshot pins through `judged_on`: a type only here


def holds_only_sample(snapshot: Snapshot) -> bool:
    """True while every drop the warehouse holds is a drop of the bundled synthetic sample: the one rule for
    "only the sample is held", used by freshness (`judged_on`) and by the demo users (`access.accounts`).

    Sample drops carry `"sample": true` in their manifest (`raa sample` writes it; the ingest records them in
    `sample_drops`). While only they are loaded, pages label the figures "sample data", the demo users exist,
    and freshness is judged against the sample's own as-at date, so a newcomer who starts the app months later
    sees the sample as current, with no stale warnings (docs/operations.md). An empty warehouse is not the
    sample.
    """
    with snapshot.cursor() as con:
        return _holds_only_sample(con)


def _holds_only_sample(con: duckdb.DuckDBPyConnection) -> bool:
    held, sample = execute(
        con, "SELECT count(*), count(s.drop_id) FROM drops d LEFT JOIN sample_drops s USING (drop_id)").fetchall()[0]
    return bool(held) and held == sample


def judged_on(snapshot: Snapshot) -> dt.date:
    """The date freshness is judged against: the snapshot's day (the calendar's today when it was pinned), or the
    sample's as-at date (its newest extract) while only the sample is held (`holds_only_sample`)."""
    with snapshot.cursor() as con:
        return _judged_on(con, snapshot.today)


def _judged_on(con: duckdb.DuckDBPyConnection, today: dt.date) -> dt.date:
    if _holds_only_sample(con):
        newest = execute(con, "SELECT max(extract_date) FROM drops").fetchall()[0][0]
        return newest or today
    return today


def council_status(snapshot: Snapshot, dataset: str = "performance") -> pd.DataFrame:
    """One row per partner council: newest drop per dataset, its age in days, stale flags, rows, warnings.

    Datasets travel independently (docs/drop-contract.md). `<table>_newest` is the newest accepted drop that
    carried each file. A dataset's drop (`performance_drop`, `finance_drop`) is the oldest of those of its
    regular files (`contract.FRESHNESS_TABLES`: children and adopters; the ledger), so an occasional budget or
    establishment file neither freshens nor ages it; then its age at `today` and whether that is past
    `settings.freshness_days[dataset]` (8 and 35 days). A council missing one of those files is stale.
    `newest_drop`, `age_days` and `stale` repeat the columns of `dataset` (the figures a page shows). `today`
    is the snapshot's day; while only the bundled sample is held, ages are counted to the sample's as-at date
    (`judged_on`), and `sample` is true.
    """
    if dataset not in DATASETS:
        raise BadInput(f"unknown dataset {dataset!r} (expected one of {', '.join(DATASETS)})")
    with snapshot.cursor() as con:
        return _council_status(con, snapshot.ref, snapshot.today, dataset)


def _council_status(con: duckdb.DuckDBPyConnection, ref: Reference, today: dt.date, dataset: str) -> pd.DataFrame:
    councils = pd.DataFrame(
        [{"la_code": c.la_code, "council": c.short_name} for c in ref.councils]
    )
    con.register("_councils", councils)
    counts = ",\n".join(
        f"(SELECT count(*) FROM {t.name}_current x WHERE x.la_code = c.la_code) AS {t.name}_rows" for t in TABLES
    )
    newest = ",\n".join(
        f"(SELECT max(extract_date) FROM drops a WHERE a.la_code = c.la_code AND list_contains(a.files, "
        f"{contract_literal(t.file)})) AS {t.name}_newest"
        for t in TABLES
    )
    try:
        df = execute(
            con,
            f"""
            SELECT c.la_code, c.council, d.extract_date AS any_drop, d.loaded_at,
                   (SELECT count(*) FROM drops a WHERE a.la_code = c.la_code) AS drops_held,
                   {newest},
                   {counts},
                   (SELECT count(*) FROM ({OPEN_WARNINGS_SQL}) i JOIN drops w ON w.drop_id = i.drop_id
                       WHERE w.la_code = c.la_code) AS open_warnings,
                   (SELECT count(*) FROM ingest_audit a WHERE a.la_code = c.la_code AND a.outcome = 'rejected'
                       AND a.started_at > coalesce(d.loaded_at, TIMESTAMP '1900-01-01')) AS rejected_since
            FROM _councils c
            LEFT JOIN current_drops cd USING (la_code)
            LEFT JOIN drops d ON d.drop_id = cd.drop_id
            ORDER BY c.la_code
            """
        ).df()
    finally:
        con.unregister("_councils")
    on = _judged_on(con, today)
    for t in TABLES:
        df[f"{t.name}_newest"] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in df[f"{t.name}_newest"]]
    for name in DATASETS:
        # a dataset is as old as the oldest of its regular files' newest drops; a file never sent: no drop
        files = FRESHNESS_TABLES[name]
        per_council = list(zip(*(df[f"{t}_newest"] for t in files), strict=True))
        newest_of = [None if None in ds else min(ds) for ds in per_council]
        df[f"{name}_drop"] = newest_of
        # a dataset some of whose files were sent, but not every regular one: name the regular ones missing
        sent_any = [any(d is not None for d in ds)
                    for ds in zip(*(df[f"{t}_newest"] for t in DATASETS[name]), strict=True)]
        df[f"{name}_missing"] = [
            " or ".join(t for t, d in zip(files, ds, strict=True) if d is None) if sent else ""
            for ds, sent in zip(per_council, sent_any, strict=True)]
        df[f"{name}_age_days"] = pd.array([None if pd.isna(d) else (on - d).days for d in newest_of],
                                           dtype="Int64")
        limit = ref.settings.freshness_days[name]
        df[f"{name}_stale"] = [bool(pd.isna(a) or a > limit) for a in df[f"{name}_age_days"]]
    df["newest_drop"] = df[f"{dataset}_drop"]
    df["missing"] = df[f"{dataset}_missing"]
    df["dataset"] = dataset
    df["age_days"] = df[f"{dataset}_age_days"]
    df["stale"] = df[f"{dataset}_stale"]
    df["judged_on"] = on
    df["sample"] = _holds_only_sample(con)
    return df


#: Warnings still open: those of a file whose drop is still the council's current one for that file (each file
#: is a full snapshot, so a newer drop carrying it closes them), and a drop's own warnings (no file, or not a
#: table's file) while the drop is current for any file. A children-only drop leaves the adopters warnings of
#: the drop before it open.
OPEN_WARNINGS_SQL = f"""
    SELECT i.* FROM drop_issues i
    WHERE i.severity = 'warning' AND EXISTS (
        SELECT 1 FROM (
            SELECT file, {newest_drop_sql()} AS drop_id
            FROM (SELECT la_code, drop_id, extract_date, version, unnest(files) AS file FROM drops)
            GROUP BY la_code, file) cur
        WHERE cur.drop_id = i.drop_id
          AND (cur.file = i.file OR i.file IS NULL OR i.file NOT IN ({", ".join(contract_literal(t.file) for t in TABLES)})))
"""


def open_warnings(snapshot: Snapshot, la_code: int | None = None) -> pd.DataFrame:
    """Warnings stored with each council's current drop (loaded, but worth a look), of one council or all."""
    with snapshot.cursor() as con:
        return _open_warnings(con, la_code)


def _open_warnings(con: duckdb.DuckDBPyConnection, la_code: int | None = None) -> pd.DataFrame:
    return execute(
        con,
        f"""
        SELECT d.la_code, d.extract_date, i.file, i."column", i.rule, i.row_count, i.rows, i.message
        FROM ({OPEN_WARNINGS_SQL}) i JOIN drops d ON d.drop_id = i.drop_id
        WHERE $la_code IS NULL OR d.la_code = $la_code
        ORDER BY d.la_code, i.file, i.rule
        """,
        {"la_code": la_code},
    ).df()


def warnings_frame(warnings: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """`open_warnings` as people read it: Council (name), Extract date, File, Column, Rule (its plain-English
    title), Rows (counted as a person counts them, the first data row is row 1, as every other message of a
    drop; or the text `access.issues_for` made of them for the viewer), Message. An empty frame keeps the columns."""
    names = display.council_names(ref)
    return pd.DataFrame({
        "Council": [names.get(int(la), str(la)) for la in warnings["la_code"]],
        "Extract date": [date_text(d) for d in warnings["extract_date"]],
        "File": [str(f) for f in warnings["file"]],
        "Column": ["" if missing(c) else str(c) for c in warnings["column"]],
        "Rule": [rule_title(str(r)) for r in warnings["rule"]],
        "Rows": [_rows_text(rows, n) for rows, n in zip(warnings["rows"], warnings["row_count"], strict=True)],
        "Message": [str(m) for m in warnings["message"]],
    })


def _rows_text(rows: object, n: object) -> str:
    """A warning's rows as a person counts them; text already decided by `access.issues_for` (the rows, or
    "3 rows" for a viewer without child-level rights) is kept as it is."""
    if isinstance(rows, str):
        return rows
    if rows is None or not len(rows):  # type: ignore[arg-type]
        return ""
    return person_rows([int(r) for r in rows], None if missing(n) else int(n))  # type: ignore[union-attr]


def _rows_per_file(counts_json: str | None) -> str:
    counts = json.loads(counts_json or "{}")
    return " · ".join(f"{t.name} {count_text(counts[t.file])}" for t in TABLES if t.file in counts)


def ingest_history(snapshot: Snapshot, limit: int = 200) -> pd.DataFrame:
    """The audit trail of ingest attempts, newest first, in plain columns for people.

    Council (name), Extract date (a date), Outcome (accepted / unchanged / rejected), Rows per file
    ("children 1,234 · adopters 56"), Children data as (SSDA903 files / children.parquet, docs/ssda903.md), Errors, Warnings, When (London time) (the attempt finished, to the minute; stored as UTC), By whom (the signed-in
    user, or the command and system user of a scheduled ingest). Folder names that are not a council code or a
    date show as written in the path.
    """
    names = {c.la_code: c.short_name for c in snapshot.ref.councils}
    df = snapshot.frame(
        """SELECT path, la_code, extract_date, outcome, row_counts, errors, warnings, finished_at, loaded_by,
                  children_form
           FROM ingest_audit ORDER BY attempt_id DESC LIMIT $limit""",
        {"limit": limit},
    )
    return pd.DataFrame({
        "Council": [names.get(la, p.split("/")[0]) if not pd.isna(la) else p.split("/")[0]
                    for la, p in zip(df["la_code"], df["path"], strict=True)],
        "Extract date": [None if pd.isna(d) else pd.Timestamp(d).date() for d in df["extract_date"]],
        "Outcome": df["outcome"],
        "Rows per file": [_rows_per_file(c) for c in df["row_counts"]],
        "Children data as": [display.label("children_form", None if pd.isna(f) else f) if json.loads(c or "{}")
                             or not pd.isna(f) else "" for f, c in zip(df["children_form"], df["row_counts"],
                                                                        strict=True)],
        "Errors": df["errors"].astype(int),
        "Warnings": df["warnings"].astype(int),
        "When (London time)": clock.london_times(df["finished_at"]),
        "By whom": df["loaded_by"].fillna("(not recorded)"),
    })


def is_stale(status: pd.DataFrame, la_code: int | str | None) -> bool:
    """Whether a council's data is stale in a `council_status` frame (the region: never, councils carry it)."""
    if la_code is None or str(la_code) == "region":
        return False
    mine = status[status["la_code"] == int(la_code)]
    return bool(len(mine)) and bool(mine["stale"].iloc[0])


def council_labels(status: pd.DataFrame) -> dict[str, str]:
    """Council short names by code (as text, the indicator tables' area key), marked `(stale)` where stale."""
    return {str(r.la_code): f"{r.council} (stale)" if r.stale else str(r.council) for r in status.itertuples()}


def stale_councils_text(status: pd.DataFrame, dataset: str, ref: Reference) -> str | None:
    """The sentence a page shows above figures from stale data, or None when no council is stale, e.g.
    "Stale finance data (older than 35 days): Northshire: newest drop 20 Oct 2026 (41 days old)." (`status` from
    `council_status(..., dataset)`; the limit is `ref.settings.freshness_days[dataset]`)."""
    stale = status[status["stale"]]
    if stale.empty:
        return None
    listed = "; ".join(f"{r.council}: {staleness_note(r)}" for r in stale.itertuples())
    return f"Stale {dataset} data (older than {ref.settings.freshness_days[dataset]} days): {listed}."


def stale_councils(status: pd.DataFrame, dataset: str) -> list[dict[str, str]]:
    """The councils stale in a `council_status(..., dataset)` frame, as JSON records for `raa --json`:
    `{"area": "101", "council": "Northshire", "dataset": "finance", "note": "newest drop 20 Oct 2026 (41 days old)"}`."""
    return [{"area": str(r.la_code), "council": str(r.council), "dataset": dataset, "note": staleness_note(r)}
            for r in status[status["stale"]].itertuples()]


def staleness_note(row: Any) -> str:
    """Why a council is stale: 'newest drop 20 Nov 2026 (12 days old)', 'no adopters file yet' (some of the
    dataset's files sent, not this regular one), 'no finance data yet' (drops of the other dataset only) or
    'no drop yet'."""
    if pd.isna(row.newest_drop):
        if getattr(row, "missing", ""):
            return f"no {row.missing} file yet"
        held = getattr(row, "drops_held", 0)
        return f"no {row.dataset} data yet" if held and not pd.isna(held) and getattr(row, "dataset", "") else (
            "no drop yet")
    return f"newest drop {date_text(row.newest_drop)} ({count_noun(int(row.age_days), 'day')} old)"


def rule_text(ref: Reference) -> str:
    """The freshness rule in words, from the reference's thresholds (settings: freshness_days): when a council
    is stale for performance and for finance, and what is flagged (docs/operations.md)."""
    limits = ref.settings.freshness_days
    return ("Performance data (children, adopters) and finance data (ledger, budget, establishment) travel "
            f"separately: a council is **stale** for performance when its newest children or adopters file is more "
            f"than {limits['performance']} days old, and for finance when its newest ledger is more than "
            f"{limits['finance']} days old (budget and establishment files come when they change); figures from stale "
            "data are flagged wherever they appear.")


#: The Overview's "Rows in the current state" table: `council_status` columns -> headings, in order.
ROWS_HEADINGS: dict[str, str] = {
    "council": "Council", "la_code": "Code", "performance_drop": "Performance drop",
    "performance_age_days": "Performance age (days)", "performance_stale": "Performance stale",
    "finance_drop": "Finance drop", "finance_age_days": "Finance age (days)", "finance_stale": "Finance stale",
    "children_rows": "Child journeys", "adopters_rows": "Adopter households",
    "ledger_rows": "Ledger rows", "budget_rows": "Budget lines", "establishment_rows": "Posts",
    "open_warnings": "Open warnings"}


def rows_table(status: pd.DataFrame) -> pd.DataFrame:
    """`council_status` as the Overview's table of rows held: its columns in order under `ROWS_HEADINGS`."""
    return status[list(ROWS_HEADINGS)].rename(columns=ROWS_HEADINGS)
