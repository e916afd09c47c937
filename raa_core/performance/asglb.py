"""The ASGLB quarterly return: the adoption and adopter items for one quarter, per council and for the RAA.

The Adoption and Special Guardianship Leadership Board collects a quarterly data return from every RAA and
council (docs/indicators.md). The product fills the items it can compute from the drops with the same
raa_core functions the pages use (activity, waiting, scorecard means, characteristics, recruitment), one row
per item and area with its value, its n and the rule; items it cannot compute (special guardianship,
adoption support, complaints) are listed as "not held" rather than left out; a council with no drop of
the dataset by the as-at date says so in words rather than 0. Quarters are the ASGLB's: Q1 = April-June.

The return follows the collection as it stands today (docs/asglb.md): A10 is its timeliness headline (A1 left
the ASGLB's council data in 2021-22 and stays on the scorecard pages); the collection's v3 items are counts of
the row-level template's rows (`asglb_rows`), "not provided" where a council's drop lacks their columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from raa_core.errors import BadInput
from raa_core.ingest import coverage
from raa_core.ingest.ssda903 import NOT_PROVIDED_MEASURES
from raa_core.performance import asglb_rows, characteristics, indicators, journeys, recruitment
from raa_core.periods import FIRST_YEAR, Period, quarter, quarters
from raa_core.presentation import date_text, display, export, missing
from raa_core.reference import DEFAULT_THRESHOLD_SET, Reference
from raa_core.requests import AsAt, PerformanceRequest
from raa_core.snapshot import Snapshot
from raa_core.suppression import Relation, secondary_cells

_QUARTER_RE = re.compile(r"^\s*(\d{4})-(\d{2})\s*Q([1-4])\s*$", re.IGNORECASE)
#: The name of the RAA's own column (the region: every child of the three councils together).
RAA = "RAA"


def parse_quarter(text: str) -> Period:
    """`2026-27Q2` (or `2026-27 Q2`): quarter 2 (July-September) of 2026-27; Q1 = April-June.

    Raises BadInput naming the expected form.
    """
    m = _QUARTER_RE.match(text) if isinstance(text, str) else None
    if m is None or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
        raise BadInput(f"{text!r} is not a quarter: write e.g. 2026-27Q2 (Q1 = April to June)")
    return quarter(int(m.group(1)), int(m.group(3)))


@dataclass(frozen=True)
class Item:
    """One line of the return: its key, section, label, unit and the rule used to compute it."""

    key: str
    section: str
    label: str
    unit: str  # children, households, days, or "" for items not held
    rule: str
    dataset: str = "children"  # the drop table it comes from ("" for items not held)
    needs: tuple[str, ...] = ()  # contract v3 optional columns it rests on ("not provided" without them)


_Q = "in the quarter"
ITEMS: tuple[Item, ...] = (
    *(
        Item(f"children_{m}", "Children: activity in the quarter", label, "children", rule)
        for m, label, rule in (
            ("adm_decisions", "ADM decisions that the child should be placed for adoption", f"adm_decision_date {_Q}"),
            ("placement_orders", "Placement orders granted", f"placement_order_date {_Q}"),
            ("matches", "Children matched with adopters", f"matched_date {_Q}"),
            ("placements", "Children placed for adoption", f"placed_date {_Q}"),
            ("early_permanence_placements", "of which early permanence (FfA or concurrent)",
             f"placed_date {_Q} and early_permanence"),
            ("interagency_placements", "of which interagency placements", f"placed_date {_Q} and interagency"),
            ("adoption_orders", "Adoption orders granted", f"adoption_order_date {_Q} (including children "
             "adopted without a recorded placement)"),
            ("adopted_without_placement", "of which adopted without a recorded adoptive placement",
             f"adoption_order_date {_Q} and no placed_date (SSDA903 rule 390)"),
            ("reversals", "Decisions that the child should no longer be placed for adoption",
             f"plan_reversed_date {_Q}"),
            ("disruptions", "Adoptive placements that disrupted before an adoption order", f"disruption_date {_Q}"),
        )
    ),
    *(
        Item(f"timeliness_{ind}", "Children adopted in the quarter: average days", label, "days", rule)
        for ind, label, rule in (
            ("A2", "Placement order to the match with the adopters (A2)", display.plain_text(indicators.DEFINITIONS["A2"])),
            ("A10", "Entering care to moving in with the family who adopted (A10)", display.plain_text(indicators.DEFINITIONS["A10"])),
        )
    ),
    *(
        Item(f"waiting_{c}", "Children waiting at the end of the quarter", journeys.WAITING_LABELS[c], "children",
             f"{journeys.WAITING_LABELS[c]}, at the quarter's last day (docs/indicators.md, children waiting v2)")
        for c in journeys.WAITING_COUNTS
    ),
    *(
        Item(f"waiting_{d}", "Children waiting at the end of the quarter: characteristics", label, "children", rule)
        for d, label, rule in (
            ("harder_to_place", "Harder to place", "aged 5 or over at the ADM decision, in a sibling group, of an "
             "ethnic minority background or disabled (any of these)"),
            ("sibling_group", "In a sibling group", "sibling_group_id recorded"),
            ("disabled", "Disabled", "disabled = true"),
            ("ethnic_minority", "Of an ethnic minority background", "ethnicity group Mixed, Asian, Black or Other"),
        )
    ),
    *(
        Item(f"adopters_{m}", "Adopters: activity in the quarter", label, "households", rule, "adopters")
        for m, label, rule in (
            ("enquiries", "Enquiries", f"enquiry_date {_Q}"),
            ("rois", "Registrations of interest accepted (stage 1 starts)", f"roi_date {_Q}"),
            ("stage1_completed", "Stage 1 completed", f"stage1_end_date {_Q}"),
            ("stage2_started", "Stage 2 started", f"stage2_start_date {_Q}"),
            ("approvals", "Households approved", f"approval_date {_Q}"),
            ("fast_track_approvals", "of which fast-track", f"approval_date {_Q} and fast_track"),
            ("early_permanence_approvals", "of which approved for early permanence",
             f"approval_date {_Q} and early_permanence"),
            ("matches", "Households matched", f"matched_date {_Q}"),
            ("placements", "Households with a child placed", f"placed_date {_Q}"),
            ("withdrawals", "Households withdrawn", f"withdrawn_date {_Q}"),
            ("approved_withdrawn", "Approved households that withdrew before a match",
             f"withdrawn_date {_Q}, approved before it and not matched by it"),
        )
    ),
    *(
        Item(f"adopters_{m}", "Adopters at the end of the quarter", label, "households", rule, "adopters")
        for m, label, rule in (
            ("in_assessment", "Households in assessment", "registration accepted, not approved, not withdrawn"),
            ("in_stage1", "of which in stage 1", "in assessment and stage 2 not started (fast-track: never)"),
            ("in_stage2", "of which in stage 2", "in assessment and stage 2 started (fast-track from registration)"),
            ("approved_waiting", "Approved households not yet matched", "approved, not matched, not withdrawn"),
            ("approved_waiting_over_3m", "of which approved more than 3 months ago", "approval + 3 months < date"),
            ("approved_waiting_over_6m", "of which approved more than 6 months ago", "approval + 6 months < date"),
        )
    ),
    # the collection's v3 items, each a count of the row-level template's rows that satisfy its rule
    *(Item(r.key, r.section, r.label, r.unit, r.rule, r.dataset, r.needs) for r in asglb_rows.ROW_ITEMS),
    *(
        Item(key, "Items not held in the drops", label, "", "not held: the drops carry no data for this item", "")
        for key, label in (
            ("sgo_granted", "Special guardianship orders granted"),
            ("sgo_support", "Special guardianship support: assessments and plans"),
            ("support_assessments", "Adoption support: assessments of need"),
            ("asf_applications", "Adoption Support Fund applications"),
            ("complaints", "Complaints about the adoption service"),
        )
    ),
)
ITEM_KEYS: tuple[str, ...] = tuple(i.key for i in ITEMS)


def _prefixed(prefix: str, relations: tuple[Relation, ...]) -> tuple[Relation, ...]:
    """Relations of a table's columns as relations of the return's items (`prefix` + column), where all are items."""
    out = tuple(Relation(prefix + r.total, tuple(prefix + p for p in r.parts), r.complete) for r in relations)
    return tuple(r for r in out if {r.total, *r.parts} <= set(ITEM_KEYS))


#: How the return's count items add up within an area (`suppression.Relation`): the waiting counts', the
#: activity's and the recruitment's own relations, the characteristics of those waiting ("of which"), and the
#: households in assessment and waiting. Councils and the RAA add up in every count item besides.
RELATIONS: tuple[Relation, ...] = (
    *_prefixed("waiting_", journeys.WAITING_RELATIONS),
    *_prefixed("children_", journeys.ACTIVITY_RELATIONS),
    *_prefixed("adopters_", recruitment.RECRUITMENT_RELATIONS),
    *_prefixed("adopters_", recruitment.ASSESSMENT_RELATIONS),
    *(Relation("waiting_waiting", (f"waiting_{d}",), complete=False)
      for d in ("harder_to_place", "sibling_group", "disabled", "ethnic_minority")),
    Relation("adopters_approved_waiting", ("adopters_approved_waiting_over_3m",), complete=False),
    Relation("adopters_approved_waiting_over_3m", ("adopters_approved_waiting_over_6m",), complete=False),
)


def hidden_cells(ret: pd.DataFrame, count_max: int, mean_n_max: int, counts: bool = True) -> set[tuple[str, str]]:
    """The (item, area) cells of a return (`asglb_return`) to publish as x: averages over `mean_n_max` or fewer
    children, counts of 1..`count_max`, and what `suppression.secondary` adds over `RELATIONS` and the
    councils-and-RAA sums so that no hidden count can be worked out from the published ones. `counts=False`:
    averages only (the counts are published rounded, settings `convention` "round")."""
    figures = ret[ret["status"] == "figure"]
    days = figures["unit"] == "days"
    hidden = {(r.item, r.area) for r in figures[days].itertuples(index=False)
              if missing(r.n) or int(r.n) <= mean_n_max}
    if not counts:
        return hidden
    count_rows = figures[~days]
    wide = count_rows.pivot_table(index="area", columns="item", values="value", aggfunc="first", sort=False)
    wide = wide.reset_index().rename(columns={"area": "area_key"})
    wide["area"] = ["region" if a == RAA else str(a) for a in wide["area_key"]]
    items = [c for c in wide.columns if c in set(count_rows["item"])]
    for i, col in secondary_cells(wide, wide.index, items, RELATIONS, count_max, areas=True):
        hidden.add((str(col), str(wide.at[i, "area_key"])))
    return hidden


COLUMNS: list[str] = ["order", "section", "item", "label", "unit", "area", "area_name", "value", "n", "status",
                      "note", "rule"]


def _area_names(ref: Reference) -> dict[str, str]:
    return {**{str(c.la_code): c.short_name for c in ref.councils}, "region": RAA}


def _values(snapshot: Snapshot, request: PerformanceRequest) -> dict[tuple[str, str], tuple[Any, Any]]:
    """(item, area) -> (value, n) for every item the drops hold, from the same functions as the pages."""
    out: dict[tuple[str, str], tuple[Any, Any]] = {}

    def counts(df: pd.DataFrame, prefix: str, cols: list[str], rename: Callable[[str], str] = str) -> None:
        for r in df.to_dict(orient="records"):
            for c in cols:
                v = int(r[c])
                out[(f"{prefix}{rename(c)}", str(r["area"]))] = (v, v)

    q = request.period
    act = journeys.activity(snapshot, request)
    counts(act, "children_", [i.key.removeprefix("children_") for i in ITEMS
                              if i.section == "Children: activity in the quarter"])
    sc = indicators.scorecard(snapshot, request)
    for r in sc[sc["indicator"].isin(["A2", "A10"]) & (sc["area"] != "region_mean")].to_dict("records"):
        value = None if pd.isna(r["value"]) else int(r["value"])
        out[(f"timeliness_{r['indicator']}", str(r["area"]))] = (value, int(r["n"]))
    counts(journeys.children_waiting(snapshot, request, q.end), "waiting_", list(journeys.WAITING_COUNTS))
    ch = characteristics.characteristics(snapshot, request, q.end)
    ch = ch[ch["group"] == "waiting"]
    for area, g in ch.groupby("area"):
        first = g[g["category_order"] == 0].set_index("dimension")["children"]
        for d in ("harder_to_place", "sibling_group", "disabled"):
            out[(f"waiting_{d}", str(area))] = (int(first[d]), int(first[d]))
        eth = g[(g["dimension"] == "ethnicity") & g["category_order"].between(1, 4)]["children"].sum()
        out[("waiting_ethnic_minority", str(area))] = (int(eth), int(eth))
    rec = recruitment.recruitment_activity(snapshot, request)
    counts(rec, "adopters_", [i.key.removeprefix("adopters_") for i in ITEMS
                              if i.section == "Adopters: activity in the quarter"])
    homes = recruitment.households_in_assessment(snapshot, request, [q.end])
    counts(homes, "adopters_", ["in_assessment", "in_stage1", "in_stage2"])
    waiting = recruitment.adopters_waiting(snapshot, request, q.end)
    counts(waiting, "adopters_approved_", ["waiting", "over_3m", "over_6m"],
           lambda c: c if c == "waiting" else f"waiting_{c}")
    return out


def asglb_return(snapshot: Snapshot, request: AsAt, q: Period) -> pd.DataFrame:
    """The return for quarter `q` from the drops' state as at the request's `as_at` (None: the current state): a
    row per item (`ITEMS` order) and area (each council, then the RAA).

    Columns `COLUMNS`: value (int, or None) and n (children or households counted; for an average the
    children it rests on); status `figure`, `not held` (the drops carry no such data), `not provided` (the
    council's children data came as SSDA903 files, which lack a field the figure needs) or `no data` (the
    council had sent no drop of the dataset by the as-at date; `note` says so in words, and the RAA's
    figure then covers the councils that had) or `not provided` (an ASGLB v3 item whose columns the council's drop
    does not carry: `coverage.provided`; the RAA's figure then covers the councils that provide them); rule = how
    it was computed. The v3 items are counts of the row-level template's rows (`asglb_rows`). Waiting and households in
    assessment are counted at the quarter's last day.
    """
    if q.kind != "quarter":
        raise BadInput(f"{q.name} is not a quarter")
    ref = snapshot.ref
    names = _area_names(ref)
    areas = [*(str(c) for c in ref.la_codes), "region"]
    as_at = request.as_at
    values = _values(snapshot, PerformanceRequest(period=q, as_at=as_at, thresholds=DEFAULT_THRESHOLD_SET))
    rows_counted = asglb_rows.item_counts(asglb_rows.template(snapshot, request, q), areas)
    gaps = {t: coverage.missing(snapshot, request, t) for t in ("children", "adopters")}
    unprovided = coverage.not_provided(snapshot, request)
    # the quarter against each council's data: after its latest drop or before its records begin is no data;
    # a quarter its latest drop ends inside is in progress (counts so far), said on every figure
    spans = {t: coverage.span(snapshot, request, t) for t in ("children", "adopters")}
    held = {(t, a): coverage.quarter_words(q.start, q.end, *spans[t][a])
            for t in spans for a in spans[t] if a not in gaps[t]}
    for t in spans:
        councils = [held.get((t, str(c)), (False, "")) for c in ref.la_codes]
        if not any(h for h, _ in councils):
            held[(t, "region")] = (False, "no council holds data for the quarter")
        else:
            words = ["councils with data only"] if len([h for h, _ in councils if h]) < len(councils) else []
            words += sorted({w for h, w in councils if h and w.startswith("in progress")})
            held[(t, "region")] = (True, "; ".join(words))
    rows = []
    for order, item in enumerate(ITEMS, start=1):
        for area in areas:
            value, n, status, note = None, None, "figure", ""
            if not item.dataset:
                status, note = "not held", "not held in the drops"
            elif area in gaps[item.dataset]:
                status, note = "no data", gaps[item.dataset][area]
            elif not held[(item.dataset, area)][0]:
                status, note = "no data", held[(item.dataset, area)][1]
            elif (item.key, area) in rows_counted and rows_counted[(item.key, area)][0] is None:
                status, note = coverage.NOT_PROVIDED, rows_counted[(item.key, area)][1]
            elif item.key in NOT_PROVIDED_MEASURES and area in unprovided:
                status, note = coverage.NOT_PROVIDED, unprovided[area]
            else:
                value, n = values.get((item.key, area), (None, 0))
                words = [held[(item.dataset, area)][1]] if held[(item.dataset, area)][1] else []
                if (item.key, area) in rows_counted:
                    value = n = rows_counted[(item.key, area)][0]
                    words += [rows_counted[(item.key, area)][1]] if rows_counted[(item.key, area)][1] else []
                if item.unit == "days" and value is None:
                    words.insert(0, "no children adopted in the quarter")
                note = "; ".join(words)
            rows.append(
                {"order": order, "section": item.section, "item": item.key, "label": item.label,
                 "unit": item.unit, "area": RAA if area == "region" else area, "area_name": names.get(area, area),
                 "value": value, "n": n, "status": status, "note": note, "rule": item.rule}
            )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["value"] = pd.array(df["value"].tolist(), dtype="Int64")
    df["n"] = pd.array(df["n"].tolist(), dtype="Int64")
    return df


def quarter_return(snapshot: Snapshot, request: AsAt, quarter: str) -> tuple[pd.DataFrame, bytes]:
    """The return for a quarter named as people write it (`2026-27Q2`, `parse_quarter`) as at the request's
    `as_at`, and its workbook (the file sent to the ASGLB): (`asglb_return`, `workbook`)."""
    q = parse_quarter(quarter)
    ret = asglb_return(snapshot, request, q)
    return ret, workbook(ret, q, request.as_at)


def quarter_names(latest: dt.date) -> list[str]:
    """The quarters a return can be asked for, newest first, named as people write them (`2026-27Q2`): from the
    first reporting year's first quarter to the one holding `latest` (the newest data, or today)."""
    return [q.name.replace(" ", "") for q in reversed(quarters(FIRST_YEAR.start, latest))]


def wide(ret: pd.DataFrame) -> pd.DataFrame:
    """The return laid out as the collection lays it out: a row per item, value and n per area, the rule.

    A cell reads the figure, `not held`, `not provided`, or the no-data words; n is blank where there is no figure.
    """
    rows = []
    for (_order, item), g in ret.groupby(["order", "item"], sort=True):
        first = g.iloc[0]
        row: dict[str, Any] = {"section": first["section"], "item": item, "label": first["label"],
                               "unit": first["unit"]}
        for r in g.itertuples():
            shown: Any = r.value if r.status == "figure" and not pd.isna(r.value) else (
                r.status if r.status in ("not held", coverage.NOT_PROVIDED) else r.note or "")
            row[f"{r.area_name}"] = shown
            row[f"{r.area_name} n"] = None if pd.isna(r.n) else int(r.n)
        row["rule"] = first["rule"]
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in out.columns:
        if col.endswith(" n"):
            out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def wide_text(ret: pd.DataFrame) -> pd.DataFrame:
    """`wide` with every cell as display text (blank where empty), for a table on screen."""
    out = wide(ret)
    return out.apply(lambda col: ["" if missing(v) else str(v) for v in col])


def as_json(ret: pd.DataFrame, q: Period, as_at: dt.date | None = None) -> dict[str, Any]:
    """The JSON document of `raa asglb --json`: the quarter and a row per item and area."""
    rows = []
    for r in ret.to_dict(orient="records"):
        rows.append({k: (None if (not isinstance(v, str) and pd.isna(v)) else (int(v) if k in ("value", "n", "order")
                                                                               else v))
                     for k, v in r.items()})
    return {"quarter": q.name, "start": q.start.isoformat(), "end": q.end.isoformat(),
            "as_at": as_at.isoformat() if as_at else None, "rows": rows}


def workbook(ret: pd.DataFrame, q: Period, as_at: dt.date | None = None) -> bytes:
    """The return as an .xlsx workbook through the project's one writer (`export`): a `Return` sheet laid
    out as the collection (a row per item, value and n per council and the RAA, the rule) and a `Data` sheet
    with a row per item and area (for checking and loading)."""
    title = (f"ASGLB quarterly return, {q.name} ({date_text(q.start)} to {date_text(q.end)})"
             + (f", as at {date_text(as_at)}" if as_at else ""))
    return export.tables_xlsx([("Return", wide(ret), title), ("Data", ret.drop(columns="order"), title)])


def rows_workbook(t: asglb_rows.Template, as_at: dt.date | None = None) -> bytes:
    """The row-level template as an .xlsx workbook (`Children` and `Adopters` sheets, `asglb_rows.sheet_frames`)
    through the project's one writer. Personal data: the caller has checked child-level rights and audits it."""
    del as_at  # the title names the quarter; the sheets' rows are the as-at state already
    return export.tables_xlsx(list(asglb_rows.sheet_frames(t)))


def quarter_rows(snapshot: Snapshot, request: AsAt, quarter: str, councils: tuple[int, ...] | None = None) -> bytes:
    """The row-level template's workbook for a quarter named as people write it (`2026-27Q2`), of `councils`
    (None: every council), checked by the drops' own rules first (`asglb_rows.check`; a breach is BadInput naming
    it, and nothing is written). Personal data: the caller has asked `access.child_level_councils` which councils
    the viewer may see and audits the download."""
    t = asglb_rows.template(snapshot, request, parse_quarter(quarter))
    if councils is not None:
        t = asglb_rows.only(t, councils)
    errors = [i for i in asglb_rows.check(t, snapshot.ref) if i.severity == "error"]
    if errors:
        raise BadInput("the row-level template breaks the drop rules, so it was not written: "
                       + "; ".join(i.located() for i in errors[:5]))
    return rows_workbook(t)
