"""The Scenarios page's figures carry exactly the engine's numbers (AppTest cannot read plotly data)."""

from __future__ import annotations

import financekit as fk
from raa_core import contributions
from raa_core.contributions import contribution_charts
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario


def test_shares_figure_traces_are_the_engines_shares_and_mark_bounds(sample_con, ref) -> None:
    r = fk.run(sample_con, ref, parse_scenario(DEFAULT_SCENARIO))
    fig = contribution_charts.shares_figure(contributions.table(r, ref))
    assert [t.name for t in fig.data] == ["Bexley", "Kent", "Medway"]
    for trace, la in zip(fig.data, (303, 886, 887), strict=True):
        want = [round(float(r.shares(y)[la]) * 100, 2) for y in ("2020-21", "2021-22", "2022-23")]
        assert list(trace.y) == want
        bounds = [None] + [x.bound for x in r.rows if x.la_code == la]
        assert list(trace.marker.symbol) == ["diamond" if b else "circle" for b in bounds]
    assert any(x.bound for x in r.rows)  # the default scenario has a council held at a bound


def test_comparison_figure_is_the_differences(sample_con, ref) -> None:
    a = fk.run(sample_con, ref, parse_scenario(DEFAULT_SCENARIO))
    b = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "no bounds",
                                                           "cap_pct": None, "floor_pct": None}))
    cmp = contributions.compare([a, b], ref)
    fig = contribution_charts.comparison_figure(cmp)
    got = {t.name: list(t.y) for t in fig.data}
    for la, council in ((303, "Bexley"), (886, "Kent"), (887, "Medway")):
        want = [float(y.contribution - x.contribution) for x, y in zip(a.rows, b.rows, strict=True) if x.la_code == la]
        assert got[f"no bounds: {council}"] == want
    # 4,000 with the unit in the axis title, never "£−15,000"
    assert fig.layout.yaxis.tickformat == ",.0f" and fig.layout.yaxis.tickprefix is None
    assert fig.layout.yaxis.title.text == "Difference (£)"


def _scenario(base: str, n: int, name: str) -> dict:
    from raa_core.contributions.scenario import modelled_years

    years = modelled_years(base, n)
    return {**DEFAULT_SCENARIO, "name": name, "base_year": base, "years": years,
            "transition": {y: 1.0 for y in years}}


def test_comparison_of_scenarios_of_any_lengths_draws_only_the_years_both_model(sample_con, ref) -> None:
    """A 2-year scenario first and a 3-year one after it (and every other order and base year): the year the first
    does not model has no difference; it is left out of the chart and said in a sentence, never a crash."""
    from raa_core.contributions import scenario_tables

    shapes = [("2020-21", 2), ("2020-21", 3), ("2019-20", 1), ("2021-22", 1), ("2020-21", 1)]
    results = {s: fk.run(sample_con, ref, parse_scenario(_scenario(*s, f"{s[0]} for {s[1]}"))) for s in shapes}
    for first in shapes:
        for other in shapes:
            if other == first:
                continue
            cmp = contributions.compare([results[first], results[other]], ref)
            fig = contribution_charts.comparison_figure(cmp)
            first_years = set(results[first].scenario.years)
            other_years = set(results[other].scenario.years)
            shared = first_years & other_years
            note = scenario_tables.comparison_note(cmp)
            if fig is None:
                assert note is not None and "none of the years" in note
                assert not shared
                continue
            drawn = {x for t in fig.data for x in t.x}
            assert drawn and drawn <= shared
            assert all(y is not None for t in fig.data for y in t.y)
            assert (note is None) == (other_years <= first_years), (first, other, note)
            frame = scenario_tables.comparison_frame(cmp, "first")
            assert "None" not in frame.to_string() and "nan" not in frame.to_string()
    four = [results[s] for s in shapes[:4]]
    assert contribution_charts.comparison_figure(contributions.compare(four, ref)) is not None
