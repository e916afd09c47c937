"""Interagency fees in force on a date (docs/forecast.md, "Fees"): listed rates, sibling rates, uprating."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from raa_core.errors import NoData
from raa_core.forecast import fees
from raa_core.reference import FeeRate, Reference

AS_AT = dt.date(2026, 11, 20)


def with_settings(ref: Reference, **forecast: object) -> Reference:
    cfg = ref.settings.forecast.model_copy(update=forecast)
    return ref.model_copy(update={"settings": ref.settings.model_copy(update={"forecast": cfg})})


def test_listed_rate_in_force_on_each_date(ref: Reference) -> None:
    assert fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2025, 4, 1), AS_AT) == Decimal("39245.00")
    assert fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2026, 3, 31), AS_AT) == Decimal("39245.00")
    assert fees.fee_in_force(ref, fees.LA_FEE, dt.date(2020, 6, 1), AS_AT) == Decimal("27000.00")


def test_future_fees_uprated_each_april_after_the_as_at_date(ref: Reference) -> None:
    # settings: the VAA fee rises 3.7% a year; the council/RAA fee is held (0%)
    assert fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2027, 3, 31), AS_AT) == Decimal("39245.00")
    assert fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2027, 4, 1), AS_AT) == Decimal("40697.07")
    assert fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2028, 4, 1), AS_AT) == Decimal("42202.86")
    assert fees.fee_in_force(ref, fees.LA_FEE, dt.date(2028, 4, 1), AS_AT) == Decimal("27000.00")
    up = with_settings(ref, fee_uprating_pct={fees.LA_FEE: Decimal("2")})
    assert fees.fee_in_force(up, fees.LA_FEE, dt.date(2027, 4, 1), AS_AT) == Decimal("27540.00")


def with_pair_rate(ref: Reference, amount: str) -> Reference:
    """The reference data with a two-sibling council/RAA rate added (as a council would add it, with its source)."""
    pair = FeeRate(fee=f"{fees.LA_FEE}_sibling_pair", label="pair", effective_from=dt.date(2025, 4, 1),
                   amount_gbp=Decimal(amount), source="test: a rate stated here")
    return ref.model_copy(update={"fee_rates": (*ref.fee_rates, pair)})


def test_sibling_child_costs_half_the_pair_rate_where_one_is_listed(ref: Reference) -> None:
    # no sibling rate is listed (none is published with a source we hold): a sibling costs the single-child rate
    assert fees.child_fee(ref, fees.LA_FEE, dt.date(2026, 1, 1), AS_AT, sibling=True) == Decimal("27000.00")
    listed = with_pair_rate(ref, "45000.01")
    assert fees.child_fee(listed, fees.LA_FEE, dt.date(2026, 1, 1), AS_AT, sibling=True) == Decimal("22500.01")
    assert fees.child_fee(listed, fees.LA_FEE, dt.date(2026, 1, 1), AS_AT, sibling=False) == Decimal("27000.00")
    # before the pair rate took effect, the single-child rate
    assert fees.child_fee(listed, fees.LA_FEE, dt.date(2025, 3, 1), AS_AT, sibling=True) == Decimal("27000.00")
    # no VAA pair rate listed: a sibling costs the single-child rate
    assert fees.child_fee(listed, fees.VAA_FEE, dt.date(2026, 1, 1), AS_AT, sibling=True) == Decimal("39245.00")


def test_every_listed_fee_is_sourced_and_none_is_an_assumption(ref: Reference) -> None:
    # a fee rate is a published figure with its publisher and date: no placeholder, no "check this" figure
    for r in ref.fee_rates:
        assert r.source.strip() and r.amount_gbp > 0, r.fee
        assert not any(w in r.source.lower() for w in ("assumed", "check", "tbc", "estimate")), r.fee
    amounts = {r.fee: r.amount_gbp for r in ref.fee_rates}
    assert amounts[fees.LA_FEE] == Decimal("27000.00") and amounts[fees.VAA_FEE] == Decimal("39245.00")


def test_vaa_share_blends_the_rates(ref: Reference) -> None:
    half = with_settings(ref, vaa_share_pct=Decimal("50"))
    assert fees.blended_child_fee(half, dt.date(2026, 1, 1), AS_AT, sibling=False) == Decimal("33122.50")
    assert fees.blended_child_fee(ref, dt.date(2026, 1, 1), AS_AT, sibling=False) == Decimal("27000.00")


@pytest.mark.parametrize(("after", "on", "n"), [
    (dt.date(2026, 11, 20), dt.date(2027, 3, 31), 0), (dt.date(2026, 11, 20), dt.date(2027, 4, 1), 1),
    (dt.date(2026, 4, 1), dt.date(2027, 4, 1), 1), (dt.date(2026, 3, 31), dt.date(2026, 4, 1), 1),
    (dt.date(2026, 3, 31), dt.date(2028, 5, 1), 3), (dt.date(2027, 1, 1), dt.date(2026, 1, 1), 0),
])
def test_aprils_between(after: dt.date, on: dt.date, n: int) -> None:
    assert fees.aprils_between(after, on) == n


def test_no_rate_in_force_is_no_data(ref: Reference) -> None:
    with pytest.raises(NoData):
        fees.fee_in_force(ref, fees.VAA_FEE, dt.date(2025, 3, 31), AS_AT)


def test_before_the_first_vaa_rate_the_council_rate_stands_in(ref: Reference) -> None:
    half = with_settings(ref, vaa_share_pct=Decimal("50"))
    assert fees.blended_child_fee(half, dt.date(2024, 1, 1), AS_AT, sibling=False) == Decimal("27000.00")


def test_the_sibling_pair_rate_is_not_a_go_live_choice(ref: Reference) -> None:
    from raa_core.finance.interagency import fee_choices

    assert fee_choices(with_pair_rate(ref, "45000")) == ["interagency_la_raa", "vaa_single_child"]
