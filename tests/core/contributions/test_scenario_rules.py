"""The Contribution scenarios page's rules, each in its one home: the builder's years, weights, starting scenario
and fields (contributions.scenario), a scenario file read (read_scenario_file), the go-live choices
(finance.interagency) and the words and money of its tables (contributions.scenario_tables)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from raa_core.contributions import scenario_tables as view
from raa_core.contributions.scenario import (
    DEFAULT_SCENARIO,
    equal_weights,
    modelled_years,
    parse_scenario,
    read_scenario_file,
    scenario_fields,
    starting_scenario,
    total_text,
)
from raa_core.errors import BadInput
from raa_core.finance import interagency
from raa_core.presentation import gbp, share_text


def test_money_and_shares_read_as_the_page_always_showed_them() -> None:
    """The scenario tables take their text from the presentation layer: pounds with a minus sign, changes with
    their sign, shares half up, bounds in words."""
    assert gbp(Decimal("1234.565")) == "£1,234.57" and gbp(Decimal("-12")) == "-£12.00"
    assert gbp(Decimal("12.5"), signed=True) == "+£12.50" and gbp(Decimal("0"), signed=True) == "£0.00"
    assert gbp(None, signed=True) == gbp(float("nan")) == "—"
    assert share_text(Decimal("0.12345"), 2) == "12.35%" and share_text(None) == "—"
    assert [view.bound_text(b) for b in ("cap", "floor", None, float("nan"))] == [
        "Held at cap", "Held at floor", "", ""]


def test_the_builders_years_and_equal_weights() -> None:
    assert modelled_years("2020-21", 3) == ["2021-22", "2022-23", "2023-24"]
    assert equal_weights(["a", "b", "c"]) == {"a": 0.33, "b": 0.33, "c": 0.34}
    assert equal_weights([]) == {}
    assert sum(equal_weights(list("abcdefg")).values()) == pytest.approx(1)


def test_the_builder_starts_from_the_default_or_the_newest_budget_year() -> None:
    assert starting_scenario(["2019-20", "2020-21"]) == parse_scenario(DEFAULT_SCENARIO)
    assert starting_scenario([]) == parse_scenario(DEFAULT_SCENARIO)
    moved = starting_scenario(["2023-24", "2024-25"])
    assert moved.base_year == "2024-25" and list(moved.years) == ["2025-26", "2026-27"]
    assert [float(t) for t in moved.transition.values()] == [0.5, 1.0]


def test_scenario_fields_from_the_builder() -> None:
    assert total_text(" £1,250,000 ") == "1250000" and total_text("") is None and total_text(None) is None
    fields = scenario_fields(name="x", base_year="2020-21", n_years=2, scope="pooled", uplift_pct=2.0,
                             totals=["", "£2,000,000.00"], drivers={"placement_orders": 1.0}, window_years=3,
                             transition=[0.5, 1.0], cap_pct=10.0, floor_pct=None)
    assert fields["years"] == ["2021-22", "2022-23"]
    assert fields["totals"] == {"2022-23": "2000000.00"}
    assert fields["transition"] == {"2021-22": "0.5", "2022-23": "1.0"}
    assert fields["cap_pct"] == "10.0" and fields["floor_pct"] is None
    assert parse_scenario(fields).totals == {"2022-23": Decimal("2000000.00")}


def test_a_scenario_file_is_refused_with_its_name_and_reason() -> None:
    good = parse_scenario(DEFAULT_SCENARIO).to_json().encode()
    assert read_scenario_file("a.json", good) == parse_scenario(DEFAULT_SCENARIO)
    with pytest.raises(BadInput, match=r"^big\.json: the file is larger than a scenario can be \(64 KB\)\.$"):
        read_scenario_file("big.json", b" " * (64 * 1024 + 1))
    with pytest.raises(BadInput, match=r"^bad\.json: "):
        read_scenario_file("bad.json", b'{"name": ""}')
    with pytest.raises(BadInput):
        read_scenario_file("junk.json", b"\xff not json")


def test_go_live_choices_come_from_reference_data(ref) -> None:
    fees = interagency.fee_choices(ref)
    assert fees == sorted(fees) and not any(f.endswith("_pct") for f in fees)
    assert fees[interagency.default_fee_index(fees)] == interagency.DEFAULT_FEE
    assert interagency.default_fee_index(["other"]) == 0
    assert interagency.CompensationRequest().at == interagency.GO_LIVE == dt.date(2020, 10, 1)


def test_saved_caption_and_comparison_words() -> None:
    saved = pd.DataFrame({"name": ["A", "B"], "saved_by": ["x", "y"],
                          "saved_at": ["2026-11-20T09:15:30+00:00", "2026-11-21T10:00:00+00:00"], "saves": [1, 2]})
    assert view.saved_caption(saved, ["B"]) == "Saved: “B” by y at 2026-11-21 10:00 UTC"
    cmp = pd.DataFrame({"scenario": ["A"], "year": ["2021-22"], "council": ["Kent"],
                        "contribution": [Decimal("10")], "share": [Decimal("0.5")], "difference": [Decimal("1")],
                        "difference_pct": [Decimal("10")], "bound": [None]})
    row = view.comparison_frame(cmp, "A").iloc[0].to_dict()
    assert row == {"Scenario": "A", "Year": "2021-22", "Council": "Kent", "Contribution": "£10.00",
                   "Share": "50.00%", "Difference from “A”": "+£1.00", "Difference %": "+10.0%", "Bound": ""}


def test_the_builders_basis_reaches_the_scenario_its_json_and_its_workbook() -> None:
    from raa_core.contributions.scenario import BASES

    common = dict(name="x", base_year="2025-26", n_years=1, scope="pooled", uplift_pct=2.0, totals=[""],
                  drivers={"placement_orders": 1.0}, window_years=3, transition=[0.5], cap_pct=None, floor_pct=None)
    assert scenario_fields(**common)["basis"] == "average"  # type: ignore[arg-type]
    fields = scenario_fields(**common, basis="forecast")  # type: ignore[arg-type]
    s = parse_scenario(fields)
    assert s.basis == "forecast"
    assert parse_scenario(s.to_json()).basis == "forecast"  # saved and downloaded JSON keep it
    assert set(BASES) == {"average", "forecast"} and "forecast" in BASES["forecast"].lower()
    try:
        parse_scenario({**fields, "basis": "guess"})
    except BadInput as exc:
        assert str(exc) == "basis: 'guess' is not allowed: choose average or forecast"
    else:
        raise AssertionError("an unknown basis was accepted")
