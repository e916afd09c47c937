"""The pipeline forecast in words: measure names, the approvals-gap sentence, and the command line's text
(docs/forecast.md). One home for every forecast text the page, the board pack and `raa forecast` show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from raa_core.presentation.text import count_noun, date_text, money_text, month_long

if TYPE_CHECKING:
    import pandas as pd

    from raa_core.forecast.backtest import Backtest
    from raa_core.forecast.model import Forecast
    from raa_core.reference import Reference

MEASURE_LABELS: dict[str, str] = {
    "adm_decisions": "ADM decisions",
    "placement_orders": "Placement orders",
    "matches": "Matches",
    "placements": "Placements",
    "adoption_orders": "Adoption orders",
    "children_waiting": "Children waiting (at the end)",
    "approvals": "Households approved",
    "approvals_needed": "Approvals needed",
    "interagency_placements": "Interagency placements",
    "interagency_fees_gbp": "Interagency fees",
}
REGION_LABEL = "Region"


def area_label(ref: Reference, area: str) -> str:
    """'Region' or the council's name."""
    return REGION_LABEL if area == "region" else ref.council_name(int(area))


def _n(v: float) -> str:
    return f"{abs(round(float(v))):,}"


def gap_sentence(who: str, by: object, forecast: float, low80: float, high80: float) -> str:
    """The approvals gap in plain words: `forecast` = approvals needed less approvals the pipeline gives,
    with its 80% range; `who` names the agency or council, `by` the horizon's end (a date)."""
    when = month_long(by) if hasattr(by, "strftime") else str(by)
    head = f"To match the children forecast to need a family by {when}, {who}"
    if low80 > 0 or (forecast > 0 and low80 >= 0):
        return (f"{head} needs about {_n(forecast)} more approvals than its pipeline will give "
                f"(80% range {_n(low80)} to {_n(high80)}).")
    if high80 < 0 or (forecast < 0 and high80 <= 0):
        return (f"{head}'s pipeline should give about {_n(forecast)} more approvals than it needs "
                f"(80% range {_n(high80)} to {_n(low80)} more).")
    lo = f"{_n(low80)} fewer" if low80 < 0 else f"{_n(low80)} more"
    hi = f"{_n(high80)} more" if high80 > 0 else f"{_n(high80)} fewer"
    return (f"{head} needs about as many approvals as its pipeline will give "
            f"(80% range: from {lo} to {hi} than the pipeline gives).")


def figure_text(measure: str, v: object) -> str:
    """One forecast figure: fees in pounds (no pence), counts to 1 dp (the forecast) or whole (the bounds)."""
    if measure == "interagency_fees_gbp":
        return money_text(v, pence=False)
    f = float(v)  # type: ignore[arg-type]
    return f"{f:,.0f}" if f == round(f) else f"{f:,.1f}"


#: Said instead of a council's approvals gap in the publication view (the Board's): the gap beside the shown
#: approvals could give away an approvals-needed figure the table suppresses.
GAP_WITHHELD = ("{who}: the approvals gap of one council is not shown in the publication view, as it could "
                "reveal a count the tables suppress.")


def gap_text(f: Forecast, ref: Reference, area: str, *, publication: bool) -> str:
    """The approvals gap of `area` in words (`gap_sentence`); in the publication view a council's gap is withheld
    (`GAP_WITHHELD`) and only the region's is said."""
    who = ref.settings.raa_name if area == "region" else area_label(ref, area)
    if publication and area != "region":
        return GAP_WITHHELD.format(who=who)
    g = f.gaps[f.gaps["area"] == area].iloc[0]
    return gap_sentence(who, g["by"], g["forecast"], g["low80"], g["high80"])


def forecast_lines(f: Forecast, ref: Reference) -> list[str]:
    """`raa forecast` in words, then a table of the whole-horizon rows."""
    totals = f.rows.groupby(["area", "measure"]).head(1)
    first = totals.iloc[0]
    lines = [f"Pipeline forecast from the data held on {date_text(f.as_at)}, for {f.months} months "
             f"({date_text(first['start'])} to {date_text(first['end'])}); {f.simulations:,} simulated futures, "
             f"seed {f.seed}, warehouse version {f.version}."]
    for g in f.gaps.itertuples(index=False):
        who = ref.settings.raa_name if g.area == "region" else area_label(ref, g.area)
        lines.append(gap_sentence(who, g.by, g.forecast, g.low80, g.high80))
    lines.append("")
    lines.append(f"{'area':10} {'measure':30} {'forecast':>12} {'80% range':>25} {'95% range':>25}")
    for r in totals.itertuples(index=False):
        rng80 = f"{figure_text(r.measure, r.low80)} to {figure_text(r.measure, r.high80)}"
        rng95 = f"{figure_text(r.measure, r.low95)} to {figure_text(r.measure, r.high95)}"
        lines.append(f"{area_label(ref, r.area):10} {MEASURE_LABELS[r.measure]:30} "
                     f"{figure_text(r.measure, r.forecast):>12} {rng80:>25} {rng95:>25}")
    lines.append("")
    lines.append(f"Monthly and quarterly rows: raa forecast --json (--quarterly). {count_noun(len(f.rows), 'row')} "
                 "in all.")
    return lines


def run_caption(f: Forecast) -> str:
    """What a forecast was made from: the data's date, futures, seed and warehouse version."""
    return (f"From the data held on {date_text(f.as_at)}: {f.simulations:,} simulated futures (seed {f.seed}), "
            f"warehouse version {f.version}. The forecast is the average future; the ranges hold 80% and 95% of "
            "them.")


def pooling_caption(f: Forecast, ref: Reference) -> str:
    """How much each council's chances rest on its own journeys (the rest on the region's)."""
    parts = [f"{area_label(ref, r.area)} {float(r.children_weight) * 100:.0f}%" for r in f.pooling.itertuples()]
    return ("Share of each council's chances of moving on taken from its own children's journeys (the rest from "
            "the region's, so a council with few journeys is not forecast from a handful): " + ", ".join(parts) + ".")


def table_caption(ref: Reference) -> str:
    """The note under the forecast table: the low-number mark and the fees' basis."""
    return (f"\\* fewer than {ref.settings.low_n_below} forecast: treat with care. Fees: the interagency fee in "
            "force on each month (a child placed with brothers or sisters at half the two-sibling rate where "
            "the fee list has one), future years uprated as the settings say.")


#: How the forecast follows adopter households (docs/forecast.md, "How it works", 1).
ADOPTER_STAGES_NOTE = (
    "Adopter households are followed from enquiry to stage 2, approval and a match. Registration (the "
    "registration of interest) and stage 1 are counted in the first stage, from the enquiry (or the registration "
    "where no enquiry is recorded). Why: both dates are optional in the councils' files, so a separate stage "
    "would be learnt from only the households with both, and what the forecast gives (households approved, "
    "approvals needed) depends on when households reach stage 2 and approval, not on where stage 1 begins.")


def horizon_table(f: Forecast, area: str, ref: Reference, *, publication: bool) -> pd.DataFrame:
    """The whole-horizon figures of one area as text: Measure, Forecast, 80% range, 95% range. A count forecast
    below `settings.low_n_below` carries the low-number mark; in the publication view a count forecast of 1 to
    `suppression.count_max` is hidden (`x`, with its ranges), and the fees with the interagency placements."""
    import pandas as pd

    from raa_core.presentation.display import LOW_N_MARK
    from raa_core.suppression import HIDDEN

    rows = f.rows[f.rows["area"] == area].groupby("measure", sort=False).head(1)
    low, small = ref.settings.low_n_below, ref.settings.suppression.count_max
    hidden: set[str] = set()
    out = []
    for r in rows.itertuples(index=False):
        money = r.measure == "interagency_fees_gbp"
        n = round(float(r.forecast)) if not money else None
        hide = publication and ((n is not None and 1 <= n <= small) or
                                (money and "interagency_placements" in hidden))
        if hide:
            hidden.add(r.measure)
            out.append((MEASURE_LABELS[r.measure], HIDDEN, HIDDEN, HIDDEN))
            continue
        mark = LOW_N_MARK if n is not None and float(r.forecast) < low else ""
        out.append((MEASURE_LABELS[r.measure], figure_text(r.measure, r.forecast) + mark,
                    f"{figure_text(r.measure, r.low80)} to {figure_text(r.measure, r.high80)}",
                    f"{figure_text(r.measure, r.low95)} to {figure_text(r.measure, r.high95)}"))
    return pd.DataFrame(out, columns=["Measure", "Forecast", "80% range", "95% range"])


def backtest_sentence(b: Backtest, area: str) -> str:
    """The record in one sentence for an area: forecasts checked and the share inside the ranges."""
    s = b.summary[b.summary["area"] == area]
    if s.empty:
        return "No backtest figures for this area."
    n = int(s["origins"].max())
    c80 = float((s["cover80"] * s["origins"]).sum() / s["origins"].sum())
    c95 = float((s["cover95"] * s["origins"]).sum() / s["origins"].sum())
    return (f"Checked against what happened: {count_noun(n, 'forecast')} of 12 months made from each quarter end "
            f"from {month_long(b.origins[0])} to {month_long(b.origins[-1])}. {c80:.0f}% of outcomes fell inside the 80% range "
            f"and {c95:.0f}% inside the 95% range (they should be near 80% and 95%).")


def backtest_table(summary: pd.DataFrame, area: str | None = None) -> pd.DataFrame:
    """The record per measure for people: measure, origins, error (MAPE %), inside 80% and 95% (percent);
    one area's rows (without the area column) when `area` is given."""
    out = summary.copy()
    if area is not None:
        out = out[out["area"] == area].drop(columns="area")
    out["measure"] = [MEASURE_LABELS[m] for m in out["measure"]]
    return out.rename(columns={"measure": "Measure", "origins": "Forecasts checked", "mape": "Average error (%)",
                               "cover80": "Inside the 80% range (%)", "cover95": "Inside the 95% range (%)"})


def backtest_lines(b: Backtest) -> list[str]:
    """`raa forecast --backtest` in words, then the table per measure and area."""
    o = b.overall
    cover80 = float((o["cover80"] * o["origins"]).sum() / o["origins"].sum())
    cover95 = float((o["cover95"] * o["origins"]).sum() / o["origins"].sum())
    lines = [f"Backtest: {count_noun(len(b.origins), 'forecast')} of 12 months, one from each quarter end from "
             f"{date_text(b.origins[0])} to {date_text(b.origins[-1])}, each fitted on the data held then and compared "
             f"with what happened (data to {date_text(b.latest)}; seed {b.seed}, warehouse version {b.version}).",
             f"Across all measures and areas, {cover80:.0f}% of outcomes fell inside the 80% range and "
             f"{cover95:.0f}% inside the 95% range (they should be near 80% and 95%).", "",
             f"{'measure':30} {'area':10} {'checked':>7} {'error %':>8} {'in 80%':>7} {'in 95%':>7}"]
    for r in b.summary.itertuples(index=False):
        mape = "—" if r.mape != r.mape else f"{r.mape:.1f}"
        area = "Region" if r.area == "region" else r.area
        lines.append(f"{MEASURE_LABELS[r.measure]:30} {area:10} {r.origins:>7} {mape:>8} {r.cover80:>6.0f}% "
                     f"{r.cover95:>6.0f}%")
    lines.append("Error: the mean absolute percentage error of the 12-month totals.")
    return lines
