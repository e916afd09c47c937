"""Calibrated synthetic partner drops: no real child, but the business case's figures come out exactly.

`generate` writes weekly drops for the three councils, each a full snapshot of what the council knew on
its extract date, built so the product's own scorecard rules reproduce the business case's A1/A2/A3
table and its 2019-20 baseline budget to the printed digit. `generate_national` writes one large
drop per council code quickly, for the ingest benchmark. Both are byte-for-byte deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from raa_core.ingest.contract import (
    ADOPTERS,
    BUDGET,
    CHILDREN,
    ESTABLISHMENT,
    LEDGER,
    MANIFEST_FILE,
    SAMPLE_ROOT_FILE,
    ColType,
    TableSpec,
)
from raa_core.periods import financial_year, financial_year_of
from raa_core.reference import CostLine, load_reference

DEFAULT_AS_AT = dt.date(2026, 11, 20)
#: Weekly drops per council: the extract dates as_at, as_at - 7 days, ... (8 weeks of history).
DROPS_PER_COUNCIL = 9
COUNCILS = (303, 886, 887)
PREFIX = {303: "BX", 886: "KT", 887: "MW"}
BASELINE_YEAR = 2019
POOLED_YEAR = 2020

_ARROW: dict[ColType, pa.DataType] = {
    ColType.STRING: pa.string(),
    ColType.DATE: pa.date32(),
    ColType.BOOL: pa.bool_(),
    ColType.INT: pa.int64(),
    ColType.MONEY: pa.decimal128(18, 2),
    ColType.NUMBER: pa.float64(),
}
_EPOCH = dt.date(1970, 1, 1).toordinal()
#: A missing date: later than any extract date, so censoring nulls it without a special case.
_NULL_DAY = 10**7

# --------------------------------------------------------------------------------------------------
# Calendar helpers


def _fy(day: dt.date) -> int:
    """Start year of the financial year containing `day`."""
    return financial_year_of(day).start.year


def _fy_label(year: int) -> str:
    return financial_year(year).name


def _fy_start(year: int) -> dt.date:
    return financial_year(year).start


def _fy_end(year: int) -> dt.date:
    return financial_year(year).end


def _last_complete_period(extract: dt.date) -> tuple[int, int]:
    """(financial year, period) of the last month that ended on or before `extract`."""
    if (extract + dt.timedelta(days=1)).day == 1:
        year, month = extract.year, extract.month
    else:
        first = extract.replace(day=1) - dt.timedelta(days=1)
        year, month = first.year, first.month
    start = year if month >= 4 else year - 1
    return start, (month - 4) % 12 + 1


def _day(d: dt.date | None) -> int:
    return _NULL_DAY if d is None else d.toordinal() - _EPOCH


def _weekday_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A random weekday in [start, end] (courts and panels sit on weekdays)."""
    span = (end - start).days
    for _ in range(20):
        d = start + dt.timedelta(days=rng.randint(0, span))
        if d.weekday() < 5:
            return d
    return start


def _pennies(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(ROUND_HALF_EVEN))


def _rng(*key: object) -> random.Random:
    """A private seeded generator per purpose, so each part of the sample is stable on its own."""
    return random.Random("raa-sample/" + "/".join(str(k) for k in key))


# --------------------------------------------------------------------------------------------------
# Arrow / Parquet writing


def _schema(spec: TableSpec, names: Sequence[str] | None = None) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW[c.type]) for c in spec.columns if names is None or c.name in names])


def _date_array(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    mask = days >= _NULL_DAY
    return pa.array(np.where(mask, 0, days).astype(np.int32), mask=mask, type=pa.int32()).cast(pa.date32())


def _money_array(pennies: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """decimal128(18, 2) straight from integer pennies (little-endian 128-bit two's complement)."""
    p = np.asarray(pennies, dtype=np.int64)
    words = np.stack([p, np.where(p < 0, -1, 0).astype(np.int64)], axis=1).astype("<i8")
    validity = None
    if mask is not None and mask.any():
        validity = pa.array(~mask, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), len(p), [validity, pa.py_buffer(words.tobytes())],
        null_count=int(mask.sum()) if mask is not None else 0,
    )


def _str_array(values: Sequence[str | None]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _table(spec: TableSpec, arrays: dict[str, pa.Array]) -> pa.Table:
    """The contract's columns in contract order; optional columns the sample does not model are left out."""
    schema = _schema(spec, list(arrays))
    return pa.Table.from_arrays([arrays[name] for name in schema.names], schema=schema)


def _write_drop(root: Path, la_code: int, extract: dt.date, tables: dict[str, pa.Table]) -> Path:
    """Write one drop folder with fixed Parquet options and its manifest; returns the folder."""
    folder = root / str(la_code) / extract.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}
    for name in sorted(tables):
        path = folder / name
        pq.write_table(
            tables[name], path, compression="zstd", compression_level=3, use_dictionary=True,
            write_statistics=True, version="2.6", data_page_version="1.0", row_group_size=1 << 20,
        )
        files[name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "rows": tables[name].num_rows}
    # "sample": the drop is synthetic; while the warehouse holds only such drops, pages say "sample data" and
    # judge freshness against the sample's own as-at date (freshness.holds_only_sample).
    manifest = {"la_code": la_code, "extract_date": extract.isoformat(), "files": files, "sample": True}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------------------------------------------
# Children: calibration targets


@dataclass(frozen=True)
class _Target:
    """A cohort (adoption orders in a period) whose scorecard figures are fixed exactly."""

    years: tuple[tuple[int, int], ...]  # (financial year start, adoption orders that year)
    a1: int
    a3: int
    a2: int
    consent: int  # placed with consent: no placement order, left out of A2
    zeros: int  # matched before the placement order: counted 0 in A2
    within_mean: int  # typical A1 days of the children placed within 14 months
    median: int | None = None


TARGETS: dict[int, tuple[_Target, ...]] = {
    303: (
        _Target(((2015, 24), (2016, 22), (2017, 22)), a1=339, a3=55, a2=120, consent=3, zeros=1,
                within_mean=300),
        _Target(((2018, 1),), a1=340, a3=1, a2=74, consent=0, zeros=0, within_mean=340),
    ),
    886: (
        _Target(((2015, 128), (2016, 135), (2017, 127)), a1=392, a3=285, a2=151, consent=12, zeros=4,
                within_mean=318),
        _Target(((2018, 95),), a1=363, a3=73, a2=120, consent=3, zeros=2, within_mean=318, median=351),
    ),
    887: (
        _Target(((2015, 52), (2016, 48), (2017, 47)), a1=469, a3=75, a2=184, consent=4, zeros=2,
                within_mean=335),
        _Target(((2018, 22),), a1=569, a3=8, a2=217, consent=1, zeros=1, within_mean=330),
    ),
}


@dataclass(frozen=True)
class _Profile:
    """A council's typical volumes and timeliness, for the years not fixed by a target."""

    adoptions: tuple[int, int]  # adoption orders per year (min, max)
    within_mean: int
    over_mean: int
    p_within: float  # share placed within 14 months
    a2_mean: int
    reversals: tuple[int, int]  # plan reversals per year
    disruptions_per_year: float
    second_journeys: int
    enquiries: tuple[int, int]  # adopter enquiries per year
    ethnicity: tuple[tuple[str, float], ...]


PROFILES: dict[int, _Profile] = {
    303: _Profile((7, 16), 300, 520, 0.78, 105, (1, 3), 0.35, 0, (40, 50),
                  (("WBRI", 55), ("WOTH", 7), ("MWBC", 9), ("MWBA", 4), ("MWAS", 2), ("MOTH", 6), ("BAFR", 8),
                   ("BCRB", 2), ("BOTH", 2), ("AIND", 1), ("AOTH", 2), ("OOTH", 2))),
    886: _Profile((110, 136), 318, 560, 0.74, 135, (10, 18), 2.0, 3, (255, 295),
                  (("WBRI", 78), ("WOTH", 4), ("WIRT", 1), ("WROM", 1), ("MWBC", 4), ("MWBA", 1),
                   ("MWAS", 2), ("MOTH", 3), ("AOTH", 1), ("BAFR", 1), ("BOTH", 1), ("OOTH", 1), ("NOBT", 2))),
    887: _Profile((28, 42), 335, 640, 0.55, 180, (4, 8), 1.0, 1, (66, 82),
                  (("WBRI", 72), ("WOTH", 5), ("MWBC", 6), ("MWBA", 2), ("MWAS", 2), ("MOTH", 4), ("BAFR", 3),
                   ("BCRB", 1), ("AOTH", 1), ("OOTH", 2), ("NOBT", 2))),
}

#: Bounds on days from entering care to placement: within 14 months is < 424 days whatever the start
#: date (31 Dec + 14 months = 28 Feb, 424 days), and never within is >= 428 days (1 Mar + 14 = 1 May).
_WITHIN = (160, 423)
_OVER = (428, 1500)
_MIN_BEFORE_ORDER = 75  # days from entering care to the placement order, at least
_REVERSAL_REASONS = ("returned_to_family", "special_guardianship", "long_term_fostering", "court_refused_po",
                     "needs_changed")


def _fit_sum(rng: random.Random, values: list[int], lo: list[int], hi: list[int], target: int) -> list[int]:
    """Nudge integer values within their bounds until they sum exactly to `target`."""
    if not sum(lo) <= target <= sum(hi):
        raise ValueError(f"cannot reach {target} within bounds [{sum(lo)}, {sum(hi)}]")
    vals = [min(max(v, a), b) for v, a, b in zip(values, lo, hi, strict=True)]
    order = list(range(len(vals)))
    diff = target - sum(vals)
    while diff:
        rng.shuffle(order)
        step = max(1, abs(diff) // len(vals))
        for i in order:
            if diff == 0:
                break
            d = min(step, diff, hi[i] - vals[i]) if diff > 0 else -min(step, -diff, vals[i] - lo[i])
            vals[i] += d
            diff -= d
    return vals


def _age_days(rng: random.Random, early_permanence: bool) -> int:
    """Age on entering care: adoption is mostly for babies and young children."""
    if early_permanence:
        return rng.randint(0, 60)
    r = rng.random()
    if r < 0.25:
        return rng.randint(0, 30)
    if r < 0.55:
        return rng.randint(31, 365)
    if r < 0.87:
        return rng.randint(366, 3 * 365)
    return rng.randint(3 * 365 + 1, 7 * 365)


class _Ids:
    """Numbers a council's sibling groups (pseudonymous, e.g. SG-KT0012) across all its cohorts."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.groups = 0

    def sibling_group(self) -> str:
        self.groups += 1
        return f"SG-{self.prefix}{self.groups:04d}"


def _adopted_cohort(
    rng: random.Random, la_code: int, years: Sequence[tuple[int, int]], target: _Target | None, ids: _Ids,
) -> list[dict[str, Any]]:
    """Journeys ending in an adoption order in the given years; exact A1/A2/A3 where a target is given."""
    prof = PROFILES[la_code]
    fys = [y for y, count in years for _ in range(count)]
    n = len(fys)
    if n == 0:
        return []
    ao = [_weekday_between(rng, _fy_start(y), _fy_end(y)) for y in fys]
    idx = list(range(n))

    # sibling pairs share the match, placement and adoption order (never the specially placed children)
    sib_of: dict[int, int] = {}
    by_year: dict[int, list[int]] = {}
    for i, y in enumerate(fys):
        by_year.setdefault(y, []).append(i)
    for members in by_year.values():
        pool = rng.sample(members, len(members))
        for k in range(round(len(members) * 0.035)):
            a, b = pool[2 * k], pool[2 * k + 1]
            sib_of[b] = a
            ao[b] = ao[a]
    paired = set(sib_of) | set(sib_of.values())
    free = [i for i in idx if i not in paired]
    if target is not None:
        special = rng.sample(free, target.consent + target.zeros)
        consent = set(special[: target.consent])
        zeros = set(special[target.consent:])
    else:
        consent = {i for i in free if rng.random() < 0.03}
        zeros = {i for i in free if i not in consent and rng.random() < 0.003}
    early = {i for i in idx if i not in consent and rng.random() < 0.13}
    interagency = {i for i in idx if i not in early and rng.random() < 0.11}

    settle = [0] * n
    intro = [0] * n
    for i in idx:
        if i in sib_of:
            continue
        s = rng.randint(90, 330)
        while (ao[i] - dt.timedelta(days=s)).weekday() >= 5:
            s += 1
        settle[i] = s
        if i in zeros:
            intro[i] = rng.randint(10, 42)
        elif i in early:
            intro[i] = rng.randint(1, 14)
        else:
            intro[i] = rng.randint(7, 42)
    for b, a in sib_of.items():
        settle[b], intro[b] = settle[a], intro[a]

    # A1: days from entering care to placement
    if target is not None:
        within = set(rng.sample(idx, target.a3))
        lo = [_WITHIN[0] if i in within else _OVER[0] for i in idx]
        hi = [_WITHIN[1] if i in within else _OVER[1] for i in idx]
        if target.median is not None:
            k = (n - 1) // 2  # 0-based position of the median (n odd)
            if n % 2 == 0 or len(within) <= k:
                raise ValueError("median must fall among the children placed within 14 months")
            order = sorted(within)
            rng.shuffle(order)
            for pos, i in enumerate(order):
                if pos < k:
                    hi[i] = target.median - 1
                elif pos == k:
                    lo[i] = hi[i] = target.median
                else:
                    lo[i] = target.median + 1
        n_over = n - len(within)
        over_mean = (target.a1 * n - target.within_mean * len(within)) / n_over if n_over else _OVER[0]
        gaps = []
        for i in idx:
            if i in within:
                mode = min(max(3 * target.within_mean - lo[i] - hi[i], lo[i]), hi[i])
                gaps.append(round(rng.triangular(lo[i], hi[i], mode)))
            else:
                gaps.append(_OVER[0] + round(rng.expovariate(1 / max(1.0, over_mean - _OVER[0]))))
        gaps = _fit_sum(rng, gaps, lo, hi, target.a1 * n)
    else:
        gaps = []
        for _ in idx:
            if rng.random() < prof.p_within:
                mode = min(max(3 * prof.within_mean - sum(_WITHIN), _WITHIN[0]), _WITHIN[1])
                gaps.append(round(rng.triangular(_WITHIN[0], _WITHIN[1], mode)))
            else:
                g = _OVER[0] + round(rng.expovariate(1 / (prof.over_mean - _OVER[0])))
                gaps.append(min(g, _OVER[1]))

    # A2: days from placement order to match (0 where the match came first)
    a2_set = [i for i in idx if i not in consent]
    a2_lo = [0 if i in zeros else 1 for i in a2_set]
    a2_hi = [0 if i in zeros else min(1000, gaps[i] - intro[i] - _MIN_BEFORE_ORDER) for i in a2_set]
    mean = target.a2 if target is not None else prof.a2_mean
    a2_vals = [round(mean * rng.uniform(0.35, 1.65)) for _ in a2_set]
    if target is not None:
        a2_vals = _fit_sum(rng, a2_vals, a2_lo, a2_hi, target.a2 * len(a2_set))
    else:
        a2_vals = [min(max(v, a), b) for v, a, b in zip(a2_vals, a2_lo, a2_hi, strict=True)]
    a2 = dict(zip(a2_set, a2_vals, strict=True))

    journeys: list[dict[str, Any]] = []
    for i in idx:
        placed = ao[i] - dt.timedelta(days=settle[i])
        matched = placed - dt.timedelta(days=intro[i])
        entered = placed - dt.timedelta(days=gaps[i])
        if i in consent:
            po = None
        elif i in zeros:
            po = matched + dt.timedelta(days=rng.randint(1, intro[i] - 1))
        else:
            po = matched - dt.timedelta(days=a2[i])
        pre = ((po or matched) - entered).days
        adm = entered + dt.timedelta(days=min(max(round(pre * rng.uniform(0.35, 0.65)), 14), pre - 14))
        journeys.append({
            "entered_care_date": entered,
            "adm_decision_date": adm,
            "placement_order_date": po,
            "placed_with_consent": i in consent,
            "matched_date": matched,
            "placed_date": placed,
            "fostered_by_adopters_from": (entered + dt.timedelta(days=rng.randint(0, 40))) if i in early else None,
            "early_permanence": i in early,
            "interagency": i in interagency,
            "adoption_order_date": ao[i],
        })
    _add_people(rng, la_code, journeys, sib_of, early, ids)
    return journeys


def _add_people(
    rng: random.Random, la_code: int, journeys: list[dict[str, Any]], sib_of: dict[int, int], early: set[int],
    ids: _Ids,
) -> None:
    """Date of birth, sex, ethnicity and sibling group for each journey."""
    codes, weights = zip(*PROFILES[la_code].ethnicity, strict=True)
    groups: dict[int, str] = {}
    for i, j in enumerate(journeys):
        j["date_of_birth"] = j["entered_care_date"] - dt.timedelta(days=_age_days(rng, i in early))
        j["sex"] = rng.choice("MF")
        j["ethnicity"] = rng.choices(codes, weights)[0]
    for b, a in sorted(sib_of.items()):
        group = groups.setdefault(a, ids.sibling_group())
        journeys[a]["sibling_group_id"] = journeys[b]["sibling_group_id"] = group
        journeys[b]["ethnicity"] = journeys[a]["ethnicity"]
        older = journeys[a]["date_of_birth"] - dt.timedelta(days=rng.randint(400, 1500))
        journeys[b]["date_of_birth"] = min(older, journeys[b]["entered_care_date"] - dt.timedelta(days=30))


def _unadopted(rng: random.Random, la_code: int, first: int, last: int) -> list[dict[str, Any]]:
    """Plans reversed before a placement, and placements that disrupted before an order."""
    prof = PROFILES[la_code]
    out: list[dict[str, Any]] = []
    codes, weights = zip(*prof.ethnicity, strict=True)
    for year in range(first, last + 1):
        for _ in range(rng.randint(*prof.reversals)):
            entered = _fy_start(year) + dt.timedelta(days=rng.randint(0, 364))
            adm = entered + dt.timedelta(days=rng.randint(60, 250))
            po = adm + dt.timedelta(days=rng.randint(40, 200)) if rng.random() < 0.6 else None
            reversed_ = (po or adm) + dt.timedelta(days=rng.randint(30, 400))
            out.append({"entered_care_date": entered, "adm_decision_date": adm, "placement_order_date": po,
                        "plan_reversed_date": reversed_, "plan_reversed_reason": rng.choice(_REVERSAL_REASONS)})
        disruptions = int(prof.disruptions_per_year) + (rng.random() < prof.disruptions_per_year % 1)
        for _ in range(disruptions):
            entered = _fy_start(year) + dt.timedelta(days=rng.randint(0, 364))
            adm = entered + dt.timedelta(days=rng.randint(60, 200))
            po = adm + dt.timedelta(days=rng.randint(40, 200))
            matched = po + dt.timedelta(days=rng.randint(30, 300))
            placed = matched + dt.timedelta(days=rng.randint(7, 42))
            disrupted = placed + dt.timedelta(days=rng.randint(20, 300))
            row = {"entered_care_date": entered, "adm_decision_date": adm, "placement_order_date": po,
                   "matched_date": matched, "placed_date": placed, "disruption_date": disrupted,
                   "interagency": rng.random() < 0.15}
            if rng.random() < 0.7:
                row["plan_reversed_date"] = disrupted + dt.timedelta(days=rng.randint(30, 200))
                row["plan_reversed_reason"] = "disruption"
            out.append(row)
    for j in out:
        j["date_of_birth"] = j["entered_care_date"] - dt.timedelta(days=_age_days(rng, False))
        j["sex"] = rng.choice("MF")
        j["ethnicity"] = rng.choices(codes, weights)[0]
    return out


def _second_journeys(rng: random.Random, la_code: int, reversed_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A few children returned home, came back into care and were adopted: a second journey each."""
    prof = PROFILES[la_code]
    pool = [j for j in reversed_ if j.get("plan_reversed_reason") == "returned_to_family"
            and j["plan_reversed_date"] >= dt.date(2018, 1, 1)]
    out = []
    for first in rng.sample(pool, min(prof.second_journeys, len(pool))):
        entered = first["plan_reversed_date"] + dt.timedelta(days=rng.randint(365, 800))
        gap = rng.randint(300, 700)
        intro = rng.randint(7, 30)
        placed = entered + dt.timedelta(days=gap)
        matched = placed - dt.timedelta(days=intro)
        po = matched - dt.timedelta(days=rng.randint(30, gap - intro - _MIN_BEFORE_ORDER))
        adm = entered + dt.timedelta(days=((po - entered).days // 2))
        out.append({
            "_same_child": first, "date_of_birth": first["date_of_birth"], "sex": first["sex"],
            "ethnicity": first["ethnicity"], "entered_care_date": entered, "adm_decision_date": adm,
            "placement_order_date": po, "matched_date": matched, "placed_date": placed,
            "adoption_order_date": placed + dt.timedelta(days=rng.randint(120, 300)),
        })
    return out


#: Share of children recorded as disabled (illustrative).
_DISABLED_SHARE = 0.07
_CHILD_DEFAULTS: dict[str, Any] = {c.name: (False if c.type == ColType.BOOL else None) for c in CHILDREN.columns}


def _children_master(la_code: int, as_at: dt.date) -> dict[str, np.ndarray]:
    """Every journey of a council as known at `as_at` (future events included; censored per drop)."""
    rng = _rng(la_code, "children")
    prof = PROFILES[la_code]
    ids = _Ids(PREFIX[la_code])
    journeys: list[dict[str, Any]] = []
    targets = {t.years[0][0]: t for t in TARGETS[la_code]}
    last = _fy(as_at) + 2
    year = 2013
    while year <= last:
        if year in targets:
            t = targets[year]
            journeys += _adopted_cohort(rng, la_code, t.years, t, ids)
            year += len(t.years)
            continue
        journeys += _adopted_cohort(rng, la_code, [(year, rng.randint(*prof.adoptions))], None, ids)
        year += 1
    others = _unadopted(rng, la_code, 2012, _fy(as_at))
    journeys += others
    seconds = _second_journeys(rng, la_code, others)
    journeys += seconds

    # pseudonymous ids: shuffled numbers, stable because everything above is seeded
    people = [j for j in journeys if "_same_child" not in j]
    numbers = rng.sample(range(1, 1_000_000), len(people))
    for j, num in zip(people, numbers, strict=True):
        j["child_id"] = f"{PREFIX[la_code]}-{num:06d}"
    for j in seconds:
        j["child_id"] = j.pop("_same_child")["child_id"]
    for j in journeys:  # v2 `disabled`: its own generator per child, so no other figure moves
        j["disabled"] = _rng(la_code, "disabled", j["child_id"]).random() < _DISABLED_SHARE
    _add_asglb_v3_children(la_code, journeys)
    rows = [{**_CHILD_DEFAULTS, **j} for j in journeys if j["entered_care_date"] <= as_at]
    rows.sort(key=lambda r: (r["child_id"], r["entered_care_date"]))
    return _master_columns(CHILDREN, rows)


#: The SSDA903 reason code (RD1-RD4) of each of the sample's reversal reasons (RD1 the child's needs changed; RD2 the
#: court did not make a placement order; RD3 prospective adopters could not be found; RD4 any other reason).
_REVERSAL_CODES = {"returned_to_family": "RD4", "special_guardianship": "RD4", "long_term_fostering": "RD3",
                   "court_refused_po": "RD2", "needs_changed": "RD1", "disruption": "RD1"}


def _add_asglb_v3_children(la_code: int, journeys: list[dict[str, Any]]) -> None:
    """Contract v3's ASGLB columns for each journey, drawn from generators of their own (one per child and period
    of care), so that adding them moved no value of any earlier column.

    FfA decision and placement dates for the early-permanence journeys (placed on the day fostering by the
    adopters began); the placement provider (interagency: another council/RAA or a voluntary agency); the sibling
    group's size and how many of it were placed together; the reversal reason as its RD code.
    """
    sizes: dict[str, int] = {}
    for j in journeys:
        if j.get("sibling_group_id"):
            sizes[j["sibling_group_id"]] = sizes.get(j["sibling_group_id"], 0) + 1
    for j in journeys:
        rng = _rng(la_code, "asglb-v3", j["child_id"], j["entered_care_date"].isoformat())
        fostered = j.get("fostered_by_adopters_from")
        if fostered is not None:
            j["ffa_placed_date"] = fostered
            j["ffa_decision_date"] = max(j["entered_care_date"], fostered - dt.timedelta(days=rng.randint(3, 30)))
        if j.get("matched_date") is not None:
            j["placement_provider"] = rng.choice(("other_la_raa", "vaa")) if j.get("interagency") else "own"
        group = j.get("sibling_group_id")
        j["sibling_group_size"] = sizes.get(group, 1) if group else 1
        if group and j.get("placed_date") is not None:
            j["siblings_placed_together"] = sizes[group] if rng.random() < 0.85 else 1
        if j.get("plan_reversed_reason"):
            j["plan_reversed_code"] = _REVERSAL_CODES[j["plan_reversed_reason"]]


def _add_asglb_v3_adopters(la_code: int, rows: list[dict[str, Any]]) -> None:
    """Contract v3's ASGLB columns for each household, from a generator per household (see the children's)."""
    codes, weights = zip(*PROFILES[la_code].ethnicity, strict=True)
    for r in rows:
        rng = _rng(la_code, "asglb-v3", r["household_id"])
        couple = rng.random() < 0.7
        r["adopters_count"] = 2 if couple else 1
        r["adopters_sex"] = rng.choice(("MF", "MF", "MF", "FF", "MM")) if couple else rng.choice(("F1", "F1", "M1"))
        r["adopters_legal_status"] = rng.choice(("L11", "L11", "L12", "L2")) if couple else "L0"
        r["adopters_ethnicity"] = rng.choices(codes, weights)[0]
        r["agency_type"] = "vaa" if rng.random() < 0.08 else "la_raa"
        if r.get("placed_date") is not None and rng.random() < 0.03:
            r["disruption_date"] = r["placed_date"] + dt.timedelta(days=rng.randint(20, 300))


def _master_columns(spec: TableSpec, rows: list[dict]) -> dict[str, np.ndarray]:
    """A council's full record as numpy columns (dates as day numbers), cut per extract date later."""
    cols: dict[str, np.ndarray] = {}
    for c in spec.columns:
        values = [r.get(c.name) for r in rows]
        if c.type == ColType.DATE:
            cols[c.name] = np.array([_day(v) for v in values], dtype=np.int64)
        elif c.type == ColType.BOOL:
            cols[c.name] = np.array(values, dtype=bool)
        elif c.type == ColType.INT and None not in values:
            cols[c.name] = np.array(values, dtype=np.int64)
        else:
            cols[c.name] = np.array(values, dtype=object)
    return cols


def _children_table(master: dict[str, np.ndarray], extract: dt.date) -> pa.Table:
    """The council's children as known on `extract`: later journeys absent, later events blank."""
    e = _day(extract)
    keep = master["entered_care_date"] <= e
    col = {k: v[keep] for k, v in master.items()}
    arrays: dict[str, pa.Array] = {}
    for c in CHILDREN.columns:
        if c.type == ColType.DATE:
            arrays[c.name] = _date_array(np.where(col[c.name] > e, _NULL_DAY, col[c.name]))
    placed = col["placed_date"] <= e
    known = {
        "placed_with_consent": col["placed_with_consent"] & placed,
        "early_permanence": col["early_permanence"] & (col["fostered_by_adopters_from"] <= e),
        "interagency": col["interagency"] & (col["matched_date"] <= e),
    }
    for name, values in known.items():
        arrays[name] = pa.array(values, type=pa.bool_())
    arrays["sibling_group_id"] = pa.array(col["sibling_group_id"], type=pa.string(), mask=~placed)
    arrays["plan_reversed_reason"] = pa.array(
        col["plan_reversed_reason"], type=pa.string(), mask=col["plan_reversed_date"] > e)
    for name in ("child_id", "sex", "ethnicity"):
        arrays[name] = pa.array(col[name], type=pa.string())
    arrays["disabled"] = pa.array(col["disabled"], type=pa.bool_())
    # contract v3's ASGLB columns, each known from the step that records it
    matched = col["matched_date"] <= e
    arrays["placement_provider"] = pa.array(col["placement_provider"], type=pa.string(), mask=~matched)
    arrays["family_finding_status"] = pa.array(_family_finding(col, e), type=pa.string())
    arrays["sibling_group_size"] = pa.array(col["sibling_group_size"].astype(np.int64), type=pa.int64())
    arrays["siblings_placed_together"] = pa.array(
        [None if v is None else int(v) for v in col["siblings_placed_together"]], type=pa.int64(), mask=~placed)
    arrays["plan_reversed_code"] = pa.array(
        col["plan_reversed_code"], type=pa.string(), mask=col["plan_reversed_date"] > e)
    return _table(CHILDREN, arrays)


def _family_finding(col: dict[str, np.ndarray], e: int) -> list[str]:
    """Each child's family-finding status on the extract day `e`, from the dates known by then."""
    def on(name: str) -> np.ndarray:
        return col[name] <= e
    return list(np.select(
        [on("plan_reversed_date") | on("disruption_date") & ~on("adoption_order_date"),
         on("placed_date"), on("matched_date"), on("placement_order_date") | on("adm_decision_date")],
        ["ended", "placed", "matched", "family_finding"], "not_started"))


# --------------------------------------------------------------------------------------------------
# Adopters


def _adopters_master(la_code: int, as_at: dt.date) -> dict[str, np.ndarray]:
    """Every adopter household's journey from enquiry (future steps included; censored per drop)."""
    rng = _rng(la_code, "adopters")
    prof = PROFILES[la_code]
    rows: list[dict[str, Any]] = []

    def after(d: dt.date, lo: int, hi: int) -> dt.date:
        return d + dt.timedelta(days=rng.randint(lo, hi))

    for year in range(2012, as_at.year + 1):
        for _ in range(rng.randint(*prof.enquiries)):
            enquiry = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            if enquiry > as_at:
                continue
            r: dict[str, Any] = {"enquiry_date": enquiry, "fast_track": False, "early_permanence": False,
                                 "interagency_child": False, "children_placed": 0}
            rows.append(r)
            if rng.random() > 0.36:
                r["withdrawn_date"], r["withdrawn_reason"] = after(enquiry, 14, 120), "did_not_register"
                continue
            r["roi_date"] = after(enquiry, 7, 90)
            if rng.random() < 0.1:
                r["fast_track"] = True
                r["stage2_start_date"] = after(r["roi_date"], 7, 30)
            else:
                r["stage1_end_date"] = after(r["roi_date"], 35, 95)
                if rng.random() < 0.16:
                    r["withdrawn_date"] = after(r["roi_date"], 10, 60)
                    r["withdrawn_reason"] = rng.choice(("self_withdrew", "change_of_circumstances"))
                    del r["stage1_end_date"]
                    continue
                r["stage2_start_date"] = after(r["stage1_end_date"], 0, 35)
            if rng.random() < 0.11:
                r["withdrawn_date"] = after(r["stage2_start_date"], 20, 100)
                r["withdrawn_reason"] = rng.choice(("self_withdrew", "counselled_out", "not_approved"))
                continue
            r["approval_date"] = _weekday_between(
                rng, r["stage2_start_date"] + dt.timedelta(days=90), r["stage2_start_date"] + dt.timedelta(days=190))
            r["early_permanence"] = rng.random() < 0.13
            if rng.random() < 0.06:
                r["withdrawn_date"] = after(r["approval_date"], 60, 400)
                r["withdrawn_reason"] = "change_of_circumstances"
                continue
            wait = min(700, 14 + round(rng.expovariate(1 / 110)))
            r["matched_date"] = r["approval_date"] + dt.timedelta(days=wait)
            r["placed_date"] = after(r["matched_date"], 10, 45)
            r["children_placed"] = 2 if rng.random() < 0.12 else 1
            r["interagency_child"] = rng.random() < 0.1
    numbers = rng.sample(range(1, 100_000), len(rows))
    for r, num in zip(rows, numbers, strict=True):
        r["household_id"] = f"{PREFIX[la_code]}-A{num:05d}"
    _add_asglb_v3_adopters(la_code, rows)
    rows.sort(key=lambda r: r["household_id"])
    return _master_columns(ADOPTERS, rows)


def _adopters_table(master: dict[str, np.ndarray], extract: dt.date) -> pa.Table:
    e = _day(extract)
    keep = master["enquiry_date"] <= e
    col = {k: v[keep] for k, v in master.items()}
    arrays: dict[str, pa.Array] = {}
    for c in ADOPTERS.columns:
        if c.type == ColType.DATE:
            arrays[c.name] = _date_array(np.where(col[c.name] > e, _NULL_DAY, col[c.name]))
    placed = col["placed_date"] <= e
    arrays["children_placed"] = pa.array(np.where(placed, col["children_placed"], 0), type=pa.int64())
    arrays["withdrawn_reason"] = pa.array(col["withdrawn_reason"], type=pa.string(),
                                          mask=col["withdrawn_date"] > e)
    arrays["fast_track"] = pa.array(col["fast_track"], type=pa.bool_())
    arrays["early_permanence"] = pa.array(col["early_permanence"] & (col["approval_date"] <= e), type=pa.bool_())
    arrays["interagency_child"] = pa.array(col["interagency_child"] & (col["matched_date"] <= e), type=pa.bool_())
    arrays["household_id"] = pa.array(col["household_id"], type=pa.string())
    # contract v3's ASGLB columns: the household's characteristics are known from its enquiry
    arrays["adopters_count"] = pa.array(col["adopters_count"].astype(np.int64), type=pa.int64())
    for name in ("adopters_sex", "adopters_legal_status", "adopters_ethnicity", "agency_type"):
        arrays[name] = pa.array(col[name], type=pa.string())
    return _table(ADOPTERS, arrays)


# --------------------------------------------------------------------------------------------------
# Finance

#: 2019-20 approved line budgets (pounds). Subtotals: Bexley 399,930.00 / 164,840.00; Kent 1,951,120.00 /
#: 1,004,820.00; Medway 551,990.00 / 113,780.00. Staffing lines are multiples of £4 so the 2.75% pay
#: award is exact to the penny. ASF lines sit outside the subtotals.
BASELINE: dict[int, dict[str, str]] = {
    303: {"staffing": "254380.00", "agency_staff": "18755.00", "recruitment_marketing": "22140.80",
          "panels": "12905.45", "interagency_fees": "59400.00", "interagency_income": "-29700.00",
          "running_costs": "62048.75", "support_staffing": "112628.00", "commissioned_support": "38950.60",
          "support_running_costs": "13261.40", "asf_spend": "71300.00", "asf_income": "-71300.00"},
    886: {"staffing": "1228604.00", "agency_staff": "58437.50", "recruitment_marketing": "96215.40",
          "panels": "61880.25", "interagency_fees": "351000.00", "interagency_income": "-108000.00",
          "running_costs": "262982.85", "support_staffing": "702348.00", "commissioned_support": "214560.75",
          "support_running_costs": "87911.25", "asf_spend": "486250.00", "asf_income": "-486250.00"},
    887: {"staffing": "352116.00", "agency_staff": "24310.00", "recruitment_marketing": "31457.60",
          "panels": "18240.35", "interagency_fees": "108000.00", "interagency_income": "-27000.00",
          "running_costs": "44866.05", "support_staffing": "78412.00", "commissioned_support": "24605.50",
          "support_running_costs": "10762.50", "asf_spend": "132400.00", "asf_income": "-132400.00"},
}
_UPLIFT = Decimal("1.02")

#: Full-year outcome by line in the council's current year (share of budget): one red, several amber.
_CURRENT_YEAR_DESIGN: dict[int, dict[str, float]] = {
    886: {"agency_staff": 0.14, "interagency_fees": 0.025, "commissioned_support": 0.015},
    887: {"recruitment_marketing": 0.03},
    303: {"panels": -0.09},
}
#: 2021-22 outturn: a modest pooled overspend in Kent, an underspend in Medway.
_YEAR_2021_DESIGN: dict[int, dict[str, float]] = {
    886: {"staffing": 0.012, "agency_staff": 0.20, "recruitment_marketing": -0.04, "panels": -0.02,
          "interagency_fees": 0.08, "interagency_income": 0.0, "running_costs": -0.03},
    887: {"staffing": -0.05, "agency_staff": -0.02, "recruitment_marketing": -0.02, "panels": -0.02,
          "interagency_fees": 0.0, "interagency_income": 0.0, "running_costs": -0.02},
}


def _cost_lines() -> list[CostLine]:
    return sorted(load_reference().cost_lines, key=lambda c: c.sort_order)


def budgets(la_code: int, last_year: int) -> dict[int, dict[str, int]]:
    """Approved line budgets in pennies for each financial year from 2019-20 to `last_year`.

    2020-21 is the baseline plus the pay award on the staffing lines; each later year is a 2% uplift
    on every line, quantized to pennies half-even.
    """
    lines = _cost_lines()
    award = 1 + load_reference().settings.pay_award_2020_21_pct / 100
    out: dict[int, dict[str, int]] = {}
    current = {c.cost_line: Decimal(BASELINE[la_code][c.cost_line]) for c in lines}
    staff = {c.cost_line for c in lines if c.recharged_quarterly}
    for year in range(BASELINE_YEAR, last_year + 1):
        if year == BASELINE_YEAR + 1:
            current = {k: (v * award if k in staff else v).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
                       for k, v in current.items()}
        elif year > BASELINE_YEAR + 1:
            current = {k: (v * _UPLIFT).quantize(Decimal("0.01"), ROUND_HALF_EVEN) for k, v in current.items()}
        out[year] = {k: _pennies(v) for k, v in current.items()}
    return out


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split `total` pennies over months in proportion to `weights`; exact to the penny."""
    s = sum(weights)
    parts = [int(total * w / s) if s else 0 for w in weights]
    nonzero = [i for i, w in enumerate(weights) if w] or [len(weights) - 1]
    parts[nonzero[-1]] += total - sum(parts)
    return parts


def _month_weights(rng: random.Random, line: str) -> list[float]:
    if line in ("staffing", "support_staffing"):
        return [(1 + rng.uniform(-0.03, 0.03)) if p % 3 == 0 else 0.0 for p in range(1, 13)]
    if line in ("interagency_fees", "interagency_income"):
        events = rng.sample(range(12), rng.randint(2, 5) if line == "interagency_fees" else rng.randint(1, 3))
        return [rng.uniform(0.8, 1.3) if m in events else 0.0 for m in range(12)]
    if line == "recruitment_marketing":
        campaigns = rng.sample(range(12), 2)
        return [(2.6 if m in campaigns else 1.0) * rng.uniform(0.7, 1.3) for m in range(12)]
    spread = {"agency_staff": 0.15, "panels": 0.25, "running_costs": 0.1, "commissioned_support": 0.25,
              "support_running_costs": 0.15, "asf_spend": 0.3}.get(line, 0.2)
    return [1 + rng.uniform(-spread, spread) for _ in range(12)]


@dataclass(frozen=True)
class _LedgerYear:
    actual: dict[str, list[int]]  # line -> 12 monthly actuals (pennies)
    forecast: dict[str, list[int | None]]  # line -> 12 forecasts made at each period (pennies or None)


def _ledger_year(la_code: int, year: int, current_year: int) -> _LedgerYear:
    """One council-year of monthly actuals and the finance officer's forecasts (pennies)."""
    rng = _rng(la_code, "ledger", year, year == current_year)
    lines = [c.cost_line for c in _cost_lines()]
    budget = budgets(la_code, year)[year]
    actual: dict[str, list[int]] = {}
    outturn: dict[str, int] = {}
    for line in lines:
        b = budget[line]
        if year == current_year:
            if line in ("interagency_income", "asf_spend", "asf_income"):
                var = 0.0
            else:
                var = _CURRENT_YEAR_DESIGN.get(la_code, {}).get(line, rng.uniform(-0.035, -0.008))
        elif year == 2021 and line in _YEAR_2021_DESIGN.get(la_code, {}):
            var = _YEAR_2021_DESIGN[la_code][line]
        elif line in ("interagency_income", "asf_spend"):
            var = rng.uniform(-0.1, 0.1)
        else:
            var = rng.uniform(-0.04, 0.04)
        if line == "asf_income":
            spend = actual["asf_spend"]
            short = set(rng.sample(range(12), 3))
            actual[line] = [-(s * rng.randint(93, 99) // 100) if m in short else -s for m, s in enumerate(spend)]
            outturn[line] = b if year == current_year else sum(actual[line])
            continue
        outturn[line] = round(b * (1 + var))
        actual[line] = _spread(outturn[line], _month_weights(rng, line))
    forecast: dict[str, list[int | None]] = {}
    for line in lines:
        b, t = budget[line], outturn[line]
        series: list[int | None] = []
        for p in range(1, 13):
            if p == 12 and year != current_year:
                series.append(t)
            elif year == current_year and line in ("interagency_income", "asf_spend", "asf_income"):
                series.append(b)
            else:
                lag = max(0.0, 1 - p / 3)
                series.append(round(t + (b - t) * lag + rng.uniform(-1, 1) * 0.003 * abs(b)))
        forecast[line] = series
    # a few forecasts not sent, so the product's default method has to fall back
    blanks = 1 if year == current_year else 2
    for _ in range(blanks):
        line = rng.choice(lines)
        period = rng.randint(1, 3) if year == current_year else rng.randint(1, 11)
        forecast[line][period - 1] = None
    return _LedgerYear(actual, forecast)


def _ledger_table(years: dict[int, _LedgerYear], extract: dt.date) -> pa.Table:
    """Ledger rows for every period from April 2020 to the last month ended by `extract`."""
    last_year, last_period = _last_complete_period(extract)
    lines = _cost_lines()
    fy, period, area, line_col, actual, forecast = [], [], [], [], [], []
    for year in sorted(years):
        for p in range(1, 13):
            if (year, p) > (last_year, last_period):
                break
            for c in lines:
                fy.append(_fy_label(year))
                period.append(p)
                area.append(c.budget_area)
                line_col.append(c.cost_line)
                actual.append(years[year].actual[c.cost_line][p - 1])
                forecast.append(years[year].forecast[c.cost_line][p - 1])
    fmask = np.array([f is None for f in forecast], dtype=bool)
    return _table(LEDGER, {
        "financial_year": _str_array(fy),
        "period": pa.array(period, type=pa.int64()),
        "budget_area": _str_array(area),
        "cost_line": _str_array(line_col),
        "actual_gbp": _money_array(np.array(actual, dtype=np.int64)),
        "forecast_outturn_gbp": _money_array(np.array([f or 0 for f in forecast], dtype=np.int64), fmask),
    })


def _budget_table(la_code: int, extract: dt.date) -> pa.Table:
    lines = _cost_lines()
    last = _fy(extract)
    table = budgets(la_code, last) if last >= BASELINE_YEAR else {}
    rows = [(y, c) for y in sorted(table) for c in lines]
    return _table(BUDGET, {
        "financial_year": _str_array([_fy_label(y) for y, _ in rows]),
        "budget_area": _str_array([c.budget_area for _, c in rows]),
        "cost_line": _str_array([c.cost_line for _, c in rows]),
        "budget_gbp": _money_array(np.array([table[y][c.cost_line] for y, c in rows], dtype=np.int64)),
    })


#: Grade mid-points incl. on-costs at 2026-27 prices (pounds); London posts carry 8% more.
_MIDPOINT = {"team_manager": 76940, "advanced_practitioner": 66780, "senior_social_worker": 60920,
             "social_worker": 53200, "specialist_practitioner": 59380, "social_work_assistant": 37930,
             "admin": 32260}
_POOLED_POSTS = {
    886: [("management", "team_manager"), ("recruitment_assessment", "team_manager"),
          ("family_finding", "team_manager"), ("panels", "advanced_practitioner"), ("panels", "admin"),
          ("recruitment_assessment", "senior_social_worker"), ("family_finding", "senior_social_worker"),
          ("management", "admin")]
    + [("recruitment_assessment", "social_worker"), ("family_finding", "social_worker"),
       ("recruitment_assessment", "social_work_assistant"), ("family_finding", "social_worker")] * 8,
    887: [("management", "team_manager"), ("recruitment_assessment", "senior_social_worker"),
          ("family_finding", "senior_social_worker"), ("panels", "admin")]
    + [("recruitment_assessment", "social_worker"), ("family_finding", "social_worker")] * 6,
    303: [("management", "team_manager"), ("recruitment_assessment", "social_worker"),
          ("family_finding", "social_worker"), ("panels", "admin")]
    + [("family_finding", "social_worker"), ("recruitment_assessment", "social_worker")] * 4,
}
_SUPPORT_POSTS = [("adoption_support", "team_manager"), ("adoption_support", "specialist_practitioner")] + [
    ("adoption_support", "social_worker"), ("adoption_support", "social_work_assistant"),
    ("adoption_support", "specialist_practitioner"), ("adoption_support", "social_worker")] * 6
_AGENCY_POSTS = {  # (team, role, fte, covers a post vacant at go-live)
    886: [("family_finding", "social_worker", 0.6, True), ("recruitment_assessment", "social_worker", 0.4, False)],
    887: [("recruitment_assessment", "social_worker", 0.5, True)],
    303: [("family_finding", "social_worker", 0.4, False)],
}


def _establishment_table(la_code: int, extract: dt.date, as_at: dt.date) -> pa.Table:
    """The staffing establishment: payroll posts sized to the year's staffing budgets, plus agency cover."""
    rng = _rng(la_code, "establishment")
    year = _fy(extract)
    budget = budgets(la_code, max(year, BASELINE_YEAR))[max(year, BASELINE_YEAR)]
    price = Decimal("1.08") if la_code == 303 else Decimal(1)
    price *= _UPLIFT ** (year - 2026) if year >= 2026 else Decimal(1) / _UPLIFT ** (2026 - year)
    posts: list[tuple[str, str, float, int, str, bool]] = []
    sources: list[tuple[int, list[tuple[str, str]]]] = [
        (budget["staffing"], _POOLED_POSTS[la_code]), (budget["support_staffing"], _SUPPORT_POSTS)]
    for target_pennies, template in sources:
        total = 0
        for team, role in template:
            mid = _pennies(Decimal(_MIDPOINT[role]) * price)
            fte = 0.8 if rng.random() < 0.08 else 1.0
            cost = round(mid * fte)
            if total + cost > target_pennies:
                fte = round((target_pennies - total) / mid, 1)
                if fte < 0.2:
                    break
                cost = round(mid * fte)
            vacant = rng.random() < 0.1
            if not vacant:
                cost = round(cost * rng.uniform(0.96, 1.03))
            posts.append((team, role, fte, cost, "vacant" if vacant else "filled", False))
            total += cost
    # one Kent vacancy is filled during the eight weeks of drops
    if la_code == 886:
        i = next(k for k, p in enumerate(posts) if p[1] == "social_worker" and p[4] == "filled")
        if extract < as_at - dt.timedelta(days=21):
            team, role, fte, _, _, _ = posts[i]
            posts[i] = (team, role, fte, round(_pennies(Decimal(_MIDPOINT[role]) * price) * fte), "vacant", False)
    for team, role, fte, go_live in _AGENCY_POSTS[la_code]:
        posts.append((team, role, fte, round(_pennies(Decimal(_MIDPOINT[role]) * price) * fte * 1.45), "agency",
                      go_live))
    prefix = PREFIX[la_code]
    return _table(ESTABLISHMENT, {
        "post_id": _str_array([f"{prefix}-P{i + 1:03d}" for i in range(len(posts))]),
        "team": _str_array([p[0] for p in posts]),
        "role": _str_array([p[1] for p in posts]),
        "fte": pa.array([p[2] for p in posts], type=pa.float64()),
        "annual_cost_gbp": _money_array(np.array([p[3] for p in posts], dtype=np.int64)),
        "status": _str_array([p[4] for p in posts]),
        "agency_covers_go_live_vacancy": pa.array([p[5] for p in posts], type=pa.bool_()),
    })


# --------------------------------------------------------------------------------------------------
# Public entry points


def extract_dates(as_at: dt.date = DEFAULT_AS_AT) -> list[dt.date]:
    """The weekly extract dates of the sample, oldest first."""
    return [as_at - dt.timedelta(days=7 * k) for k in reversed(range(DROPS_PER_COUNCIL))]


def generate(out_dir: Path, as_at: dt.date = DEFAULT_AS_AT) -> list[Path]:
    """Write the calibrated sample drops under `out_dir/<la_code>/<extract_date>/`; returns the folders.

    Same arguments, same bytes: every random choice comes from generators seeded by name.
    """
    out_dir = Path(out_dir)
    folders: list[Path] = []
    current = _fy(as_at)
    for la_code in COUNCILS:
        children = _children_master(la_code, as_at)
        adopters = _adopters_master(la_code, as_at)
        ledger_years = {y: _ledger_year(la_code, y, current) for y in range(POOLED_YEAR, current + 1)}
        for extract in extract_dates(as_at):
            tables = {
                CHILDREN.file: _children_table(children, extract),
                ADOPTERS.file: _adopters_table(adopters, extract),
                LEDGER.file: _ledger_table(ledger_years, extract),
                BUDGET.file: _budget_table(la_code, extract),
                ESTABLISHMENT.file: _establishment_table(la_code, extract, as_at),
            }
            folders.append(_write_drop(out_dir, la_code, extract, tables))
    marker = {"sample": True, "as_at": as_at.isoformat(),
              "note": "Synthetic drops written by `raa sample`: loaded below this folder, they are sample data."}
    (out_dir / SAMPLE_ROOT_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return sorted(folders)


# --------------------------------------------------------------------------------------------------
# National-scale drops for the ingest benchmark (vectorised)

_ETHNICITIES = np.array(["WBRI", "WOTH", "WIRT", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
                         "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "NOBT"], dtype=object)
_ETH_P = np.array([70, 5, 1, 4, 1, 2, 3, 1, 1, 1, 1, 1, 2, 1, 1, 2, 3], dtype=float)


def _censor(days: np.ndarray, e: int) -> np.ndarray:
    return np.where(days > e, _NULL_DAY, days)


def _national_children(g: np.random.Generator, code: int, n: int, e: int) -> pa.Table:
    entered = e - g.integers(0, 365 * 9, n)
    dob = entered - g.integers(0, 365 * 7, n)
    adm = entered + g.integers(30, 240, n)
    consent = g.random(n) < 0.03
    po = np.where(consent, _NULL_DAY, adm + g.integers(14, 200, n))
    matched = np.where(consent, adm, po) + g.integers(0, 300, n)
    placed = matched + g.integers(7, 42, n)
    ao = placed + g.integers(80, 400, n)
    rev = g.random(n) < 0.06
    reversed_ = np.where(rev, adm + g.integers(30, 300, n), _NULL_DAY)
    matched, placed, ao = (np.where(rev, _NULL_DAY, a) for a in (matched, placed, ao))
    ep = g.random(n) < 0.12
    fostered = np.where(ep & ~rev, entered + g.integers(0, 37, n), _NULL_DAY)
    dates = {name: _censor(v, e) for name, v in {
        "date_of_birth": dob, "entered_care_date": entered, "adm_decision_date": adm,
        "placement_order_date": po, "matched_date": matched, "placed_date": placed,
        "fostered_by_adopters_from": fostered, "adoption_order_date": ao, "plan_reversed_date": reversed_,
        "disruption_date": np.full(n, _NULL_DAY)}.items()}
    ids = np.array([f"N{code}-{i:06d}" for i in range(1, n + 1)], dtype=object)
    arrays: dict[str, pa.Array] = {name: _date_array(v) for name, v in dates.items()}
    placed_known = dates["placed_date"] < _NULL_DAY
    arrays.update({
        "child_id": pa.array(ids, type=pa.string()),
        "sex": pa.array(np.where(g.random(n) < 0.5, "M", "F").astype(object), type=pa.string()),
        "ethnicity": pa.array(g.choice(_ETHNICITIES, n, p=_ETH_P / _ETH_P.sum()), type=pa.string()),
        "placed_with_consent": pa.array(consent & placed_known, type=pa.bool_()),
        "early_permanence": pa.array(dates["fostered_by_adopters_from"] < _NULL_DAY, type=pa.bool_()),
        "interagency": pa.array((g.random(n) < 0.1) & (dates["matched_date"] < _NULL_DAY), type=pa.bool_()),
        "sibling_group_id": pa.nulls(n, type=pa.string()),
        "disabled": pa.array(np.arange(n) * 2654435761 % 100 < 7, type=pa.bool_()),  # no draw: g stays put
        "plan_reversed_reason": pa.array(np.full(n, "needs_changed", dtype=object), type=pa.string(),
                                         mask=dates["plan_reversed_date"] >= _NULL_DAY),
    })
    return _table(CHILDREN, arrays)


def _national_adopters(g: np.random.Generator, code: int, n: int, e: int) -> pa.Table:
    enquiry = e - g.integers(0, 365 * 5, n)
    roi = enquiry + g.integers(7, 90, n)
    fast = g.random(n) < 0.1
    s1 = np.where(fast, _NULL_DAY, roi + g.integers(35, 95, n))
    s2 = np.where(fast, roi, s1) + g.integers(0, 35, n)
    approval = s2 + g.integers(90, 190, n)
    matched = approval + g.integers(14, 400, n)
    placed = matched + g.integers(10, 45, n)
    quit_ = g.random(n) < 0.2
    withdrawn = np.where(quit_, roi + g.integers(10, 60, n), _NULL_DAY)
    s1, s2, approval, matched, placed = (np.where(quit_, _NULL_DAY, a) for a in (s1, s2, approval, matched, placed))
    dates = {name: _censor(v, e) for name, v in {
        "enquiry_date": enquiry, "roi_date": roi, "stage1_end_date": s1, "stage2_start_date": s2,
        "approval_date": approval, "matched_date": matched, "placed_date": placed,
        "withdrawn_date": withdrawn}.items()}
    arrays: dict[str, pa.Array] = {name: _date_array(v) for name, v in dates.items()}
    arrays.update({
        "household_id": pa.array(np.array([f"H{code}-{i:06d}" for i in range(1, n + 1)], dtype=object),
                                 type=pa.string()),
        "children_placed": pa.array(np.where(dates["placed_date"] < _NULL_DAY, 1, 0), type=pa.int64()),
        "withdrawn_reason": pa.array(np.full(n, "self_withdrew", dtype=object), type=pa.string(),
                                     mask=dates["withdrawn_date"] >= _NULL_DAY),
        "fast_track": pa.array(fast, type=pa.bool_()),
        "early_permanence": pa.array((g.random(n) < 0.12) & (dates["approval_date"] < _NULL_DAY),
                                     type=pa.bool_()),
        "interagency_child": pa.array((g.random(n) < 0.1) & (dates["matched_date"] < _NULL_DAY),
                                      type=pa.bool_()),
    })
    return _table(ADOPTERS, arrays)


def _national_finance(g: np.random.Generator, extract: dt.date) -> tuple[pa.Table, pa.Table]:
    lines = _cost_lines()
    last_year, last_period = _last_complete_period(extract)
    years = [last_year - 1, last_year]
    base = g.integers(1_000_000, 50_000_000, len(lines))  # pennies
    sign = np.array([-1 if c.kind == "income" or c.cost_line == "asf_income" else 1 for c in lines])
    quarterly = np.array([c.recharged_quarterly for c in lines])
    b_rows, l_rows = [], []
    for k, year in enumerate(years):
        budget = base * sign * (100 + 2 * k) // 100
        b_rows += [(_fy_label(year), c, int(budget[j])) for j, c in enumerate(lines)]
        periods = 12 if year < last_year else last_period
        for p in range(1, periods + 1):
            noise = g.uniform(0.8, 1.2, len(lines))
            monthly = (budget * noise / 12).astype(np.int64)
            monthly = np.where(quarterly, np.where(p % 3 == 0, monthly * 3, 0), monthly)
            forecast = (budget * g.uniform(0.95, 1.05, len(lines))).astype(np.int64)
            l_rows += [(_fy_label(year), p, c, int(monthly[j]), int(forecast[j])) for j, c in enumerate(lines)]
    budget_t = _table(BUDGET, {
        "financial_year": _str_array([r[0] for r in b_rows]),
        "budget_area": _str_array([r[1].budget_area for r in b_rows]),
        "cost_line": _str_array([r[1].cost_line for r in b_rows]),
        "budget_gbp": _money_array(np.array([r[2] for r in b_rows], dtype=np.int64)),
    })
    ledger_t = _table(LEDGER, {
        "financial_year": _str_array([r[0] for r in l_rows]),
        "period": pa.array([r[1] for r in l_rows], type=pa.int64()),
        "budget_area": _str_array([r[2].budget_area for r in l_rows]),
        "cost_line": _str_array([r[2].cost_line for r in l_rows]),
        "actual_gbp": _money_array(np.array([r[3] for r in l_rows], dtype=np.int64)),
        "forecast_outturn_gbp": _money_array(np.array([r[4] for r in l_rows], dtype=np.int64)),
    })
    return budget_t, ledger_t


def generate_national(
    out_dir: Path, la_codes: list[int], children_per_council: int, extract_date: dt.date, seed: int = 1,
) -> list[Path]:
    """One large valid drop per council code (children, adopters, 2-year budget and ledger), fast.

    For the ingest benchmark: vectorised numpy, deterministic for the same arguments.
    """
    out_dir = Path(out_dir)
    e = _day(extract_date)
    folders = []
    for code in la_codes:
        g = np.random.default_rng([seed, code])
        budget_t, ledger_t = _national_finance(g, extract_date)
        tables = {
            CHILDREN.file: _national_children(g, code, children_per_council, e),
            ADOPTERS.file: _national_adopters(g, code, max(1, children_per_council // 10), e),
            BUDGET.file: budget_t,
            LEDGER.file: ledger_t,
        }
        folders.append(_write_drop(out_dir, code, extract_date, tables))
    return sorted(folders)


