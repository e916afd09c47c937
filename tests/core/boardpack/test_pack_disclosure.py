"""The Board's pack built from the sample gives no small number away: the attacker's exact recovery
(`disclosurekit`) over the workbook's ASGLB and Children waiting sheets, with each table's stated relations
(councils and the RAA; the items' parts, totals and "of which"), finds no suppressed cell and no difference of
published figures of 1..count_max."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

import disclosurekit as dk
import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core import boardpack
from raa_core.boardpack import boardpack_files, pack
from raa_core.performance import asglb, journeys
from raa_core.presentation import display
from raa_core.requests import PerformanceRequest
from raa_core.suppression import HIDDEN, Relation


@pytest.fixture(scope="module")
def board(sample_con, ref) -> tuple[boardpack.BoardPack, openpyxl.Workbook]:
    request = boardpack.PackRequest(period="2026-27", publication=True, role="board")
    built = fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))
    return built, openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(built)))


def sheet_rows(ws) -> list[dict[str, object]]:
    rows = list(ws.iter_rows(values_only=True))
    first = int(ws.print_title_rows.split(":")[0].strip("$"))
    header = rows[first - 1]
    return [dict(zip(header, r, strict=True)) for r in rows[first:] if any(v is not None for v in r)]


def check(values: dict, shown: dict, relations: list[Relation], limit: int) -> None:
    """`values` exact, `shown` as published (x, a number, or absent: not published): nothing recoverable."""
    hidden = {c for c in values if shown.get(c) is None or shown.get(c) == HIDDEN}
    secret = {c for c in hidden if shown.get(c) == HIDDEN or 1 <= values[c] <= limit}  # a column not shown: if small
    assert not dk.published_small(values, hidden, limit)
    assert not dk.recoverable(relations, hidden) & secret
    assert not dk.small_differences(values, relations, hidden, limit)
    for c, v in shown.items():  # what is published is the figure itself
        assert v == HIDDEN or v is None or int(v) == values[c], c


def test_the_asglb_sheet_gives_no_small_count_away(board, sample_con, ref) -> None:
    built, wb = board
    q = pack.asglb_quarter(built.as_at)
    request = PerformanceRequest(period=built.period, as_at=built.request.as_at)
    ret = asglb.asglb_return(fk.snap(sample_con, ref, SAMPLE_TODAY), request, q)
    counts = ret[(ret["status"] == "figure") & (ret["unit"] != "days")]
    label_key = {i.label: i.key for i in asglb.ITEMS}
    assert len(label_key) == len(asglb.ITEMS)  # labels name items one to one
    names = dict(zip(counts["area"], counts["area_name"], strict=False))
    values = {(r.item, r.area): int(r.value) for r in counts.itertuples() if r.value is not None}
    shown = {}
    for row in sheet_rows(wb["ASGLB"]):
        key = label_key[row["Item"]]
        for area, name in names.items():
            if (key, area) in values:
                shown[(key, area)] = row[name]
    assert HIDDEN in shown.values()
    councils = [a for a in names if a != asglb.RAA]
    relations = [Relation((r.total, a), tuple((p, a) for p in r.parts), r.complete)
                 for r in asglb.RELATIONS for a in names]
    relations += [Relation((k, asglb.RAA), tuple((k, a) for a in councils)) for k in set(counts["item"])]
    relations = [r for r in relations if {r.total, *r.parts} <= set(values)]
    check(values, shown, relations, ref.settings.suppression.count_max)


def test_the_children_waiting_sheet_gives_no_small_count_away(board, sample_con, ref) -> None:
    """The issue's example: Bexley waiting 9 and not matched 8 published a matched count of 1."""
    built, wb = board
    snapshot, request = fk.snap(sample_con, ref, SAMPLE_TODAY), PerformanceRequest(period=built.period,
                                                                                   as_at=built.request.as_at)
    at = min(built.as_at, journeys.latest_date(snapshot, request) or built.as_at)
    raw = journeys.children_waiting(snapshot, request, at)
    names = {str(c.la_code): c.short_name for c in ref.councils}
    published = {row["Area"]: row for row in sheet_rows(wb["Children waiting"])}
    heads = {c.key: c.label for c in pack.CHILDREN_WAITING.columns if c.key in journeys.WAITING_COUNTS}
    values, shown = {}, {}
    areas = [a for a in raw["area"] if a != "region_mean"]
    for r in raw.to_dict("records"):
        if r["area"] == "region_mean":
            continue
        label = display.area_label(r["area"], names)
        for c in journeys.WAITING_COUNTS:
            values[(r["area"], c)] = int(r[c])
            shown[(r["area"], c)] = published[label].get(heads[c]) if c in heads else None
    relations = [Relation((a, r.total), tuple((a, p) for p in r.parts), r.complete)
                 for r in journeys.WAITING_RELATIONS for a in areas]
    relations += [Relation(("region", c), tuple((a, c) for a in areas if a != "region"))
                  for c in journeys.WAITING_COUNTS]
    check(values, shown, relations, ref.settings.suppression.count_max)


def test_the_pack_names_its_publication_convention(board, ref) -> None:
    from raa_core.presentation import publication_convention

    built, _ = board
    lines = [line for s in built.sections for line in s.lines]
    assert any(publication_convention(ref.settings.suppression) in line for line in lines)
