"""Checking the files of a drop against the contract: columns, types, values, row rules and their messages.

Each file is read on its own, with its own Parquet types (docs/drop-contract.md, "Exactness"): what one
council's file holds never depends on which other files load in the same run. Every file of a table is
typed into the same staged shape (the contract's columns, plus a flag per column where a value could not
be read), so all files of a table are checked by one set-based SQL scan. Reader options never add or
override columns: hive partitioning is off and the row number comes from DuckDB's virtual column (or,
where a file has a real column of that name, from Arrow), so a column called `filename` or a
`key=value` folder above the drop changes nothing.

Messages are written for a council officer: rows counted as a person counts them (first data row = row 1),
the pseudonymous key of the offending rows, a plain-English title beside the rule code, no library text.
The command line's JSON keeps `rows` zero-based (docs/command-line.md, the machine contract).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from raa_core.ingest.contract import (
    ASGLB_V3_CODES,
    LONDON,
    MONEY_LIMIT,
    MONEY_SQL,
    POST_STATUSES,
    READER_CRASHES,
    SQL_TYPE,
    TEAMS,
    ColType,
    Column,
    Issue,
    TableSpec,
    missing_column_message,
    nearest_column,
    person_rows,
)
from raa_core.ingest.parquet_footer import ENCRYPTED, FooterLimits, probe, read_footer
from raa_core.presentation import bytes_text, count_noun, count_text, money_text
from raa_core.reference import Reference
from raa_core.store import sql

MAX_ROWS = 20
#: Dates before this are implausible in a drop (no council's adoption records go back further): a warning.
EARLIEST_DATE = dt.date(1990, 1, 1)
_INT_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}
TZ_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
#: A Parquet INT96 timestamp (Spark's default, pandas `use_deprecated_int96_timestamps`): read as a naive
#: TIMESTAMP, but it stores a UTC instant (Spark's meaning), so it is an instant like TZ_TIMESTAMP.
INT96_TIMESTAMP = "TIMESTAMP (INT96, UTC)"


def ident(name: str) -> str:
    """A column name as a quoted SQL identifier (headers are untrusted text)."""
    return '"' + name.replace('"', '""') + '"'


_EDGES = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")


def normal_name(header: str) -> str:
    """A header as matched against the contract: byte-order mark and surrounding spaces removed, lower case."""
    return _EDGES.sub("", header).lower()


#: Invisible characters a header may carry, named in messages (a tab printed as is cannot be seen).
_INVISIBLE = {"\ufeff": "[byte-order mark]", "\t": "[tab]", "\n": "[line break]", "\r": "[carriage return]",
              "\u00a0": "[no-break space]"}


def shown_header(header: str) -> str:
    """A raw header quoted for a message, every invisible character named: `'Sex[tab]'`, `'[byte-order mark]sex'`.

    An ordinary space stays a space (visible inside the quotes); any other character that does not print
    (Unicode spaces, zero-width and control characters) is named by its code point, `[character U+200B]`.
    """
    def shown(ch: str) -> str:
        if ch in _INVISIBLE:
            return _INVISIBLE[ch]
        return ch if ch == " " or ch.isprintable() else f"[character U+{ord(ch):04X}]"

    return "'" + "".join(shown(ch) for ch in header) + "'"


def header_changes(header: str) -> str:
    """What matching a header against the contract ignored, in words (empty where it was already exact)."""
    trimmed = _EDGES.sub("", header)
    changes = []
    if trimmed != header:
        changes.append("a byte-order mark or spaces at either end" if "\ufeff" in header else "spaces at either end")
    if trimmed != trimmed.lower():
        changes.append("capital letters")
    return " and ".join(changes)


# ---------------------------------------------------------------- column typing


def _accepts(col: Column, duck_type: str) -> bool:
    t = duck_type.upper()
    base = t.split("(")[0]
    if col.type is ColType.STRING:
        return t == "VARCHAR"
    if col.type is ColType.DATE:
        return t == "DATE" or t.startswith("TIMESTAMP") or t == "VARCHAR"
    if col.type is ColType.BOOL:
        return t == "BOOLEAN" or t in _INT_TYPES
    if col.type is ColType.INT:
        return t in _INT_TYPES
    if col.type is ColType.MONEY:
        if base == "DECIMAL":
            scale = int(t.split(",")[1].rstrip(")"))
            return scale <= 2
        # 32-bit floats are refused: they cannot hold pence above ~£100k (spec "Exactness").
        return t in _INT_TYPES or t == "DOUBLE"
    if col.type is ColType.NUMBER:
        return t in _INT_TYPES or t in ("DOUBLE", "FLOAT") or base == "DECIMAL"
    return False


def type_words(duck_type: str) -> str:
    """A Parquet column's type in words a council data officer recognises."""
    t = duck_type.upper()
    if t == "VARCHAR":
        return "text"
    if t in _INT_TYPES:
        return "whole numbers"
    if t == "DOUBLE":
        return "decimal numbers (64-bit floating point)"
    if t == "FLOAT":
        return "decimal numbers (32-bit floating point, too coarse for pence)"
    if t.startswith("DECIMAL"):
        scale = t.split(",")[1].rstrip(")") if "," in t else "0"
        return f"decimal numbers with {scale} decimal places"
    if t == "BOOLEAN":
        return "true/false values"
    if t == "DATE":
        return "dates"
    if t.startswith("TIMESTAMP"):
        return "date-times"
    if t == "NULL":
        return "no values at all"
    return _OTHER_WORDS.get(t, _OTHER_WORDS["OTHER"])


#: Words for the kinds `_duck_type` gives to types no contract column accepts.
_OTHER_WORDS = {
    "BLOB": "binary data", "HALF_FLOAT": "decimal numbers (16-bit floating point, too coarse)",
    "TIME": "times of day (without a date)", "INTERVAL": "lengths of time (such as 3 days)",
    "LIST": "lists of values (several values in one cell)", "MAP": "lists of key-value pairs",
    "STRUCT": "records (several named values in one cell)", "UNION": "values of mixed kinds",
    "OTHER": "values of a kind no contract column accepts",
}


_EXPECTED = {
    ColType.STRING: "text",
    ColType.DATE: "dates (a Parquet date, a date-time, or text YYYY-MM-DD)",
    ColType.BOOL: "true/false values (or 0/1)",
    ColType.INT: "whole numbers",
    ColType.MONEY: "pounds and pence (a decimal with at most 2 places, a whole number, or a 64-bit double)",
    ColType.NUMBER: "numbers",
}

_UNREADABLE = {
    ColType.DATE: "is not a date in the form YYYY-MM-DD",
    ColType.BOOL: "is not true/false or 0/1",
    ColType.INT: "is not a whole number that fits",
    ColType.MONEY: (f"is not an amount of money that fits (not a number, infinite, or {money_text(MONEY_LIMIT, pence=False)} or more, "
                    f"positive or negative, once rounded to the penny)"),
    ColType.NUMBER: "is not a number",
}


def money_from_double_sql(q: str) -> tuple[str, str]:
    """SQL for money read from a double, and SQL true where that changed the amount.

    The double is taken as the decimal it was written as (its shortest round-trip repr, which is what
    DuckDB's cast to VARCHAR gives, the same as Python's `repr`), then rounded half-even to pence:
    2.675 -> 2.68, 10.135 -> 10.14, 0.125 -> 0.12; the rule of `raa_core.money.from_double`. NaN,
    infinities and amounts beyond DECIMAL(18,2) give NULL (reported as unreadable). docs/drop-contract.md, "Exactness".
    """
    exact = f"TRY_CAST(CAST({q} AS VARCHAR) AS DECIMAL(38,20))"
    val = f"TRY_CAST(round_even({exact}, 2) AS {MONEY_SQL})"
    # Digits past the 20th decimal place are lost by the exact cast, so a tiny non-zero amount counts too.
    changed = f"({q} IS NOT NULL AND ({exact} <> round_even({exact}, 2) OR ({q} <> 0 AND {exact} = 0)))"
    return val, changed


def float32_sql(q: str) -> str:
    """SQL for a 32-bit float as the decimal it was written as: its shortest round-trip repr (Python's
    `str(numpy.float32(x))`), as a DOUBLE: float32 0.7 is 0.7, not 0.699999988079071. docs/drop-contract.md, "Exactness".

    DuckDB's cast to VARCHAR gives the shortest digits, except that a whole number below 10^16 is printed in
    full (54087848.0 where the shortest is 54087850). So the candidates are that text and, for 1 to 8
    significant digits, the nearest decimal (`%.Ng`); the one with fewest digits that reads back as the same
    float wins (the VARCHAR one on a tie is never shorter, so the nearest is kept), else 9 digits always do.
    """
    text = f"CAST({q} AS VARCHAR)"
    digits = f"length(trim(regexp_replace(regexp_replace({text}, '[eE].*$', ''), '[^0-9]', '', 'g'), '0'))"
    nearest = [f"TRY_CAST(printf('%.{p}g', {q}) AS DOUBLE)" for p in range(1, 10)]
    fewest = " ".join(f"WHEN TRY_CAST({v} AS FLOAT) = {q} THEN {p}" for p, v in enumerate(nearest[:-1], 1))
    shortest = f"CASE {fewest} ELSE 9 END"
    by_digits = " ".join(f"WHEN {p} THEN {v}" for p, v in enumerate(nearest, 1))
    return (f"CASE WHEN NOT isfinite({q}) THEN CAST({q} AS DOUBLE) WHEN {digits} < {shortest} "
            f"THEN TRY_CAST({text} AS DOUBLE) ELSE CASE {shortest} {by_digits} END END")


def date_sql(q: str, duck_type: str) -> str:
    """SQL for the calendar date of a date or timestamp column, independent of the server's time zone.

    A timestamp with a time zone is an instant: its date is the Europe/London calendar date (the councils'
    own calendar; a pandas `tz_localize("Europe/London")` midnight stays that day under any `TZ`). A
    timestamp without one is taken as written. An INT96 timestamp is a UTC instant read as naive wall time: it
    is taken as UTC (explicitly, never the session's zone), then dated in London like any instant; a naive
    midnight written as INT96 is 00:00 or 01:00 in London, so keeps its date. docs/drop-contract.md, "Exactness".
    """
    if duck_type.upper() == TZ_TIMESTAMP:
        return f"CAST(timezone('{LONDON}', {q}) AS DATE)"
    if duck_type.upper() == INT96_TIMESTAMP:
        return f"CAST(timezone('{LONDON}', timezone('UTC', {q})) AS DATE)"
    return f"CAST({q} AS DATE)"


def _typed(col: Column, src: str, duck_type: str, max_chars: int) -> tuple[str, str]:
    """SQL for the typed value, and SQL true where a present value cannot be read as its type.

    A text value longer than `max_chars` (settings `drops.string_max_chars`) is flagged and staged as NULL:
    DuckDB measures it while scanning, so no oversized value reaches Python or the staged table.
    """
    t = duck_type.upper()
    q = ident(src)
    none = "false"
    if col.type is ColType.STRING:
        expr = f"NULLIF(trim({q}), '')"
        if col.name == "sex":
            expr = f"CASE upper(trim({q})) WHEN '1' THEN 'M' WHEN '2' THEN 'F' ELSE NULLIF(upper(trim({q})), '') END"
        too_long = f"(length({q}) > {int(max_chars)})"
        return f"CASE WHEN {too_long} THEN NULL ELSE {expr} END", too_long
    if col.type is ColType.DATE:
        if t == "VARCHAR":
            parsed = f"TRY_CAST(TRY_STRPTIME(trim({q}), '%Y-%m-%d') AS DATE)"
            bad = (
                f"(NULLIF(trim({q}), '') IS NOT NULL AND "
                f"(NOT regexp_full_match(trim({q}), '\\d{{4}}-\\d{{2}}-\\d{{2}}') OR {parsed} IS NULL))"
            )
            return f"CASE WHEN NOT {bad} THEN {parsed} END", bad
        return date_sql(q, t), none
    if col.type is ColType.BOOL:
        if t == "BOOLEAN":
            return f"coalesce({q}, {str(col.default).lower()})" if col.default is not None else q, none
        bad = f"({q} IS NOT NULL AND {q} NOT IN (0, 1))"
        val = f"CASE WHEN {q} = 1 THEN true WHEN {q} = 0 THEN false END"
        return (f"coalesce({val}, {str(col.default).lower()})" if col.default is not None else val), bad
    if col.type is ColType.INT:
        bad = f"({q} IS NOT NULL AND TRY_CAST({q} AS BIGINT) IS NULL)"
        val = f"TRY_CAST({q} AS BIGINT)"
        return (f"coalesce({val}, {col.default})" if col.default is not None else val), bad
    if col.type is ColType.MONEY:
        val = money_from_double_sql(q)[0] if t == "DOUBLE" else f"TRY_CAST({q} AS {MONEY_SQL})"
        return val, f"({q} IS NOT NULL AND {val} IS NULL)"
    if col.type is ColType.NUMBER:
        num = float32_sql(q) if t == "FLOAT" else f"TRY_CAST({q} AS DOUBLE)"
        bad = f"({q} IS NOT NULL AND ({num} IS NULL OR NOT isfinite({num})))"
        return num, bad
    raise AssertionError(col.type)


# ---------------------------------------------------------------- rules

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A row-level rule: rows where `where` holds break it."""

    column: str | None
    rule: str
    where: str
    message: str
    severity: Severity = "error"


#: Columns that carry identifiers: each must be pseudonymous (docs/drop-contract.md, children.parquet errors).
IDENTIFIER_COLUMNS = {
    "children": ("child_id", "sibling_group_id"),
    "adopters": ("household_id",),
    "establishment": ("post_id",),
}


def _ascii_map() -> tuple[str, str]:
    """Every character Unicode gives a digit value (Arabic-Indic, full-width, Devanagari, superscript, ...) and
    the full-width Latin letters, each beside the ASCII character it stands for (for `translate`)."""
    import unicodedata

    src, dst = [], []
    for cp in range(0x80, 0x110000):
        d = unicodedata.digit(chr(cp), None)
        if d is not None:
            src.append(chr(cp))
            dst.append(str(d))
    for a, b in ((0xFF21, "A"), (0xFF41, "a")):
        src += [chr(a + i) for i in range(26)]
        dst += [chr(ord(b) + i) for i in range(26)]
    return "".join(src), "".join(dst)


_FROM, _TO = _ascii_map()

#: Everything removed before a value is matched against identifier patterns (an RE2 class): every character
#: that is neither a letter nor a number. A council's export may put anything between the groups of an NHS
#: number: spaces of any width, dashes, dots, slashes, underscores, commas, brackets, quotes, bullets (\p{P});
#: the fraction slash, plus, bar, caret (\p{S}: math, modifier, currency and other symbols alike, since none
#: of them can be part of a pseudonymous id's letters and digits); invisible format characters (soft hyphen,
#: direction marks and isolates, zero-width space, BOM: \p{Cf}); combining marks such as the grapheme joiner
#: (\p{M}); control characters. `943\u00ad476\u00ad5919` and `(943) 476.5919` are still NHS numbers.
_SEPARATORS = r"[^\p{L}\p{N}]"

#: The whole value must be the identifier: `KC-9434765919` is not flagged. Letters around ten digits are how
#: councils write pseudonymous ids (a prefix and a number), and one in eleven ten-digit numbers passes the NHS
#: check digit, so allowing them would reject a council's legitimate ids week after week; the check is there
#: to catch an NHS number or UPN exported into an id column, written as such systems write them.


def identifier_text_sql(c: str) -> str:
    """SQL for a value as it is matched: other scripts' digits and full-width letters mapped to ASCII (`９４３`
    and `٩٤٣` are 943, `Ａ` is A; mapped first, so a digit newer than DuckDB's Unicode tables is no separator),
    then separators removed. An ASCII value (as long in bytes as in characters: nearly every id) skips the
    mapping, which costs a pass over ~800 characters per value; ASCII separators are still removed."""
    mapped = f"CASE WHEN strlen({c}) = length({c}) THEN {c} ELSE translate({c}, '{_FROM}', '{_TO}') END"
    return f"regexp_replace({mapped}, '{_SEPARATORS}', '', 'g')"


def personal_identifier_sql(c: str) -> str:
    """SQL true where a value looks like personal data once separators are removed and digits made ASCII.

    An NHS number (10 digits passing the modulus-11 check digit: `943 476 5919`, `943.476.5919`) or a unique
    pupil number (a letter, 11 digits and a digit or letter: `A123 4567 8901B`, `a123_4567_8901b`), the whole
    value once normalised (a prefixed id such as `KC-9434765919` is not: see above). The value is
    normalised once (bound to a lambda's parameter), then tested.
    """
    d = "regexp_extract(__pid_n, '^(\\d{10})$', 1)"
    weighted = " + ".join(f"{10 - i} * TRY_CAST(substr(__pid_d, {i + 1}, 1) AS INTEGER)" for i in range(9))
    check = f"(11 - (({weighted}) % 11)) % 11"
    nhs = f"(length(__pid_d) = 10 AND {check} <> 10 AND {check} = TRY_CAST(substr(__pid_d, 10, 1) AS INTEGER))"
    upn = "regexp_full_match(__pid_n, '[A-Za-z]\\d{11}[0-9A-Za-z]')"
    test = f"list_transform([{d}], lambda __pid_d: {nhs})[1] OR {upn}"
    return f"list_transform([{identifier_text_sql(c)}], lambda __pid_n: {test})[1]"


def _pseudonym_rule(col: str) -> Rule:
    return Rule(
        col,
        "personal_identifier",
        personal_identifier_sql(col),
        f"{col} looks like an NHS number or unique pupil number (spaces, dashes and other separators ignored): the drop must "
        f"carry pseudonymous identifiers, so no value is shown here",
    )


def _fy_rule(col: str = "financial_year") -> Rule:
    ok = (
        f"regexp_full_match({col}, '\\d{{4}}-\\d{{2}}') AND "
        f"(TRY_CAST(substr({col}, 1, 4) AS INTEGER) + 1) % 100 = TRY_CAST(substr({col}, 6, 2) AS INTEGER)"
    )
    return Rule(col, "financial_year_format", f"NOT ({ok})",
                "financial_year must be YYYY-YY with consecutive years, e.g. 2020-21")


def _lines_rule(ref: Reference) -> list[Rule]:
    areas = sorted({c.budget_area for c in ref.cost_lines})
    pairs = ", ".join(f"('{c.budget_area}', '{c.cost_line}')" for c in ref.cost_lines)
    return [
        Rule("budget_area", "unknown_budget_area",
             f"budget_area NOT IN ({', '.join(repr(a) for a in areas)})",
             f"budget_area must be one of {', '.join(areas)}"),
        Rule("cost_line", "unknown_cost_line",
             f"budget_area IN ({', '.join(repr(a) for a in areas)}) AND (budget_area, cost_line) NOT IN ({pairs})",
             "cost_line is not in the reference list of cost lines for its budget_area"),
    ]


def column_rules(spec: TableSpec, ref: Reference) -> list[Rule]:
    """Per column: a value that cannot be read as its type or (text) is longer than the limit, money rounded
    to pence, a required value missing (not reported again where the value was unreadable or too long)."""
    rules: list[Rule] = []
    limit = ref.settings.drops.string_max_chars
    for col in spec.columns:
        if col.type is ColType.STRING:
            rules.append(Rule(col.name, "value_too_long", f"__bad_{col.name}", (
                f"{col.name} is longer than {count_noun(limit, 'character')} (settings: drops.string_max_chars), so the "
                f"value was not read")))
        else:
            rules.append(Rule(col.name, "unreadable_value", f"__bad_{col.name}",
                              f"{col.name} {_UNREADABLE[col.type]}"))
        if col.type is ColType.MONEY:
            rules.append(Rule(col.name, "money_rounded", f"__prec_{col.name}",
                              f"{col.name} had more than 2 decimal places and was rounded half-even to pence",
                              "warning"))
        if col.required:
            rules.append(Rule(col.name, "missing_value", f"{col.name} IS NULL AND NOT __bad_{col.name}",
                              f"required value {col.name} is missing"))
    return rules


def row_rules(spec: TableSpec, ref: Reference) -> list[Rule]:
    """The contract's row rules for a table; `__extract` is each row's drop extract date."""
    x = "__extract"
    rules: list[Rule] = [
        Rule(c.name, "date_after_extract", f"{c.name} > {x}", f"{c.name} is after the drop's extract date")
        for c in spec.columns if c.type is ColType.DATE
    ]
    rules += [
        Rule(c.name, "date_before_1990", f"{c.name} < DATE '{EARLIEST_DATE.isoformat()}'",
             f"{c.name} is before {EARLIEST_DATE.year}, earlier than any council's records: check the export",
             "warning")
        for c in spec.columns if c.type is ColType.DATE and c.name != "date_of_birth"
    ]
    rules += [_pseudonym_rule(c) for c in IDENTIFIER_COLUMNS.get(spec.name, ())]
    rules += [Rule(c.name, "value_not_allowed", f"{c.name} NOT IN ({', '.join(repr(v) for v in ASGLB_V3_CODES[c.name])})",
                   f"{c.name} must be one of {', '.join(ASGLB_V3_CODES[c.name])} (contract v3, ASGLB)")
              for c in spec.columns if c.name in ASGLB_V3_CODES]
    if spec.name == "children":
        rules += [
            Rule("sex", "value_not_allowed", "sex NOT IN ('M', 'F')", "sex must be M or F (or SSDA903 1/2)"),
            Rule("date_of_birth", "born_after_entering_care", "date_of_birth > entered_care_date",
                 "date_of_birth is after entered_care_date"),
            Rule("entered_care_date", "entered_care_aged_18_or_over",
                 "entered_care_date >= date_of_birth + INTERVAL 18 YEAR",
                 "child entered care aged 18 or over"),
            Rule("placed_date", "placed_before_entering_care", "placed_date < entered_care_date",
                 "placed_date is before entered_care_date"),
            Rule("matched_date", "matched_after_placed", "matched_date > placed_date",
                 "matched_date is after placed_date"),
            Rule("adoption_order_date", "order_before_placed", "adoption_order_date < placed_date",
                 "adoption_order_date is before placed_date"),
            Rule("adoption_order_date", "order_without_placement",
                 "adoption_order_date IS NOT NULL AND placed_date IS NULL",
                 "adoption_order_date is set but placed_date is missing (SSDA903 rule 390: counted as adopted, "
                 "left out of A1, A2, A3 and A10)", "warning"),
            Rule("placement_order_date", "order_before_adm_decision", "placement_order_date < adm_decision_date",
                 "placement_order_date is before adm_decision_date", "warning"),
            Rule("matched_date", "matched_before_placement_order", "matched_date < placement_order_date",
                 "matched_date is before placement_order_date (A2 counts it as 0 days)", "warning"),
            Rule("fostered_by_adopters_from", "fostered_from_out_of_range",
                 "fostered_by_adopters_from > placed_date OR fostered_by_adopters_from < entered_care_date",
                 "fostered_by_adopters_from is after placed_date or before entered_care_date", "warning"),
            Rule("early_permanence", "early_permanence_without_fostering",
                 "early_permanence AND fostered_by_adopters_from IS NULL",
                 "early_permanence is set but fostered_by_adopters_from is missing", "warning"),
            Rule("sibling_group_size", "negative_count", "sibling_group_size < 1",
                 "sibling_group_size must be 1 or more (the child counts)"),
            Rule("siblings_placed_together", "negative_count",
                 "siblings_placed_together < 0 OR siblings_placed_together > sibling_group_size",
                 "siblings_placed_together must be between 0 and sibling_group_size"),
            Rule("ffa_placed_date", "ffa_placed_before_decision", "ffa_placed_date < ffa_decision_date",
                 "ffa_placed_date is before ffa_decision_date", "warning"),
            Rule("adoption_order_date", "order_before_birth_or_care",
                 "adoption_order_date < date_of_birth OR adoption_order_date < entered_care_date",
                 "adoption_order_date is before date_of_birth or before entered_care_date"),
            Rule("adoption_order_date", "adopted_aged_18_or_over",
                 "adoption_order_date >= date_of_birth + INTERVAL 18 YEAR",
                 "child adopted aged 18 or over (an adoption order is made before the 18th birthday)", "warning"),
            Rule("plan_reversed_date", "reversed_and_adopted",
                 "plan_reversed_date IS NOT NULL AND adoption_order_date IS NOT NULL",
                 "both plan_reversed_date and adoption_order_date are set", "warning"),
        ]
    elif spec.name == "adopters":
        stages = ["enquiry_date", "roi_date", "stage1_end_date", "stage2_start_date",
                  "approval_date", "matched_date", "placed_date"]
        present = f"list_filter([{', '.join(stages)}], lambda d: d IS NOT NULL)"
        rules += [
            Rule(None, "stage_dates_out_of_order", f"{present} <> list_sort({present})",
                 "stage dates out of order (enquiry <= roi <= stage1_end <= stage2_start <= approval <= "
                 "matched <= placed, each where present)"),
            Rule("children_placed", "negative_count", "children_placed < 0", "children_placed is negative"),
            Rule("adopters_count", "value_not_allowed", "adopters_count NOT IN (1, 2)", "adopters_count must be 1 or 2"),
            Rule("withdrawn_date", "withdrawn_after_placement",
                 "withdrawn_date IS NOT NULL AND placed_date IS NOT NULL",
                 "withdrawn_date is set for a household with a child placed", "warning"),
        ]
    elif spec.name == "budget":
        rules += [_fy_rule(), *_lines_rule(ref)]
    elif spec.name == "ledger":
        rules += [_fy_rule(), *_lines_rule(ref),
                  Rule("period", "period_out_of_range", "period NOT BETWEEN 1 AND 12", "period must be 1..12")]
        start = (
            "make_date(TRY_CAST(substr(financial_year, 1, 4) AS INTEGER), 4, 1) "
            "+ to_months(TRY_CAST(period AS INTEGER) - 1)"
        )
        rules.append(Rule(
            "period", "period_not_begun",
            f"period BETWEEN 1 AND 12 AND regexp_full_match(financial_year, '\\d{{4}}-\\d{{2}}') "
            f"AND {start} > {x}",
            "the period's month had not begun by the drop's extract date"))
    elif spec.name == "establishment":
        rules += [
            Rule("team", "value_not_allowed", f"team NOT IN ({', '.join(repr(t) for t in TEAMS)})",
                 f"team must be one of {', '.join(TEAMS)}"),
            Rule("status", "value_not_allowed", f"status NOT IN ({', '.join(repr(s) for s in POST_STATUSES)})",
                 f"status must be one of {', '.join(POST_STATUSES)}"),
            Rule("fte", "fte_out_of_range", "NOT (fte > 0 AND fte <= 1)", "fte must be > 0 and <= 1"),
        ]
    return rules


#: How the offending rows are named in a message: a pseudonymous id, or the row's key (no personal data).
_ROW_LABEL = {
    "children": ("child_id", "child_id"),
    "adopters": ("household_id", "household_id"),
    "establishment": ("post_id", "post_id"),
    "budget": ("line", "financial_year || ' ' || budget_area || '/' || cost_line"),
    "ledger": ("line", "financial_year || ' period ' || CAST(period AS VARCHAR) || ' ' || budget_area || '/' "
                       "|| cost_line"),
}


def _label_sql(spec: TableSpec) -> str:
    """SQL naming a row by its pseudonymous key, withheld where the value looks like a personal identifier."""
    expr = _ROW_LABEL[spec.name][1]
    return f"CASE WHEN coalesce({personal_identifier_sql(expr)}, false) THEN NULL ELSE {expr} END"


# ---------------------------------------------------------------- reading a file

#: True when an exception is the machine's failure (disk full, read-only), not the file's: it propagates.
MachineFailure = Callable[[BaseException], bool]



def _duck_type(t: pa.DataType) -> str:
    """The DuckDB type a Parquet column of this Arrow type is read as."""
    if pa.types.is_dictionary(t):
        return _duck_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return TZ_TIMESTAMP if t.tz is not None else "TIMESTAMP"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    ints = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}
    if pa.types.is_signed_integer(t):
        return ints[t.bit_width]
    if pa.types.is_unsigned_integer(t):
        return "U" + ints[t.bit_width]
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_null(t):
        return "NULL"
    # The rest are never accepted: a bare kind (no Arrow type text), for `type_words`; extension types and
    # anything newer are OTHER.
    for kind, tests in _OTHER_KINDS.items():
        if any(test(t) for test in tests):
            return kind
    return "OTHER"


_OTHER_KINDS: dict[str, tuple[Callable[[pa.DataType], bool], ...]] = {
    "BLOB": (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_binary_view, pa.types.is_fixed_size_binary),
    "HALF_FLOAT": (pa.types.is_float16,),
    "TIME": (pa.types.is_time,),
    "INTERVAL": (pa.types.is_duration, pa.types.is_interval),
    "LIST": (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list, pa.types.is_list_view,
             pa.types.is_large_list_view),
    "MAP": (pa.types.is_map,),
    "STRUCT": (pa.types.is_struct,),
    "UNION": (pa.types.is_union,),
}


def not_parquet_reason(path: Path) -> str:
    """Why a file is not readable Parquet, in words (what it looks like instead), never library text."""
    size = path.stat().st_size
    if size == 0:
        return "is empty (0 bytes): the export or the copy did not finish"
    with path.open("rb") as fh:
        head = fh.read(4096)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if head[:4] == b"PAR1" and tail != b"PAR1":
        if size > 12 and tail[:3] == b"PAR":  # Parquet's signature with a wrong last letter: not a short copy
            return (f"ends with the signature {tail.decode('ascii', 'replace')!r} where a Parquet file ends with "
                    f"'PAR1': it was damaged or written by a tool that is not a Parquet writer; export it again")
        return "is cut short (it starts as Parquet but its end is missing): copy or export it again"
    if head[:4] == b"PK\x03\x04":
        return "is a zip or Excel workbook, not Parquet: export the table as Parquet"
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "is an old-style Excel or Office file, not Parquet: export the table as Parquet"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.lstrip().startswith(("{", "[")):
        return "is JSON text, not Parquet: export the table as Parquet"
    if text is not None and ("," in text or "\t" in text or ";" in text):
        return ("is CSV text renamed .parquet (its first line is column names separated by commas), not "
                "Parquet: export the table as Parquet")
    if text is not None:
        return "is plain text, not Parquet: export the table as Parquet"
    if head[:4] == b"PAR1":
        return "has a damaged Parquet footer: copy or export it again"
    return "is not a Parquet file (it does not start with the Parquet signature): export the table as Parquet"


#: Bytes a text value of n characters may take in a Parquet column chunk at most: 4 per character (UTF-8)
#: and its 4-byte length; plus room per chunk for page headers, levels and a dictionary's indices.
_UTF8_MAX, _LENGTH_BYTES, _CHUNK_OVERHEAD = 4, 4, 1 << 16


def oversized_text(meta: pq.FileMetaData, column: str, max_chars: int) -> tuple[int, int] | None:
    """Proof from a Parquet file's own sizes, before any value is read, that a text column holds a value
    longer than `max_chars`: a row group whose chunk of the column is larger than its values could be if
    none were longer. Returns that chunk's (uncompressed bytes, values), or None when the sizes prove nothing
    (a few long values among many short ones are then caught while scanning, as `value_too_long` by row).

    This keeps a hostile file (300 values of 1 MB) out of memory altogether: DuckDB would otherwise decode
    the whole chunk to measure it."""
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema != column:
                continue
            bound = chunk.num_values * (max_chars * _UTF8_MAX + _LENGTH_BYTES) + _CHUNK_OVERHEAD
            if chunk.total_uncompressed_size > bound:
                return chunk.total_uncompressed_size, chunk.num_values
    return None


@dataclass(slots=True)
class FilePlan:
    """One file of one drop: how to read it into the table's staged shape, or the issues that stop it."""

    drop: int
    spec: TableSpec
    path: Path
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    selects: list[str] | None = None
    sources: list[str] = field(default_factory=list)
    #: a real column shadows DuckDB's virtual `file_row_number`: rows are numbered through Arrow instead
    own_row_numbers: bool = False
    #: the file's exact Parquet schema (names, order, types): files with the same one may be read together
    schema_key: str | None = None
    #: columns of a type the contract cannot read: staged as missing, and no rule that uses them is checked
    skipped: set[str] = field(default_factory=set)
    #: the contract's columns the file carries (a header was found for them): an optional column it does not carry
    #: is "not provided" (contract v3's ASGLB columns, recorded per drop in the warehouse's `drop_columns`)
    provided: set[str] = field(default_factory=set)


def footer_limits(ref: Reference) -> FooterLimits:
    """The limits a drop file's footer is held to (settings `drops`)."""
    d = ref.settings.drops
    return FooterLimits(footer_max_bytes=d.footer_max_bytes, columns_max=d.columns_max,
                        row_groups_max=d.row_groups_max)


def footer_problem(path: Path, limits: FooterLimits) -> tuple[str, str] | None:
    """(rule, reason in words) where a file's footer breaks a limit or cannot be read safely; None when it is
    fine. The reason follows the file's name in a message: `children.parquet is encrypted ...`."""
    try:
        footer = read_footer(path, limits)
    except ValueError as exc:
        return "unreadable_file", f"has a damaged Parquet footer ({exc}): copy or export it again"
    if not footer.parquet:
        return None  # not Parquet's signatures: `drop_files.not_parquet_reason` says what the file is instead
    if footer.encrypted:
        return "encrypted_file", ENCRYPTED
    if footer.leaves > limits.columns_max or len(footer.elements) > 2 * limits.columns_max + 1:
        return "too_many_columns", (
            f"has more than {count_text(limits.columns_max)} columns (settings: drops.columns_max); the contract has at "
            f"most 19: export only the contract's columns")
    if footer.row_groups > limits.row_groups_max:
        return "too_many_row_groups", (
            f"is split into {count_text(footer.row_groups)} row groups, over the limit of {count_text(limits.row_groups_max)} "
            f"(settings: drops.row_groups_max): each costs memory to read; export it again with larger row "
            f"groups (the default of pandas and Arrow writes one)")
    deep = [(name, depth) for name, depth in footer.nested() if depth > limits.nesting_max]
    if deep:
        name, depth = deep[0]
        return "nested_column", (
            f"has a column {name!r} nested {depth} levels deep (records or lists inside one another; the limit is "
            f"{limits.nesting_max}); the contract's columns are plain values: remove it from the export")
    if footer.size > limits.footer_max_bytes:
        return "footer_too_large", (
            f"has a footer (the file's description of its columns and row groups) of {bytes_text(footer.size)}, over "
            f"the limit of {bytes_text(limits.footer_max_bytes)} (settings: drops.footer_max_bytes): it carries too much "
            f"metadata or too many columns or row groups; export it again as plain Parquet")
    return None


def unsafe_files(paths: list[Path], ref: Reference) -> dict[Path, str]:
    """The files among `paths` that a native reader cannot open safely, with why in words (`probe`): those
    whose footer passes its limits are opened in a child process under the ingest's memory limit first, so
    a file that would end the process costs only itself. One child for all the files of a run."""
    limits = footer_limits(ref)
    fit = [p for p in paths if footer_problem(p, limits) is None]
    return probe(fit, int(ref.settings.ingest_memory_mb), _PROBE_SECONDS) if fit else {}


#: CPU seconds the child opening a file's footer may use (a footer within the limits opens in well under one).
_PROBE_SECONDS = 30


def plan_file(drop: int, path: Path, spec: TableSpec, ref: Reference,
              unsafe: dict[Path, str] | None = None) -> FilePlan:
    """Read a file's schema and map its columns onto the contract (no data read yet).

    Headers are matched after removing a byte-order mark and surrounding spaces, ignoring case (a warning
    names a raw header that needed it); two headers that match the same name are an error; unknown columns
    are never read. A column of Parquet type `null` is read as all missing.

    Before Arrow opens the file here, its footer is judged in pure Python (`footer_problem`:
    encryption, footer size, columns, row groups, nesting) and, where `unsafe` is None, opened in a child
    process first (`unsafe_files`); a file refused either way is this file's error, named, and never opened.
    """
    fname = spec.file
    plan = FilePlan(drop, spec, path)
    problem = footer_problem(path, footer_limits(ref))
    if problem is None:
        unsafe = unsafe_files([path], ref) if unsafe is None else unsafe
        if path in unsafe:
            problem = ("unreadable_file", unsafe[path])
    if problem is not None:
        plan.issues.append(Issue(file=fname, rule=problem[0], message=f"{fname} {problem[1]}"))
        return plan
    try:
        meta = pq.ParquetFile(path).metadata
        schema = meta.schema.to_arrow_schema()
        plan.rows = meta.num_rows
    except (pa.ArrowException, OSError, ValueError):
        plan.issues.append(Issue(file=fname, rule="unreadable_file",
                                 message=f"{fname} {not_parquet_reason(path)}"))
        return plan
    by_norm: dict[str, list[str]] = {}
    for name in schema.names:
        by_norm.setdefault(normal_name(name), []).append(name)
    known = {c.name for c in spec.columns}
    fatal = False
    for norm, names in by_norm.items():
        if len(names) > 1:
            plan.issues.append(Issue(file=fname, column=norm, rule="duplicate_column", message=(
                f"columns {' and '.join(shown_header(n) for n in names)} all read as {norm} (headers are matched "
                f"ignoring case, spaces at either end and a byte-order mark): keep one of them")))
            fatal = fatal or norm in known
    unknown = sorted(n for n in schema.names if normal_name(n) not in known)
    for name in unknown:
        # the location names the header visibly too (`child_id[character U+200B]`), never with the raw character
        plan.issues.append(Issue(severity="warning", file=fname, column=shown_header(name)[1:-1],
                                 rule="unknown_column",
                                 message=f"column {shown_header(name)} is not in the contract and was not loaded"))
    plan.own_row_numbers = "file_row_number" in by_norm
    # Arrow shows an INT96 timestamp as a naive timestamp: only the Parquet physical type tells them apart.
    leaves = [meta.schema.column(i) for i in range(meta.num_columns)]
    int96 = sorted(c.path for c in leaves if c.physical_type == "INT96")
    if not {"filename", "__file", "__drop", "__extract"} & set(by_norm):
        plan.schema_key = schema.remove_metadata().to_string(
            show_field_metadata=False, show_schema_metadata=False) + f"\nINT96: {int96}"
    types = {f.name: INT96_TIMESTAMP if f.name in int96 else _duck_type(f.type) for f in schema}
    selects: list[str] = []
    for col in spec.columns:
        names = by_norm.get(col.name, [])
        src = names[0] if names else None
        if src is not None and src != col.name:
            plan.issues.append(Issue(severity="warning", file=fname, column=col.name, rule="header_trimmed", message=(
                f"column header {shown_header(src)} was read as {col.name} ({header_changes(src)} ignored); "
                f"please fix the header in the export")))
        bad = "false"
        if src is not None:
            plan.provided.add(col.name)
        if src is None or types[src] == "NULL":
            if src is None and (col.required or not col.may_be_absent):
                # v3: every contract column must be present; a renamed one is named ("did you mean").
                near = nearest_column(col.name, [normal_name(n) for n in unknown])
                raw = next((n for n in unknown if normal_name(n) == near), None)
                plan.issues.append(Issue(file=fname, column=col.name, rule="missing_column", message=(
                    missing_column_message(col.name, col.required, None if raw is None else shown_header(raw)[1:-1]))))
                fatal = True
                continue
            default = "NULL" if col.default is None else str(col.default).lower()
            expr = f"CAST({default} AS {SQL_TYPE[col.type]})"
        else:
            duck_type = types[src]
            if not _accepts(col, duck_type):
                # That column's error only: the file's other columns are still read and checked, so the
                # council hears of every problem in one round trip (the drop is rejected all the same).
                plan.issues.append(Issue(file=fname, column=col.name, rule="wrong_type", message=(
                    f"column {col.name} must hold {_EXPECTED[col.type]}, but it holds {type_words(duck_type)} "
                    f"(the column was not read; the file's other columns were checked)")))
                plan.skipped.add(col.name)
                selects += [f"CAST(NULL AS {SQL_TYPE[col.type]}) AS {col.name}", f"false AS __bad_{col.name}"]
                if col.type is ColType.MONEY:
                    selects.append(f"false AS __prec_{col.name}")
                continue
            limit = ref.settings.drops.string_max_chars
            oversized = oversized_text(meta, src, limit) if col.type is ColType.STRING else None
            if oversized is not None:
                size, values = oversized
                plan.issues.append(Issue(file=fname, column=col.name, rule="value_too_long", message=(
                    f"{col.name} holds values longer than {count_noun(limit, 'character')} (settings: drops.string_max_chars): "
                    f"the file's own sizes show it ({bytes_text(size)} of text in "
                    f"{count_noun(values, 'row')} of one row group), so the file was not read and the rows are "
                    f"not listed")))
                fatal = True
                continue
            expr, bad = _typed(col, src, duck_type, limit)
            plan.sources.append(src)
        selects.append(f"{expr} AS {col.name}")
        selects.append(f"coalesce({bad}, false) AS __bad_{col.name}")
        if col.type is ColType.MONEY:
            changed = money_from_double_sql(ident(src))[1] if src and types[src] == "DOUBLE" else "false"
            selects.append(f"coalesce({changed}, false) AS __prec_{col.name}")
    if not fatal:
        plan.selects = selects
    return plan


def _stage_ddl(spec: TableSpec, stage: str) -> str:
    cols = ["__drop INTEGER", "__extract DATE", "__row BIGINT"]
    for col in spec.columns:
        cols += [f"{col.name} {SQL_TYPE[col.type]}", f"__bad_{col.name} BOOLEAN"]
        if col.type is ColType.MONEY:
            cols.append(f"__prec_{col.name} BOOLEAN")
    return f"CREATE OR REPLACE TEMP TABLE {stage} ({', '.join(cols)})"


def _numbered_batches(path: Path, columns: list[str]) -> pa.RecordBatchReader:
    """The file's columns with a zero-based row number, streamed (for a file with its own `file_row_number`)."""
    pf = pq.ParquetFile(path)
    fields = [pf.schema_arrow.field(c) for c in columns] + [pa.field("__file_row", pa.int64())]
    schema = pa.schema(fields)

    def batches() -> Iterator[pa.RecordBatch]:
        offset = 0
        for b in pf.iter_batches(columns=columns, batch_size=64 * 1024):
            rows = pa.array(np.arange(offset, offset + b.num_rows, dtype=np.int64))
            yield pa.RecordBatch.from_arrays([*b.columns, rows], schema=schema)
            offset += b.num_rows

    return pa.RecordBatchReader.from_batches(schema, batches())


def _stage_file(con: duckdb.DuckDBPyConnection, stage: str, plan: FilePlan, extract: dt.date | None) -> None:
    """Insert one file's rows, typed by its own Parquet schema, into the table's stage."""
    assert plan.selects is not None
    body = ", ".join(plan.selects)
    if plan.own_row_numbers:
        reader = _numbered_batches(plan.path, sorted(set(plan.sources)))
        view = f"{stage}_arrow"
        con.register(view, reader)
        try:
            sql.execute(con, f"INSERT INTO {stage} SELECT $drop, $extract, __file_row, {body} FROM {view}",
                        {"drop": plan.drop, "extract": extract})
        finally:
            con.unregister(view)
        return
    sql.execute(
        con,
        f"INSERT INTO {stage} SELECT $drop, $extract, file_row_number, {body} "
        f"FROM read_parquet($path, hive_partitioning = false, union_by_name = false, filename = false, "
        f"file_row_number = false)",
        {"drop": plan.drop, "extract": extract, "path": str(plan.path)})


def _stage_together(con: duckdb.DuckDBPyConnection, stage: str, plans: list[FilePlan],
                    extracts: dict[int, dt.date | None]) -> None:
    """Insert files with one identical Parquet schema in one scan (each still read with exactly its own types)."""
    assert plans[0].selects is not None
    files = [str(p.path) for p in plans]
    dates = [None if extracts[p.drop] is None else extracts[p.drop].isoformat() for p in plans]
    sql.execute(
        con,
        f"INSERT INTO {stage} SELECT m.__drop, CAST(m.__extract AS DATE), r.file_row_number, "
        f"{', '.join(plans[0].selects)} "
        f"FROM read_parquet($files, hive_partitioning = false, union_by_name = false) r "
        f"JOIN (SELECT unnest($files) AS __file, unnest($drops) AS __drop, unnest($dates) AS __extract) m "
        f"ON r.filename = m.__file",
        {"files": files, "drops": [p.drop for p in plans], "dates": dates})


def _stage_all(con: duckdb.DuckDBPyConnection, stage: str, plans: list[FilePlan],
               extracts: dict[int, dt.date | None], machine_failure: MachineFailure | None) -> list[FilePlan]:
    """Stage files with the same schema together where possible; returns the files to stage one by one."""
    groups: dict[str, list[FilePlan]] = {}
    alone: list[FilePlan] = []
    for p in plans:
        if p.schema_key is None or p.own_row_numbers:
            alone.append(p)
        else:
            groups.setdefault(p.schema_key, []).append(p)
    for group in groups.values():
        if len(group) == 1:
            alone += group
            continue
        try:
            _stage_together(con, stage, group, extracts)
        except READER_CRASHES as exc:  # a damaged file of the group (native reader): found file by file below
            if machine_failure is not None and machine_failure(exc):
                raise
            # one file of the group is damaged (or failed in some other way): find which, file by file
            sql.execute(con, f"DELETE FROM {stage} WHERE list_contains($drops, __drop)",
                        {"drops": [p.drop for p in group]})
            alone += group
    return alone


def _row_issue(spec: TableSpec, rule: Rule, count: int, rows: list[int], labels: list[str | None]) -> Issue:
    """An issue located by person-counted rows and (for pseudonymous ids) the rows' keys."""
    where = person_rows(rows, count)
    named = ""
    if rule.rule != "personal_identifier":
        shown = [v for v in dict.fromkeys(labels) if v is not None]
        if shown:
            label = _ROW_LABEL[spec.name][0]
            named = f"; {label} {', '.join(shown[:5])}{', …' if len(shown) > 5 else ''}"
    return Issue(severity=rule.severity, file=spec.file, column=rule.column, rule=rule.rule, rows=rows,
                 row_count=count, message=f"{rule.message}: {where}{named}")


def _columns_used(rule: Rule) -> set[str]:
    """Every name a rule's condition or column mentions: a rule using a column not read is not checked."""
    return set(re.findall(r"[A-Za-z_]\w*", rule.where)) | {rule.column or ""}


def _unreadable(file: str, exc: BaseException, ref: Reference) -> str:
    """Why a file whose footer looked fine could not be staged, in words."""
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        return (f"{file} could not be read within the memory an ingest may use ({count_text(ref.settings.ingest_memory_mb)} "
                f"MB, settings: ingest_memory_mb): its row groups or values are too large; export it with "
                f"smaller row groups and check for oversized values")
    if isinstance(exc, duckdb.Error | pa.ArrowException | OSError):
        return (f"{file} could not be read past its header: its data is damaged (a copy cut short or "
                f"corrupted in transit?); export and send it again")
    return f"{file} could not be read ({type(exc).__name__}), so nothing of its drop was loaded"


def check_table(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, plans: list[FilePlan], extracts: dict[int, dt.date | None],
    ref: Reference, stage: str, machine_failure: MachineFailure | None = None,
) -> None:
    """Stage every file of one table, each read with its own types, then check every rule in one scan.

    Each staged row keeps its drop (`__drop`), extract date (`__extract`) and zero-based row number (`__row`).
    Issues are appended to each file's plan. A file DuckDB cannot read although its footer looked fine is
    that file's `unreadable_file` error (the others are still checked); `machine_failure(exc)` true means the
    machine failed (disk full), and the exception propagates.
    """
    sql.execute(con, _stage_ddl(spec, stage))
    for p in _stage_all(con, stage, plans, extracts, machine_failure):
        try:
            _stage_file(con, stage, p, extracts[p.drop])
        except READER_CRASHES as exc:  # a native reader's crash costs only this file's drop (docs/drop-contract.md)
            if machine_failure is not None and machine_failure(exc):
                raise
            sql.execute(con, f"DELETE FROM {stage} WHERE __drop = $drop", {"drop": p.drop})
            p.issues.append(Issue(file=spec.file, rule="unreadable_file", message=_unreadable(spec.file, exc, ref)))
            p.selects = None
    live = {p.drop: p for p in plans if p.selects is not None}
    if not live:
        return
    rules = column_rules(spec, ref) + row_rules(spec, ref)
    parts = [f"count(*) FILTER (WHERE coalesce({r.where}, false))" for r in rules]
    key_present = " AND ".join(f"{k} IS NOT NULL" for k in spec.key)
    key = ", ".join(spec.key)
    # Rows whose key could not be read are already reported: no follow-on duplicate-key error for them.
    parts.append(f"count(*) FILTER (WHERE {key_present}) - count(DISTINCT ({key})) FILTER (WHERE {key_present})")
    counts = sql.execute(con, f"SELECT __drop, {', '.join(parts)} FROM {stage} GROUP BY __drop").fetchall()
    label = _label_sql(spec)
    first = f"(list(__row ORDER BY __row))[1:{MAX_ROWS}], (list(lbl ORDER BY __row))[1:{MAX_ROWS}]"
    # One query per broken rule for every drop at once (not one per drop): the first rows and their keys.
    for i, rule in enumerate(rules):
        uses = _columns_used(rule)
        hit = {row[0]: int(row[1 + i]) for row in counts if row[1 + i] and not live[row[0]].skipped & uses}
        if not hit:
            continue
        for drop, rows, labels in sql.execute(
                con,
                f"SELECT __drop, {first} FROM (SELECT __drop, __row, {label} AS lbl FROM {stage} "
                f"WHERE coalesce({rule.where}, false) AND list_contains($drops, __drop)) GROUP BY __drop",
                {"drops": list(hit)}).fetchall():
            live[drop].issues.append(_row_issue(spec, rule, hit[drop], list(rows), list(labels)))
    dup_hit = [row[0] for row in counts if row[-1] and not live[row[0]].skipped & set(spec.key)]
    if dup_hit:
        for drop, n, rows, labels in sql.execute(
                con,
                f"SELECT __drop, count(*), {first} FROM (SELECT __drop, __row, {label} AS lbl, "
                f"count(*) OVER (PARTITION BY __drop, {key}) AS n FROM {stage} "
                f"WHERE list_contains($drops, __drop) AND {key_present}) WHERE n > 1 GROUP BY __drop",
                {"drops": dup_hit}).fetchall():
            dup = Rule(key, "duplicate_key", "", f"({key}) must be unique, but {n} rows share a key with another row")
            live[drop].issues.append(_row_issue(spec, dup, int(n), list(rows), list(labels)))
