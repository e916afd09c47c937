"""raa_core.presentation.display: the words and formats every screen and file shows, and the one variance sign rule."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from raa_core.presentation import display, rag_word, text


@pytest.mark.parametrize("missing", [None, pd.NA, pd.NaT, float("nan"), ""])
def test_missing_values_show_an_em_dash(missing) -> None:
    assert text.missing(missing)
    assert text.gbp(missing) == text.percent_text(missing, signed=True) == text.thousands_text(missing) == "—"
    assert text.share_text(missing) == text.count_text(missing) == text.date_text(missing) == "—"
    assert rag_word(missing) == "—" and display.signed(missing, -1) is None
    assert display.area_label(missing) == "All areas"


def test_money_and_percentages() -> None:
    assert text.gbp(D("-1234.5")) == "-£1,234.50"
    assert text.gbp(D("-1234.5"), brackets=True) == "(£1,234.50)"
    assert text.gbp(D("12.5"), signed=True) == "+£12.50" and text.gbp(D("-12.5"), signed=True) == "-£12.50"
    assert text.percent_text(D("1.25"), signed=True) == "+1.3%"  # half up on the exact Decimal
    assert text.percent_text(D("-1.25"), signed=True) == "-1.3%"  # the same rounding below zero
    assert text.percent_text(-3, signed=True) == "-3.0%"
    assert text.thousands_text(D("399949.99")) == "399.9"
    assert text.share_text(D("0.333333")) == "33.33%"
    assert text.share_text(D("0.00125"), 2) == "0.13%"  # half up on the exact Decimal (0.125%)
    assert text.share_text(0.00145, 2) == "0.15%"  # a float through its shortest repr: 0.145%, half up


def test_rag_words_badges_and_backgrounds() -> None:
    assert [rag_word(r) for r in ("red", "amber", "green", "blue")] == ["Red", "Amber", "Green", "—"]
    assert display.rag_badge("red") == ":red-badge[:material/error: RAG Red]"
    assert display.rag_badge(None) == ":gray-badge[:material/help: No forecast]"
    assert display.rag_background("Amber") == "background-color: #FCD9A0"
    assert display.rag_background("—") == ""


def test_area_labels() -> None:
    assert [display.area_label(a) for a in ("pooled", "adoption_support", None, pd.NA, "other")] == [
        "Pooled", "Adoption support", "All areas", "All areas", "other"]


def test_council_words_come_from_reference(ref) -> None:
    first = ref.councils[0]
    assert display.council_label(ref, first.la_code) == first.short_name
    assert display.council_label(ref, None) == display.RAA
    assert display.council_option(ref, first.la_code) == f"{first.short_name} ({first.la_code})"
    n = text.number_word(len(ref.councils))
    assert display.region_label(ref) == f"Region (all {n} councils)"
    assert display.scope_label(ref, None) == f"the RAA (all {n} councils)"
    assert display.line_label(ref, ref.cost_lines[0].cost_line) == ref.cost_lines[0].label


def test_number_words() -> None:
    assert [text.number_word(n) for n in (1, 3, 5, 12, 13)] == ["one", "three", "five", "twelve", "13"]


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False), st.booleans())
def test_the_sign_flips_every_variance_alike_and_twice_is_identity(v: D, overspend_positive: bool) -> None:
    sign = display.variance_sign(overspend_positive)
    shown = display.signed(v, sign)
    assert shown == (v if overspend_positive else -v)
    assert display.signed(shown, sign) == v
    assert display.sign_words(overspend_positive) == ("overspend positive" if overspend_positive
                                                      else "underspend positive")


def test_dates() -> None:
    d = dt.date(2026, 11, 3)
    assert text.date_text(d) == "3 Nov 2026"  # the one way a day is written: no leading zero, the month cut short
    assert text.utc_minute(pd.Timestamp("2026-11-21 10:30:59")) == "21 Nov 2026 10:30"
    assert text.data_when(d, None) == "as at 3 Nov 2026"
    assert text.data_when(None, d) == "data to 3 Nov 2026"
    assert text.data_when(None, None) == "no data yet"



def test_a_grid_shows_a_column_of_days_or_times_as_the_app_writes_days() -> None:
    assert text.grid_date_format(pd.Series([dt.date(2026, 10, 1), None], dtype=object)) == "D MMM YYYY"
    assert text.grid_date_format(pd.Series(pd.to_datetime(["2026-10-01", None]))) == "D MMM YYYY"
    assert text.grid_date_format(pd.Series(pd.to_datetime(["2026-10-01 10:30"]))) == "D MMM YYYY HH:mm:ss"
    assert text.grid_date_format(pd.Series([dt.datetime(2026, 10, 1, 10, 30)], dtype=object)) == "D MMM YYYY HH:mm:ss"
    for other in (pd.Series(["2026-10-01"]), pd.Series([1, 2]), pd.Series([None, None], dtype=object),
                  pd.Series([dt.date(2026, 10, 1), "x"], dtype=object)):
        assert text.grid_date_format(other) is None


def test_issue_lines_show_every_issue_whole_and_escape_council_text() -> None:
    """Review finding: the Data drops page cut each message after about 30 characters. The lines a page shows
    carry the whole message, and nothing a council supplied can become Markdown, HTML or maths."""
    long = "the zip's folder 887/ holds the drop of Medway (887), but the upload is for Bexley (303): choose " * 3
    rows = [{"severity": "error", "file": None, "column": None, "rule": "Upload refused (upload_refused)",
             "rows": "", "message": long},
            {"severity": "warning", "file": "**x**<b>_y_</b>[l](http://e)", "column": "sex", "rows": "row 4",
             "rule": "Title (code)", "message": "$1+1$ :red[hi] # h\n- item `c` ![i](j)"}]
    text = display.issue_lines(rows)
    first, second = text.split("\n")
    assert first.startswith("- **Error** — **Upload refused (upload\\_refused)**: the zip's folder 887/ holds")
    assert _unescaped(first) == f"- Error — Upload refused (upload_refused): {long}"
    assert second.startswith("- **Warning** in \\*\\*x\\*\\*\\<b\\>\\_y\\_\\</b\\>\\[l\\](http\\:")
    assert ", column sex, row 4 — **Title (code)**: \\$1\\+1\\$ \\:red\\[hi\\] \\# h \\- item \\`c\\` \\!" in second
    body = second.replace("**Warning**", "").replace("**Title (code)**: ", "")
    assert re.search(r"(?<!\\)[*_`$<>\[\]#!:]", body) is None  # every mark in council text is escaped
    assert display.md_escape("a\\b") == "a\\\\b"
    said = display.issue_lines([{**rows[1], "message": "sex must be M or F: row 4; child_id KC-9"}])
    assert said.startswith("- **Warning** in ") and ", column sex — **Title (code)**: sex must" in said


def _unescaped(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md.replace("**", ""))


def test_one_area_label_for_budget_scopes_and_performance_areas(ref) -> None:
    names = display.council_names(ref)
    first = ref.councils[0]
    assert display.area_label(str(first.la_code), names) == first.short_name
    assert display.area_label(first.la_code, names) == first.short_name
    assert display.area_label("region") == "Region (all children)"
    assert display.area_label("region_mean") == "Mean of councils"
    assert display.label("area", str(first.la_code), ref) == first.short_name


def test_one_label_lookup_for_every_kind_of_code(ref) -> None:
    assert display.label("scope", "pooled") == "Pooled" and display.label("scope", None) == "All areas"
    assert display.label("scope_note", "adoption_support") == "managed by each council"
    assert display.label("method", "run_rate") == "Run rate (quarter-aware)"
    assert display.label("rag", "amber") == "Amber" and display.label("rag", None) == "—"
    assert display.label("bound", "cap") == "Held at cap" and display.label("bound", None) == ""
    assert display.label("row", "reserve") == "Contingency reserve"
    assert display.label("role", "hos", ref) == "Head of Service"
    assert display.label("council", None, ref) == display.RAA
    line = ref.cost_lines[0]
    assert display.label("cost_line", line.cost_line, ref) == line.label
    assert display.label("method", "unknown_code") == "unknown_code"  # a code without words shows as itself
    with pytest.raises(KeyError):
        display.label("no_such_kind", "x")


def test_indicator_dataset_and_threshold_words_are_labels() -> None:
    assert display.label("indicator_tile", "A10") == "A10 · care to adopters"
    assert display.label("indicator_column", "A3") == "A3 %"
    assert display.label("threshold", "red") == "Misses threshold"
    assert display.label("dataset", "finance") == "Finance data"


@pytest.mark.parametrize("text", [
    "see http://evil.example/x", "HTTPS://evil.example", "www.evil.example", "officer@kent.example",
    "mailto:officer@kent.example", "[go](http://evil.example)", "![b](http://evil.example/b.png)"])
def test_people_text_never_keeps_an_autolink_or_link_mark(text: str) -> None:
    """Bare URLs and e-mail addresses are broken by a word joiner (backslash escapes do not stop GFM's
    autolinks); link marks are escaped; the text reads the same once the invisible joiner is removed."""
    for shown in (display.md_escape(text), display.md_sentence(text)):
        assert not re.search(r"(?i)(https?|mailto):(?!\u2060)|www(?!\u2060)|\w@(?!\u2060)|(?<!\\)[\[<]", shown), shown
        assert re.sub(r"\\(.)", r"\1", shown.replace("\u2060", "")) == text
