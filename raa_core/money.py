"""Exact money arithmetic: conversion to Decimal, rounding to pennies or £'000, and the JSON money string.

Money stays exact (Decimal) through every calculation. Nothing here makes text for people: money is written
by `raa_core.presentation.text` (`money_text`, `gbp`), which rounds with `pennies` / `to_k` from here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
TENTH = Decimal("0.1")
THOUSAND = Decimal(1000)


def to_decimal(x: Decimal | int | float | str) -> Decimal:
    """An exact Decimal from a Decimal, int, str or float (floats go through their shortest repr)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool) or x is None:
        raise TypeError(f"not an amount of money: {x!r}")
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite amount of money: {x!r}")
        return Decimal(repr(float(x)))  # float(): numpy's float64 is a float whose repr is "np.float64(…)"
    try:
        return Decimal(str(x).strip().replace(",", "").replace("£", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {x!r}") from exc


def from_double(x: float) -> Decimal:
    """Money sent as a double: the decimal it was written as (shortest repr), rounded half-even to pence.

    2.675 -> 2.68 and 10.135 -> 10.14 (not 2.67 / 10.13 as binary rounding gives). The drop contract's
    rule for double money columns (docs/drop-contract.md "Exactness"); `drops` applies the same rule in SQL.
    """
    return to_decimal(x).quantize(PENNY, rounding=ROUND_HALF_EVEN)


def pennies(d: Decimal | int | float | str) -> Decimal:
    """Rounded to the penny, half up (for display and for JSON)."""
    return to_decimal(d).quantize(PENNY, rounding=ROUND_HALF_UP)


def to_k(d: Decimal | int | float | str) -> Decimal:
    """Pounds as £'000s to one decimal place, rounded half up (as the business case prints them)."""
    return (to_decimal(d) / THOUSAND).quantize(TENTH, rounding=ROUND_HALF_UP)


def json_money(d: Decimal | int | float | str | None) -> str | None:
    """Money in JSON: a string with exactly two decimals ('1951100.00'); None stays None."""
    if d is None:
        return None
    v = pennies(d)
    return f"{v + 0:.2f}" if v else "0.00"
