"""Publication suppression: small counts, percentages and averages hidden; nothing recoverable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse, req, snap
from raa_core.performance.indicators import SCORECARD_COLUMNS, headline_from, scorecard, scorecards
from raa_core.periods import parse_period
from raa_core.reference import SuppressionSettings, load_reference
from raa_core.suppression import (
    HIDDEN,
    as_text,
    hide_counts,
    masked,
    publication_headline,
    shown_from_masked,
    suppress_counts,
    suppress_pct,
    suppress_scorecard,
    suppress_table,
)

REF = load_reference()
S = REF.settings.suppression
COUNCILS = ("303", "886", "887")


def mean_rows(indicator: str, ns: list[int], values: list[int | None]) -> list[dict[str, Any]]:
    """Scorecard rows of a time indicator from council n and values (region and mean of councils added)."""
    rows = [
        {
            "indicator": indicator,
            "area": a,
            "value": v if n else None,
            "median": v if n else None,
            "n": n,
            "threshold": 425,
            "difference": (v - 425) if n and v is not None else None,
            "low_n": n < 6,
            "count": None,
            "national": 558,
            "threshold_set": "business_case",
        }
        for a, n, v in zip(COUNCILS, ns, values, strict=True)
    ]
    total = sum(ns)
    shown = [v for n, v in zip(ns, values, strict=True) if n and v is not None]
    region_value = round(sum((v or 0) * n for n, v in zip(ns, values, strict=True)) / total) if total else None
    rows.append(
        {
            **rows[0],
            "area": "region",
            "n": total,
            "value": region_value,
            "median": region_value,
            "difference": None if region_value is None else region_value - 425,
            "low_n": total < 6,
        }
    )
    mean = round(sum(shown) / len(shown)) if shown else None
    rows.append(
        {
            **rows[0],
            "area": "region_mean",
            "n": total,
            "value": mean,
            "median": None,
            "difference": None if mean is None else mean - 425,
            "low_n": total < 6,
        }
    )
    return rows


def a3_rows(ns: list[int], counts: list[int]) -> list[dict[str, Any]]:
    def pct(k: int, n: int) -> int | None:
        return (200 * k + n) // (2 * n) if n else None

    rows = [
        {
            "indicator": "A3",
            "area": a,
            "value": pct(k, n),
            "median": None,
            "n": n,
            "threshold": None,
            "difference": None,
            "low_n": n < 6,
            "count": k,
            "national": 47,
            "threshold_set": None,
        }
        for a, n, k in zip(COUNCILS, ns, counts, strict=True)
    ]
    n, k = sum(ns), sum(counts)
    rows.append({**rows[0], "area": "region", "n": n, "count": k, "value": pct(k, n), "low_n": n < 6})
    vals = [r["value"] for r in rows[:3] if r["value"] is not None]
    rows.append(
        {
            **rows[0],
            "area": "region_mean",
            "n": n,
            "count": k,
            "value": round(sum(vals) / len(vals)) if vals else None,
            "low_n": n < 6,
        }
    )
    return rows


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)[SCORECARD_COLUMNS]
    for col in ("value", "median", "threshold", "difference", "count", "national"):
        df[col] = df[col].astype("Int64")
    return df


def cell(df: pd.DataFrame, indicator: str, area: str, col: str) -> str:
    return str(df[(df["indicator"] == indicator) & (df["area"] == area)][col].iloc[0])


def test_small_mean_is_hidden_with_its_median_difference_and_a_complementary_council() -> None:
    out = suppress_scorecard(frame(mean_rows("A1", [3, 40, 50], [340, 363, 569])), REF.settings)
    assert [cell(out, "A1", "303", c) for c in ("n", "value", "median", "difference")] == [HIDDEN] * 4
    assert cell(out, "A1", "886", "n") == HIDDEN  # else 93 - 50 - 40 = 3 gives Bexley's n away
    assert cell(out, "A1", "886", "value") == "363"  # a mean over 40 children is publishable
    assert (cell(out, "A1", "887", "n"), cell(out, "A1", "region", "n")) == ("50", "93")
    assert cell(out, "A1", "region_mean", "value") == HIDDEN  # it would give Bexley's mean away
    assert cell(out, "A1", "region", "value") != HIDDEN
    assert cell(out, "A1", "303", "threshold") == "425"
    assert all(isinstance(v, str) for col in out.columns for v in out[col])


def test_percentages_need_a_numerator_over_5_and_a_denominator_over_10() -> None:
    out = suppress_scorecard(frame(a3_rows([20, 8, 30], [12, 6, 3])), REF.settings)
    assert (cell(out, "A3", "303", "value"), cell(out, "A3", "303", "count")) == ("60", "12")
    assert cell(out, "A3", "886", "value") == HIDDEN  # denominator 8
    assert (cell(out, "A3", "887", "value"), cell(out, "A3", "887", "count")) == (HIDDEN, HIDDEN)
    assert cell(out, "A3", "886", "count") == HIDDEN  # complementary: else 21 - 12 - 6 = 3
    assert (cell(out, "A3", "region", "value"), cell(out, "A3", "region", "count")) == ("36", "21")
    assert cell(out, "A3", "region_mean", "value") == HIDDEN


def test_zero_is_shown_and_no_figure_is_empty() -> None:
    out = suppress_scorecard(frame(a3_rows([0, 12, 14], [0, 0, 7])), REF.settings)
    assert (cell(out, "A3", "303", "n"), cell(out, "A3", "303", "count"), cell(out, "A3", "303", "value")) == (
        "0",
        "0",
        "",
    )
    assert cell(out, "A3", "886", "value") == HIDDEN  # 0 of 12: numerator 5 or fewer
    assert cell(out, "A3", "887", "value") == "50"


def test_thresholds_come_from_settings() -> None:
    df = frame(mean_rows("A2", [3, 8, 12], [74, 120, 217]))
    strict = suppress_scorecard(df, REF.settings)
    assert cell(strict, "A2", "886", "value") == "120"
    lax = suppress_scorecard(
        df, SuppressionSettings(count_max=2, pct_numerator_max=2, pct_denominator_max=2, mean_n_max=2)
    )
    assert (cell(lax, "A2", "303", "n"), cell(lax, "A2", "303", "value")) == ("3", "74")
    severe = suppress_scorecard(df, SuppressionSettings(count_max=9, mean_n_max=9))
    assert (cell(severe, "A2", "886", "n"), cell(severe, "A2", "886", "value")) == (HIDDEN, HIDDEN)


def test_hide_counts_hides_the_total_when_no_complement_is_left() -> None:
    assert hide_counts({"303": 2, "886": 0, "887": 0, "region": 2, "region_mean": 2}, 5) == {
        "303",
        "region",
        "region_mean",
    }
    assert hide_counts({"303": 2, "886": 3, "887": 0, "region": 5}, 5) == {"303", "886", "region"}
    assert hide_counts({"303": 2, "886": 3, "887": 9, "region": 14}, 5) == {"303", "886", "887"}
    assert hide_counts({"303": 6, "886": 9, "region": 15}, 5) == set()


def test_real_scorecard_and_other_tables() -> None:
    con = empty_warehouse()
    kid = {
        "child_id": "a",
        "sex": "F",
        "date_of_birth": dt.date(2016, 1, 1),
        "entered_care_date": dt.date(2016, 6, 1),
        "placed_date": dt.date(2017, 5, 1),
        "adoption_order_date": dt.date(2018, 5, 1),
    }
    add_drop(con, 303, "2020-01-01", children=[kid])
    out = suppress_scorecard(scorecard(snap(con, ref=REF), req(parse_period("2018-19"))), REF.settings)
    assert cell(out, "A1", "303", "n") == HIDDEN and cell(out, "A1", "region", "n") == HIDDEN
    assert cell(out, "A1", "886", "n") == "0"
    table = pd.DataFrame({"area": ["303", "886"], "placements": [3, 12], "pct": [25, None]})
    shown = suppress_counts(table, ["placements"], REF.settings)
    assert list(shown["placements"]) == [HIDDEN, "12"] and list(shown["pct"]) == ["25", ""]
    assert suppress_pct(3, 40, 8, REF.settings) == HIDDEN
    assert suppress_pct(30, 40, 75, REF.settings) == "75"
    assert suppress_pct(6, 10, 60, REF.settings) == HIDDEN


def test_suppress_table_hides_counts_means_percentages_and_what_is_derived_from_them() -> None:
    table = pd.DataFrame(
        {
            "period": ["2018-19"] * 4,
            "area": ["303", "886", "887", "region"],
            "placements": [3, 40, 12, 55],
            "within": [2, 30, 6, 38],
            "pct": [67, 75, 50, 69],
            "mean_days": [100, 200, 300, 190],
            "surplus": [1, 2, 3, 6],
        }
    )
    out = suppress_table(
        table,
        REF.settings,
        counts=["placements", "within"],
        means={"mean_days": "placements"},
        pcts={"pct": ("within", "placements")},
        derived={"surplus": ["placements"]},
        group_by=["period"],
    ).set_index("area")
    assert list(out["placements"]) == [HIDDEN, "40", HIDDEN, "55"]  # 887 hidden too: else 55 - 40 - 12 = 3
    assert list(out["within"]) == [HIDDEN, "30", HIDDEN, "38"]
    assert list(out["pct"]) == [HIDDEN, "75", HIDDEN, "69"]  # 887: numerator hidden; 303: 2 of 3
    # a mean follows its count: 887's 12 is hidden (secondary), so its mean is too (docs/indicators.md)
    assert list(out["mean_days"]) == [HIDDEN, "200", HIDDEN, "190"]
    assert list(out["surplus"]) == [HIDDEN, "2", HIDDEN, "6"]
    assert out.at["303", "period"] == "2018-19"


def test_masked_frames_drop_hidden_figures_and_round_trip_to_the_strings() -> None:
    table = pd.DataFrame({"area": ["303", "886", "region"], "children": [2, 9, 11], "band": ["a", "a", "a"]})
    shown = suppress_table(table, REF.settings, counts=["children"], group_by=["band"])
    view = masked(table, shown)
    assert list(view["children_hidden"]) == [True, True, False]
    assert view["children"].isna().tolist() == [True, True, False] and int(view.at[2, "children"]) == 11
    assert "band_hidden" not in view.columns
    assert shown_from_masked(view).equals(shown)
    assert as_text(table).equals(suppress_table(table, REF.settings))  # no rules: only strings


def test_publication_headline_hides_figure_rag_and_change_of_a_small_council() -> None:
    con = empty_warehouse()
    kids = [
        {
            "child_id": f"k{i}",
            "sex": "F",
            "date_of_birth": dt.date(2016, 1, 1),
            "entered_care_date": dt.date(2016, 6, 1),
            "placed_date": dt.date(2017, 5, 1) + dt.timedelta(days=i),
            "adoption_order_date": dt.date(2018, 5, 1) if i else dt.date(2017, 11, 1),
        }
        for i in range(12)
    ]
    add_drop(con, 886, "2020-01-01", children=kids[1:])
    add_drop(con, 303, "2020-01-01", children=[*kids[:1], dict(kids[1], child_id="b1")])
    sc = scorecards(snap(con, ref=REF), req(thresholds="business_case"), [parse_period("2017-18"), parse_period("2018-19")])
    raw = headline_from(sc, "2018-19", "2017-18", "303")
    pub = publication_headline(raw, sc, REF.settings).set_index("indicator")
    assert (pub.at["A1", "value"], pub.at["A1", "n"], pub.at["A1", "rag"]) == (HIDDEN, HIDDEN, "")
    assert (pub.at["A1", "previous_value"], pub.at["A1", "change"]) == (HIDDEN, HIDDEN)
    assert pub.at["A1", "threshold"] == "425"
    kent = publication_headline(headline_from(sc, "2018-19", "2017-18", "886"), sc, REF.settings)
    kent = kent.set_index("indicator")
    assert kent.at["A1", "value"] == str(raw_value(sc, "886")) and kent.at["A1", "rag"] == "green"
    assert kent.at["A1", "change"] == ""  # Kent had no 2017-18 adoptions: no change to show
    assert kent.at["A1", "n"] == HIDDEN  # 11 for Kent would give Bexley's 1 away (region 12)


def raw_value(sc: pd.DataFrame, area: str) -> int:
    hit = sc[(sc["period"] == "2018-19") & (sc["indicator"] == "A1") & (sc["area"] == area)]
    return int(hit["value"].iloc[0])


# --- property: nothing of 1-5 is ever shown or recoverable by subtraction -----------------------

limits = st.builds(
    SuppressionSettings,
    count_max=st.integers(1, 8),
    pct_numerator_max=st.integers(1, 8),
    pct_denominator_max=st.integers(5, 15),
    mean_n_max=st.integers(1, 8),
)


def _shown(v: str) -> int | None:
    return int(v) if v not in (HIDDEN, "") else None


@settings(max_examples=50, deadline=None)
@given(
    ns=st.lists(st.integers(0, 30), min_size=3, max_size=3),
    fractions=st.lists(st.floats(0, 1), min_size=3, max_size=3),
    means=st.lists(st.integers(0, 900), min_size=3, max_size=3),
    s=limits,
)
def test_suppression_never_reveals_a_small_count(
    ns: list[int], fractions: list[float], means: list[int], s: SuppressionSettings
) -> None:
    counts = [round(n * f) for n, f in zip(ns, fractions, strict=True)]
    df = frame(mean_rows("A1", ns, list(means)) + a3_rows(ns, counts))
    out = suppress_scorecard(df, s)
    for ind, g in out.groupby("indicator"):
        raw = df[df["indicator"] == ind].set_index("area")
        g = g.set_index("area")
        cols = ["n", "count"] if ind == "A3" else ["n"]
        for col in cols:
            for area in g.index:  # no shown count of 1..count_max
                v = _shown(g.at[area, col])
                assert v is None or not 1 <= v <= s.count_max, (ind, area, col, v)
            for total in ("region", "region_mean"):  # no hidden councils recoverable as 1..count_max
                t = _shown(g.at[total, col])
                hidden = [a for a in COUNCILS if g.at[a, col] == HIDDEN]
                if t is not None and hidden:
                    rest = t - sum(_shown(g.at[a, col]) or 0 for a in COUNCILS if a not in hidden)
                    assert not 1 <= rest <= s.count_max, (ind, col, rest)
        for area in g.index:
            if _shown(g.at[area, "value"]) is None:
                assert g.at[area, "median"] in (HIDDEN, "") and g.at[area, "difference"] in (HIDDEN, "")
                continue
            n = int(raw.at[area, "n"])
            if ind == "A3":
                k = int(raw.at[area, "count"])
                assert k > s.pct_numerator_max and n > s.pct_denominator_max
                assert g.at[area, "count"] != HIDDEN and g.at[area, "n"] != HIDDEN
            else:
                assert n > s.mean_n_max
        if _shown(g.at["region_mean", "value"]) is not None:
            assert all(g.at[a, "value"] != HIDDEN for a in COUNCILS)


@settings(max_examples=50, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 20), min_size=3, max_size=3), min_size=1, max_size=4),
    s=limits,
)
def test_suppress_table_never_reveals_a_small_count(counts: list[list[int]], s: SuppressionSettings) -> None:
    rows = []
    for g, values in enumerate(counts):
        rows += [{"group": g, "area": a, "k": v} for a, v in zip(COUNCILS, values, strict=True)]
        rows.append({"group": g, "area": "region", "k": sum(values)})
    out = suppress_table(pd.DataFrame(rows), s, counts=["k"], group_by=["group"])
    for _, g in out.groupby("group"):
        g = g.set_index("area")
        shown = {a: _shown(g.at[a, "k"]) for a in g.index}
        assert all(v is None or not 1 <= v <= s.count_max for v in shown.values())
        hidden = [a for a in COUNCILS if g.at[a, "k"] == HIDDEN]
        if shown["region"] is not None and hidden:
            rest = shown["region"] - sum(shown[a] or 0 for a in COUNCILS if a not in hidden)
            assert not 1 <= rest <= s.count_max
