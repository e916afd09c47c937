"""The performance pages' published tables built from the sample give no small number away: each table the
Regional and Local performance pages place in the publication view (`publication.published`, with the rules the
pages pass) is attacked with `disclosurekit`'s exact recovery over the table's additive relations (the items' parts,
totals and "of which"; councils and the region; a breakdown's categories and their total, the waiting bands and
the waiting total the waiting table publishes): no suppressed cell is determined, no published count is 1..5,
and no difference of published figures is 1..5."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd
import pytest

import disclosurekit as dk
import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core.performance import characteristics, journeys, publication, recruitment
from raa_core.requests import PerformanceRequest
from raa_core.suppression import HIDDEN, Relation, area_relations

REQUEST = PerformanceRequest(period="2026-27")


@pytest.fixture(scope="module")
def snap(sample_con, ref):
    return fk.snap(sample_con, ref, SAMPLE_TODAY)


@pytest.fixture(scope="module")
def at(snap) -> object:
    return REQUEST.waiting_at(SAMPLE_TODAY)


def published(snap, raw: pd.DataFrame, **rules) -> pd.DataFrame:
    """The table as the page shows it in the publication view."""
    shown, _ = publication.published(snap, raw, True, tuple(sorted(rules.items())))
    return shown


def value(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)  # type: ignore[call-overload]


def attack(values: dict[Hashable, int | None], shown: dict[Hashable, str], relations: Sequence[Relation],
           limit: int) -> None:
    """Published figures are the figures; nothing hidden can be solved for; no small count shows directly or as a
    difference."""
    hidden = {c for c, s in shown.items() if s == HIDDEN}
    for c, s in shown.items():
        assert s == HIDDEN or s == "" or int(s) == values[c], c
    assert not dk.published_small(values, hidden, limit)
    assert not dk.recoverable(relations, hidden), sorted(map(str, dk.recoverable(relations, hidden)))
    assert not dk.small_differences(values, relations, hidden, limit)


def row_table(raw: pd.DataFrame, shown: pd.DataFrame, counts: Sequence[str], relations: Sequence[Relation],
              group_by: Sequence[str]) -> tuple[dict, dict, list[Relation]]:
    """Cells (row, column) of a table with a row per area in each group: each row's relations, and the councils
    and the region in each column of each group."""
    values = {(i, c): value(raw.at[i, c]) for i in raw.index for c in counts}
    texts = {(i, c): str(shown.at[i, c]) for i in raw.index for c in counts}
    rels = [Relation((i, r.total), tuple((i, p) for p in r.parts), r.complete) for i in raw.index for r in relations]
    for _, g in raw.groupby(list(group_by), sort=False):
        by_area = {str(a): i for i, a in zip(g.index, g["area"], strict=True)}
        rels += [Relation((by_area[r.total], c), tuple((by_area[p], c) for p in r.parts))
                 for c in counts for r in area_relations(by_area)]
    return values, texts, rels


TABLES = {
    "children waiting (Regional, Local)": (journeys.children_waiting, journeys.WAITING_COUNTS,
                                           journeys.WAITING_RELATIONS, "at"),
    "adopters waiting (Local)": (recruitment.adopters_waiting, recruitment.ADOPTER_WAITING_COUNTS,
                                 recruitment.ADOPTER_WAITING_RELATIONS, "at"),
}


@pytest.mark.parametrize("name", list(TABLES))
def test_a_waiting_table_gives_no_small_count_away(snap, at, ref, name) -> None:
    build, counts, relations, key = TABLES[name]
    raw = build(snap, REQUEST, at)
    shown = published(snap, raw, counts=list(counts), group_by=[key], relations=relations,
                      means={"mean_days": "waiting", "median_days": "waiting"})
    attack(*row_table(raw, shown, counts, relations, [key]), ref.settings.suppression.count_max)


def test_the_journey_and_recruitment_tables_give_no_small_count_away(snap, ref) -> None:
    limit = ref.settings.suppression.count_max
    act = journeys.activity(snap, REQUEST)
    shown = published(snap, act, counts=list(journeys.ACTIVITY_COUNTS), relations=journeys.ACTIVITY_RELATIONS,
                      group_by=["period"])
    attack(*row_table(act, shown, journeys.ACTIVITY_COUNTS, journeys.ACTIVITY_RELATIONS, ["period"]), limit)
    rec = recruitment.recruitment_activity(snap, REQUEST)
    shown = published(snap, rec, counts=list(recruitment.RECRUITMENT_COUNTS),
                      relations=recruitment.RECRUITMENT_RELATIONS, group_by=["period"])
    attack(*row_table(rec, shown, recruitment.RECRUITMENT_COUNTS, recruitment.RECRUITMENT_RELATIONS, ["period"]),
           limit)


def test_the_characteristics_tables_give_no_small_count_away(snap, at, ref) -> None:
    """An area's categories add up to its n, shown in each of its rows; a hidden n is hidden in every row."""
    raw = characteristics.characteristics(snap, REQUEST, at)
    shown = published(snap, raw, counts=["children", "n"], pcts={"pct": ("children", "n")},
                      group_by=list(characteristics.BREAKDOWN), parts_of=characteristics.PARTS_OF)
    hidden_somewhere = False
    for key, g in raw.groupby(list(characteristics.BREAKDOWN), sort=False):
        values = {(i, "children"): value(raw.at[i, "children"]) for i in g.index}
        texts = {(i, "children"): str(shown.at[i, "children"]) for i in g.index}
        rels: list[Relation] = []
        by_category: dict[object, dict[str, int]] = {}
        for area, rows in g.groupby("area", sort=False):
            n_texts = set(shown.loc[rows.index, "n"])
            assert len(n_texts) == 1, (key, area)  # one n, shown (or hidden) alike in every row
            values[("n", area)], texts[("n", area)] = value(rows["n"].iloc[0]), n_texts.pop()
            rels.append(Relation(("n", area), tuple((i, "children") for i in rows.index)))
            for i, c in zip(rows.index, rows["category_order"], strict=True):
                by_category.setdefault(c, {})[str(area)] = i
        rels += [Relation(("n", r.total), tuple(("n", p) for p in r.parts))
                 for r in area_relations(str(a) for a in g["area"].unique())]
        for areas in by_category.values():
            rels += [Relation((areas[r.total], "children"), tuple((areas[p], "children") for p in r.parts))
                     for r in area_relations(areas)]
        hidden_somewhere |= HIDDEN in texts.values()
        attack(values, texts, rels, ref.settings.suppression.count_max)
    assert hidden_somewhere  # the sample has small numbers to protect
    hidden_pct = shown["pct"] == HIDDEN
    assert (hidden_pct | ~((shown["children"] == HIDDEN) | (shown["n"] == HIDDEN))).all()  # percentages follow


def test_the_waiting_bands_give_no_small_count_away_beside_the_waiting_total(snap, at, ref) -> None:
    """The bands of an area add up to the children waiting the waiting table publishes (Local performance shows
    both): attacked together, with the total as that table publishes it."""
    waiting = journeys.children_waiting(snap, REQUEST, at)
    w_shown = published(snap, waiting, counts=list(journeys.WAITING_COUNTS), relations=journeys.WAITING_RELATIONS,
                        group_by=["at"], means={"mean_days": "waiting", "median_days": "waiting"})
    bands = journeys.waiting_bands(snap, REQUEST, at)
    b_shown = published(snap, bands, counts=["children"], parts_of=journeys.WAITING_BANDS_PARTS_OF)
    values = {(i, "children"): value(bands.at[i, "children"]) for i in bands.index}
    texts = {(i, "children"): str(b_shown.at[i, "children"]) for i in bands.index}
    rels: list[Relation] = []
    for i, area in zip(waiting.index, waiting["area"], strict=True):
        mine = tuple((j, "children") for j in bands.index[bands["area"] == area])
        values[("waiting", str(area))] = value(waiting.at[i, "waiting"])
        texts[("waiting", str(area))] = str(w_shown.at[i, "waiting"])
        assert values[("waiting", str(area))] == sum(values[c] or 0 for c in mine)  # the bands add up
        rels.append(Relation(("waiting", str(area)), mine))
    for _, g in bands.groupby("band_order"):
        by_area = {str(a): i for i, a in zip(g.index, g["area"], strict=True)}
        rels += [Relation((by_area[r.total], "children"), tuple((by_area[p], "children") for p in r.parts))
                 for r in area_relations(by_area)]
    assert HIDDEN in texts.values()
    attack(values, texts, rels, ref.settings.suppression.count_max)
