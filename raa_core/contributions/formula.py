"""The demand-led contribution engine (docs/finance.md "Demand-led contributions" and its v2 part).

For each modelled year, per council:
  baseline share  = the council's base-year budget / all councils' base-year budgets (scope: pooled, or
                    pooled and adoption support; ASF lines are outside the contributions);
  demand share    = sum over drivers of weight x (council's driver / all councils' driver), each driver
                    averaged over the `window_years` financial years before the budget year;
  formula share   = (1 - t) x baseline share + t x demand share;
  contribution    = formula share x the year's total, except that a council whose change on its previous
                    year would break the cap or floor is held at that bound and the rest of the total is
                    shared among the others in proportion to their formula shares, until stable.
The year's total is the previous year's plus `uplift_pct` (rounded half up to the penny) unless the
scenario names it. Arithmetic is exact (fractions); contributions are whole pence summing to the total by
largest remainder (ties to the lower council code, so the order councils are given in never matters).

No streamlit here: the Scenarios page, `raa contributions` and the tests call these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from functools import cmp_to_key

import pandas as pd

from raa_core.contributions.drivers import STATUS_LABELS, DriverTable, driver_catalogue, engine_drivers
from raa_core.contributions.scenario import ContributionsRequest, Scenario, ScenarioError, year_label, year_start
from raa_core.errors import BadInput, NoData
from raa_core.finance import budget
from raa_core.finance.settlement import allocate
from raa_core.money import json_money
from raa_core.presentation import display
from raa_core.presentation.text import gbp, plain_number, rounded, share_text
from raa_core.reference import Reference, load_reference
from raa_core.requests import DataRequest, MonitoringRequest
from raa_core.snapshot import Snapshot

SHARE_PLACES = Decimal("1e-10")
PCT_PLACES = Decimal("0.0001")
PENNY = Decimal("0.01")


#: Wide enough that dividing two exact integers and rounding to `places` rounds only once.
_CTX = Context(prec=80, rounding=ROUND_HALF_UP)


def _ratio(num: int, den: int, places: Decimal = SHARE_PLACES) -> Decimal:
    """num / den as a Decimal rounded half up to `places`."""
    return _CTX.divide(Decimal(num), Decimal(den)).quantize(places, context=_CTX)


def _dec(f: Fraction, places: Decimal = SHARE_PLACES) -> Decimal:
    return _ratio(f.numerator, f.denominator, places)


def _pct(new: Decimal, old: Decimal) -> Decimal | None:
    return None if old == 0 else ((new - old) / old * 100).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ContributionRow:
    """One council in one modelled year. Money in £ (exact pence), shares as fractions of 1, changes in %."""

    year: str
    la_code: int
    contribution: Decimal
    share: Decimal
    formula_share: Decimal
    baseline_share: Decimal
    demand_share: Decimal
    transition: Decimal
    previous: Decimal
    change_prev: Decimal
    change_prev_pct: Decimal | None
    base: Decimal
    change_base: Decimal
    change_base_pct: Decimal | None
    bound: str | None
    drivers: dict[str, Decimal]
    cost_per_unit: dict[str, Decimal | None]
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class YearTotal:
    year: str
    total: Decimal
    explicit: bool
    driver_years: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    """A computed scenario: per council and year rows, the year totals, and the base year's budgets."""

    scenario: Scenario
    base: dict[int, Decimal]
    totals: tuple[YearTotal, ...]
    rows: tuple[ContributionRow, ...]
    #: The driver figures the scenario was computed from (with the forecast basis, the forecast's figures for the
    #: budget years merged in): what `sensitivity` nudges, so it answers for the scenario as computed.
    drivers: DriverTable = field(default_factory=DriverTable, compare=False, repr=False)

    @property
    def la_codes(self) -> list[int]:
        return sorted(self.base)

    def year_rows(self, year: str) -> list[ContributionRow]:
        return [r for r in self.rows if r.year == year]

    def shares(self, year: str) -> dict[int, Decimal]:
        """Each council's share (contribution / total) in a modelled year; the base year's budget shares."""
        if year == self.scenario.base_year:
            total = sum(self.base.values(), Decimal(0))
            return {la: _dec(Fraction(v) / Fraction(total)) for la, v in self.base.items()}
        rows = self.year_rows(year)
        if not rows:
            raise NoData(
                f"scenario {self.scenario.name!r} models {', '.join(self.scenario.years)}, not {year}")
        return {r.la_code: r.share for r in rows}


# --- inputs from the warehouse ---------------------------------------------------------------------------


def base_budgets(snapshot: Snapshot, request: MonitoringRequest, scope: str = "pooled") -> dict[int, Decimal]:
    """Each council's approved budget for the request's year (as at its as-at date) in a scenario's scope
    (`pooled` or `pooled_and_adoption_support`; ASF lines excluded): docs/finance.md, demand-led contributions."""
    b = budget.budgets(snapshot, request)
    b = b[~b["asf"].astype(bool)]
    if scope == "pooled":
        b = b[b["budget_area"] == "pooled"]
    out: dict[int, Decimal] = {}
    for la, amount in zip(b["la_code"], b["budget"], strict=True):
        out[int(la)] = out.get(int(la), Decimal("0.00")) + amount
    return out


def budget_years(snapshot: Snapshot) -> list[str]:
    """Financial years with a budget loaded (for base year choices and messages)."""
    return [r[0] for r in snapshot.rows("SELECT DISTINCT financial_year FROM budget ORDER BY 1")]


def run(snapshot: Snapshot, request: ContributionsRequest) -> Result:
    """Compute the request's scenario on the snapshot (drops as at its as-at date): base budgets and drivers
    read, then `compute`.

    Raises ScenarioError (field named) for a base year with no budget, missing driver data or infeasible bounds."""
    return run_with(snapshot, request, engine_drivers(snapshot, DataRequest(as_at=request.as_at)))


def run_with(snapshot: Snapshot, request: ContributionsRequest, drivers: DriverTable) -> Result:
    """`run` with the driver figures already read (`drivers.engine_drivers` of the same snapshot and as-at date):
    the app reads the drivers once per warehouse version and recomputes only the engine when a scenario changes."""
    ref, scenario = snapshot.ref, request.scenario
    base = base_budgets(snapshot, MonitoringRequest(year=scenario.base_year, as_at=request.as_at), scenario.scope)
    if not base:
        years = ", ".join(budget_years(snapshot)) or "none"
        raise ScenarioError("base_year", f"no budget is loaded for {scenario.base_year} (years with budgets: {years})")
    missing = [la for la in ref.la_codes if la not in base]
    if missing:  # a partner left out would fund nothing and the others would pay its part: never silently
        names = council_names(ref, missing)
        raise ScenarioError("base_year", f"no {scenario.base_year} budget is loaded for "
                            f"{', '.join(f'{names[la]} ({la})' for la in missing)}: every partner council needs "
                            "one to share the pool")
    if scenario.basis == "forecast":  # next years' warehouse drivers from the pipeline forecast (docs/forecast.md)
        drivers = drivers.merged(DriverTable.from_frame(_forecast_drivers(snapshot, scenario, DataRequest(as_at=request.as_at))))
    return compute(scenario, base, drivers, ref=ref)


def _forecast_drivers(snapshot: Snapshot, scenario: Scenario, request: DataRequest) -> pd.DataFrame:
    """The forecast basis's driver figures for the scenario's years (raa_core.forecast.uses); a forecast that
    cannot reach a year is the scenario's `basis` error."""
    from raa_core.forecast.uses import forecast_drivers

    try:
        return forecast_drivers(snapshot, request, [year_start(y) for y in scenario.years])
    except BadInput as exc:
        raise ScenarioError("basis", str(exc)) from exc


def basis_years(scenario: Scenario, year: str, driver: str) -> list[int]:
    """The years a driver's figure is taken from for a budget year: the window before it, or with the
    "forecast" basis the budget year itself for the drivers the forecast gives."""
    from raa_core.forecast.uses import DRIVER_MEASURES

    if scenario.basis == "forecast" and driver in DRIVER_MEASURES:
        return [year_start(year)]
    return window(year, scenario.window_years)


# --- the engine ------------------------------------------------------------------------------------------


def _round_total(prev_pence: int, uplift_pct: Decimal) -> int:
    value = Decimal(prev_pence) * (1 + uplift_pct / 100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _pct_fraction(pct: Decimal) -> tuple[int, int]:
    """1 + pct/100 as an integer ratio (num, den)."""
    f = 1 + Fraction(pct) / 100
    return f.numerator, f.denominator


def bounded_amounts(
    total: int,
    weights: Mapping[int, int],
    previous: Mapping[int, int] | None,
    cap_pct: Decimal | None,
    floor_pct: Decimal | None,
    year: str = "",
) -> tuple[dict[int, int], int, dict[int, str | None]]:
    """Split `total` pence in proportion to non-negative integer `weights` within the bounds on each
    council's change on `previous` (pence). A council whose proportional amount breaks a bound is held at
    it (the cap rounded down, the floor up, to whole pence) and the rest is shared among the others pro rata;
    the result is the stable point of that procedure: amount = clamp(mu x weight, floor, cap) for the one mu
    that makes the amounts sum to the total. Returns exact amounts as integer numerators over one common
    denominator, and the bound applied per council. Raises ScenarioError naming the year and the bound
    when the bounds cannot all be met."""
    codes = sorted(weights)
    wsum = sum(weights.values())
    if previous is None or (cap_pct is None and floor_pct is None):
        return {la: total * weights[la] for la in codes}, wsum, dict.fromkeys(codes)
    lo = dict.fromkeys(codes, 0)
    if floor_pct is not None:
        fn, fd = _pct_fraction(floor_pct)
        lo = {la: _ceil_div(previous[la] * fn, fd) for la in codes}
    hi: dict[int, int] = {}
    if cap_pct is not None:
        cn, cd = _pct_fraction(cap_pct)
        hi = {la: previous[la] * cn // cd for la in codes}
    least = sum(lo.values())
    if total < least:
        raise ScenarioError(
            "floor_pct",
            f"{year}: the floor of {floor_pct}% needs at least {gbp(Decimal(least) / 100)} from the councils "
            f"together, but the year's total is {gbp(Decimal(total) / 100)}: lower the floor or raise the total")
    if cap_pct is not None:
        most = sum((hi[la] if weights[la] > 0 else lo[la]) for la in codes)
        if total > most:
            raise ScenarioError(
                "cap_pct",
                f"{year}: the cap of {cap_pct}% allows at most {gbp(Decimal(most) / 100)} from the councils "
                f"together, but the year's total is {gbp(Decimal(total) / 100)}: raise the cap or lower the total")
    # f(mu) = sum clamp(mu x w, lo, hi) is continuous and non-decreasing: walk its breakpoints (bound / w),
    # compared exactly by cross-multiplication.
    events: list[tuple[int, int, int, int]] = []  # (numerator, weight, 0 = joins the free set / 1 = leaves, council)
    for la in codes:
        w = weights[la]
        if w > 0:
            events.append((lo[la], w, 0, la))
            if la in hi:
                events.append((hi[la], w, 1, la))

    def order(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
        x, y = a[0] * b[1], b[0] * a[1]
        return -1 if x < y else 1 if x > y else (a[2] > b[2]) - (a[2] < b[2]) or (a[3] > b[3]) - (a[3] < b[3])

    events.sort(key=cmp_to_key(order))
    const, slope = least, 0
    mu: tuple[int, int] | None = None  # mu = mu_num / mu_den
    for num, w, kind, la in events:
        if const * w + slope * num >= total * w:  # f(num / w) >= total
            mu = (num, w) if slope == 0 else (total - const, slope)
            break
        if kind == 0:
            const -= lo[la]
            slope += w
        else:
            const += hi[la]
            slope -= w
    if mu is None:
        mu = (total - const, slope) if slope > 0 else (0, 1)
    mn, md = mu
    amounts: dict[int, int] = {}
    bound: dict[int, str | None] = {}
    for la in codes:
        raw = mn * weights[la]  # over md
        if la in hi and raw > hi[la] * md:
            amounts[la], bound[la] = hi[la] * md, "cap"
        elif raw < lo[la] * md:
            amounts[la], bound[la] = lo[la] * md, "floor"
        else:
            amounts[la], bound[la] = raw, None
    return amounts, md, bound


def window(year: str, k: int) -> list[int]:
    """The start years of the k complete financial years before a budget year, oldest first."""
    start = year_start(year)
    return list(range(start - k, start))


def averaged_drivers(
    scenario: Scenario, year: str, councils: Sequence[int], drivers: DriverTable, labels: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, dict[int, Fraction]], dict[int, list[str]]]:
    """Each scenario driver averaged per council over the window before `year` (years with data only),
    and per council the flags of every figure used that is not complete."""
    years = window(year, scenario.window_years)
    values, status = drivers.values, drivers.status
    avg: dict[str, dict[int, Fraction]] = {}
    flags: dict[int, list[str]] = {la: [] for la in councils}
    for d in scenario.drivers:
        label = labels.get(d, (d, d))[0]
        years = basis_years(scenario, year, d)
        mine: dict[int, Fraction] = {}
        for la in councils:
            total: int | Fraction = 0
            n = 0
            for y in years:
                key = (d, la, y)
                v = values.get(key)
                if v is None:
                    flags[la].append(f"{label} {year_label(y)}: no data")
                    continue
                total += v
                n += 1
                st = status.get(key, "complete")
                if st != "complete":
                    note = drivers.notes.get(key)
                    flags[la].append(f"{label} {year_label(y)}: {STATUS_LABELS.get(st, st)}"
                                     + (f" ({note})" if note and st != "illustrative" else ""))
            if not n:
                span = year_label(years[0]) + ("" if len(years) == 1 else f" to {year_label(years[-1])}")
                raise ScenarioError(
                    f"drivers.{d}",
                    f"council {la} has no {label.lower()} figures for {span}, the {scenario.window_years}-year "
                    f"window before {year}: choose another driver or window, or load the data")
            mine[la] = Fraction(total, n) if isinstance(total, int) else total / n
        avg[d] = mine
    return avg, flags


def demand_numerators(scenario: Scenario, avg: Mapping[str, Mapping[int, Fraction]], year: str,
                      labels: Mapping[str, tuple[str, str]]) -> tuple[dict[int, int], int]:
    """Demand shares as integer numerators over one denominator: the weighted sum of each driver's own
    shares of the councils' total (so a driver counted in thousands does not swamp one counted in tens)."""
    wden = math.lcm(*(Fraction(w).denominator for w in scenario.drivers.values()))
    wnum = {d: int(Fraction(w) * wden) for d, w in scenario.drivers.items()}
    per: dict[str, tuple[dict[int, int], int]] = {}
    for d in scenario.drivers:
        den = math.lcm(*(v.denominator for v in avg[d].values()))
        nums = {la: v.numerator * (den // v.denominator) for la, v in avg[d].items()}
        total = sum(nums.values())
        if total <= 0:
            raise ScenarioError(
                f"drivers.{d}",
                f"no council has any {labels.get(d, (d, d))[0].lower()} in the window before {year}, "
                "so it cannot share the total: choose another driver or window")
        per[d] = (nums, total)
    prod = math.prod(t for _, t in per.values())
    q = sum(wnum.values()) * prod
    councils = next(iter(per.values()))[0].keys()
    out = {la: sum(wnum[d] * nums[la] * (prod // t) for d, (nums, t) in per.items()) for la in councils}
    return out, q


def demand_shares(scenario: Scenario, avg: Mapping[str, Mapping[int, Fraction]], year: str,
                  labels: Mapping[str, tuple[str, str]]) -> dict[int, Fraction]:
    """Demand shares as exact fractions (see `demand_numerators`)."""
    nums, q = demand_numerators(scenario, avg, year, labels)
    return {la: Fraction(n, q) for la, n in nums.items()}


def compute(
    scenario: Scenario,
    base: Mapping[int, Decimal],
    drivers: DriverTable,
    *,
    ref: Reference | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
) -> Result:
    """Compute a scenario from the base year's budgets (£ per council) and the driver figures.

    Exact: shares are integer ratios over a common denominator until the contributions are rounded to
    the penny. Raises ScenarioError naming the field: a base year with no budget, a driver with no
    figures in a window, or bounds that cannot be met in a year."""
    labels = labels if labels is not None else driver_catalogue(ref)
    councils = sorted(int(la) for la in base)
    base_p = {la: int(Decimal(base[la]) * 100) for la in councils}
    if not councils or sum(base_p.values()) <= 0:
        raise ScenarioError("base_year", f"no budget is loaded for {scenario.base_year}")
    for la in councils:
        if base_p[la] < 0 or Decimal(base_p[la]) != Decimal(base[la]) * 100:
            raise ScenarioError("base_year", f"council {la}'s {scenario.base_year} budget {base[la]} is not a "
                                             "non-negative amount in whole pence")
    big_p = sum(base_p.values())
    prev = dict(base_p)
    prev_total = big_p
    totals: list[YearTotal] = []
    rows: list[ContributionRow] = []
    for year in scenario.years:
        explicit = year in scenario.totals
        total = int(scenario.totals[year] * 100) if explicit else _round_total(prev_total, scenario.uplift_pct)
        avg, flags = averaged_drivers(scenario, year, councils, drivers, labels)
        demand, q = demand_numerators(scenario, avg, year, labels)
        t = Fraction(scenario.transition[year])
        tn, td = t.numerator, t.denominator
        # formula share = (1 - t) x p / P + t x demand / q, over the common denominator td x P x q
        formula = {la: (td - tn) * base_p[la] * q + tn * demand[la] * big_p for la in councils}
        g = td * big_p * q
        amounts, _, bound = bounded_amounts(total, formula, prev, scenario.cap_pct, scenario.floor_pct, year)
        pounds = allocate(Decimal(total) / 100, amounts) if total else dict.fromkeys(councils, Decimal("0.00"))
        totals.append(YearTotal(year=year, total=Decimal(total) / 100, explicit=explicit,
                                driver_years=tuple(year_label(y) for y in window(year, scenario.window_years))
                                if scenario.basis == "average" else (f"{year} (forecast)",)))
        tdec = Decimal(scenario.transition[year])
        for la in councils:
            c = pounds[la]
            pence = int(c * 100)
            before = Decimal(prev[la]) / 100
            b = Decimal(base_p[la]) / 100
            rows.append(ContributionRow(
                year=year, la_code=la, contribution=c, share=_ratio(pence, total) if total else Decimal(0),
                formula_share=_ratio(formula[la], g), baseline_share=_ratio(base_p[la], big_p),
                demand_share=_ratio(demand[la], q), transition=tdec, previous=before, change_prev=c - before,
                change_prev_pct=_pct(c, before), base=b, change_base=c - b, change_base_pct=_pct(c, b),
                bound=bound[la], drivers={d: Decimal(v[la].numerator) if v[la].denominator == 1 else
                                          _dec(v[la], PCT_PLACES) for d, v in avg.items()},
                cost_per_unit={d: None if v[la] == 0 else
                               _ratio(pence * v[la].denominator, 100 * v[la].numerator, PENNY)
                               for d, v in avg.items()},
                flags=tuple(dict.fromkeys(flags[la])),
            ))
            prev[la] = pence
        prev_total = total
    return Result(scenario=scenario, base={la: Decimal(base_p[la]) / 100 for la in councils},
                  totals=tuple(totals), rows=tuple(rows), drivers=drivers)


# --- presentation-ready tables (the page, the CLI and the Excel export share these) ------------------------


def council_names(ref: Reference | None, codes: Sequence[int]) -> dict[int, str]:
    """Short names of councils in reference data (default: the shipped reference); others by code."""
    known = {c.la_code: c.short_name for c in (ref or load_reference()).councils}
    return {la: known.get(la, str(la)) for la in codes}


def table(result: Result, ref: Reference | None = None, *, totals: bool = False) -> pd.DataFrame:
    """Per council and year (the base year first): contribution (£), shares, changes (£, %), bound, flags.

    With `totals`, each year's councils are followed by its total row (`is_total` True, council "Total"):
    the exact sum of the councils' pence (the year's total, docs/finance.md), shares summing to 1, and the
    total's change on the previous year and on the base year in £ and %. Every table that lists the councils'
    contributions (the page, the scenario workbook) shows it."""
    names = council_names(ref, result.la_codes)
    base_total = sum(result.base.values(), Decimal(0))
    out: list[dict[str, object]] = []
    for la in result.la_codes:
        share = _dec(Fraction(result.base[la]) / Fraction(base_total))
        out.append({"year": result.scenario.base_year, "la_code": la, "council": names[la],
                    "contribution": result.base[la], "share": share, "baseline_share": share,
                    "demand_share": None, "transition": None, "formula_share": share, "change_prev": None,
                    "change_prev_pct": None, "change_base": Decimal("0.00"), "change_base_pct": Decimal(0),
                    "bound": None, "flags": "base year budget"})
    for r in result.rows:
        out.append({"year": r.year, "la_code": r.la_code, "council": names[r.la_code],
                    "contribution": r.contribution, "share": r.share, "baseline_share": r.baseline_share,
                    "demand_share": r.demand_share, "transition": r.transition, "formula_share": r.formula_share,
                    "change_prev": r.change_prev, "change_prev_pct": r.change_prev_pct, "change_base": r.change_base,
                    "change_base_pct": r.change_base_pct, "bound": r.bound, "flags": "; ".join(r.flags)})
    frame = pd.DataFrame(out).assign(is_total=False)
    return _with_year_totals(frame, base_total) if totals else frame


def _with_year_totals(frame: pd.DataFrame, base_total: Decimal) -> pd.DataFrame:
    """`frame` (a `table`) with a total row after each year's councils: sums of the exact Decimals (pence), the
    total's changes from the previous year's total and the base year's (`_pct`, as a council's)."""
    rows: list[dict[str, object]] = []
    previous: Decimal | None = None
    for year, part in frame.groupby("year", sort=False):
        total = sum(part["contribution"], Decimal(0))
        shares = sum(part["share"], Decimal(0))
        rows += part.to_dict("records")
        rows.append({"year": year, "la_code": None, "council": display.ROW_NAMES["total"], "contribution": total,
                     "share": shares, "baseline_share": sum(part["baseline_share"], Decimal(0)),
                     "demand_share": None, "transition": None, "formula_share": None,
                     "change_prev": None if previous is None else total - previous,
                     "change_prev_pct": None if previous is None else _pct(total, previous),
                     "change_base": total - base_total, "change_base_pct": _pct(total, base_total),
                     "bound": None, "flags": "", "is_total": True})
        previous = total
    return pd.DataFrame(rows, columns=frame.columns)


def driver_table(result: Result, ref: Reference | None = None) -> pd.DataFrame:
    """Per council, year and driver: the averaged figure and the cost per unit (£ per placement order ...)."""
    names = council_names(ref, result.la_codes)
    labels = driver_catalogue(ref)
    out = [{"year": r.year, "la_code": r.la_code, "council": names[r.la_code], "driver": d,
            "driver_label": labels.get(d, (d, d))[0], "weight": result.scenario.drivers[d],
            "average": v, "cost_per_unit": r.cost_per_unit[d]}
           for r in result.rows for d, v in r.drivers.items()]
    return pd.DataFrame(out)


def as_cli(result: Result) -> dict[str, object]:
    """The JSON of docs/command-line.md (`raa contributions --json`): money as strings with two decimals, shares to
    4 dp, change on the previous year in % to 1 dp; plus the other outputs of docs/finance.md per row."""
    rows = []
    for r in result.rows:
        rows.append({
            "year": r.year, "la_code": r.la_code, "contribution": json_money(r.contribution),
            "share": float(rounded(r.share, 4)), "demand_share": float(rounded(r.demand_share, 4)),
            "baseline_share": float(rounded(r.baseline_share, 4)),
            "change_prev_pct": None if r.change_prev_pct is None else float(rounded(r.change_prev_pct, 1)),
            "bound": r.bound,
            "formula_share": float(rounded(r.formula_share, 4)), "transition": float(r.transition),
            "change_prev": json_money(r.change_prev), "change_base": json_money(r.change_base),
            "change_base_pct": None if r.change_base_pct is None else float(rounded(r.change_base_pct, 1)),
            "cost_per_unit": {d: json_money(v) for d, v in r.cost_per_unit.items()},
            "drivers": {d: float(v) for d, v in r.drivers.items()},
            "flags": list(r.flags),
        })
    return {"scenario": result.scenario.name, "base_year": result.scenario.base_year,
            "totals": [{"year": t.year, "total": json_money(t.total), "explicit": t.explicit,
                        "driver_years": list(t.driver_years)} for t in result.totals],
            "rows": rows}


def _p(x: Decimal | None, dp: int = 1) -> str:
    return share_text(x, dp)


def explanation(result: Result, year: str, ref: Reference | None = None) -> list[str]:
    """The formula in plain English with the actual numbers, one line per council, e.g.
    "Northshire: 0.5 x 70.6% baseline + 0.5 x 64.0% demand = 67.3% of £4,270,238.00 = £2,873,870.13"."""
    names = council_names(ref, result.la_codes)
    labels = driver_catalogue(ref)
    s = result.scenario
    total = next(t for t in result.totals if t.year == year)
    how = "set explicitly" if total.explicit else f"the previous year's plus {plain_number(s.uplift_pct)}% uplift"
    parts = " + ".join(f"{plain_number(w)} x {labels.get(d, (d, d))[0].lower()} share" for d, w in s.drivers.items())
    lines = [f"{year}: total to fund {gbp(total.total)} ({how}). Demand share = {parts}, each averaged "
             f"over {', '.join(total.driver_years)}. Baseline share = share of the {s.base_year} budgets."]
    bound_year = any(r.bound for r in result.year_rows(year))
    for r in result.year_rows(year):
        t = float(r.transition)
        line = (f"{names[r.la_code]}: {plain_number(1 - t)} x {_p(r.baseline_share)} baseline + {plain_number(t)} x "
                f"{_p(r.demand_share)} "
                f"demand = {_p(r.formula_share)}")
        if r.bound:
            pct = s.cap_pct if r.bound == "cap" else s.floor_pct
            line += (f", held at the {r.bound} of {plain_number(pct or 0)}% on {gbp(r.previous)}: "
                     f"{gbp(r.contribution)} ({_p(r.share)} of the total)")
        elif bound_year:  # another council is held at a bound: this one takes its part of the rest
            line += (f", rescaled to {_p(r.share)} with the rest of the total after the bounds, of "
                     f"{gbp(total.total)} = {gbp(r.contribution)}")
        else:
            line += f" of {gbp(total.total)} = {gbp(r.contribution)}"
        line += f"; {'+' if r.change_prev >= 0 else '-'}{gbp(abs(r.change_prev))} on the previous year."
        lines.append(line)
    if bound_year:
        lines.append("Where a council is held at a bound, the rest of the total is shared among the others in "
                     "proportion to their formula shares, repeated until no other bound is broken.")
    return lines


# --- v2: backtest, sensitivity, comparison -----------------------------------------------------------------


def backtest(result: Result, drivers: DriverTable, ref: Reference | None = None, first_year: str | None = None
             ) -> pd.DataFrame:
    """The scenario's drivers applied to past budget years as if the formula had been in force: per driver
    (and the weighted mix), year and council, the demand share (t = 1, no bounds) of a constant total (the
    first modelled year's), and the swing on the year before in £ and % — a volatile driver shows large
    swings. Years run from the first whose whole window has figures (or `first_year`) to the last modelled."""
    s = result.scenario
    labels = driver_catalogue(ref)
    names = council_names(ref, result.la_codes)
    total = result.totals[0].total
    have = [y for (d, _, y) in drivers.values if d in s.drivers]
    if not have:
        return pd.DataFrame(columns=["driver", "driver_label", "year", "la_code", "council", "share",
                                     "contribution", "swing", "swing_pct", "flagged"])
    start = max(min(have) + s.window_years, year_start(first_year) if first_year else 0)
    last = year_start(s.years[-1])
    mixes = [(d, {d: Decimal(1)}) for d in s.drivers]
    if len(s.drivers) > 1:
        mixes.append(("weighted", dict(s.drivers)))
    out: list[dict[str, object]] = []
    for key, weights in mixes:
        mix = s.model_copy(update={"drivers": weights})
        prev: dict[int, Decimal] = {}
        for y in range(start, last + 1):
            year = year_label(y)
            try:
                avg, flags = averaged_drivers(mix, year, result.la_codes, drivers, labels)
                shares = demand_shares(mix, avg, year, labels)
            except ScenarioError:
                prev = {}
                continue
            amounts = allocate(total, shares)
            for la in result.la_codes:
                c = amounts[la]
                before = prev.get(la)
                out.append({"driver": key, "driver_label": "Weighted mix" if key == "weighted" else labels[key][0],
                            "year": year, "la_code": la, "council": names[la], "share": _dec(shares[la]),
                            "contribution": c, "swing": None if before is None else c - before,
                            "swing_pct": None if before is None else _pct(c, before), "flagged": bool(flags[la])})
            prev = amounts
    return pd.DataFrame(out)


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per driver and council: the largest and the mean absolute year-on-year swing (£) in the backtest."""
    cols = ["driver", "driver_label", "la_code", "council", "years", "max_swing", "mean_abs_swing", "max_swing_pct"]
    if bt.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for (d, label, la, council), g in bt.groupby(["driver", "driver_label", "la_code", "council"], sort=True):
        sw = [abs(x) for x in g["swing"] if x is not None and not pd.isna(x)]
        pc = [abs(x) for x in g["swing_pct"] if x is not None and not pd.isna(x)]
        out.append({"driver": d, "driver_label": label, "la_code": la, "council": council, "years": len(g),
                    "max_swing": max(sw) if sw else None,
                    "mean_abs_swing": (sum(sw, Decimal(0)) / len(sw)).quantize(Decimal("0.01")) if sw else None,
                    "max_swing_pct": max(pc) if pc else None})
    return pd.DataFrame(out, columns=cols)


def _nudged(drivers: DriverTable, key: tuple[str, int, int], by: int) -> DriverTable:
    values = dict(drivers.values)
    values[key] = max(Fraction(0), values.get(key, Fraction(0)) + by)
    return DriverTable(values, drivers.status, drivers.notes)


def sensitivity(result: Result, year: str | None = None, ref: Reference | None = None) -> pd.DataFrame:
    """What one more (and one fewer) unit of each driver in one council moves, in £, for every council in
    `year` (default: the last modelled year), on the driver figures the scenario was computed from
    (`Result.drivers`). The unit is recorded in the last year the basis reads (`basis_years`): the last year of
    the window, moving the council's average by 1/k, or with the forecast basis the budget year's forecast
    itself. Bounds apply as in the scenario (docs/finance.md). Columns: year, driver, driver_label, unit_la_code,
    unit_council, la_code, council, plus_one (£), minus_one (£)."""
    s = result.scenario
    drivers = result.drivers
    year = year or s.years[-1]
    labels = driver_catalogue(ref)
    names = council_names(ref, result.la_codes)
    before = {r.la_code: r.contribution for r in result.year_rows(year)}
    truncated = s.model_copy(update={"years": s.years[: s.years.index(year) + 1]})
    out = []
    for d in s.drivers:
        last = basis_years(s, year, d)[-1]
        for j in result.la_codes:
            key = (d, j, last)
            moved = {}
            for by in (1, -1):
                if by < 0 and drivers.values.get(key, Fraction(0)) < 1:
                    moved[by] = None
                    continue
                r = compute(truncated, result.base, _nudged(drivers, key, by), labels=labels)
                moved[by] = {x.la_code: x.contribution - before[x.la_code] for x in r.year_rows(year)}
            for la in result.la_codes:
                out.append({"year": year, "driver": d, "driver_label": labels.get(d, (d, d))[0],
                            "unit_la_code": j, "unit_council": names[j], "la_code": la, "council": names[la],
                            "plus_one": moved[1][la] if moved[1] else None,
                            "minus_one": moved[-1][la] if moved[-1] else None})
    return pd.DataFrame(out)


def compare(results: Sequence[Result], ref: Reference | None = None) -> pd.DataFrame:
    """Two to four computed scenarios side by side, per year and council: each one's contribution and
    share, and its difference from the first scenario (£ and %). Long format: one row per scenario."""
    if not 2 <= len(results) <= 4:
        raise BadInput(f"compare two to four scenarios, not {len(results)}")
    first = {(r.year, r.la_code): r.contribution for r in results[0].rows}
    codes = sorted({la for res in results for la in res.la_codes})
    names = council_names(ref, codes)
    out = []
    for i, res in enumerate(results):
        for r in res.rows:
            ref_c = first.get((r.year, r.la_code))
            out.append({"scenario": res.scenario.name, "order": i, "year": r.year, "la_code": r.la_code,
                        "council": names[r.la_code], "contribution": r.contribution, "share": r.share,
                        "bound": r.bound,
                        "difference": None if ref_c is None else r.contribution - ref_c,
                        "difference_pct": None if ref_c is None else _pct(r.contribution, ref_c)})
    return pd.DataFrame(out)
