"""The one presentation spec: money text and units, nouns, file names, column kinds and formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from raa_core import presentation as p
from raa_core.presentation import Col, MoneyUnit, TableSpec, display

money = st.decimals(min_value=D("-99999999.99"), max_value=D("99999999.99"), places=2, allow_nan=False)


def test_money_text_in_pounds_and_thousands() -> None:
    assert p.money_text(D("1421656.85")) == "£1,421,656.85"
    assert p.money_text(D("1421656.85"), MoneyUnit.THOUSANDS) == "£1,421.7k"
    assert p.money_text(D("-12.5")) == "(£12.50)"
    assert p.money_text(D("-12.5"), brackets=False) == "-£12.50"
    assert p.money_text(D("1421656.85"), MoneyUnit.THOUSANDS, symbol=False) == "1,421.7"
    assert p.money_text(None) == "—"
    assert p.money_text(float("nan")) == "—"


def test_headline_tiles_never_show_pence() -> None:
    assert p.tile_money(D("1421656.85")) == "£1,421,657"
    assert p.tile_money(D("-84523.38")) == "(£84,523)"
    assert p.tile_money(D("1421656.85"), MoneyUnit.THOUSANDS) == "£1,421.7k"
    assert p.tile_money(D("0.49")) == "£0"
    assert p.tile_money(D("-0.49")) == "£0"  # rounds to nothing: no "(£0)"


def test_signed_changes() -> None:
    assert p.signed_money_text(D("1200.4")) == "+£1,200"
    assert p.signed_money_text(D("-300")) == "-£300"
    assert p.signed_money_text(D("0.2")) == "£0"


@given(money)
def test_thousands_agree_with_the_business_case_rounding(v: D) -> None:
    assert p.money_text(v, MoneyUnit.THOUSANDS, symbol=False, brackets=False) == p.thousands_text(v)
    assert p.money_text(v, brackets=False) == p.gbp(v)


@given(st.lists(money, min_size=2, max_size=30))
def test_the_grid_value_orders_money_as_the_amounts_order(values: list[D]) -> None:
    col = Col("x", "X", "money")
    for unit in MoneyUnit:
        shown = [col.value(v, unit) for v in values]
        in_amount_order = [shown[i] for i in sorted(range(len(values)), key=lambda i: values[i])]
        # the grid holds the figure as shown (rounded half up): amounts never change places, those that
        # round to the same figure tie
        assert in_amount_order == sorted(in_amount_order)


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [
        (1, "warning", "1 warning"), (2, "warning", "2 warnings"), (0, "warning", "0 warnings"),
        (1, "error", "1 error"), (1, "child", "1 child"), (3, "child", "3 children"),
        (1, "open warning", "1 open warning"), (4, "open warning", "4 open warnings"),
        (2, "household", "2 households"), (2, "adopter household", "2 adopter households"),
        (2, "quarter", "2 quarters"), (2, "match", "2 matches"), (2, "authority", "2 authorities"),
        (2, "day", "2 days"), (1200, "child", "1,200 children"), (2, "person", "2 people"),
    ],
)
def test_counts_agree_with_their_nouns(n: int, noun: str, text: str) -> None:
    assert p.count_noun(n, noun) == text


def test_file_names_carry_council_period_and_as_at() -> None:
    day = dt.date(2026, 11, 23)
    assert p.file_name("A1_trend", "xlsx", council="Kent", period="2025-26", as_at=day) == (
        "raa_A1_trend_Kent_2025-26_as-at_2026-11-23.xlsx")
    assert p.file_name("budget_lines", "csv", period="2026-27_P7", as_at=day) == (
        "raa_budget_lines_Region_2026-27_P7_as-at_2026-11-23.csv")
    # a hostile council name or period cannot reach a path
    name = p.file_name("x", "csv", council="../../etc/passwd", period="a/b\\c", as_at=day)
    assert "/" not in name and "\\" not in name and ".." not in name


def test_columns_say_how_each_kind_is_shown() -> None:
    budget = Col("budget", "Budget", "money")
    assert budget.header() == "Budget (£)" and budget.header(MoneyUnit.THOUSANDS) == "Budget (£'000)"
    assert budget.align == "right" and Col("c", "Council").align == "left" and Col("r", "RAG", "rag").align == "center"
    assert budget.excel_format() == "#,##0.00;(#,##0.00);0.00"
    assert budget.excel_format(MoneyUnit.THOUSANDS) == "#,##0.0,;(#,##0.0,);0.0"  # the cell keeps pounds
    assert budget.excel_format(negatives="sign") == "#,##0.00;-#,##0.00;0.00"
    assert budget.excel_value(D("1421656.85")) == 1421656.85
    variance_pct = Col("p", "Variance %", "percent", signed=True)  # negatives in brackets, as the money beside it
    assert variance_pct.excel_format() == "0.0%;(0.0%);0.0%"
    assert variance_pct.excel_format(negatives="sign") == "+0.0%;-0.0%;0.0%"
    assert Col("p", "Variance %", "percent").excel_value(1.25) == 0.013  # as shown: 1.3%, half up
    assert Col("n", "Children", "count").excel_format() == "#,##0"
    assert Col("d", "A1", "days").header() == "A1 (days)"
    assert Col("d", "Drop date", "date").text(dt.date(2026, 3, 31)) == "31 Mar 2026"
    assert budget.streamlit()["format"] == "accounting" and budget.streamlit()["step"] == 0.01
    assert budget.streamlit(MoneyUnit.THOUSANDS)["step"] == 0.1


def test_display_frame_keeps_money_numeric_and_totals_flagged() -> None:
    spec = TableSpec("t", (Col("council", "Council"), Col("budget", "Budget", "money"),
                           Col("n", "Children", "count"), Col("rag", "RAG", "rag")), total_key="is_total")
    src = pd.DataFrame({"council": ["Kent", "Bexley", "RAA"],
                        "budget": [D("99002.00"), D("812709.00"), D("1421656.85")],
                        "n": [3, None, 5], "rag": ["red", None, "green"], "is_total": [False, False, True]})
    shown = spec.display_frame(src)
    assert list(shown.columns) == ["Council", "Budget (£)", "Children", "RAG", "_total"]
    assert shown["Budget (£)"].dtype.kind == "f"
    assert list(shown.sort_values("Budget (£)", ascending=False)["Council"]) == ["RAA", "Bexley", "Kent"]
    assert str(shown["Children"].dtype) == "Int64" and shown["Children"].isna().tolist() == [False, True, False]
    assert list(shown["RAG"]) == ["Red", "—", "Green"] and list(shown["_total"]) == [False, False, True]
    # £'000 as shown, rounded half up on the exact Decimal (the grid truncates to its step: 1421.65685 showed 1,421.6)
    assert spec.display_frame(src, MoneyUnit.THOUSANDS)["Budget (£'000)"].iloc[2] == 1421.7
    assert spec.text_rows(src, MoneyUnit.THOUSANDS)[2] == ["RAA", "1,421.7", "5", "Green"]
    widths = spec.streamlit_columns(MoneyUnit.POUNDS, src)
    assert widths["Budget (£)"]["width"] >= len("1,421,656.85") * p.CHAR_PX


def test_money_axes_start_at_zero() -> None:
    lo, hi = p.money_axis_range([3_270_000, 3_330_000])
    assert lo == 0 and hi > 3_330_000
    lo, hi = p.money_axis_range([-50, 100])
    assert lo < -50 and hi > 100
    assert p.money_axis_range([]) == (0.0, 1.0)


def test_money_unit_parsing() -> None:
    assert p.money_unit("£'000") is MoneyUnit.THOUSANDS and p.money_unit("thousands") is MoneyUnit.THOUSANDS
    assert p.money_unit("£") is MoneyUnit.POUNDS and p.money_unit(None) is MoneyUnit.POUNDS
    with pytest.raises(ValueError, match="money unit"):
        p.money_unit("dollars")


def test_the_board_reads_thousands_and_everyone_else_pounds() -> None:
    assert p.default_unit("board") is MoneyUnit.THOUSANDS is p.BOARD_UNIT
    for role in ("hos", "finance", "council_analyst", "admin", None):
        assert p.default_unit(role) is MoneyUnit.POUNDS


def test_numpy_numbers_format_as_their_python_values() -> None:
    import numpy as np

    assert p.percent_text(np.float64(1.25), signed=True) == "+1.3%"
    assert p.money_text(np.float64(-55591.38), MoneyUnit.THOUSANDS) == "(£55.6k)"
    assert p.count_text(np.int64(1234)) == "1,234"
    assert p.missing(np.float64("nan")) and p.missing(np.datetime64("NaT"))


# --- the one money function: properties -----------------------------------------------------------------

exact = st.decimals(min_value=D("-99999999.999999"), max_value=D("99999999.999999"), places=6, allow_nan=False,
                    allow_infinity=False)


def _read(text: str) -> D:
    """Money text back to its Decimal: "(1,234.5)" and "-1,234.5" are negative."""
    negative = text.startswith(("(", "-"))
    body = text.strip("()-£k").replace(",", "")
    return -D(body) if negative else D(body)


@given(exact)
def test_money_is_rounded_half_up_on_the_exact_decimal_in_pounds_and_thousands(v: D) -> None:
    from decimal import ROUND_HALF_UP

    pounds = v.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    thousands = (v / 1000).quantize(D("0.1"), rounding=ROUND_HALF_UP)
    for brackets in (True, False):
        assert _read(p.money_text(v, brackets=brackets)) == pounds
        assert _read(p.money_text(v, MoneyUnit.THOUSANDS, brackets=brackets)) == thousands
        assert _read(p.money_text(v, MoneyUnit.THOUSANDS, symbol=False, brackets=brackets)) == thousands
    assert p.money_rounded(v) == pounds and p.money_rounded(v, MoneyUnit.THOUSANDS) == thousands
    # the grid holds the same figure (so its cut to the column's step changes nothing)
    col = Col("x", "X", "money")
    assert col.value(v) == float(pounds) and col.value(v, MoneyUnit.THOUSANDS) == float(thousands)


@given(exact)
def test_money_is_never_truncated(v: D) -> None:
    shown = _read(p.money_text(v, MoneyUnit.THOUSANDS))
    assert abs(shown * 1000 - v) <= 50  # within half of the last place shown, on either side
    if abs(v) % 100 >= 50:  # a half or more of the last place: away from zero, never cut
        assert abs(shown) * 1000 > abs(v) - abs(v) % 100
    shown = _read(p.money_text(v))
    assert abs(shown - v) <= D("0.005")


@given(exact)
def test_negatives_have_one_style(v: D) -> None:
    """A negative amount is its positive twin in brackets (tables, tiles, the pack) or with a minus sign
    (prose), in every unit; an amount that rounds to nothing is never negative ("£0.00", not "(£0.00)")."""
    for unit in MoneyUnit:
        pos, neg = p.money_text(abs(v), unit), p.money_text(-abs(v), unit)
        if p.money_rounded(abs(v), unit) == 0:
            assert neg == pos
        else:
            assert neg == f"({pos})"
            assert p.money_text(-abs(v), unit, brackets=False) == f"-{pos}"
        assert "(" not in pos and "-" not in pos


@given(st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False, allow_infinity=False))
def test_percentages_round_half_up_with_one_negative_style(v: D) -> None:
    from decimal import ROUND_HALF_UP

    want = v.quantize(D("0.1"), rounding=ROUND_HALF_UP) + 0  # a rounded zero has no sign
    text = p.percent_text(v, signed=True)
    assert D(text.rstrip("%")) == want
    assert text.startswith("-" if want < 0 else "+")
    assert p.percent_text(v) == f"{want:.1f}%"


def test_a_code_column_shows_its_words_in_every_format() -> None:
    """A text column declared with `codes` shows each code's words on the page, in Excel and in the PDF, and
    nothing for no code; a code without words shows as itself (nothing hidden)."""
    col = Col("bound", "Bound applied", codes=display.BOUND_LABELS)
    assert [col.value(v) for v in ("cap", "floor", None, float("nan"))] == ["Held at cap", "Held at floor", "", ""]
    assert [col.text(v) for v in ("cap", "floor", None)] == ["Held at cap", "Held at floor", ""]
    assert col.value("ceiling") == "ceiling"
    assert Col("bound", "Bound").value("cap") == "cap"


def _every_table_spec() -> list[TableSpec]:
    """Every table spec raa_core defines (any module of the package), found by walking it."""
    import importlib
    import pkgutil

    import raa_core

    found: dict[str, TableSpec] = {}
    for info in pkgutil.walk_packages(raa_core.__path__, "raa_core."):
        if info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(info.name)
        found |= {v.name: v for v in vars(module).values() if isinstance(v, TableSpec)}
    return list(found.values())


def test_every_table_pins_the_columns_naming_a_row_and_fits_its_figures() -> None:
    """At 1366 px a wide table (the budget lines: Variance %, RAG, Comment last) scrolls sideways: the columns naming
    a row (its leading text columns, at most two, never all) stay pinned, and each figure column is as wide as its
    widest figure, so nothing is cut off and the grid is wider than the page rather than squeezed."""
    specs = _every_table_spec()
    assert {"budget_lines", "budget_summary", "scenario_parameters"} <= {s.name for s in specs}
    for spec in specs:
        src = pd.DataFrame({c.key: [D("-1234567.89") if c.kind in p.NUMERIC_KINDS else "x"] for c in spec.columns})
        config = spec.streamlit_columns(MoneyUnit.POUNDS, src)
        pinned = [c.key for c in spec.columns if config[c.header()]["pinned"]]
        leading = [c.key for c in spec.columns[:2] if c.kind == "text"]
        assert pinned == list(spec.key_columns), spec.name
        assert 0 < len(pinned) < len(spec.columns) or spec.columns[0].kind != "text", spec.name
        assert pinned == leading[:len(pinned)] and len(pinned) <= p.MAX_KEY_COLUMNS, spec.name
        for c in spec.columns:
            if c.kind in p.NUMERIC_KINDS and c.width is None:
                assert config[c.header()]["width"] >= len(c.text(src[c.key][0])) * p.CHAR_PX, (spec.name, c.key)
    lines = next(s for s in specs if s.name == "budget_lines")
    assert lines.key_columns == ("council", "line")
