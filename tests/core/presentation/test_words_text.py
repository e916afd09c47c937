"""The formatting functions that took over number text written elsewhere (signed counts, plain numbers, an
indicator's figure by its unit), the labels table answering contribution scopes, and the texts built with them
(docs/finance.md: rounded half up only for display)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd

from raa_core.contributions import contribution_charts
from raa_core.finance import budget_tables, settlement
from raa_core.ingest import contract, freshness
from raa_core.presentation import (
    DASH,
    MoneyUnit,
    display,
    indicator_text,
    plain_number,
    scaled,
    signed_count,
)


def test_signed_count_shows_its_sign() -> None:
    assert [signed_count(v) for v in (12, -3, 0, None)] == ["+12", "-3", "+0", DASH]
    assert signed_count("7") == "+7"


def test_plain_number_is_the_shortest_form() -> None:
    assert [plain_number(v) for v in (Decimal("2"), Decimal("2.50"), 0.25, 1 - 0.5, None)] == [
        "2", "2.5", "0.25", "0.5", DASH]


def test_indicator_text_by_unit() -> None:
    assert indicator_text("A1", 363) == "363 days" and indicator_text("A1", 363, unit=False) == "363"
    assert indicator_text("A3", 77) == "77%" and indicator_text("A3", 77, unit=False) == "77%"
    assert indicator_text("A10", None) == DASH


def test_contribution_scopes_are_labels() -> None:
    assert display.label("contribution_scope", "pooled_and_adoption_support") == "pooled and adoption support"
    assert display.label("contribution_scope_note", "pooled") == "Pooled budget only (recruitment, panels and management)"


def test_a_day_old_drop_is_one_day() -> None:
    """Before: "(1 days old)"."""
    row = SimpleNamespace(newest_drop=dt.date(2026, 11, 20), age_days=1)
    assert freshness.staleness_note(row) == "newest drop 20 Nov 2026 (1 day old)"
    assert freshness.staleness_note(SimpleNamespace(newest_drop=dt.date(2026, 11, 20), age_days=12)).endswith(
        "(12 days old)")


def test_person_rows_text_is_unchanged() -> None:
    assert contract.person_rows([3]) == "row 4 (the first data row is row 1)"
    assert contract.person_rows([0, 3, 8]) == "rows 1, 4 and 9 (the first data row is row 1)"
    assert contract.person_rows([0], 1500) == "1,500 rows, the first 1 being row 1 (the first data row is row 1)"
    assert contract.person_rows([], 1) == "1 row" and contract.person_rows([], 2000) == "2,000 rows"


def test_shares_round_half_up() -> None:
    """A share of exactly x.xx5% shows rounded up (half up), not to the even digit as Decimal.quantize did."""
    assert budget_tables.shares_caption("2026-27", "S", {303: Decimal("0.123450")}, {303: "Bexley"}) == (
        "Shares of 2026-27 under “S”: Bexley 12.35%")
    got = settlement.share_percentages({1: Decimal(1), 2: Decimal(7)})  # 12.5% and 87.5%
    assert got == {1: Decimal("12.50"), 2: Decimal("87.50")}
    got = settlement.share_percentages({1: Decimal("0.00125"), 2: Decimal("0.99875")})  # 0.125%: half up
    assert got[1] == Decimal("0.13")


def test_chart_values_are_the_tables_rounded_figures() -> None:
    """A hover shows the figure the table shows: money half up to the penny or to £0.1k, shares to 2 dp."""
    assert scaled([Decimal("-55591.38"), None], MoneyUnit.THOUSANDS) == [-55.6, None]
    assert scaled([Decimal("2.675")], MoneyUnit.POUNDS) == [2.68]  # float rounding would give 2.67
    table = pd.DataFrame({"year": ["2026-27"], "la_code": [303], "council": ["Bexley"],
                          "share": [Decimal("0.123450")], "formula_share": [Decimal("0.12")], "bound": [None]})
    assert contribution_charts.shares_data(table)["share_pct"].tolist() == [12.35]


def test_every_word_table_is_a_kind_of_the_labels_table() -> None:
    """The settlement bases, drop rules, audit actions, driver statuses, indicators and scopes are answered by
    `label(kind, code)`, and the modules that use them read the same table (one home for the words)."""
    from raa_core.access import audit
    from raa_core.contributions import drivers, scenario
    from raa_core.ingest import contract as drop_contract
    from raa_core.performance import indicators

    for kind, table in (("settlement_basis", settlement.BASIS_LABELS), ("drop_rule", drop_contract.RULE_TITLES),
                        ("audit_action", audit.ACTIONS), ("driver_status", drivers.STATUS_LABELS),
                        ("indicator", indicators.LABELS), ("indicator_short", indicators.SHORT_LABELS),
                        ("contribution_scope_note", scenario.SCOPES)):
        assert display.LABELS[kind] is table, kind
        assert table and all(display.label(kind, code) == words for code, words in table.items()), kind
    assert display.label("settlement_basis", "equal") == "Equal shares"
    assert display.label("indicator_short", "A3") == "A3 placed within 14 months"


def test_headline_areas_are_the_scope_words() -> None:
    assert budget_tables.HEADLINE_AREAS == (
        ("pooled", "Pooled", "shared by the councils"),
        ("adoption_support", "Adoption support", "managed by each council"),
        (None, "Total", "cash-limited, ASF apart"),
    )


def test_fees_have_words(ref) -> None:
    """Before: the fee choice showed its code (interagency_la_raa)."""
    assert display.label("fee", "interagency_la_raa", ref) == "Inter-agency fee between councils and RAAs (per child)"
    assert display.label("fee", "vaa_single_child", ref) == "Voluntary adoption agency fee (single child)"
    assert all(f.label for f in ref.fee_rates)
    assert display.label("fee", "no_such_fee", ref) == "no_such_fee"


def test_council_option_names_the_council_and_its_code(ref) -> None:
    c = ref.councils[0]
    assert display.council_option(ref, c.la_code) == f"{c.short_name} ({c.la_code})"
