"""The scenario builder's widget values come from the scenario module: the cap and floor offered when a
scenario sets none, and an explicit total as the text box holds it."""

from __future__ import annotations

from decimal import Decimal

from raa_core.contributions import scenario as sc


def test_builder_values_of_a_scenario() -> None:
    s = sc.parse_scenario(sc.DEFAULT_SCENARIO)
    assert (sc.builder_cap(s), sc.builder_floor(s)) == (
        (10.0, -10.0) if s.cap_pct is None and s.floor_pct is None else (float(s.cap_pct), float(s.floor_pct)))
    capped = s.model_copy(update={"cap_pct": Decimal("0"), "floor_pct": Decimal("-2.5")})
    assert (sc.builder_cap(capped), sc.builder_floor(capped)) == (0.0, -2.5)  # a 0% cap is the scenario's own
    year = s.years[0]
    with_total = s.model_copy(update={"totals": {year: Decimal("1250000")}})
    assert sc.total_entry(with_total, year) == "1250000.00"
    assert sc.total_entry(s.model_copy(update={"totals": {}}), year) == ""
