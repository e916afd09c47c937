"""The one presentation spec: how a figure is labelled, formatted and aligned wherever it is shown.

A table is described once as a `TableSpec` (one `Col` per column: label, kind, decimals, width), and the
same spec drives the three places people read figures:

- the app: `display_frame` keeps money, counts and days numeric (so a column sorts as numbers, £99,002
  below £812,709) and `Col.streamlit` says how the grid formats them (the page shell turns it into
  `st.column_config`); money is never pre-formatted text, so it is never clipped to "£1,421,656.8". The
  grid cuts a number to its column's step (it truncates) and rounds binary floats, so each figure is
  handed over already rounded half up on the exact Decimal (`money_rounded`, `rounded`): -£55,591.38 is
  (55.6) in £'000 in the table as on the tile and in the board pack, never (55.5);
- Excel: `Col.excel_format` is the number format for a cell that holds the exact value in pounds (in
  £'000 the format scales by a thousand, so the cell still holds pounds and pence);
- the PDF and headline tiles: `Col.text` / `money_text` / `tile_money` format one value as text.

Every number, money amount, percentage, count and date is made text here, and only here (money.py does
exact arithmetic, `display` holds the words for codes). The one rounding is `rounded` (half up, away from
zero, on the exact Decimal); `missing` is the one test for a value that is not there, shown as `DASH`.
One negative style per table: in a table (the app's grid, a workbook, the PDF) money's and percentages'
negatives are both in brackets, "(13.3)" beside "(2.9%)", never "(13.3)" beside "-2.9%" (`Col.text`,
`Col.excel_format`, `Col.streamlit`; a workbook asked for minus signs, `negatives="sign"`, gets them on both);
tiles and the pack's money are in brackets too; prose (`gbp`) and signed changes carry a minus sign (a plus
too when signed) on money and percentages alike. Nothing rounded to zero is shown negative.

Money is shown in pounds (`MoneyUnit.POUNDS`, "£") or thousands of pounds (`MoneyUnit.THOUSANDS`,
"£'000", the unit of the business case and the Partnership Board's default). The unit goes in the column
header ("Budget (£'000)"); negatives are in brackets, as finance reports print them. Headline tiles show
no pence. Counts agree with their nouns (`count_noun(1, "child")` is "1 child"), and download file names
carry the council, the period and the as-at date (`file_name`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from raa_core.errors import BadInput
from raa_core.money import pennies, to_decimal, to_k
from raa_core.periods import Period, is_over, parse_quarter

if TYPE_CHECKING:
    from raa_core.reference import SuppressionSettings
    from raa_core.store.backup import DiskUsage

Kind = Literal["text", "money", "count", "days", "percent", "number", "date", "rag"]
Align = Literal["left", "center", "right"]
NUMERIC_KINDS = frozenset({"money", "count", "days", "percent", "number"})
DASH = "—"
#: The grid's average character width and cell padding (Source Sans 14px), for column widths in pixels.
CHAR_PX = 8.2
HEADER_CHAR_PX = 6.6
CELL_PADDING_PX = 26


class MoneyUnit(StrEnum):
    """How money is shown: pounds and pence, or thousands of pounds to one decimal place."""

    POUNDS = "£"
    THOUSANDS = "£'000"

    @property
    def label(self) -> str:
        return "£ (pounds and pence)" if self is MoneyUnit.POUNDS else "£'000 (thousands)"


#: The Partnership Board reads money in £'000, as the business case prints it.
BOARD_UNIT = MoneyUnit.THOUSANDS


def default_unit(role: str | None) -> MoneyUnit:
    """The money unit a role sees first: £'000 for the Partnership Board (board papers), £ for everyone else
    (finance leads and the Head of Service reconcile to the penny)."""
    return BOARD_UNIT if role == "board" else MoneyUnit.POUNDS


def money_unit(value: str | MoneyUnit | None, default: MoneyUnit = MoneyUnit.POUNDS) -> MoneyUnit:
    """A MoneyUnit from its value ("£" or "£'000") or name ("pounds", "thousands"); None gives `default`."""
    if value is None:
        return default
    if isinstance(value, MoneyUnit):
        return value
    text = str(value).strip().lower()
    for unit in MoneyUnit:
        if text in (unit.value.lower(), unit.name.lower()):
            return unit
    if text in ("k", "000", "'000"):
        return MoneyUnit.THOUSANDS
    raise BadInput(f"money unit must be '£' or \"£'000\", not {value!r}")


def missing(v: Any) -> bool:
    """The one test for a value that is not there (which is not zero): None, pandas NA and NaT, a float or
    numpy NaN, a Decimal NaN, and the empty string (an empty cell of a file or a publication view). Every
    text made here for a possibly-missing value asks this, and shows `DASH` for it."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, str):
        return v == ""
    if isinstance(v, Decimal):
        return v.is_nan()
    if isinstance(v, float | np.floating):
        return math.isnan(v)
    if isinstance(v, np.datetime64 | np.timedelta64):
        return bool(np.isnat(v))
    return False


# --- one value as text ---------------------------------------------------------------------------------


def rounded(v: Any, places: int) -> Decimal:
    """The one display rounding: the exact Decimal of `v` (floats through their shortest repr) rounded half
    up, away from zero, to `places` decimal places. Never truncates. docs/finance.md (money is exact,
    rounded half-up only for display)."""
    return to_decimal(v).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0  # + 0: no "-0.0"


def money_rounded(v: Any, unit: MoneyUnit = MoneyUnit.POUNDS, *, pence: bool = True) -> Decimal:
    """Money in the unit it is shown in, rounded half up on the exact Decimal: pounds to the penny (or, with
    `pence=False`, to the pound), £'000 to one decimal place. The value behind every money text, grid cell
    and chart label, so a tile, a table and the board pack show the same figure."""
    if unit is MoneyUnit.THOUSANDS:
        return to_k(v)
    return pennies(v) if pence else rounded(v, 0)


#: RAG in words (the labels table's "rag" kind: `display.label("rag", code)`).
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def rag_word(v: Any) -> str:
    """Red / Amber / Green; a dash for no RAG."""
    return DASH if missing(v) or v not in RAG_WORDS else RAG_WORDS[v]


def money_text(
    v: Any, unit: MoneyUnit = MoneyUnit.POUNDS, *, symbol: bool = True, pence: bool = True, brackets: bool = True
) -> str:
    """Money as text: "£1,421,656.85" in pounds, "£1,421.7k" in £'000 (with `symbol=False`, "1,421.7",
    for a column whose header carries the unit). Negatives in brackets ("(£12.50)") or with a minus sign.
    `pence=False` rounds to whole pounds (headline tiles). None/NaN is an em dash. Rounds half up."""
    if missing(v):
        return DASH
    shown = money_rounded(v, unit, pence=pence)
    places = 1 if unit is MoneyUnit.THOUSANDS else 2 if pence else 0
    body = f"{abs(shown):,.{places}f}"
    if symbol:
        body = f"£{body}k" if unit is MoneyUnit.THOUSANDS else f"£{body}"
    return _negative(body, shown < 0, brackets)


def _negative(body: str, negative: bool, brackets: bool) -> str:
    """Money's negative styles, written once: brackets as finance reports print them (tables, tiles, the
    pack), or a minus sign in prose and signed changes."""
    if not negative:
        return body
    return f"({body})" if brackets else f"-{body}"


def gbp(v: Any, brackets: bool = False, signed: bool = False) -> str:
    """Pounds and pence in prose, messages and text tables: "£1,234.56", "-£1,234.56" (or "(£1,234.56)");
    with `signed` a positive amount shows its plus ("+£1,234.56", a change); a dash for none."""
    text = money_text(v, MoneyUnit.POUNDS, brackets=brackets)
    return "+" + text if signed and not missing(v) and pennies(v) > 0 else text


def thousands_text(v: Any) -> str:
    """£'000 to one decimal place for a column headed with the unit: "1,951.1", "-0.1"; a dash for none."""
    return money_text(v, MoneyUnit.THOUSANDS, symbol=False, brackets=False)


def tile_money(v: Any, unit: MoneyUnit = MoneyUnit.POUNDS) -> str:
    """A headline tile's money: never pence ("£1,421,657" or "£1,421.7k")."""
    return money_text(v, unit, pence=False)


def signed_money_text(v: Any, unit: MoneyUnit = MoneyUnit.POUNDS) -> str:
    """A change in money with its sign always shown ("+£1,200", "-£300"; "£0" when it rounds to nothing),
    whole pounds or £'000."""
    if missing(v):
        return DASH
    d = to_decimal(v)
    shown = money_text(d, unit, pence=False, brackets=False)
    if shown.startswith("-") or money_text(abs(d), unit, pence=False).strip("£k0.,") == "":
        return shown
    return "+" + shown if d > 0 else shown


def percent_text(v: Any, decimals: int = 1, signed: bool = False, brackets: bool = False) -> str:
    """A percentage number (1.2 means 1.2%) as "1.2%" ("+1.2%" when signed); with `brackets` (a table, where
    money's negatives are bracketed) a negative is "(2.9%)" and a positive has no plus, as money's."""
    if missing(v):
        return DASH
    shown = rounded(v, decimals)
    if brackets:
        return _negative(f"{abs(shown):.{decimals}f}%", shown < 0, True)
    return f"{shown:{'+' if signed else ''}.{decimals}f}%"


def share_text(v: Any, decimals: int = 2) -> str:
    """A share (0..1) as a percentage, half up (0.333333 -> "33.33%"); a dash for none."""
    return DASH if missing(v) else percent_text(to_decimal(v) * 100, decimals)


def number_text(v: Any, decimals: int = 2) -> str:
    """A number with thousands separators to `decimals` places, half up; a dash for none."""
    return DASH if missing(v) else f"{rounded(v, decimals):,.{decimals}f}"


def count_text(v: Any) -> str:
    """A whole number with thousands separators."""
    return DASH if missing(v) else f"{int(v):,d}"


def signed_count(v: Any) -> str:
    """A change in a whole number with its sign always shown ("+12", "-3", "+0"); a dash for none."""
    return DASH if missing(v) else f"{int(v):+d}"


def plain_number(v: Any) -> str:
    """A number in its shortest form, no separators and no trailing zeros ("2", "2.5", "0.25"): a setting or a
    rate as a person typed it (Python's general format); a dash for none."""
    return DASH if missing(v) else f"{float(v):g}"


#: The unit each headline indicator is counted in (docs/indicators.md): days, or a percentage of children.
INDICATOR_UNITS: dict[str, str] = {"A1": " days", "A2": " days", "A3": "%", "A10": " days"}


def indicator_text(indicator: str, value: Any, *, unit: bool = True) -> str:
    """An indicator's figure as text: "363 days" (A1, A2, A10), "77.0%" (A3, a percentage); with
    `unit=False` the days without their word (a column headed with the unit), A3 keeping its "%". The figure is
    shown as computed (already rounded by the indicator's rule); a dash for none."""
    if missing(v := value):
        return DASH
    if INDICATOR_UNITS.get(indicator) == "%":
        return f"{v}%"
    return f"{v}{INDICATOR_UNITS.get(indicator, '') if unit else ''}"


_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def number_word(n: int) -> str:
    """A small count in words as prose writes it (three), larger ones in figures (13)."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def bytes_text(n: int) -> str:
    """A size on disk as people read it, in binary units with one decimal: "812 bytes", "1.5 MB", "2.0 GB"
    (MB = 1024 × 1024 bytes, as `du -h` and file managers count)."""
    if n < 1024:
        return f"{n:,} byte" + ("" if n == 1 else "s")
    size = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            break
    return f"{size:,.1f} {unit}"


def disk_text(usage: DiskUsage) -> str:
    """The Overview's line of disk used (`raa_core.store.backup.disk_usage`): "Disk used: warehouse 5.3 MB
    (2 versions kept), app-state store 48.0 KB." (docs/operations.md "Retention and disk")."""
    return (f"Disk used: warehouse {bytes_text(usage.warehouse_bytes)} ({count_noun(usage.versions, 'version')} "
            f"kept), app-state store {bytes_text(usage.store_bytes)}.")


def date_text(v: Any) -> str:
    """A day as people read it, the one way the app, its downloads and the board pack write a day: "1 Oct 2026"
    (the day without a leading zero, the month's first three letters, the year: GOV.UK's order, the month cut
    short so a table's column stays narrow). The grid's date columns show the same (`Col.streamlit`: D MMM YYYY)
    and so do the workbooks' (d mmm yyyy). ISO days stay in file names, JSON and the command line."""
    if missing(v):
        return DASH
    if isinstance(v, str):
        v = dt.date.fromisoformat(v[:10])
    if isinstance(v, pd.Timestamp | dt.datetime):
        v = v.date()
    return f"{v.day} {v:%b %Y}"


#: The same day format for a workbook's date cell (Excel) and the app grid's date column (Streamlit): "1 Oct 2026".
EXCEL_DATE_FORMAT = "d mmm yyyy"
GRID_DATE_FORMAT = "D MMM YYYY"
#: A grid's date-and-time columns, the day as `GRID_DATE_FORMAT`: to the second (the Audit page's London times)
#: and to the minute (the Users page's UTC times, as `utc_minute` writes them).
GRID_TIME_FORMAT = f"{GRID_DATE_FORMAT} HH:mm:ss"
GRID_MINUTE_FORMAT = f"{GRID_DATE_FORMAT} HH:mm"

def grid_date_format(column: pd.Series) -> str | None:
    """How the app's grid shows a column of days (`GRID_DATE_FORMAT`) or of times (`GRID_TIME_FORMAT`: a
    datetime column with a time in it); None for any other column (numbers, text, a column with nothing in it)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        times = column.dropna()
        return None if times.empty else GRID_DATE_FORMAT if (times == times.dt.normalize()).all() else GRID_TIME_FORMAT
    if column.dtype != object:
        return None
    values = column.dropna()
    if values.empty or not all(isinstance(v, dt.date) for v in values):
        return None
    return GRID_DATE_FORMAT if not any(isinstance(v, dt.datetime) for v in values) else GRID_TIME_FORMAT


#: How a person may type a day: "20 Nov 2026", "20 November 2026", "20/11/2026" (day first, as in the UK) or
#: "2026-11-20"; the app shows dates the first way (`date_text`), so a day typed back as shown reads as itself.
DAY_FORMATS = ("%d %b %Y", "%d %B %Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


#: The days a person may type (`day_from_text`): any day the dashboard can reckon with. A day far beyond them
#: ("31 Dec 9999") would overflow the date arithmetic behind the figures (a day after it, its financial year).
FIRST_TYPED_DAY = dt.date(1900, 1, 1)
LAST_TYPED_DAY = dt.date(2199, 12, 31)


def day_from_text(text: str, example: dt.date) -> dt.date | None:
    """A day typed by a person (`DAY_FORMATS`, case and runs of spaces ignored); None for an empty field.
    Raises BadInput saying how to write it, with `example` written as the app writes days (GOV.UK: a date's
    example in the hint), or, for a day outside `FIRST_TYPED_DAY` to `LAST_TYPED_DAY`, the days it may be."""
    words = " ".join(text.split())
    if not words:
        return None
    for form in DAY_FORMATS:
        try:
            day = dt.datetime.strptime(words.title() if "%b" in form or "%B" in form else words, form).date()
        except ValueError:
            continue
        if not FIRST_TYPED_DAY <= day <= LAST_TYPED_DAY:
            raise BadInput(f"“{words[:40]}” is too far from today: write a day from {date_text(FIRST_TYPED_DAY)} to "
                           f"{date_text(LAST_TYPED_DAY)}")
        return day
    raise BadInput(f"“{words[:40]}” is not a date: write the day, month and year, for example {date_text(example)}")


def month_long(d: dt.date) -> str:
    """November 2026."""
    return f"{d:%B %Y}"


def quarter_text(code: str) -> str:
    """A quarter's code (`2026-27Q2` or `2026-27 Q2`, Q1 = April to June) as people read it: "Q2 2026-27 (July to
    September 2026)". Raises BadInput for text that is not a quarter."""
    q = parse_quarter(re.sub(r"\s*Q", " Q", code.strip()))
    return f"{q.name.split(' ')[1]} {q.name.split(' ')[0]} ({q.start:%B} to {q.end:%B %Y})"


def month_text(d: dt.date) -> str:
    """Nov 2026 (a monitoring period's month)."""
    return f"{d:%b %Y}"


def utc_time(v: dt.datetime) -> str:
    """10:30 UTC (when something was built this session)."""
    return f"{v:%H:%M} UTC"


def utc_minute(v: Any) -> str:
    """A UTC timestamp to the minute (3 Nov 2026 10:30, its day as `date_text` writes it); a dash for none."""
    return DASH if missing(v) else f"{date_text(v)} {v:%H:%M}"


def data_when(as_at: dt.date | None, latest: dt.date | None) -> str:
    """How far figures reach: 'as at 15 Oct 2026', else 'data to 20 Nov 2026', else 'no data yet'."""
    return f"as at {date_text(as_at)}" if as_at else f"data to {date_text(latest)}" if latest else "no data yet"


# --- nouns ---------------------------------------------------------------------------------------------

_IRREGULAR = {
    "child": "children",
    "person": "people",
    "is": "are",
    "was": "were",
    "has": "have",
    "this": "these",
    "analysis": "analyses",
    "day": "days",
}


def plural(noun: str) -> str:
    """The plural of an English noun (irregulars first: child -> children)."""
    words = noun.split(" ")
    last = words[-1]
    lower = last.lower()
    if lower in _IRREGULAR:
        p = _IRREGULAR[lower]
        p = p.capitalize() if last[:1].isupper() else p
    elif re.search(r"[^aeiou]y$", lower):
        p = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", lower):
        p = last + "es"
    else:
        p = last + "s"
    return " ".join([*words[:-1], p])


def noun_for(n: int | float | Decimal, noun: str, plural_form: str | None = None) -> str:
    """The noun agreeing with `n`: singular for exactly 1 (or -1), plural otherwise (0 children)."""
    return noun if abs(n) == 1 else (plural_form or plural(noun))


def count_noun(n: int, noun: str, plural_form: str | None = None) -> str:
    """A count with its noun in agreement: "1 warning", "2 warnings", "1 child", "3 children"."""
    return f"{n:,d} {noun_for(n, noun, plural_form)}"


# --- columns and tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One column of a displayed table.

    `key` is the column of the source frame; `label` the header people read (for money the unit is
    appended: "Budget (£'000)"). Kinds: money (pounds, Decimal), count and days (whole numbers), percent (a
    percentage number: 1.2 means 1.2%), number (`decimals` places), date, rag (red/amber/green word), text.
    `codes` is the words of the codes a text column holds (a `display` labels table, e.g. `BOUND_LABELS`: cap,
    floor), so every page, workbook and PDF shows the code's words, never the code (a code without words shows as
    itself; no code shows as the table's words for None, else nothing).
    """

    key: str
    label: str
    kind: Kind = "text"
    decimals: int | None = None
    signed: bool = False
    width: Literal["small", "medium", "large"] | None = None
    help: str | None = None
    codes: Mapping[Any, str] | None = field(default=None, hash=False, compare=False)

    @property
    def align(self) -> Align:
        """Numbers right-aligned (so digits line up), RAG centred, text left."""
        if self.kind in NUMERIC_KINDS:
            return "right"
        return "center" if self.kind == "rag" else "left"

    def header(self, unit: MoneyUnit = MoneyUnit.POUNDS) -> str:
        """The column header; money carries its unit, and so does a percentage (the grid's cells, bracketed
        as money's, carry no "%")."""
        if self.kind == "money":
            return f"{self.label} ({unit.value})"
        if self.kind == "percent" and "%" not in self.label:
            return f"{self.label} (%)"
        if self.kind == "days" and "day" not in self.label.lower():
            return f"{self.label} (days)"
        return self.label

    def places(self, unit: MoneyUnit = MoneyUnit.POUNDS) -> int:
        """Decimal places shown."""
        if self.kind == "money":
            return 1 if unit is MoneyUnit.THOUSANDS else 2
        if self.kind in ("count", "days"):
            return 0
        if self.kind == "percent":
            return 1 if self.decimals is None else self.decimals
        return 2 if self.decimals is None else self.decimals

    def value(self, v: Any, unit: MoneyUnit = MoneyUnit.POUNDS) -> Any:
        """The value as the app's grid holds it: money, percentages and numbers as floats already rounded half
        up on the exact Decimal to the places shown (money in its unit, via `money_rounded`), an int, a date
        or text. The grid cuts a number to its column's `step` by truncation and its formats round binary
        floats, so it is given the figure the tiles and the pack show, still a number (it sorts as one)."""
        if (self.kind in NUMERIC_KINDS or self.kind == "date") and missing(v):
            return None
        if self.kind == "money":
            return float(money_rounded(v, unit))
        if self.kind in ("count", "days"):
            return int(v)
        if self.kind in ("percent", "number"):
            return float(rounded(v, self.places()))
        if self.kind == "date":
            if isinstance(v, str):
                return dt.date.fromisoformat(v[:10])
            return v.date() if isinstance(v, pd.Timestamp | dt.datetime) else v
        if self.kind == "rag":
            return rag_word(v)
        if self.codes is not None:
            return self.codes.get(None, "") if missing(v) else self.codes.get(v, str(v))
        return "" if missing(v) else str(v)

    def text(self, v: Any, unit: MoneyUnit = MoneyUnit.POUNDS) -> str:
        """The value as text in a printed table (PDF): money without the symbol (the header has the unit).
        A numeric column may hold the strings of a publication view: a number in text is formatted, `x`
        (suppressed) is kept as it is, an empty string is no figure."""
        v = _from_text(v) if self.kind in NUMERIC_KINDS else v
        if isinstance(v, str) and self.kind in NUMERIC_KINDS:
            return v
        if self.kind == "money":
            return money_text(v, unit, symbol=False)
        if self.kind in ("count", "days"):
            return count_text(v)
        if self.kind == "percent":
            return percent_text(v, self.places(), self.signed, brackets=True)
        if self.kind == "number":
            return number_text(v, self.places())
        if self.kind == "date":
            return date_text(v)
        return str(self.value(v, unit))

    def excel_format(self, unit: MoneyUnit = MoneyUnit.POUNDS, negatives: Literal["brackets", "sign"] = "brackets") -> str:
        """The Excel number format of a cell holding the exact value (money in pounds, percent as a
        percentage number divided by 100). In £'000 the trailing comma makes Excel show thousands."""
        if self.kind == "money":
            return excel_money_format(unit, negatives)
        if self.kind in ("count", "days"):
            return "#,##0"
        if self.kind == "percent":
            return excel_percent_format(self.places(), negatives, self.signed)
        if self.kind == "number":
            p = "0." + "0" * self.places() if self.places() else "0"
            return f"#,##{p}"
        if self.kind == "date":
            return EXCEL_DATE_FORMAT
        return "@"

    def excel_value(self, v: Any) -> Any:
        """The value an Excel cell holds: money in pounds (float of the exact pennies), percent /100; the
        `x` of a suppressed figure stays text."""
        v = _from_text(v) if self.kind in NUMERIC_KINDS else v
        if isinstance(v, str) and self.kind in NUMERIC_KINDS:
            return v
        if self.kind in NUMERIC_KINDS and missing(v):
            return None
        if self.kind == "money":
            return float(pennies(v))
        if self.kind == "percent":  # the percentage as shown (so Excel never draws "-0.0%" for a rounded zero)
            return float(rounded(v, self.places()) / 100)
        if self.kind in ("count", "days"):
            return int(v)
        if self.kind == "number":
            return float(v)
        return self.value(v)

    def streamlit(self, unit: MoneyUnit = MoneyUnit.POUNDS) -> dict[str, Any]:
        """How the app's grid shows this column (the shell maps it onto st.column_config): `type` number,
        text or date, a sprintf/"accounting" `format`, `step` for the places shown, alignment, width, help."""
        cfg: dict[str, Any] = {"label": self.header(unit), "alignment": self.align, "help": self.help,
                               "width": self.width}
        if self.kind == "money":
            cfg |= {"type": "number", "format": "accounting", "step": 0.1 if unit is MoneyUnit.THOUSANDS else 0.01}
        elif self.kind in ("count", "days"):
            cfg |= {"type": "number", "format": "%,d", "step": 1}
        elif self.kind == "percent":  # bracketed negatives, as money's (the header carries the %)
            cfg |= {"type": "number", "format": "accounting", "step": float(Decimal(1).scaleb(-self.places()))}
        elif self.kind == "number":
            cfg |= {"type": "number", "format": f"%,.{self.places()}f"}
        elif self.kind == "date":
            cfg |= {"type": "date", "format": GRID_DATE_FORMAT}
        else:
            cfg |= {"type": "text"}
        return cfg


def excel_money_format(unit: MoneyUnit = MoneyUnit.POUNDS, negatives: Literal["brackets", "sign"] = "brackets",
                       symbol: bool = False) -> str:
    """The Excel number format of a cell holding exact pounds: "#,##0.00" in pounds, "#,##0.0," in £'000 (the
    trailing comma shows thousands; Excel rounds the shown figure half away from zero, as `money_rounded`
    does), negatives in brackets or with a minus sign as `money_text`, "£" in front with `symbol`."""
    body = "#,##0.0," if unit is MoneyUnit.THOUSANDS else "#,##0.00"
    zero = "0.0" if unit is MoneyUnit.THOUSANDS else "0.00"
    if symbol:
        body, zero = f"£{body}", f"£{zero}"
    return f"{body};{_negative(body, True, negatives == 'brackets')};{zero}"


def excel_percent_format(places: int = 1, negatives: Literal["brackets", "sign"] = "brackets",
                         signed: bool = False) -> str:
    """The Excel number format of a cell holding a percentage as a fraction: "0.0%;(0.0%);0.0%" with money's
    bracketed negatives (a positive without a plus, as money's), or with minus signs ("+0.0%;-0.0%;0.0%" when
    `signed`) in a workbook whose money has them (`excel_money_format`)."""
    p = "0." + "0" * places if places else "0"
    if negatives == "brackets":
        return f"{p}%;{_negative(p + '%', True, True)};{p}%"
    return f"{'+' if signed else ''}{p}%;-{p}%;{p}%"


_NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")


def _from_text(v: Any) -> Any:
    """A publication view's cell: "" is no figure, "363" / "1,234.5" a number, anything else (x) text."""
    if not isinstance(v, str):
        return v
    t = v.strip()
    if t == "":
        return None
    if _NUMBER.match(t):
        return Decimal(t.replace(",", ""))
    return t


#: At most this many leading text columns name a row and are pinned in the app's grid (more would leave no room
#: to scroll the figures past them at 1366 px).
MAX_KEY_COLUMNS = 2


@dataclass(frozen=True)
class TableSpec:
    """A displayed table: its columns in order, and the source column (if any) flagging bold total rows."""

    name: str
    columns: tuple[Col, ...]
    total_key: str | None = None
    hidden: tuple[str, ...] = field(default=())

    def col(self, key: str) -> Col:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.name} has no column {key!r}")

    def headers(self, unit: MoneyUnit = MoneyUnit.POUNDS) -> list[str]:
        return [c.header(unit) for c in self.columns]

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns naming a row (the leading text columns: council, cost line; at most `MAX_KEY_COLUMNS`, and
        never every column): the app's grid pins them, so a row stays named while a table wider than the page
        (1366 px) scrolls sideways to its last figures (Variance %, RAG, Comment)."""
        keys: list[str] = []
        for c in self.columns[:min(MAX_KEY_COLUMNS, len(self.columns) - 1)]:
            if c.kind != "text":
                break
            keys.append(c.key)
        return tuple(keys)

    def display_frame(self, df: pd.DataFrame, unit: MoneyUnit = MoneyUnit.POUNDS) -> pd.DataFrame:
        """The frame the app shows: headers as labels, money as numbers in the unit (floats: the grid
        sorts them as numbers), counts as nullable integers; a total-row flag kept as `_total`."""
        out = pd.DataFrame(index=range(len(df)))
        for c in self.columns:
            values = [c.value(v, unit) for v in df[c.key]] if c.key in df.columns else [None] * len(df)
            if c.kind in ("count", "days"):
                out[c.header(unit)] = pd.array(values, dtype="Int64")
            elif c.kind in ("money", "percent", "number"):
                out[c.header(unit)] = pd.array([math.nan if v is None else v for v in values], dtype="float64")
            else:
                out[c.header(unit)] = values
        if self.total_key and self.total_key in df.columns:
            out["_total"] = [bool(v) for v in df[self.total_key]]
        return out

    def text_rows(self, df: pd.DataFrame, unit: MoneyUnit = MoneyUnit.POUNDS) -> list[list[str]]:
        """Every row as text, for a printed table (PDF)."""
        keys = [c.key for c in self.columns]
        rows = df[keys].itertuples(index=False, name=None) if not df.empty else []
        return [[c.text(v, unit) for c, v in zip(self.columns, row, strict=True)] for row in rows]

    def streamlit_columns(
        self, unit: MoneyUnit = MoneyUnit.POUNDS, source: pd.DataFrame | None = None
    ) -> dict[str, dict[str, Any]]:
        """Header -> grid settings for every column (see `Col.streamlit`): the key columns pinned. Given the source
        frame, numeric columns get a width in pixels fitting their widest figure, so no amount is ever clipped and
        a table wider than the page scrolls sideways."""
        out = {}
        for c in self.columns:
            cfg = c.streamlit(unit) | {"pinned": True if c.key in self.key_columns else None}
            if source is not None and c.kind in NUMERIC_KINDS and c.key in source.columns and c.width is None:
                chars = max([0] + [len(c.text(v, unit)) for v in source[c.key]])
                cfg["width"] = int(max(chars * CHAR_PX, len(c.header(unit)) * HEADER_CHAR_PX)) + CELL_PADDING_PX
            out[c.header(unit)] = cfg
        return out


# --- download file names -------------------------------------------------------------------------------


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9.\-]+", "_", text.strip()).strip("_.")
    return s or "x"


def file_name(
    stem: str,
    ext: str,
    *,
    council: str | None = None,
    period: str | None = None,
    as_at: dt.date | None = None,
) -> str:
    """A download's file name carrying what it holds: `raa_budget_lines_Northshire_2026-27_P7_as-at_2026-11-30.xlsx`.

    `council` is the council's short name (None = the whole region, written "Region"); `period` the
    financial year, 3-year period or monitoring period; `as_at` the date the figures stand at. Only
    letters, digits, '.', '-' and '_' reach the name (council names and periods are safe in any file system).
    """
    parts = [_slug(stem if stem.startswith("raa") else f"raa_{stem}"), _slug(council or "Region")]
    if period:
        parts.append(_slug(period))
    if as_at is not None:
        parts.append(f"as-at_{as_at.isoformat()}")
    return "_".join(parts) + "." + ext.lstrip(".")


# --- money on a chart axis -----------------------------------------------------------------------------


def money_axis_range(values: Iterable[Any], headroom: float = 0.08) -> tuple[float, float]:
    """The y range of a money chart: always from zero (or from the lowest negative), with headroom above,
    so a 2% movement looks like 2% and not a collapse (forecast charts started at £3.27m)."""
    nums = [float(v) for v in values if not missing(v)]
    if not nums:
        return (0.0, 1.0)
    lo, hi = min(0.0, *nums), max(0.0, *nums)
    span = (hi - lo) or 1.0
    return (lo - (span * headroom if lo < 0 else 0.0), hi + span * headroom)


#: The `meta` of a trace that draws a reference (a threshold, the national figure, the budget), not a figure of
#: the data: a chart of reference lines alone has nothing to show.
REFERENCE_LINE = "reference line"


def _plotted(trace: Any) -> list[Any]:
    """The values a trace draws marks for: a bar, line or scatter's y (x for a horizontal bar), a histogram or
    box's samples, a pie or funnel's values."""
    kind = getattr(trace, "type", "")
    if kind in ("histogram", "box"):
        return list(trace.x if trace.x is not None else trace.y if trace.y is not None else [])
    if kind in ("pie", "funnelarea"):
        return list(trace.values or [])
    horizontal = getattr(trace, "orientation", None) == "h"
    values = trace.x if horizontal else trace.y
    return list(values) if values is not None else []


def chart_has_data(fig: Any) -> bool:
    """Whether a plotly figure draws at least one mark from a figure: a value that is neither missing nor nought
    (a threshold line, an `x` for a suppressed figure or bars of zero height alone show nothing: before the first
    drop every count is 0). A chart without data is not drawn: its page says so in a sentence (`no_chart_text`)
    instead of an empty frame with an axis from -1 to 4; its figures stay in its table."""
    return fig is not None and any(
        not missing(v) and (not isinstance(v, int | float | Decimal) or v != 0)
        for trace in fig.data if getattr(trace, "meta", None) != REFERENCE_LINE for v in _plotted(trace))


def no_chart_text(fig: Any) -> str:
    """The sentence shown in place of a chart without data, naming the chart by its title."""
    title = (getattr(getattr(fig.layout, "title", None), "text", None) or "") if fig is not None else ""
    title = re.sub(r"<[^>]+>", " ", title).strip()
    what = f"“{title}”" if title else "this chart"
    return (f"No figures to draw for {what} with the choices in the sidebar: the drops held do not cover them, "
            "every figure is nought, or every figure is suppressed for publication.")


def scaled(values: Sequence[Any], unit: MoneyUnit) -> list[float | None]:
    """Money values as floats in the unit (pounds, or thousands of pounds) for a chart, each rounded half up as
    its table shows it (`money_rounded`: to the penny, or £'000 to one decimal place), so a hover reads as the
    table's cell."""
    return [None if missing(v) else float(money_rounded(v, unit)) for v in values]


def axis_title(unit: MoneyUnit, what: str = "") -> str:
    """A money axis title with its unit: "Forecast (£'000)"."""
    return f"{what} ({unit.value})".strip() if what else unit.value


# --- the pooled budget's tables (frames from `budget_tables`) ------------------------------------------

_VAR_HELP = "Forecast outturn less budget"
BUDGET_SUMMARY = TableSpec(
    "budget_summary",
    (
        Col("council", "Council"),
        Col("area", "Budget area"),
        Col("budget", "Budget", "money"),
        Col("ytd_actual", "Actual to date", "money"),
        Col("forecast", "Forecast outturn", "money"),
        Col("variance", "Variance", "money", help=_VAR_HELP),
        Col("variance_pct", "Variance %", "percent", signed=True),
        Col("rag", "RAG", "rag", width="small"),
        Col("movement", "Movement", "money", help="Forecast now less the forecast at the previous period"),
    ),
    total_key="is_total",
)
BUDGET_LINES = TableSpec(
    "budget_lines",
    (
        Col("council", "Council"),
        Col("line", "Cost line"),
        Col("budget", "Budget", "money"),
        Col("ytd_actual", "Actual to date", "money"),
        Col("forecast", "Forecast outturn", "money"),
        Col("variance", "Variance", "money", help=_VAR_HELP),
        Col("variance_pct", "Variance %", "percent", signed=True),
        Col("rag", "RAG", "rag", width="small"),
        Col("movement", "Movement", "money"),
        Col("comment", "Comment", width="medium"),
        Col("method", "Method"),
    ),
)
LINE_BUDGETS = TableSpec(
    "line_budgets",
    (
        Col("council", "Council"),
        Col("area", "Budget area"),
        Col("line", "Cost line"),
        Col("budget", "Budget", "money"),
        Col("note", "Note"),
    ),
)
BASELINE = TableSpec(
    "baseline",
    (
        Col("council", "Council"),
        Col("pooled", "Pooled", "money"),
        Col("pooled_printed", "Pooled, printed", "money"),
        Col("adoption_support", "Adoption support", "money"),
        Col("adoption_support_printed", "Adoption support, printed", "money"),
        Col("total", "Total", "money"),
        Col("total_printed", "Total, printed", "money"),
        Col("match", "Match"),
    ),
)
RECHARGES = TableSpec(
    "recharges",
    (
        Col("council", "Council"),
        Col("area", "Budget area"),
        Col("line", "Cost line"),
        Col("Q1", "Q1", "money", help="Blank: not yet due"),
        Col("Q2", "Q2", "money", help="Blank: not yet due"),
        Col("Q3", "Q3", "money", help="Blank: not yet due"),
        Col("Q4", "Q4", "money", help="Blank: not yet due"),
        Col("to_date", "Recharged to date", "money"),
        Col("quarters_complete", "Quarters complete", "count"),
    ),
)
ASF = TableSpec(
    "asf",
    (
        Col("council", "Council"),
        Col("spend_budget", "Spend budget", "money"),
        Col("spend_ytd", "Spend to date", "money"),
        Col("income_ytd", "Income to date", "money"),
        Col("net_ytd", "Net to date", "money"),
        Col("spend_forecast", "Forecast spend", "money"),
        Col("income_forecast", "Forecast income", "money"),
        Col("flag", "Flag"),
    ),
)
AGENCY = TableSpec(
    "agency_cover",
    (
        Col("council", "Council"),
        Col("area", "Budget area"),
        Col("posts", "Posts", "count"),
        Col("fte", "FTE", "number", decimals=1),
        Col("annual_cost", "Full-year charge to council", "money"),
        Col("months", "Months to date", "count"),
        Col("charge_to_date", "Charged to council to date", "money"),
    ),
)
SETTLEMENT = TableSpec(
    "settlement",
    (
        Col("council", "Council"),
        Col("share_pct", "Share", "percent", decimals=2),
        Col("pooled_amount", "Pooled variance share", "money"),
        Col("adoption_support_variance", "Own adoption support variance", "money"),
        Col("total", "Total", "money"),
    ),
    total_key="is_total",
)
PAY_AWARD = TableSpec(
    "pay_award",
    (
        Col("council", "Council"),
        Col("line", "Cost line"),
        Col("budget_base", "2019-20 budget", "money"),
        Col("expected", "Expected", "money"),
        Col("budget_year", "2020-21 budget", "money"),
        Col("matches", "Matches"),
    ),
)
COMMENTS = TableSpec(
    "comments",
    (
        Col("council", "Council"),
        Col("area", "Budget area"),
        Col("line", "Cost line"),
        Col("comment", "Comment", width="large"),
        Col("author", "Author"),
        Col("recorded", "Recorded (UTC)"),
    ),
)


# --- reporting periods ---------------------------------------------------------------------------------------


def period_kind_text(period: Period, capital: bool = False) -> str:
    """The words for a reporting period's kind: 'financial year' or '3-year period' (capitalised at the start
    of a line when `capital`)."""
    words = "3-year period" if period.kind == "three_year" else "financial year"
    return words[0].upper() + words[1:] if capital else words


def not_over_text(period: Period, latest: dt.date | None, reach: str = "run to") -> str | None:
    """'2026-27 is not over: its figures run to 20 November 2026.' when the figures held (to `latest`) stop
    before the period's end (`periods.is_over`), else None. `reach` says what the figures do up to that date."""
    if is_over(period, latest):
        return None
    return f"{period.name} is not over: its figures {reach} {date_text(latest)}."


def publication_convention(s: SuppressionSettings) -> str:
    """The sentence naming the small-number convention of what is published (`settings.suppression.convention`,
    docs/data-protection.md), for every page's and the pack's note."""
    if s.convention == "round":
        return (f"Small numbers as the ASGLB publishes them: council figures rounded to the nearest {s.round_council}, "
                f"the region's to the nearest {s.round_region}, and counts of 1 to {s.count_max} shown as "
                f"\"{s.count_max} or fewer\"; averages over {s.mean_n_max} or fewer children shown x.")
    return (f"Small numbers suppressed: counts of 1 to {s.count_max} shown x, and the counts that would give them "
            "away (by subtracting from a total, the region or another published figure); averages and percentages "
            "resting on a hidden count or on a handful of children shown x.")
