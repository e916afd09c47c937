"""Display labels and formats: one place for the words, signs and colours every screen and file shows.

Pages, the Excel reports and (later) the board pack call these, so a label or a format changes once. Rules
(what a number is) live in the domain modules; here is only how it is written:
- money: `gbp` (£1,234.56, an em dash for no figure), `pct` (+1.2%), `k` (£'000s to 1 dp);
- budget words: areas, forecast methods, RAG (word, badge icon and colour, table background), council names
  with the RAA as a whole for "no council";
- the variance sign: the product's convention is forecast less budget, an overspend positive (reference
  `settings.overspend_positive`); a reader may flip it (`variance_sign`), and every variance, variance %,
  movement and settlement amount shown is multiplied by that one sign (`signed`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core.money import fmt_gbp, fmt_k
from raa_core.reference import Reference

NO_FIGURE = "—"

AREA_LABELS: dict[str | None, str] = {"pooled": "Pooled", "adoption_support": "Adoption support", None: "All areas"}
AREA_NOTES: dict[str | None, str] = {"pooled": "shared by the councils", "adoption_support": "managed by each council",
                                     None: "cash-limited, ASF apart"}
METHOD_LABELS = {
    "default": "Default (submitted, else establishment or run rate)",
    "submitted": "Submitted by the councils",
    "run_rate": "Run rate (quarter-aware)",
    "establishment": "Establishment (staffing lines)",
}
#: RAG: word, Material icon, Streamlit badge colour, table/Excel background.
RAG = {
    "red": ("Red", ":material/error:", "red", "#F4B6B6"),
    "amber": ("Amber", ":material/warning:", "orange", "#FCD9A0"),
    "green": ("Green", ":material/check_circle:", "green", "#BFE3C0"),
}
RAA = "RAA"


def value(v: Any) -> Any:
    """None for any missing value (None, pandas NA/NaT, float NaN), else the value."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and pd.isna(v):
        return None
    return v


def gbp(v: Any, brackets: bool = False) -> str:
    """£1,234.56 (-£1.00 or, with brackets, (£1.00)); an em dash for no figure."""
    return fmt_gbp(value(v), brackets)


def k(v: Any) -> str:
    """£'000s to one decimal place, as the business case prints them; an em dash for no figure."""
    v = value(v)
    return NO_FIGURE if v is None else fmt_k(v)


def pct(v: Any) -> str:
    """A percentage with its sign, one decimal place (+1.2%); an em dash for no figure."""
    v = value(v)
    return NO_FIGURE if v is None else f"{float(v):+.1f}%"


def share(v: Any) -> str:
    """A share (0..1) as a percentage to two places (33.33%); an em dash for no figure."""
    v = value(v)
    return NO_FIGURE if v is None else f"{float(v) * 100:.2f}%"


def rag_word(v: Any) -> str:
    v = value(v)
    return RAG[v][0] if v in RAG else NO_FIGURE


def rag_badge(v: Any) -> str:
    """The RAG as an inline Markdown badge (`:red-badge[:material/error: RAG Red]`)."""
    v = value(v)
    if v not in RAG:
        return ":gray-badge[:material/help: No forecast]"
    word, icon, colour, _ = RAG[v]
    return f":{colour}-badge[{icon} RAG {word}]"


def rag_background(word: str) -> str:
    """CSS for a table cell holding a RAG word ('' for anything else)."""
    hit = next((bg for w, _, _, bg in RAG.values() if w == word), None)
    return f"background-color: {hit}" if hit else ""


def area_label(area: Any) -> str:
    a = value(area)
    return AREA_LABELS.get(a if isinstance(a, str) else None, str(a))


def council_names(ref: Reference) -> dict[int, str]:
    """Short names by DfE code (reference `councils.csv`)."""
    return {c.la_code: c.short_name for c in ref.councils}


def council_label(ref: Reference, la_code: Any) -> str:
    """A council's short name; 'RAA' for no council (a whole-RAA total)."""
    la = value(la_code)
    return RAA if la is None else council_names(ref).get(int(la), str(la))


def council_option(ref: Reference, la_code: int) -> str:
    """'Northshire (101)': a council as offered in a choice."""
    return f"{council_label(ref, la_code)} ({la_code})"


_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def number_word(n: int) -> str:
    """A small count in words as prose writes it (three), larger ones in figures (13)."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def partners(ref: Reference) -> str:
    """'three councils': how many partner councils reference data names."""
    n = len(ref.councils)
    return f"{number_word(n)} council{'' if n == 1 else 's'}"


def region_label(ref: Reference) -> str:
    """The whole RAA as offered in the council choice ('Region (all three councils)')."""
    return f"Region (all {partners(ref)})"


def scope_label(ref: Reference, la_code: int | None) -> str:
    """What a page is about: 'the RAA (all three councils)' or the council's short name."""
    return f"the {RAA} (all {partners(ref)})" if la_code is None else council_label(ref, la_code)


def line_labels(ref: Reference) -> dict[str, str]:
    return {c.cost_line: c.label for c in ref.cost_lines}


def line_label(ref: Reference, cost_line: str) -> str:
    return line_labels(ref).get(cost_line, cost_line)


def variance_sign(overspend_positive: bool) -> int:
    """+1 when an overspend is shown positive (the convention), -1 when an underspend is."""
    return 1 if overspend_positive else -1


def signed(v: Any, sign: int) -> Any:
    """A variance, variance % or movement as shown under the chosen sign (None stays None)."""
    v = value(v)
    return None if v is None else v * (Decimal(sign) if isinstance(v, Decimal) else sign)


def sign_words(overspend_positive: bool) -> str:
    return "overspend positive" if overspend_positive else "underspend positive"


def date_long(d: dt.date) -> str:
    """23 November 2026."""
    return f"{d:%d %B %Y}"


def date_short(d: dt.date) -> str:
    """23 Nov 2026."""
    return f"{d:%d %b %Y}"


def utc_minute(v: Any) -> str:
    """A UTC timestamp to the minute (23 Nov 2026 10:30)."""
    v = value(v)
    return NO_FIGURE if v is None else f"{v:%d %b %Y %H:%M}"


def labelled(values: pd.Series, labels: Mapping[Any, str]) -> list[str]:
    """Each value's label, or the value itself as text where it has none."""
    return [labels.get(v, str(v)) for v in values]


def data_when(as_at: dt.date | None, latest: dt.date | None) -> str:
    """How far figures reach: 'as at 15 October 2026', else 'data to 20 November 2026', else 'no data yet'."""
    return f"as at {as_at:%d %B %Y}" if as_at else f"data to {latest:%d %B %Y}" if latest else "no data yet"


_MARKDOWN = re.compile(r"\*\*|\\")


def plain_text(md: str) -> str:
    """A definition written in Markdown for the pages (bold `**`, escaped `\\$`) as plain text, for Excel, PDF
    and the ASGLB return, which show the rule as words, not markup."""
    return _MARKDOWN.sub("", md)


_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>#+\-.!|~$:&=^@])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md_escape(text: object) -> str:
    """Text supplied by others (a council's file or folder names, a column's values) for a Markdown element:
    every mark Markdown, HTML, GFM autolinks, maths or Streamlit give a meaning backslash-escaped and line
    breaks made spaces, so it shows as written and can add no emphasis, link, image, heading, list, HTML,
    maths (`$`) or Streamlit colour (`:red[…]`)."""
    return _PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", str(text)))


def issue_lines(issues: list[dict[str, object]]) -> str:
    """A drop's issues (rows of `drops.issues_frame`) as a Markdown list a council officer reads on screen:
    one item per issue, the whole message wrapped, never cut: "**Error** in children.parquet, column sex,
    row 4 (…) — **Not an allowed value (invalid_code)**: the message". Everything but our bold is escaped."""
    lines = []
    for i in issues:
        where = ", ".join(md_escape(part) for part in (
            i.get("file"), f"column {i['column']}" if i.get("column") else None,
            None if str(i.get("rows")) in str(i["message"]) else i.get("rows")) if part)  # not said twice
        severity = str(i.get("severity") or "error").capitalize()
        lines.append(f"- **{severity}**{' in ' + where if where else ''} — **{md_escape(i['rule'])}**: "
                     f"{md_escape(i['message'])}")
    return "\n".join(lines)
