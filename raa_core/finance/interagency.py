"""Go-live interagency compensation (docs/finance.md "Interagency"; business case, "Interagency placement budget").

At go-live each council brings approved adopters still waiting for a match (a resource: each household
would otherwise earn or save an inter-agency fee) and children waiting for a placement (a cost: each
would otherwise need a placement bought at that fee). In the pool both are shared by contribution share,
so the board compensates to leave no council better or worse off:

    value brought   = adopters waiting x adopter fee - children waiting x child fee   (per council)
    fair share      = the pool's total value brought x the council's contribution share
    compensation    = value brought - fair share   (positive: the council is owed; negative: it owes)

Compensation sums to zero to the penny; payments then go from the councils that owe to those owed, in
council-code order, each line saying who pays whom and why. Fee rates are reference data
(`fee_rates.csv`); London councils' adopter fee may carry the London weighting.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from raa_core.errors import BadInput, NoData
from raa_core.finance.settlement import allocate
from raa_core.periods import financial_year_of
from raa_core.presentation import display
from raa_core.presentation.text import date_text, gbp, share_text
from raa_core.reference import Reference
from raa_core.requests import MonitoringRequest
from raa_core.snapshot import Snapshot
from raa_core.store.sql import state_sql

#: The RAA's go-live date (business case): the date the compensation is reckoned at unless another is chosen.
GO_LIVE = dt.date(2020, 10, 1)
#: The fee (reference `fee_rates.csv`) valuing a child or an adopter household unless another is chosen.
DEFAULT_FEE = "interagency_la_raa"

#: The counts at a date from each council's children and adopters files (state as at $as_at; NULL = current).
CHILDREN_SQL = f"""
SELECT c.la_code, count(*) AS n FROM ({state_sql("children")}) c
WHERE least(c.adm_decision_date, c.placement_order_date) <= $at
  AND coalesce(least(c.placed_date, c.plan_reversed_date, c.adoption_order_date), DATE '9999-12-31') > $at
GROUP BY c.la_code
"""
ADOPTERS_SQL = f"""
SELECT a.la_code, count(*) AS n FROM ({state_sql("adopters")}) a
WHERE a.approval_date <= $at
  AND coalesce(least(a.matched_date, a.placed_date, a.withdrawn_date), DATE '9999-12-31') > $at
GROUP BY a.la_code
"""


class CompensationRequest(BaseModel):
    """The go-live compensation asked for: the date counts are taken at, the fee (reference `fee_rates.csv`)
    valuing each child or adopter household, whether London councils' adopters carry the London weighting,
    and the as-at date of the drops (None = the current state)."""

    model_config = ConfigDict(frozen=True)

    at: dt.date = GO_LIVE
    fee_name: str = DEFAULT_FEE
    london_weighting: bool = False
    as_at: dt.date | None = None


def fee_choices(ref: Reference) -> list[str]:
    """The fees a compensation may be valued at: the fees of `fee_rates.csv` charged per child or household (not
    the London weighting percentage, nor a sibling group's rate, which is for the group)."""
    return sorted({f.fee for f in ref.fee_rates if not f.fee.endswith(("_pct", "_sibling_pair"))})


def default_fee_index(fees: list[str]) -> int:
    """Where `DEFAULT_FEE` is in a list of fee choices (the first when it is not offered)."""
    return fees.index(DEFAULT_FEE) if DEFAULT_FEE in fees else 0


class CouncilPosition(BaseModel):
    model_config = ConfigDict(frozen=True)

    la_code: int
    council: str
    adopters_waiting: int
    children_waiting: int
    adopter_fee: Decimal
    child_fee: Decimal
    adopter_value: Decimal
    child_cost: Decimal
    value_brought: Decimal
    share: Decimal
    fair_share: Decimal
    compensation: Decimal


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True)

    payer: int
    payee: int
    amount: Decimal
    why: str


class Compensation(BaseModel):
    """The calculation at a go-live date, every step kept so a board member can follow it."""

    model_config = ConfigDict(frozen=True)

    at: dt.date
    fee_name: str
    #: The fee in words (fee_rates.csv's `label`), as people read it.
    fee_label: str = ""
    london_weighting_pct: Decimal
    positions: tuple[CouncilPosition, ...]
    pooled_value: Decimal
    payments: tuple[Payment, ...]

    def lines(self) -> list[str]:
        """The calculation in plain English, line by line."""
        out = [f"At {date_text(self.at)}, fee per child or adopter household: {self.fee_label or self.fee_name} "
               f"({gbp(self.positions[0].child_fee) if self.positions else '—'})."]
        for p in self.positions:
            w = " (London weighted)" if p.adopter_fee != p.child_fee else ""
            out.append(
                f"{p.council} brought {p.adopters_waiting} approved adopter households waiting x "
                f"{gbp(p.adopter_fee)}{w} = {gbp(p.adopter_value)}, less {p.children_waiting} children "
                f"waiting x {gbp(p.child_fee)} = {gbp(p.child_cost)}: value brought "
                f"{gbp(p.value_brought)}. Its {share_text(p.share, 1)} share of the pool's "
                f"{gbp(self.pooled_value)} is {gbp(p.fair_share)}, so it "
                + ("is owed " if p.compensation > 0 else "owes " if p.compensation < 0 else "is square: ")
                + f"{gbp(abs(p.compensation))}.")
        out += [p.why for p in self.payments] or ["No payments: every council brought its share."]
        return out


def counts_at(snapshot: Snapshot, request: CompensationRequest) -> dict[int, tuple[int, int]]:
    """Per council (adopter households approved and waiting, children waiting) at the request's date, from
    the drops' state as at its as-at date (docs/finance.md, interagency)."""
    params = {"at": request.at, "as_at": request.as_at}
    kids = dict(snapshot.rows(CHILDREN_SQL, params))
    adopters = dict(snapshot.rows(ADOPTERS_SQL, params))
    return {int(la): (int(adopters.get(la, 0)), int(kids.get(la, 0))) for la in set(kids) | set(adopters)}


def compensate(
    counts: dict[int, tuple[int, int]],
    shares: dict[int, Decimal],
    fee: Decimal,
    ref: Reference,
    *,
    at: dt.date,
    fee_name: str = DEFAULT_FEE,
    london_weighting: bool = False,
) -> Compensation:
    """The compensation from counts (adopters, children) and contribution shares (weights, any scale)."""
    codes = sorted(set(counts) | set(shares))
    names = {c.la_code: c.short_name for c in ref.councils}
    london = {c.la_code for c in ref.councils if c.london}
    lw = (ref.fee("london_weighting_pct", at) or Decimal(0)) if london_weighting else Decimal(0)
    positions_raw = []
    for la in codes:
        a, c = counts.get(la, (0, 0))
        afee = fee * (1 + lw / 100) if la in london else fee
        afee = afee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        positions_raw.append((la, a, c, afee, a * afee, c * fee))
    pooled = sum((av - cc for *_, av, cc in positions_raw), Decimal("0.00"))
    total_share = sum((shares.get(la, Decimal(0)) for la in codes), Decimal(0))
    if total_share <= 0:
        raise BadInput("contribution shares must sum to more than zero")
    fair = allocate(pooled, {la: shares.get(la, Decimal(0)) for la in codes})
    positions = tuple(
        CouncilPosition(la_code=la, council=names.get(la, str(la)), adopters_waiting=a, children_waiting=c,
                        adopter_fee=afee, child_fee=fee, adopter_value=av, child_cost=cc, value_brought=av - cc,
                        share=(shares.get(la, Decimal(0)) / total_share).quantize(Decimal("1e-6")),
                        fair_share=fair[la], compensation=av - cc - fair[la])
        for la, a, c, afee, av, cc in positions_raw
    )
    owes = [[p.la_code, -p.compensation] for p in positions if p.compensation < 0]
    owed = [[p.la_code, p.compensation] for p in positions if p.compensation > 0]
    payments = []
    i = j = 0
    while i < len(owes) and j < len(owed):
        amount = min(owes[i][1], owed[j][1])
        payer, payee = owes[i][0], owed[j][0]
        payments.append(Payment(
            payer=payer, payee=payee, amount=amount,
            why=f"{names.get(payer, payer)} pays {names.get(payee, payee)} {gbp(amount)}: "
                f"{names.get(payee, payee)} brought more than its share of the pool's value and "
                f"{names.get(payer, payer)} less."))
        owes[i][1] -= amount
        owed[j][1] -= amount
        i += owes[i][1] == 0
        j += owed[j][1] == 0
    return Compensation(at=at, fee_name=fee_name, fee_label=display.label("fee", fee_name, ref),
                        london_weighting_pct=lw, positions=positions,
                        pooled_value=pooled, payments=tuple(payments))


def go_live_shares(snapshot: Snapshot, at: dt.date) -> dict[int, Decimal]:
    """Contribution shares at go-live: each council's pooled budget for the financial year of `at` (the
    year's contributions), or for the earliest year with budgets when that year has none."""
    from raa_core.contributions import base_budgets, budget_years

    year = financial_year_of(at).name
    shares = base_budgets(snapshot, MonitoringRequest(year=year))
    if not shares:
        years = budget_years(snapshot)
        if not years:
            raise NoData("no budgets are loaded, so there are no contribution shares to share the pool by")
        shares = base_budgets(snapshot, MonitoringRequest(year=years[0]))
    return shares


def go_live_compensation(
    snapshot: Snapshot, request: CompensationRequest, shares: dict[int, Decimal] | None = None
) -> Compensation:
    """Counts at the request's date from the drops (state as at its as-at date), fee from reference data,
    shares by default the go-live year's contribution shares (`go_live_shares`). ValueError when the fee has
    no rate in force on the date or no budget is loaded (docs/finance.md, interagency)."""
    ref, at = snapshot.ref, request.at
    fee = ref.fee(request.fee_name, at)
    if fee is None:
        raise NoData(f"no rate of the {display.label('fee', request.fee_name, ref)} is listed for {date_text(at)}: "
                     "choose a later go-live date")
    if shares is None:
        shares = go_live_shares(snapshot, at)
    return compensate(counts_at(snapshot, request), shares, fee, ref, at=at, fee_name=request.fee_name,
                      london_weighting=request.london_weighting)
