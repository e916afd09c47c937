"""Year-end settlement of the pooled over/underspend by a board-chosen basis (docs/finance.md).

The pooled variance is shared to the penny by largest-remainder rounding (ties to the lower council
code, so the result does not depend on the order councils are given); each council's own adoption
support variance is listed apart because it stays with that council.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from raa_core.errors import BadInput, NoData
from raa_core.finance.monitoring import Monitoring, monitor
from raa_core.presentation import display, rounded
from raa_core.requests import MonitoringRequest
from raa_core.snapshot import Snapshot

Basis = Literal["contribution", "formula", "equal", "reserve"]
BASES: tuple[str, ...] = ("contribution", "formula", "equal", "reserve")
BASIS_LABELS: dict[str, str] = display.BASIS_LABELS  # the words are the labels table's (kind "settlement_basis")


class SettlementRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    la_code: int
    share: Decimal
    pooled_amount: Decimal
    adoption_support_variance: Decimal | None = None

    @property
    def total(self) -> Decimal:
        """The council's pooled share plus its own adoption support variance."""
        return self.pooled_amount + (self.adoption_support_variance or Decimal("0.00"))


class Settlement(BaseModel):
    """Who bears (positive) or receives (negative) what of the pooled variance; `reserve` is the part
    carried to the partnership contingency reserve."""

    model_config = ConfigDict(frozen=True)

    basis: str
    pooled_variance: Decimal
    reserve: Decimal
    rows: tuple[SettlementRow, ...]


def _dec(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def allocate(amount: Decimal, weights: dict[int, Decimal | Fraction | int]) -> dict[int, Decimal]:
    """Split `amount` (whole pence) in proportion to non-negative weights, summing exactly to it:
    each part is floored to the penny and the leftover pence go to the largest remainders."""
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount {amount} is not whole pence")
    fw = {la: w if isinstance(w, int) else Fraction(w) for la, w in weights.items()}
    if any(w < 0 for w in fw.values()):
        raise BadInput("shares must not be negative")
    total_w = sum(fw.values())
    if total_w <= 0:
        raise BadInput("shares must sum to more than zero")
    pence = int(abs(amount) * 100)
    sign = -1 if amount < 0 else 1
    # Integer weights over one common denominator: each quota is pence x w / total, floored, remainder kept.
    den = math.lcm(*(1 if isinstance(w, int) else w.denominator for w in fw.values()))
    iw = {la: w * den if isinstance(w, int) else w.numerator * (den // w.denominator) for la, w in fw.items()}
    itotal = sum(iw.values())
    floors, rems = {}, {}
    for la, w in iw.items():
        floors[la], rems[la] = divmod(pence * w, itotal)
    left = pence - sum(floors.values())
    order = sorted(iw, key=lambda la: (-rems[la], la))
    for la in order[:left]:
        floors[la] += 1
    return {la: Decimal(sign * p) / 100 for la, p in floors.items()}


def settle(
    pooled_variance: Decimal,
    basis: str = "contribution",
    shares: dict[int, Decimal] | None = None,
    *,
    la_codes: list[int] | None = None,
    adoption_support: dict[int, Decimal | None] | None = None,
) -> Settlement:
    """Share a pooled variance by basis: `contribution` / `formula` use `shares` (weights, normalised),
    `equal` splits evenly among `la_codes` (or the shares' councils), `reserve` carries it all to the
    contingency reserve. Amounts sum exactly to the variance."""
    if basis not in BASES:
        raise BadInput(f"unknown settlement basis {basis!r}; choose from {', '.join(BASES)}")
    councils = sorted(
        set(la_codes or []) | set(shares or {}) | set(adoption_support or {})
    )
    if not councils:
        raise NoData("no councils to settle between")
    variance = Decimal(pooled_variance)
    reserve = Decimal("0.00")
    weights: dict[int, Fraction]
    if basis in ("contribution", "formula"):
        if not shares:
            raise BadInput(f"basis {basis!r} needs shares")
        weights = {la: Fraction(shares.get(la, Decimal(0))) for la in councils}
    elif basis == "equal":
        weights = {la: Fraction(1) for la in councils}
    else:
        weights = {la: Fraction(0) for la in councils}
        reserve = variance
    total_w = sum(weights.values(), Fraction(0))
    amounts = (
        allocate(variance, weights) if basis != "reserve" else {la: Decimal("0.00") for la in councils}
    )
    rows = tuple(
        SettlementRow(
            la_code=la,
            share=_dec(weights[la] / total_w) if total_w > 0 else Decimal(0),
            pooled_amount=amounts[la],
            adoption_support_variance=(adoption_support or {}).get(la),
        )
        for la in councils
    )
    return Settlement(basis=basis, pooled_variance=variance, reserve=reserve, rows=rows)


def settlement(
    snapshot: Snapshot,
    request: MonitoringRequest,
    basis: str = "contribution",
    shares: dict[int, Decimal] | None = None,
) -> Settlement:
    """Settlement of the request's forecast pooled variance (the whole-RAA `monitor`) by a basis
    (docs/finance.md, settlement); contribution shares are each council's share of the year's pooled
    budget; `formula` needs `shares`."""
    return settlement_of(monitor(snapshot, request), basis, shares)


def contribution_shares(mon: Monitoring) -> dict[int, Decimal]:
    """Each council's pooled budget for the year (its contribution), the weights of the default basis."""
    ca = mon.totals[mon.totals["level"] == "council_area"]
    return {int(r.la_code): r.budget for r in ca[ca["budget_area"] == "pooled"].itertuples(index=False)}


def share_percentages(weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """Weights as percentages to 2 dp (e.g. contribution shares offered as the formula's starting point)."""
    total = sum(weights.values(), Decimal(0))
    if total == 0:
        return {code: Decimal(0) for code in weights}
    return {code: rounded(w / total * 100, 2) for code, w in weights.items()}  # half up (docs/finance.md)


def entered_share(value: float) -> Decimal:
    """A share % typed into a number box (a float of at most 2 places, the box's step) as the exact Decimal the
    person wrote: 33.33 is Decimal('33.33'), never the float's binary expansion."""
    return Decimal(repr(float(value))).quantize(Decimal("0.01"))


def any_share(shares: dict[int, Decimal]) -> bool:
    """Whether entered shares can share anything: their sum is above zero (`allocate` refuses otherwise)."""
    return sum(shares.values(), Decimal(0)) > 0


def settlement_of(mon: Monitoring, basis: str = "contribution", shares: dict[int, Decimal] | None = None) -> Settlement:
    """Settlement of a whole-RAA monitoring report's forecast pooled variance by a basis."""
    if mon.la_code is not None:
        raise BadInput("settlement needs the whole-RAA report, not one council's")
    t = mon.totals
    pooled = t[(t["level"] == "area") & (t["budget_area"] == "pooled")]
    if pooled.empty or pooled.iloc[0]["variance"] is None:
        raise NoData(f"no forecast pooled variance for {mon.year}: is its ledger loaded?")
    variance = pooled.iloc[0]["variance"]
    ca = t[t["level"] == "council_area"]
    councils = sorted(int(x) for x in t.loc[t["level"] == "council", "la_code"])
    support = {
        int(r.la_code): r.variance
        for r in ca[ca["budget_area"] == "adoption_support"].itertuples(index=False)
    }
    if basis == "contribution":
        shares = contribution_shares(mon)
    return settle(variance, basis, shares, la_codes=councils, adoption_support=support)


def settlement_table(s: Settlement) -> pd.DataFrame:
    """A settlement as a table: one row per council (`row` = 'council'), the contingency reserve and the
    total; amounts exact, each column summing to its total row."""
    support_total = sum((r.adoption_support_variance or Decimal("0.00") for r in s.rows), Decimal("0.00"))
    rows: list[dict[str, object]] = [
        {"row": "council", "la_code": r.la_code, "share": r.share, "pooled_amount": r.pooled_amount,
         "adoption_support_variance": r.adoption_support_variance, "total": r.total}
        for r in s.rows
    ]
    rows.append({"row": "reserve", "la_code": None, "share": None, "pooled_amount": s.reserve,
                 "adoption_support_variance": None, "total": s.reserve})
    rows.append({"row": "total", "la_code": None, "share": Decimal(1) if s.basis != "reserve" else None,
                 "pooled_amount": s.pooled_variance, "adoption_support_variance": support_total,
                 "total": s.pooled_variance + support_total})
    out = pd.DataFrame(rows, columns=["row", "la_code", "share", "pooled_amount", "adoption_support_variance", "total"])
    out["la_code"] = out["la_code"].astype("Int64")
    return out
