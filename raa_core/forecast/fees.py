"""Interagency fees in force on a date, for the forecast (docs/forecast.md, "Fees"; docs/finance.md, "Interagency").

The interagency fee is set nationally (LGA/ADCS for placements between councils and RAAs, the CVAA for
voluntary adoption agencies) and listed in `data/reference/fee_rates.csv` with the date each rate took effect
and its source. On a date up to the as-at date the fee is the newest listed rate in force then. For later
dates (the forecast's future) the newest listed rate rises by the setting
`forecast.fee_uprating_pct[fee]` on each 1 April after the as-at date (and after the rate took effect): an assumption, stated as a setting
because next year's rate is not known yet.

A child placed with brothers or sisters costs half the two-sibling rate (`<fee>_sibling_pair`) where the file
lists one, else the single-child rate. Amounts are exact `Decimal` pounds; per-child amounts are whole pence,
halves rounded up.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from raa_core.errors import NoData
from raa_core.presentation import date_text, display
from raa_core.reference import Reference

PENNY = Decimal("0.01")
#: The fee names of an interagency placement bought from a council/RAA and from a voluntary adoption agency.
LA_FEE = "interagency_la_raa"
VAA_FEE = "vaa_single_child"


def aprils_between(after: dt.date, on: dt.date) -> int:
    """How many 1 Aprils fall after `after` and on or before `on` (0 when `on` is not later)."""
    if on <= after:
        return 0
    first = after.year + (1 if (after.month, after.day) >= (4, 1) else 0)
    last = on.year if (on.month, on.day) >= (4, 1) else on.year - 1
    return max(0, last - first + 1)


def fee_in_force(ref: Reference, fee: str, on: dt.date, as_at: dt.date) -> Decimal:
    """The fee `fee` in pounds on `on`, uprated for each 1 April after `as_at` (see the module docstring).

    Raises NoData when the file lists no rate of that fee in force on the date.
    """
    rows = [r for r in ref.fee_rates if r.fee == fee and r.effective_from <= on]
    if not rows:
        raise NoData(f"no rate of the {display.label('fee', fee, ref)} is listed for {date_text(on)}")
    row = max(rows, key=lambda r: r.effective_from)
    base = row.amount_gbp
    pct = ref.settings.forecast.fee_uprating_pct.get(fee.removesuffix("_sibling_pair"), Decimal("0"))
    n = aprils_between(max(as_at, row.effective_from), on)
    amount = base * (1 + pct / 100) ** n if n else base
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def child_fee(ref: Reference, fee: str, on: dt.date, as_at: dt.date, *, sibling: bool) -> Decimal:
    """The fee for one child on `on`: the single-child rate, or half the two-sibling rate for a sibling."""
    if sibling and any(r.fee == f"{fee}_sibling_pair" and r.effective_from <= on for r in ref.fee_rates):
        pair = fee_in_force(ref, f"{fee}_sibling_pair", on, as_at)
        return (pair / 2).quantize(PENNY, rounding=ROUND_HALF_UP)
    return fee_in_force(ref, fee, on, as_at)


def blended_child_fee(ref: Reference, on: dt.date, as_at: dt.date, *, sibling: bool) -> Decimal:
    """The expected fee for one interagency child on `on`: the council/RAA and VAA rates mixed by the setting
    `forecast.vaa_share_pct` (exact pounds, rounded to the penny); before the first listed VAA rate, the
    council/RAA rate stands in for it."""
    vaa = ref.settings.forecast.vaa_share_pct / 100
    la = child_fee(ref, LA_FEE, on, as_at, sibling=sibling)
    if not vaa:
        return la
    try:
        v = child_fee(ref, VAA_FEE, on, as_at, sibling=sibling)
    except NoData:  # no VAA rate listed that early: the council/RAA rate stands in
        v = la
    return (la * (1 - vaa) + v * vaa).quantize(PENNY, rounding=ROUND_HALF_UP)
