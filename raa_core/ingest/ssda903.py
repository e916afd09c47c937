"""SSDA903 files as a council's children data: reading the CSV tables and deriving the contract's children rows.

The DfE's children-looked-after return (SSDA903) is one CSV file per table, each recognised by its exact set of
column headers, never by its file name. Header, Episodes, AD1 and PlacedAdoption are used; the return's other
tables are recognised and ignored with a note. Every derived column has one function here with its rule
(docs/ssda903.md, "From 903 to the children table"); the derived rows are then checked by every rule of the
contract like any children file (`drop_files`), and the DfE's own validation rules that bear on adoption are
checked here and quoted by number.

Messages locate a problem by 903 file, column and row, rows counted as a person counts them (the first data
row after the header is row 1; `Issue.rows` stay zero-based as everywhere). Personal columns the product does
not keep (UPN, MOTHER, MC_DOB, HOME_POST, PL_POST) are read only to be dropped: never kept, shown or logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from raa_core.ingest.contract import CHILDREN, Issue, person_rows

#: The column headers of each SSDA903 CSV table (the DfE's 903 validator's `column_names`).
TABLE_HEADERS: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "AD1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
}
#: The return's other tables: recognised by their headers and ignored with a note.
IGNORED_HEADERS: dict[str, tuple[str, ...]] = {
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    "OC2": ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
            "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "DoLo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
#: Personal columns read only to be dropped (never kept, shown or logged).
DROPPED_COLUMNS = frozenset({"UPN", "MOTHER", "MC_DOB", "HOME_POST", "PL_POST"})
#: The date columns of the tables used.
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Header": ("DOB",),
    "Episodes": ("DECOM", "DEC"),
    "AD1": ("DOB", "DATE_INT", "DATE_MATCH"),
    "PlacedAdoption": ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
}

ADOPTIVE = frozenset({"A3", "A4", "A5", "A6"})
CONSENT = frozenset({"A3", "A4"})
WITH_FOSTER_CARERS = frozenset({"A3", "A5"})
UNDER_ORDER = frozenset({"A5", "A6"})
EARLY_PERMANENCE = frozenset({"U2", "U5"})
SAME_CARER = frozenset({"L", "T", "U"})
ADOPTED = frozenset({"E11", "E12"})
PLACEMENT_ORDER = frozenset({"E1", "D1"})
INTERAGENCY_PROVIDERS = frozenset({"PR2", "PR5"})
#: The URN 903 gives a placement with a Regional Adoption Agency.
RAA_URN = "XXXXXXX"
#: REASON_PLACED_CEASED in words (the contract's plan_reversed_reason).
REVERSAL_REASONS: dict[str, str] = {
    "RD1": "the child's needs changed",
    "RD2": "the court did not make a placement order",
    "RD3": "prospective adopters could not be found",
    "RD4": "any other reason",
}
SEX_CODES = {"1": "M", "M": "M", "2": "F", "F": "F"}
FORM_903, FORM_PARQUET = "903", "parquet"
#: Said beside a figure that needs a field 903 lacks, for a council whose children data came as 903 files: never
#: a silent zero (docs/ssda903.md, "What 903 cannot give").
NOT_PROVIDED_NOTE = "not provided by this council's 903 files"
#: Said on the Overview for a council whose current children data came as 903 files.
NOT_PROVIDED_SUMMARY = ("Children data as SSDA903 files: children matched but not placed, waiting counts split by "
                        "match, matches in a period, the journey stages into and out of the match and sibling groups "
                        "are not provided by this council's 903 files")
#: The figures (ASGLB item keys, docs/asglb.md; the journey activity's sibling counts under the same `children_`
#: prefix, the journey stages `stage_<from>_to_<to>`) that need a field 903 lacks: a match date for children not
#: yet adopted (AD1 DATE_MATCH is only for children adopted in the return's year: matched-not-placed, waiting
#: split by match, matches in a period, the stages into and out of the match) and sibling groups (not in 903:
#: sibling groups placed together, "in a sibling group", and "harder to place", which counts them).
NOT_PROVIDED_MEASURES = frozenset({
    "children_matches", "waiting_not_matched", "waiting_matched_not_placed", "waiting_with_po_not_matched",
    "waiting_with_po_matched_not_placed", "waiting_harder_to_place", "waiting_sibling_group",
    "children_sibling_groups_placed_together", "children_children_in_sibling_groups_placed_together",
    "stage_placement_order_to_match", "stage_match_to_placed",
})


# ---------------------------------------------------------------- reading the files


@dataclass(slots=True)
class Table903:
    """One 903 CSV table as read: its file name, table name and rows of stripped text (None where empty)."""

    file: str
    table: str
    rows: list[dict[str, str | None]]


@dataclass(slots=True)
class Read903:
    """What a drop's 903 CSV files hold: the tables used, notes on ignored ones, and problems found."""

    tables: dict[str, Table903] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode(file: str, data: bytes) -> tuple[str | None, Issue | None]:
    """A CSV file's text: UTF-8 (with or without a byte-order mark) or Windows-1252 (what Excel writes).

    UTF-16 (Excel's "Unicode text") is refused with how to re-save; bytes that are neither are an error naming
    where they are. docs/ssda903.md, "The files".
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:200]):
        return None, Issue(file=file, rule="ssda903_encoding", message=(
            f"{file} is saved as UTF-16 (Excel's \"Unicode text\"): open it in Excel and save it again as "
            f"\"CSV UTF-8 (comma delimited)\""))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    bad = next((i for i, b in enumerate(data) if b in _CP1252_UNDEFINED), None)
    if bad is not None:
        line = data[:bad].count(b"\n") + 1
        return None, Issue(file=file, rule="ssda903_encoding", message=(
            f"{file} is neither UTF-8 nor Windows-1252 text (an unreadable byte on line {line}): save it again "
            f"as \"CSV UTF-8 (comma delimited)\""))
    return data.decode("cp1252"), None


def _header_key(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip().upper()


def recognise(headers: Sequence[str]) -> tuple[str | None, bool]:
    """The 903 table a header row belongs to, by its exact set of headers (case and spaces ignored), and
    whether the table is one the product uses; (None, False) for a header set that is no 903 table."""
    found = {_header_key(h) for h in headers}
    for name, cols in TABLE_HEADERS.items():
        if found == set(cols):
            return name, True
    for name, cols in IGNORED_HEADERS.items():
        if found == set(cols):
            return name, False
    return None, False


def _nearest_table(headers: Sequence[str]) -> str:
    """Words saying which 903 table a header row is closest to, and what it lacks or has extra."""
    found = {_header_key(h) for h in headers}
    name, cols = max({**TABLE_HEADERS, **IGNORED_HEADERS}.items(),
                     key=lambda kv: len(found & set(kv[1])) - len(found ^ set(kv[1])) / 100)
    lacks = [c for c in cols if c not in found]
    extra = sorted(found - set(cols))
    parts = [f"missing {', '.join(lacks)}" if lacks else "", f"not 903 columns: {', '.join(extra)}" if extra else ""]
    return f"its headers are closest to the {name} table ({'; '.join(p for p in parts if p)})"


def read_files(files: Mapping[str, bytes]) -> Read903:
    """Read a drop's CSV files as 903 tables, each recognised by its header set.

    A file whose headers are no 903 table, two files of the same table, text that is not UTF-8 or
    Windows-1252, or a row with more cells than headers are errors of the drop, located by file and row.
    """
    out = Read903()
    for file in sorted(files):
        text, problem = decode(file, files[file])
        if problem is not None or text is None:
            out.issues.append(problem or Issue(file=file, rule="ssda903_encoding", message=f"{file} is not text"))
            continue
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            out.issues.append(Issue(file=file, rule="ssda903_unreadable", message=(
                f"{file} is not readable CSV (a quoted cell is not closed?): export it again")))
            continue
        if not records or not any(h.strip() for h in records[0]):
            out.issues.append(Issue(file=file, rule="ssda903_unknown_table", message=(
                f"{file} is empty or has no header row: a 903 file starts with its column headers")))
            continue
        headers = records[0]
        table, used = recognise(headers)
        if table is None:
            out.issues.append(Issue(file=file, rule="ssda903_unknown_table", message=(
                f"{file} is not a 903 table: {_nearest_table(headers)}")))
            continue
        if not used:
            out.issues.append(Issue(severity="warning", file=file, rule="ssda903_table_ignored", message=(
                f"{file} is the 903 {table} table, which adoption figures do not use: it was ignored")))
            continue
        if table in out.tables:
            out.issues.append(Issue(file=file, rule="ssda903_duplicate_table", message=(
                f"{file} and {out.tables[table].file} are both the 903 {table} table: send it once")))
            continue
        keys = [_header_key(h) for h in headers]
        rows: list[dict[str, str | None]] = []
        long_rows: list[int] = []
        for n, record in enumerate(records[1:]):
            if not any(c.strip() for c in record):
                record = []
            if len(record) > len(keys):
                long_rows.append(n)
            rows.append({k: (record[i].strip() or None) if i < len(record) else None
                         for i, k in enumerate(keys) if k not in DROPPED_COLUMNS})
        if long_rows:
            out.issues.append(Issue(file=file, rule="ssda903_row_too_long", rows=long_rows[:20],
                                    row_count=len(long_rows), message=(
                f"{file} has more cells than headers in {person_rows(long_rows[:20], len(long_rows))}: "
                f"a comma inside a value must be quoted")))
        out.tables[table] = Table903(file, table, rows)
    return out


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: str | None) -> dt.date | None:
    """A 903 date: `dd/mm/yyyy` (the return's form) or ISO `yyyy-mm-dd`; None when empty.

    Raises ValueError for anything else, or a day that does not exist."""
    if value is None:
        return None
    if m := _DMY.fullmatch(value):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := _ISO.fullmatch(value):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(value)


def code(value: str | None) -> str | None:
    """A 903 code as matched: upper case, surrounding spaces removed (None when empty)."""
    return None if value is None else value.strip().upper() or None


# ---------------------------------------------------------------- the records


@dataclass(frozen=True, slots=True)
class Episode:
    """One Episodes row: its zero-based data row in the file, dates and codes."""

    row: int
    child: str
    decom: dt.date
    rne: str | None
    ls: str | None
    place: str | None
    provider: str | None
    dec: dt.date | None
    rec: str | None
    urn: str | None


@dataclass(frozen=True, slots=True)
class Placed:
    """One PlacedAdoption row."""

    row: int
    date_placed: dt.date | None
    ceased: dt.date | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Ad1:
    """One AD1 row."""

    row: int
    date_int: dt.date | None
    date_match: dt.date | None
    foster_care: str | None


# ---------------------------------------------------------------- derived columns, one rule each


def periods_of_care(episodes: Sequence[Episode]) -> list[list[Episode]]:
    """A child's episodes (in DECOM order) split into periods of care: a period starts with an episode whose RNE
    is S (started to be looked after), or with the child's first episode in the files. An episode ending X1 and
    the next one starting the same day stay in one period (its RNE is not S)."""
    periods: list[list[Episode]] = []
    for e in episodes:
        if not periods or e.rne == "S":
            periods.append([])
        periods[-1].append(e)
    return periods


def entered_care_date(period: Sequence[Episode]) -> dt.date:
    """entered_care_date: DECOM of the episode that starts the period of care (RNE S)."""
    return period[0].decom


def period_end(period: Sequence[Episode]) -> dt.date | None:
    """The day a period of care ended (DEC of its last episode), None while the child is still looked after."""
    return period[-1].dec


def within(day: dt.date | None, period: Sequence[Episode]) -> bool:
    """True when a day falls within a period of care (from its start to its end, or to now)."""
    end = period_end(period)
    return day is not None and day >= entered_care_date(period) and (end is None or day <= end)


def adm_decision(period: Sequence[Episode], placed: Sequence[Placed]) -> Placed | None:
    """The PlacedAdoption row of the period: the latest DATE_PLACED (ADM decision) within the period of care."""
    inside = [p for p in placed if within(p.date_placed, period)]
    return max(inside, key=lambda p: (p.date_placed, p.row)) if inside else None


def adm_decision_date(period: Sequence[Episode], placed: Sequence[Placed]) -> dt.date | None:
    """adm_decision_date: PlacedAdoption DATE_PLACED within the period of care."""
    row = adm_decision(period, placed)
    return None if row is None else row.date_placed


def placement_order_date(period: Sequence[Episode]) -> dt.date | None:
    """placement_order_date: DECOM of the first episode with legal status E1 (or D1, a freeing order)."""
    return next((e.decom for e in period if e.ls in PLACEMENT_ORDER), None)


def adoptive_runs(period: Sequence[Episode]) -> list[tuple[int, int]]:
    """The period's adoptive placements as (first, last) episode indexes: runs of consecutive A3-A6 episodes
    (a change of legal status or an X1 episode end within a placement continues it)."""
    runs: list[tuple[int, int]] = []
    for i, e in enumerate(period):
        if e.place not in ADOPTIVE:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def current_placement(period: Sequence[Episode]) -> tuple[int, int] | None:
    """The adoptive placement the row describes: the latest one (the first, unless it disrupted and the child
    was placed again: the contract's meaning of a disrupted placement)."""
    runs = adoptive_runs(period)
    return runs[-1] if runs else None


def placed_date(period: Sequence[Episode]) -> dt.date | None:
    """placed_date: DECOM of the first A3-A6 episode of the adoptive placement (the latest placement where an
    earlier one disrupted)."""
    run = current_placement(period)
    return None if run is None else period[run[0]].decom


def placed_with_consent(period: Sequence[Episode]) -> bool:
    """placed_with_consent: the adoptive placement is A3 or A4 (placed for adoption with parental consent)."""
    run = current_placement(period)
    return run is not None and period[run[0]].place in CONSENT


def adoption_order_date(period: Sequence[Episode]) -> dt.date | None:
    """adoption_order_date: DEC of the episode ending E11 or E12 (adopted)."""
    return next((e.dec for e in period if e.rec in ADOPTED), None)


def disruption_date(period: Sequence[Episode]) -> dt.date | None:
    """disruption_date: the latest A3-A6 placement that ended without E11/E12 and was followed by a
    non-adoptive placement in the same period: the DEC of its last episode."""
    found = None
    for _first, last in adoptive_runs(period):
        end = period[last]
        if end.dec is not None and end.rec not in ADOPTED and last + 1 < len(period) \
                and period[last + 1].place not in ADOPTIVE:
            found = end.dec
    return found


def matched_date(period: Sequence[Episode], ad1: Ad1 | None) -> dt.date | None:
    """matched_date: AD1 DATE_MATCH (903 has it only for children adopted in the return's year)."""
    return None if ad1 is None else ad1.date_match


def fostered_by_adopters_from(period: Sequence[Episode], ad1: Ad1 | None) -> dt.date | None:
    """fostered_by_adopters_from: when AD1 FOSTER_CARE is 1 or the placement is A3/A5 (with current foster
    carers), the DECOM of the earliest episode of the unbroken run ending in the adoptive placement in which
    every later episode starts with RNE L, T or U (no change of carer); missing when the carers changed at the
    placement itself, or otherwise."""
    run = current_placement(period)
    if run is None:
        return None
    by_foster_carers = (ad1 is not None and ad1.foster_care == "1") or period[run[0]].place in WITH_FOSTER_CARERS
    if not by_foster_carers:
        return None
    j = run[0]
    while j > 0 and period[j].rne in SAME_CARER:
        j -= 1
    return period[j].decom if j < run[0] else None


def early_permanence(period: Sequence[Episode]) -> bool:
    """early_permanence: a U2 or U5 episode (fostering with approved adopters) in the period before the
    adoptive placement."""
    run = current_placement(period)
    return run is not None and any(e.place in EARLY_PERMANENCE for e in period[:run[0]])


def interagency(period: Sequence[Episode], own_raa_pr2: bool = False) -> bool:
    """interagency: the adoptive placement's provider is PR2 (another council) or PR5 (a voluntary agency).

    `own_raa_pr2` (reference data, per council): the council's RAA is hosted by another council, so a PR2
    placement with the RAA's URN is its own RAA's, not interagency."""
    run = current_placement(period)
    if run is None:
        return False
    e = period[run[0]]
    if e.provider == "PR2" and own_raa_pr2 and e.urn == RAA_URN:
        return False
    return e.provider in INTERAGENCY_PROVIDERS


def plan_reversed(period: Sequence[Episode], placed: Sequence[Placed]) -> tuple[dt.date | None, str | None]:
    """plan_reversed_date, plan_reversed_reason: the period's PlacedAdoption DATE_PLACED_CEASED and
    REASON_PLACED_CEASED (RD1-RD4) in words."""
    row = adm_decision(period, placed)
    if row is None or row.ceased is None:
        return None, None
    reason = None if row.reason is None else REVERSAL_REASONS.get(row.reason, row.reason)
    return row.ceased, reason


def in_journey(period: Sequence[Episode], placed: Sequence[Placed]) -> bool:
    """A period of care becomes a children row when it has an ADM decision or an adoptive placement."""
    return adm_decision(period, placed) is not None or current_placement(period) is not None


# ---------------------------------------------------------------- from the tables to the rows


@dataclass(slots=True)
class Derived:
    """The children rows derived from a drop's 903 files, the problems found, and the files used."""

    rows: list[dict[str, object]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    #: for each derived row, the zero-based Episodes row of the episode that starts its period of care
    origin: list[int] = field(default_factory=list)

    def located(self, rows: Sequence[int]) -> str:
        """Derived rows (zero-based) as the 903 rows they come from: 'episodes.csv, rows 3 and 9 (...)'."""
        return f"{self.files.get('Episodes', 'Episodes')}, {person_rows([self.origin[r] for r in rows])}"


class _Located:
    """Collects problems by (file, column, rule) with their zero-based rows, into one issue each."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str | None, str, str, str], list[int]] = {}

    def add(self, file: str, column: str | None, rule: str, message: str, row: int,
            severity: str = "error") -> None:
        self.found.setdefault((file, column, rule, message, severity), []).append(row)

    def issues(self) -> list[Issue]:
        out = []
        for (file, column, rule, message, severity), rows in self.found.items():
            rows = sorted(set(rows))
            out.append(Issue(severity="warning" if severity == "warning" else "error", file=file, column=column,
                             rule=rule, rows=rows[:20], row_count=len(rows),
                             message=f"{message}: {file}, {person_rows(rows[:20], len(rows))}"))
        return out


def _dates(t: Table903, loc: _Located) -> list[dict[str, dt.date | None]]:
    """Each row's date columns parsed; a bad date is an error located by file, column and row."""
    out = []
    for n, row in enumerate(t.rows):
        parsed: dict[str, dt.date | None] = {}
        for col in DATE_COLUMNS[t.table]:
            try:
                parsed[col] = parse_date(row.get(col))
            except ValueError:
                parsed[col] = None
                loc.add(t.file, col, "ssda903_bad_date",
                        f"{col} is not a date written dd/mm/yyyy (or yyyy-mm-dd)", n)
        out.append(parsed)
    return out


def derive(read: Read903, own_raa_pr2: bool = False) -> Derived:
    """The contract's children rows from a drop's 903 tables: one per child per period of care with an ADM
    decision or an adoptive placement (docs/ssda903.md). Problems of the files, and the DfE validation rules
    on adoption (390, 408, 335, 523, 217), are issues located by 903 file, column and row."""
    out = Derived(issues=list(read.issues), files={t.table: t.file for t in read.tables.values()})
    loc = _Located()
    for needed in ("Header", "Episodes"):
        if needed not in read.tables:
            out.issues.append(Issue(rule="ssda903_missing_table", message=(
                f"the drop's 903 files hold no {needed} table (columns {', '.join(TABLE_HEADERS[needed])}): "
                f"it is needed to build the children rows")))
    if any(i.severity == "error" for i in out.issues):
        return out
    header, episodes_t = read.tables["Header"], read.tables["Episodes"]
    empty = Table903("", "", [])
    ad1_t, placed_t = read.tables.get("AD1", empty), read.tables.get("PlacedAdoption", empty)

    children: dict[str, tuple[int, dict[str, str | None], dt.date | None]] = {}
    for n, (row, dates) in enumerate(zip(header.rows, _dates(header, loc), strict=True)):
        child = row.get("CHILD")
        if child is None:
            loc.add(header.file, "CHILD", "ssda903_missing_child", "CHILD is empty", n)
        elif child in children:
            loc.add(header.file, "CHILD", "ssda903_duplicate_child", "the same CHILD has more than one Header row", n)
        else:
            children[child] = (n, row, dates["DOB"])

    episodes: dict[str, list[Episode]] = {}
    for n, (row, dates) in enumerate(zip(episodes_t.rows, _dates(episodes_t, loc), strict=True)):
        child = row.get("CHILD")
        if child is None:
            loc.add(episodes_t.file, "CHILD", "ssda903_missing_child", "CHILD is empty", n)
            continue
        if dates["DECOM"] is None:
            if row.get("DECOM") is None:
                loc.add(episodes_t.file, "DECOM", "ssda903_missing_value", "DECOM (episode start) is empty", n)
            continue
        if child not in children:
            loc.add(episodes_t.file, "CHILD", "ssda903_child_not_in_header", "the CHILD has no Header row", n)
        episodes.setdefault(child, []).append(Episode(
            n, child, dates["DECOM"], code(row.get("RNE")), code(row.get("LS")), code(row.get("PLACE")),
            code(row.get("PLACE_PROVIDER")), dates["DEC"], code(row.get("REC")), code(row.get("URN"))))

    placed: dict[str, list[Placed]] = {}
    for n, (row, dates) in enumerate(zip(placed_t.rows, _dates(placed_t, loc), strict=True)):
        if row.get("CHILD") is not None:
            placed.setdefault(str(row["CHILD"]), []).append(Placed(
                n, dates["DATE_PLACED"], dates["DATE_PLACED_CEASED"], code(row.get("REASON_PLACED_CEASED"))))
    ad1s: dict[str, Ad1] = {}
    for n, (row, dates) in enumerate(zip(ad1_t.rows, _dates(ad1_t, loc), strict=True)):
        if row.get("CHILD") is not None:
            ad1s[str(row["CHILD"])] = Ad1(n, dates["DATE_INT"], dates["DATE_MATCH"], code(row.get("FOSTER_CARE")))

    for child, eps in episodes.items():
        eps.sort(key=lambda e: (e.decom, e.row))
        _episode_checks(eps, episodes_t.file, loc)
        if child not in children:
            continue
        _, head, dob = children[child]
        for period in periods_of_care(eps):
            p_rows = placed.get(child, [])
            if not in_journey(period, p_rows):
                continue
            ad1 = ad1s.get(child)
            ad1 = ad1 if ad1 is not None and (adoption_order_date(period) is not None
                                             or within(ad1.date_match, period)) else None
            reversed_date, reversed_reason = plan_reversed(period, p_rows)
            out.origin.append(period[0].row)
            out.rows.append({
                "child_id": child,
                "sex": SEX_CODES.get(code(head.get("SEX")) or ""),
                "date_of_birth": dob,
                "ethnicity": code(head.get("ETHNIC")),
                "entered_care_date": entered_care_date(period),
                "adm_decision_date": adm_decision_date(period, p_rows),
                "placement_order_date": placement_order_date(period),
                "placed_with_consent": placed_with_consent(period),
                "matched_date": matched_date(period, ad1),
                "placed_date": placed_date(period),
                "fostered_by_adopters_from": fostered_by_adopters_from(period, ad1),
                "early_permanence": early_permanence(period),
                "interagency": interagency(period, own_raa_pr2),
                "sibling_group_id": None,
                "adoption_order_date": adoption_order_date(period),
                "plan_reversed_date": reversed_date,
                "plan_reversed_reason": reversed_reason,
                "disruption_date": disruption_date(period),
                "disabled": False,
            })
            _journey_checks(period, ad1, adm_decision(period, p_rows), episodes_t.file, ad1_t.file, loc)
    out.issues += loc.issues()
    missing = [c.name for c in CHILDREN.columns if not c.may_be_absent and c.name not in _ROW_COLUMNS]
    assert not missing, missing  # every contract column is derived (or said not to be in 903)
    return out


_ROW_COLUMNS = frozenset({
    "child_id", "sex", "date_of_birth", "ethnicity", "entered_care_date", "adm_decision_date", "placement_order_date",
    "placed_with_consent", "matched_date", "placed_date", "fostered_by_adopters_from", "early_permanence",
    "interagency", "sibling_group_id", "adoption_order_date", "plan_reversed_date", "plan_reversed_reason",
    "disruption_date", "disabled",
})


def _episode_checks(eps: Sequence[Episode], file: str, loc: _Located) -> None:
    """A DEC before its DECOM, or episodes of one child overlapping: errors located by Episodes row."""
    for i, e in enumerate(eps):
        if e.dec is not None and e.dec < e.decom:
            loc.add(file, "DEC", "ssda903_episode_dates", "DEC (episode end) is before DECOM (episode start)", e.row)
        if i + 1 < len(eps):
            nxt = eps[i + 1]
            if e.dec is None or nxt.decom < e.dec:
                loc.add(file, "DECOM", "ssda903_episodes_overlap",
                        "the episode starts before the child's previous episode ended (episodes overlap)", nxt.row)


def _journey_checks(period: Sequence[Episode], ad1: Ad1 | None, decision: Placed | None, episodes_file: str,
                    ad1_file: str, loc: _Located) -> None:
    """The DfE's validation rules on adoption, quoted by number (docs/ssda903.md, "Checks")."""
    for i, e in enumerate(period):
        if e.rec in ADOPTED and e.place not in ADOPTIVE:
            loc.add(episodes_file, "REC", "ssda903_390", (
                "DfE rule 390: adopted (REC E11/E12) from a placement that is not A3-A6"), e.row, "warning")
        if e.place in UNDER_ORDER and e.ls not in PLACEMENT_ORDER:
            loc.add(episodes_file, "LS", "ssda903_408", (
                "DfE rule 408: a placement for adoption under a placement order (A5/A6) needs legal status E1 "
                "(or D1)"), e.row)
        starts_run = e.place in ADOPTIVE and (i == 0 or period[i - 1].place not in ADOPTIVE)
        if starts_run and e.place in WITH_FOSTER_CARERS and e.rne not in {"S", "T", "U"}:
            loc.add(episodes_file, "RNE", "ssda903_217", (
                "DfE rule 217: a placement for adoption with current foster carers (A3/A5) starts with RNE S, T "
                "or U"), e.row, "warning")
    adopted = next((e for e in period if e.rec in ADOPTED), None)
    if ad1 is not None and adopted is not None and adopted.place in ADOPTIVE and ad1.foster_care in {"0", "1"}:
        expected = "1" if adopted.place in WITH_FOSTER_CARERS else "0"
        if ad1.foster_care != expected:
            loc.add(ad1_file, "FOSTER_CARE", "ssda903_335", (
                "DfE rule 335: FOSTER_CARE should be 1 for a child adopted from an A3/A5 placement and 0 from "
                "A4/A6"), ad1.row, "warning")
    if ad1 is not None and decision is not None and ad1.date_int is not None \
            and ad1.date_int != decision.date_placed:
        loc.add(ad1_file, "DATE_INT", "ssda903_523", (
            "DfE rule 523: DATE_INT should be the PlacedAdoption DATE_PLACED (the decision to place for "
            "adoption)"), ad1.row, "warning")


def write_children(rows: Sequence[Mapping[str, object]], path: object) -> None:
    """Write derived children rows as a Parquet file with the contract's canonical types (every contract column
    present), to be checked by the contract's rules like any children file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from raa_core.ingest.contract import ColType

    arrow = {ColType.STRING: pa.string(), ColType.DATE: pa.date32(), ColType.BOOL: pa.bool_(),
             ColType.INT: pa.int64()}
    cols = [c for c in CHILDREN.columns if c.name in _ROW_COLUMNS]
    table = pa.table({c.name: pa.array([r.get(c.name) for r in rows], arrow[c.type]) for c in cols})
    pq.write_table(table, str(path))
