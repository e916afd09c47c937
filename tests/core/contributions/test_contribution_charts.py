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
    assert fig.layout.yaxis.tickformat == ",.0f" and fig.layout.yaxis.tickprefix == "£"  # £4,000, not 4000
