"""What the data covers: no data is not zero (docs/drop-contract.md, docs/indicators.md).

A date before a council's first drop of a dataset, or a period with no children in it, has no figure: the
product says so in words ("no drop received by 30 Jun 2019; first drop 25 Sep 2026") rather than showing 0
or an empty chart. Datasets: the performance files (children, adopters) and the finance files (ledger,
budget, establishment), each judged on its own because councils send them on their own cadences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from raa_core.errors import BadInput
from raa_core.ingest.contract import TABLES
from raa_core.periods import financial_year_of
from raa_core.presentation import date_text
from raa_core.presentation import missing as no_value
from raa_core.reference import Reference
from raa_core.requests import CURRENT, AsAt
from raa_core.snapshot import Snapshot
from raa_core.store.sql import Bind, carries_file_sql, current_drops_sql, execute, state_source

COLUMNS: list[str] = ["la_code", "table", "first_drop", "latest_drop", "held", "message"]


def no_data_message(on: dt.date | None, first_drop: dt.date | None) -> str:
    """The words shown instead of a figure where a council had sent no drop of a dataset by a date."""
    if first_drop is None:
        return "no drop received yet" if on is None else f"no drop received by {date_text(on)}; none received since"
    return f"no drop received by {date_text(on)}; first drop {date_text(first_drop)}" if on else "no drop received yet"


def no_children_message(what: str, period_name: str) -> str:
    """The words shown instead of an empty chart or a 0 where a period has no children (`what`: adopted…)."""
    return f"no children {what} in {period_name}"


def coverage(snapshot: Snapshot, request: AsAt, table: str) -> pd.DataFrame:
    """Per reference council: its first drop carrying `table`, its latest one on or before the request's as-at
    date `on` (or ever, without one),
    whether it holds any by then (`held`), and the message shown where it does not (empty where held).

    Columns `COLUMNS`; `table` is a drop table name (children, adopters, ledger, budget, establishment).
    Raises BadInput for an unknown table.
    """
    with snapshot.cursor() as con:
        return _coverage(con, snapshot.ref, table, request.as_at)


def _coverage(
    con: duckdb.DuckDBPyConnection, ref: Reference, table: str, on: dt.date | None = None
) -> pd.DataFrame:
    """`coverage` over a cursor the caller holds."""
    spec = next((t for t in TABLES if t.name == table), None)
    if spec is None:
        raise BadInput(f"unknown dataset {table!r}: one of {', '.join(t.name for t in TABLES)}")
    b = Bind()
    until = b.typed(on, "DATE")
    rows = b.run(
        con,
        f"""
        SELECT c.la_code, min(d.extract_date) AS first_drop,
               max(d.extract_date) FILTER (WHERE {until} IS NULL OR d.extract_date <= {until}) AS latest_drop
        FROM (SELECT unnest({b.typed(ref.la_codes, "INTEGER[]")}) AS la_code) c
        LEFT JOIN drops d ON d.la_code = c.la_code AND list_contains(d.files, {b(spec.file)})
        GROUP BY c.la_code ORDER BY c.la_code
        """,
    ).fetchall()
    out = []
    for la_code, first, latest in rows:
        held = latest is not None
        out.append(
            {
                "la_code": int(la_code),
                "table": table,
                "first_drop": first,
                "latest_drop": latest,
                "held": held,
                "message": "" if held else no_data_message(on, first),
            }
        )
    return pd.DataFrame(out, columns=COLUMNS)


def missing(snapshot: Snapshot, request: AsAt, table: str) -> dict[str, str]:
    """The councils (area codes as strings) without a drop of `table` by the request's as-at date, each with its
    message."""
    with snapshot.cursor() as con:
        return _missing(con, snapshot.ref, table, request.as_at)


def _missing(con: duckdb.DuckDBPyConnection, ref: Reference, table: str, on: dt.date | None = None) -> dict[str, str]:
    """`missing` over a cursor the caller holds."""
    cov = _coverage(con, ref, table, on)
    return {str(r.la_code): r.message for r in cov.itertuples() if not r.held}


def span(snapshot: Snapshot, request: AsAt, table: str) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Per reference council (code as a string): the first dated record in its newest drop of `table` by the
    request's as-at date `on`
    (its records begin; date of birth aside) and that drop's extract date (its data runs to). (None, None)
    where it holds no such drop: `missing` says so in words."""
    with snapshot.cursor() as con:
        return _span(con, snapshot.ref, table, request.as_at)


def _span(
    con: duckdb.DuckDBPyConnection, ref: Reference, table: str, on: dt.date | None = None
) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """`span` over a cursor the caller holds."""
    spec = next((t for t in TABLES if t.name == table), None)
    if spec is None:
        raise BadInput(f"unknown dataset {table!r}: one of {', '.join(t.name for t in TABLES)}")
    dates = [c.name for c in spec.columns if c.type == "date" and c.name != "date_of_birth"]
    b = Bind()
    first = f"least({', '.join(f'min(t.{c})' for c in dates)})" if dates else "NULL"
    rows = b.run(
        con,
        f"""
        SELECT t.la_code, {first} AS first_record, max(d.extract_date) AS latest
        FROM {state_source(b, table, on)} t JOIN drops d USING (drop_id)
        WHERE t.la_code IN (SELECT unnest({b.typed(ref.la_codes, "INTEGER[]")}))
        GROUP BY t.la_code
        """,
    ).fetchall()
    out: dict[str, tuple[dt.date | None, dt.date | None]] = {str(c): (None, None) for c in ref.la_codes}
    out.update({str(la): (f, latest) for la, f, latest in rows})
    return out


def quarter_words(start: dt.date, end: dt.date, first_record: dt.date | None,
                  latest: dt.date | None) -> tuple[bool, str]:
    """(held, words) for a period against one council's data: not held, with the reason, when it begins after
    the latest drop or ends before the records begin; held but 'in progress: counts to …' when it ends after
    the latest drop; otherwise held with no words."""
    if latest is not None and start > latest:
        return False, f"after the latest drop ({date_text(latest)})"
    if first_record is not None and end < first_record:
        return False, f"before the council's records begin ({date_text(first_record)})"
    if latest is not None and end > latest:
        return True, f"in progress: counts to {date_text(latest)}"
    return True, ""


def data_range(snapshot: Snapshot) -> tuple[dt.date | None, dt.date | None]:
    """The first and the latest extract date of any accepted drop: the range of dates the data covers."""
    with snapshot.cursor() as con:
        return _data_range(con)


def _data_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """`data_range` over a cursor the caller holds."""
    got = execute(con, "SELECT min(extract_date), max(extract_date) FROM drops").fetchall()[0]
    return got[0], got[1]


def newest_year(snapshot: Snapshot) -> str | None:
    """The financial year of the newest drop held (the sidebar's default year), or None before the first drop."""
    newest = data_range(snapshot)[1]
    return financial_year_of(newest).name if newest else None


def held_range_words(snapshot: Snapshot) -> str:
    """The range of dates the data covers, in words (shown under the as-at picker: before it, no data)."""
    first, last = data_range(snapshot)
    if first is None or last is None:
        return "No drop received yet."
    return f"Drops held from {date_text(first)} to {date_text(last)}; before the first, no data."


STATE_COLUMNS: list[str] = ["la_code", "council", "table", "newest_drop", "rows", "message"]


def state_at(snapshot: Snapshot, request: AsAt = CURRENT) -> pd.DataFrame:
    """What the warehouse held for each council and dataset as at the request's date (the Overview's "as at"
    view).

    A row per reference council and drop table: the newest drop carrying that file on or before `as_at`
    (or ever, without it), the rows of the table in that state, and the no-data words where there was none
    (rows is then null, not 0). Columns `STATE_COLUMNS`.
    """
    with snapshot.cursor() as con:
        return _state_at(con, snapshot.ref, request.as_at)


def _state_at(con: duckdb.DuckDBPyConnection, ref: Reference, as_at: dt.date | None = None) -> pd.DataFrame:
    """`state_at` over a cursor the caller holds."""
    b = Bind()
    until = b.typed(as_at, "DATE")
    parts = []
    for spec in TABLES:
        parts.append(
            f"""SELECT c.la_code, {b(spec.name)} AS "table", {b(TABLES.index(spec))} AS tord,
                   d.extract_date AS newest_drop, (SELECT count(*) FROM {spec.name} t WHERE t.drop_id = d.drop_id) AS n
            FROM (SELECT unnest({b.typed(ref.la_codes, "INTEGER[]")}) AS la_code) c
            LEFT JOIN ({current_drops_sql(carries_file_sql(spec.name), f"({until} IS NULL OR extract_date <= {until})")})
                 s USING (la_code)
            LEFT JOIN drops d ON d.drop_id = s.drop_id"""
        )
    got = b.run(con, " UNION ALL ".join(parts) + " ORDER BY la_code, tord").fetchall()
    names = {c.la_code: c.short_name for c in ref.councils}
    first = {t.name: _coverage(con, ref, t.name) for t in TABLES}
    rows = []
    for la_code, table, _tord, newest, n in got:
        held = newest is not None
        first_drop = first[table].set_index("la_code").at[la_code, "first_drop"]
        rows.append(
            {
                "la_code": int(la_code),
                "council": names.get(int(la_code), str(la_code)),
                "table": table,
                "newest_drop": newest,
                "rows": int(n) if held else None,
                "message": "" if held else no_data_message(as_at, None if pd.isna(first_drop) else first_drop),
            }
        )
    out = pd.DataFrame(rows, columns=STATE_COLUMNS)
    out["rows"] = pd.array(out["rows"].tolist(), dtype="Int64")
    return out


#: The Overview's table of data held at an as-at date: `state_at` columns -> headings.
HELD_HEADINGS: dict[str, str] = {"council": "Council", "la_code": "Code", "table": "Dataset",
                                 "newest_drop": "Newest drop by then", "rows": "Rows", "message": "No data"}


def held_table(state: pd.DataFrame) -> pd.DataFrame:
    """`state_at` as the Overview shows it: rows counted as text ('' where none) under `HELD_HEADINGS`."""
    shown = state.assign(rows=[("" if no_value(v) else str(v)) for v in state["rows"]])
    return shown.rename(columns=HELD_HEADINGS)


#: The status and words of a figure resting on an optional column (contract v3's ASGLB columns) that a council's
#: drop did not carry: absent is "not provided", never zero and never "none" (docs/asglb.md).
NOT_PROVIDED = "not provided"


def not_provided_message(table: str, columns: Sequence[str]) -> str:
    """The words shown instead of a figure that needs optional `columns` of `table` the drop did not carry."""
    return f"not provided: the council's {table} drop does not carry {', '.join(columns)}"


def provided(snapshot: Snapshot, request: AsAt, table: str, columns: Sequence[str]) -> dict[str, bool]:
    """Per reference council (code as a string): whether its current drop of `table` as at the request's as-at
    date carried every one of `columns` (contract v3's optional ASGLB columns, warehouse `drop_columns`); and
    `region`: whether any council's did (the region's figure then counts the councils that provide them).

    The one judgement of "not provided": every output (return, row template, scorecard, pack, CLI) asks here.
    A council without a drop of the table is False too (`missing` says so in its own words).
    """
    with snapshot.cursor() as con:
        return _provided(con, snapshot.ref, table, tuple(columns), request.as_at)


def _provided(con: duckdb.DuckDBPyConnection, ref: Reference, table: str, columns: tuple[str, ...],
              on: dt.date | None = None) -> dict[str, bool]:
    """`provided` over a cursor the caller holds."""
    if table not in {t.name for t in TABLES}:
        raise BadInput(f"unknown dataset {table!r}: one of {', '.join(t.name for t in TABLES)}")
    out = {str(c): False for c in ref.la_codes}
    if not execute(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'drop_columns'").fetchall()[0][0]:
        return out | {"region": False}  # a warehouse last written before contract v3: nothing was provided
    b = Bind()
    when = f"(extract_date <= {b.typed(on, 'DATE')})" if on is not None else "true"
    rows = b.run(con, f"""
        SELECT c.la_code FROM ({current_drops_sql(carries_file_sql(table), when)}) c
        LEFT JOIN drop_columns d ON d.drop_id = c.drop_id AND d.tbl = {b(table)}
                                  AND list_contains({b.typed(list(columns), 'VARCHAR[]')}, d.col)
        GROUP BY c.la_code HAVING count(DISTINCT d.col) = {b(len(set(columns)))}
    """).fetchall()
    have = {str(r[0]) for r in rows}
    out = {a: a in have for a in out}
    out["region"] = any(out.values())
    return out
def children_from_903(snapshot: Snapshot, request: AsAt = CURRENT) -> list[str]:
    """The councils (area codes as strings) whose children data as at the request's date came as SSDA903 files
    (their newest drop carrying children data by then): the figures in `ssda903.NOT_PROVIDED_MEASURES` are not
    provided for them (docs/ssda903.md, "What 903 cannot give")."""
    b = Bind()
    when = f"(extract_date <= {b.typed(request.as_at, 'DATE')})" if request.as_at is not None else "true"
    with snapshot.cursor() as con:
        rows = b.run(con, f"""
            SELECT c.la_code, d.children_form FROM ({current_drops_sql(carries_file_sql('children'), when)}) c
            JOIN drops d ON d.drop_id = c.drop_id""").fetchall()
    return sorted(str(la) for la, form in rows if form == "903")


def not_provided(snapshot: Snapshot, request: AsAt = CURRENT) -> dict[str, str]:
    """Areas for which the figures needing a field 903 lacks are not provided, each with the words said beside
    them: a council whose children data came as 903 files ("not provided by this council's 903 files"), and the
    region when any council's did (its total would leave those children out)."""
    from raa_core.ingest.ssda903 import NOT_PROVIDED_NOTE

    councils = children_from_903(snapshot, request)
    out = {la: NOT_PROVIDED_NOTE for la in councils}
    if councils:
        names = {str(c.la_code): c.short_name for c in snapshot.ref.councils}
        out["region"] = f"not provided: {', '.join(names.get(la, la) for la in councils)} sent SSDA903 files, which lack it"
    return out


def not_provided_counts(snapshot: Snapshot, request: AsAt, counts: tuple[str, ...],
                        prefix: str) -> dict[str, dict[str, str]]:
    """{area: {count: words}} for the counts of a frame (e.g. `journeys.WAITING_COUNTS`, ASGLB items `prefix` +
    count) that need a field 903 lacks, for the areas `not_provided` names: shown in place of the count, never a
    zero."""
    from raa_core.ingest.ssda903 import NOT_PROVIDED_MEASURES

    areas = not_provided(snapshot, request)
    needs = [c for c in counts if f"{prefix}{c}" in NOT_PROVIDED_MEASURES]
    return {area: dict.fromkeys(needs, words) for area, words in areas.items()}


def mark_not_provided(frame: pd.DataFrame, marks: dict[str, dict[str, str]], *, by: str | None = None,
                      figures: Sequence[str] = (), words: bool = True) -> pd.DataFrame:
    """`frame` (one or more rows per area: its `area` column) with the words of `marks` (`not_provided_counts`)
    in place of each figure a council's 903 files cannot give, never a zero (docs/ssda903.md, "What 903 cannot
    give"): the table shown, the download and the board pack all read the marked frame.

    Wide frames (`by` None): a mark names a column, and the area's cell in it takes the words. Long frames (`by`
    a column, e.g. characteristics' `dimension`): a mark names a value of `by`, and each of the area's rows with
    that value takes the words in every column of `figures`. The columns touched become text; with `words`
    False they take None instead (the frame a chart draws: no bar, the caption says why). A marked row's
    `low_n` flag (where the frame has one) is False: a figure 903 cannot give is not provided, not a low
    number, so no low-number mark or note counts it.
    """
    if not marks:
        return frame
    cols = list(figures) if by is not None else [c for c in frame.columns if any(c in m for m in marks.values())]
    out = frame.astype({c: object for c in cols})
    for area, m in marks.items():
        at_area = (out["area"] == area).to_numpy()
        for key, said in m.items():
            if by is None:
                if key in out.columns:
                    out.loc[at_area, key] = said if words else None
            else:
                hit = at_area & (out[by] == key).to_numpy()
                for c in figures:
                    out.loc[hit, c] = said if words else None
                if "low_n" in out.columns:  # a flag, or its text (suppression.as_text: "yes" or "")
                    out.loc[hit, "low_n"] = False if pd.api.types.is_bool_dtype(out["low_n"]) else ""
    return out
