"""Go-live interagency compensation: counts at a date from the drops, fees from reference data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import financekit as fk
from factories import add_drop, empty_warehouse
from raa_core.finance import interagency

D = dt.date
AT = D(2020, 10, 1)


def test_counts_at_go_live_from_the_drops() -> None:
    con = empty_warehouse()
    kids = [
        # waiting: decision before go-live, not placed by then
        {"child_id": "A1", "sex": "F", "date_of_birth": D(2018, 1, 1), "entered_care_date": D(2019, 1, 1),
         "adm_decision_date": D(2020, 1, 1), "placement_order_date": D(2020, 3, 1), "placed_date": D(2020, 11, 1)},
        # placed on go-live day: not waiting
        {"child_id": "A2", "sex": "F", "date_of_birth": D(2018, 1, 1), "entered_care_date": D(2019, 1, 1),
         "adm_decision_date": D(2020, 1, 1), "placed_date": AT},
        # decision after go-live: not yet waiting
        {"child_id": "A3", "sex": "M", "date_of_birth": D(2018, 1, 1), "entered_care_date": D(2019, 1, 1),
         "adm_decision_date": D(2020, 10, 2)},
    ]
    adopters = [
        {"household_id": "H1", "approval_date": D(2020, 6, 1)},                                # waiting
        {"household_id": "H2", "approval_date": D(2020, 6, 1), "matched_date": D(2020, 9, 1)},  # matched
        {"household_id": "H3", "approval_date": D(2020, 6, 1), "withdrawn_date": D(2021, 1, 1)},  # waiting then
    ]
    add_drop(con, 886, "2021-03-01", children=kids, adopters=adopters)
    assert fk.counts_at(con, AT) == {886: (2, 1)}
    assert fk.counts_at(con, AT, as_at=D(2021, 1, 1)) == {}  # no drop received by then


def test_compensation_worked_example(ref) -> None:
    """Fee £27,000 (reference data, in force 1 October 2020). Contribution shares 20% / 50% / 30%.
    Bexley: 4 adopters - 1 child = +3 x £27,000 = £81,000; Kent: 2 - 6 = -£108,000; Medway: 1 - 1 = £0.
    Pool: -£27,000. Fair shares: Bexley -£5,400, Kent -£13,500, Medway -£8,100.
    Compensation: Bexley owed £86,400; Kent owes £94,500; Medway owed £8,100. Payments, in code order:
    Kent pays Bexley £86,400 and Medway £8,100."""
    counts = {303: (4, 1), 886: (2, 6), 887: (1, 1)}
    shares = {303: Decimal(20), 886: Decimal(50), 887: Decimal(30)}
    c = interagency.compensate(counts, shares, ref.fee("interagency_la_raa", AT), ref, at=AT)
    got = {p.la_code: (p.value_brought, p.fair_share, p.compensation) for p in c.positions}
    assert got == {303: (Decimal("81000.00"), Decimal("-5400.00"), Decimal("86400.00")),
                   886: (Decimal("-108000.00"), Decimal("-13500.00"), Decimal("-94500.00")),
                   887: (Decimal("0.00"), Decimal("-8100.00"), Decimal("8100.00"))}
    assert sum(p.compensation for p in c.positions) == 0
    assert [(p.payer, p.payee, p.amount) for p in c.payments] == [
        (886, 303, Decimal("86400.00")), (886, 887, Decimal("8100.00"))]
    lines = c.lines()
    assert any(line.startswith("Kent brought 2 approved adopter households waiting x £27,000.00") for line in lines)
    assert "Kent pays Bexley £86,400.00" in lines[-2]


def test_london_weighting_applies_to_london_councils_adopters(ref) -> None:
    c = interagency.compensate({303: (1, 0), 886: (0, 1)}, {303: Decimal(1), 886: Decimal(1)},
                               Decimal("27000.00"), ref, at=AT, london_weighting=True)
    bexley = next(p for p in c.positions if p.la_code == 303)
    assert bexley.adopter_fee == Decimal("29700.00") and bexley.child_fee == Decimal("27000.00")
    assert sum(p.compensation for p in c.positions) == 0


def test_sample_go_live_compensation_balances(sample_con, ref) -> None:

    shares = fk.base_budgets(sample_con, ref, "2020-21")
    c = fk.go_live_compensation(sample_con, ref, AT, shares)
    assert sum(p.compensation for p in c.positions) == 0
    assert sum(p.amount for p in c.payments) == sum(p.compensation for p in c.positions if p.compensation > 0)
    assert all(p.children_waiting > 0 for p in c.positions)
