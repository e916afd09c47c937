"""Secondary suppression survives subtraction: hypothesis builds tables of small counts with every kind of
additive relation (parts and total, councils and region, "of which", quarters and year); after
`suppression.secondary` an attacker's exact linear recovery (`disclosurekit`) finds no suppressed cell, and no
difference of published figures is a count of 1..count_max."""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import disclosurekit as dk
from raa_core.suppression import HIDDEN, Relation, hide_counts, secondary, suppress_table


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict, list[Relation]]:
    """Cells (period, area, column): councils' parts drawn small; totals, the region and the year summed; an
    "of which" column at most its parent."""
    n_councils = draw(st.integers(1, 4))
    n_parts = draw(st.integers(1, 3))
    quarters = draw(st.integers(1, 4))
    of_which = draw(st.booleans())
    year = draw(st.booleans()) and quarters > 1
    councils = [f"c{i}" for i in range(n_councils)]
    parts = [f"p{i}" for i in range(n_parts)]
    periods = [f"q{i}" for i in range(quarters)]
    values: dict = {}
    for q, a, p in itertools.product(periods, councils, parts):
        values[(q, a, p)] = draw(st.integers(0, 12))
    for q, a in itertools.product(periods, councils):
        values[(q, a, "total")] = sum(values[(q, a, p)] for p in parts)
        if of_which:
            values[(q, a, "of")] = draw(st.integers(0, values[(q, a, "p0")]))
    columns = [*parts, "total", *(["of"] if of_which else [])]
    for q, c in itertools.product(periods, columns):
        values[(q, "region", c)] = sum(values[(q, a, c)] for a in councils)
    if year:
        for a, c in itertools.product([*councils, "region"], columns):
            values[("year", a, c)] = sum(values[(q, a, c)] for q in periods)
    all_periods = [*periods, *(["year"] if year else [])]
    relations = []
    for q in all_periods:
        for a in [*councils, "region"]:
            relations.append(Relation((q, a, "total"), tuple((q, a, p) for p in parts)))
            if of_which:
                relations.append(Relation((q, a, "p0"), ((q, a, "of"),), complete=False))
        for c in columns:
            relations.append(Relation((q, "region", c), tuple((q, a, c) for a in councils)))
    if year:
        for a, c in itertools.product([*councils, "region"], columns):
            relations.append(Relation(("year", a, c), tuple((q, a, c) for q in periods)))
    return values, relations


@settings(max_examples=150, deadline=None)
@given(table=tables(), limit=st.integers(1, 6))
def test_no_suppressed_cell_can_be_recovered(table, limit) -> None:
    values, relations = table
    primary = {c for c, v in values.items() if 1 <= v <= limit}
    hidden = secondary(values, relations, primary, limit)
    assert primary <= hidden
    assert not dk.published_small(values, hidden, limit)
    assert not dk.recoverable(relations, hidden), "a suppressed cell is determined by the published ones"
    assert not dk.small_differences(values, relations, hidden, limit)


def test_the_issue_examples_are_no_longer_recoverable() -> None:
    """Bexley waiting 9, not matched 8 (matched x = 1); Kent 99 - 94 = 5; Medway 55 - 53 = 2."""
    frame = pd.DataFrame({"area": ["303", "886", "887", "region"], "waiting": [9, 99, 55, 163],
                          "not_matched": [8, 94, 53, 155], "matched_not_placed": [1, 5, 2, 8]})
    rel = (Relation("waiting", ("not_matched", "matched_not_placed")),)
    out = suppress_table(frame, _settings(), counts=list(frame.columns[1:]),
                         relations=rel).set_index("area")
    values = {(a, c): int(frame.set_index("area").at[a, c]) for a in out.index for c in frame.columns[1:]}
    hidden = {(a, c) for a in out.index for c in frame.columns[1:] if out.at[a, c] == HIDDEN}
    relations = [Relation((a, "waiting"), ((a, "not_matched"), (a, "matched_not_placed"))) for a in out.index]
    relations += [Relation(("region", c), tuple((a, c) for a in ("303", "886", "887"))) for c in frame.columns[1:]]
    assert {("303", "matched_not_placed"), ("886", "matched_not_placed"), ("887", "matched_not_placed")} <= hidden
    assert not dk.recoverable(relations, hidden)
    assert not dk.small_differences(values, relations, hidden, 5)


def _settings():
    from raa_core.reference import load_reference

    return load_reference().settings


def test_the_asglb_convention_rounds_councils_to_5_and_the_region_to_10() -> None:
    """The alternative convention of settings.json (`suppression.convention` "round"): nothing x but averages."""
    s = _settings().suppression.model_copy(update={"convention": "round"})
    frame = pd.DataFrame({"area": ["303", "886", "887", "region"], "waiting": [9, 99, 3, 111],
                          "not_matched": [8, 94, 0, 102], "mean_days": [100, 200, 300, 190],
                          "gap": [1, 5, 3, 9]})
    out = suppress_table(frame, s, counts=["waiting", "not_matched"], means={"mean_days": "waiting"},
                         derived={"gap": ["waiting"]},
                         relations=(Relation("waiting", ("not_matched",), complete=False),)).set_index("area")
    assert list(out["waiting"]) == ["10", "100", "5 or fewer", "110"]
    assert list(out["not_matched"]) == ["10", "95", "0", "100"]
    assert list(out["mean_days"]) == ["100", "200", HIDDEN, "190"]  # over 3 children
    assert set(out["gap"]) == {HIDDEN}  # exact arithmetic on rounded counts would give them back


def test_the_convention_is_named_in_every_note() -> None:
    from raa_core.performance import indicators
    from raa_core.presentation import publication_convention
    from raa_core.reference import load_reference

    ref = load_reference()
    assert ref.settings.suppression.convention == "suppress"
    today = publication_convention(ref.settings.suppression)
    asglb = publication_convention(ref.settings.suppression.model_copy(update={"convention": "round"}))
    assert "counts that would give them away" in today and "nearest 5" in asglb and "nearest 10" in asglb
    assert today in indicators.definition("publication", ref)


@settings(max_examples=60)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=5), min_size=1, max_size=3), st.booleans())
def test_a_breakdown_survives_subtraction_from_its_total(counts: list[list[int]], total_column: bool) -> None:
    """A breakdown table (`parts_of`): categories of each council and the region add up to the area's total, given
    as a column (characteristics' n) or published by another table (the waiting bands' total, never hidden by
    the bands). Attacked with every relation, the total as the attacker sees it."""
    width = min(len(c) for c in counts)
    councils = {f"c{k}": c[:width] for k, c in enumerate(counts)}
    areas = {**councils, "region": [sum(c[j] for c in councils.values()) for j in range(width)]}
    raw = pd.DataFrame([{"area": a, "cat": j, "children": v, "n": sum(vs)} for a, vs in areas.items()
                        for j, v in enumerate(vs)])
    shown = suppress_table(raw, _settings(), counts=["children", "n"],
                           parts_of=("children", "n" if total_column else None, "cat"))
    values = {(i, "children"): int(raw.at[i, "children"]) for i in raw.index}
    texts = {(i, "children"): shown.at[i, "children"] for i in raw.index}
    rels = []
    # a total not in the table is published by another, which hides its small ones and what gives them away
    elsewhere = hide_counts({a: sum(vs) for a, vs in areas.items()}, _settings().suppression.count_max)
    for a in areas:
        rows = raw.index[raw["area"] == a]
        values[("n", a)] = int(raw.at[rows[0], "n"])
        texts[("n", a)] = shown.at[rows[0], "n"] if total_column else HIDDEN if a in elsewhere else str(values[("n", a)])
        assert not total_column or len(set(shown.loc[rows, "n"])) == 1
        rels.append(Relation(("n", a), tuple((i, "children") for i in rows)))
    rels.append(Relation(("n", "region"), tuple(("n", a) for a in councils)))
    for j in range(width):
        at = {a: raw.index[(raw["area"] == a) & (raw["cat"] == j)][0] for a in areas}
        rels.append(Relation((at["region"], "children"), tuple((at[a], "children") for a in councils)))
    hidden = {c for c, t in texts.items() if t == HIDDEN}
    limit = _settings().suppression.count_max
    assert not dk.published_small(values, hidden, limit)
    assert not dk.recoverable(rels, hidden) & {c for c in hidden if c[0] != "n" or total_column}
    assert not dk.small_differences(values, rels, hidden, limit)
