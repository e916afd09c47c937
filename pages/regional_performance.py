"""Regional performance (Partnership Board, QA Group): the DfE scorecard A1, A2, A3 and A10 for the region
or one council, trends by council, the councils compared, the region beside the mean of councils,
sufficiency of adopters, and the reconciliation to the business case. Every number comes from raa_core;
this page only lays it out."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from raa_app import performance_view as pv
from raa_app import shell
from raa_core import suppression
from raa_core.ingest import coverage, freshness
from raa_core.performance import characteristics, indicators, journeys, reconciliation, recruitment
from raa_core.performance import performance_charts as pc
from raa_core.periods import Period, previous
from raa_core.presentation import data_when, date_long, date_short, display
from raa_core.reference import THRESHOLD_SET_SHORT

viewer = shell.page_viewer("regional_performance")



# --- cached raa_core results (keyed by the warehouse version and the filters) ---------------------------


@st.cache_data(show_spinner="Computing the scorecard…", max_entries=32)
def _scorecards(version: str, period: Period, as_at: dt.date | None, thresholds: str) -> pd.DataFrame:
    with shell.cursor() as con:
        return indicators.headline_scorecards(con, period, shell.reference(), as_at, thresholds)


@st.cache_data(show_spinner="Computing trends…", max_entries=16)
def _trend(version: str, kind: str, as_at: dt.date | None, thresholds: str) -> pd.DataFrame:
    with shell.cursor() as con:
        return indicators.trend(con, shell.reference(), None, kind, "2015-16", None, as_at, thresholds)


@st.cache_data(show_spinner=False, max_entries=16)
def _waiting(version: str, at: dt.date, as_at: dt.date | None) -> pd.DataFrame:
    with shell.cursor() as con:
        return journeys.children_waiting(con, at, shell.reference(), as_at)


@st.cache_data(show_spinner="Counting characteristics…", max_entries=16)
def _characteristics(version: str, period: Period, at: dt.date, as_at: dt.date | None) -> pd.DataFrame:
    with shell.cursor() as con:
        return characteristics.characteristics(con, period, at, shell.reference(), as_at)


@st.cache_data(show_spinner=False, max_entries=16)
def _sufficiency(version: str, at: dt.date, as_at: dt.date | None) -> pd.DataFrame:
    """Quarter ends from 2015-16 to the latest data, and the date the page counts waiting on."""
    with shell.cursor() as con:
        dates = sorted({*journeys.quarter_end_dates(con, "2015-16", as_at), at})
        return recruitment.sufficiency(con, dates, shell.reference(), as_at)


@st.cache_data(show_spinner=False, max_entries=8)
def _reconcile(version: str, as_at: dt.date | None) -> pd.DataFrame:
    """Against the business case's own thresholds (425 / 121), so its printed differences reproduce."""
    with shell.cursor() as con:
        return reconciliation.reconcile(con, shell.reference(), as_at)


# --- display helpers (formatting only) ------------------------------------------------------------------


def figure_text(indicator: str, value: str) -> str:
    """A tile's figure: `363 days`, `77%`, `x` (suppressed) or an em dash (no figure)."""
    if value in ("", suppression.HIDDEN):
        return value or "—"
    return f"{value}%" if indicator == "A3" else f"{value} days"


def tile(raw: pd.Series, text: pd.Series, stale: bool) -> None:
    """One headline tile: figure, n, median, threshold, national, RAG and change on the previous period."""
    ind = str(raw["indicator"])
    low_is_good = indicators.LOWER_IS_BETTER[ind]
    unit = " pts" if ind == "A3" else " days"
    change = text["change"]
    delta = None
    if change not in ("", suppression.HIDDEN):
        delta = f"{int(change):+d}{unit} on {raw['previous_period']}"
    st.metric(
        display.label("indicator_tile", ind),
        figure_text(ind, text["value"]),
        delta,
        delta_color="off" if change == "0" else "inverse" if low_is_good else "normal",
        delta_arrow="off" if change == "0" else "auto",
        help=f"{pv.definition(ind)}\n\n{pv.definition('change')}",
    )
    if ind == "A3":
        counted = f"**{text['count'] or 0}** of {text['n']} {pv.children(text['n'])} placed within 14 months"
    else:
        median = text["median"] or "—"
        unit = "" if median in ("—", suppression.HIDDEN) else " days"
        counted = f"n = **{text['n']}** {pv.children(text['n'])} · median {median}{unit}"
    lines = [counted]
    if text["threshold"]:
        named = THRESHOLD_SET_SHORT.get(str(raw["threshold_set"]), str(raw["threshold_set"]))
        lines.append(f"Threshold {text['threshold']} days ({named}) · difference {_signed(text['difference'])}")
    else:
        lines.append("No threshold in reference data")
    national = text["national"]
    lines.append(
        f"National {figure_text(ind, national)}" if national else f"National: not published for {raw['period']}"
    )
    prev = text["previous_value"]
    lines.append(
        f"{raw['previous_period']}: {figure_text(ind, prev) if prev else 'no figure'}"
        + (f" (n = {text['previous_n']})" if prev else "")
    )
    if change == suppression.HIDDEN:
        lines.append("Change: x (suppressed)")
    st.markdown("  \n".join(lines))
    badges = []
    if raw["rag"] in display.THRESHOLD_BADGES and text["rag"]:
        label, icon, colour = display.THRESHOLD_BADGES[str(raw["rag"])]
        badges.append(f":{colour}-badge[{icon} {label}]")
    elif text["value"] == suppression.HIDDEN:
        badges.append(":gray-badge[:material/visibility_off: Suppressed]")
    elif text["value"] == "":
        badges.append(":gray-badge[:material/help: No figure]")
    else:
        badges.append(":gray-badge[:material/help: No threshold]")
    if bool(raw["low_n"]):
        n = text["n"]
        counted_n = f": {n} {pv.children(n)}" if n not in ("", suppression.HIDDEN) else ""
        badges.append(f":orange-badge[:material/warning: Low number{counted_n}]")
    if stale:
        badges.append(":orange-badge[:material/schedule: Stale data]")
    st.markdown(" ".join(badges))


def _signed(v: str) -> str:
    if v in ("", suppression.HIDDEN):
        return v or "—"
    return f"{int(v):+d}"


# --- page ----------------------------------------------------------------------------------------------

ref = shell.reference()
req = shell.run().performance
as_at = req.as_at
version = shell.version()
period = req.period
prev = previous(period)
area = req.area
status = shell.council_status()
names = freshness.council_labels(status)
area_name = pc.area_label(area, names)
latest = pv.latest_date(version, as_at)

publication = pv.header(
    "Regional performance",
    ("A1", "A2", "A3", "A10", "region", "region_mean", "threshold", "rag", "low_n", "stale"),
)

thresholds = pv.threshold_set()
when = data_when(as_at, latest)
st.caption(
    f"**{area_name}** · {'3-year period' if period.kind == 'three_year' else 'financial year'} **{period.name}** "
    f"({date_short(period.start)} to {date_short(period.end)}) · {when}. Children counted by the date of their "
    "adoption order. Choose the council, year and window in the sidebar."
)
if latest is not None and period.end > latest:
    st.info(
        f"{period.name} is not over: its figures count the adoption orders up to {date_long(latest)}.",
        icon=":material/hourglass_top:",
    )
if stale := freshness.stale_councils_text(status, "performance", ref):
    st.warning(f"{stale} Marked (stale) below.", icon=":material/schedule:")

gaps = pv.no_data_notice(version, as_at, names)
sc2 = _scorecards(version, period, as_at, thresholds)
sc = sc2[sc2["period"] == period.name].drop(columns="period").reset_index(drop=True)
sc_pub, sc_view = pv.publish_scorecard(sc, publication)

# Headline tiles -----------------------------------------------------------------------------------------
st.subheader(f"Scorecard: {area_name}, {period.name}", help=pv.definition("threshold"))
head_raw = indicators.headline_from(sc2, period.name, prev.name, area)
adopted_n = int(sc[(sc["indicator"] == "A1") & (sc["area"] == area)]["n"].sum())
if area in gaps:
    st.info(f"{area_name}: {gaps[area]}.", icon=":material/block:")
elif adopted_n == 0:
    st.info(f"{area_name}: {coverage.no_children_message('adopted', period.name)}.", icon=":material/info:")
head_text = (
    suppression.publication_headline(head_raw, sc2, ref.settings) if publication else suppression.as_text(head_raw)
)
area_stale = freshness.is_stale(status, req.la_code)
for col, (_, raw_row), (_, text_row) in zip(st.columns(4), head_raw.iterrows(), head_text.iterrows(), strict=True):
    with col, st.container(border=True):
        tile(raw_row, text_row, area_stale)
pv.export(head_raw, head_text, publication, "scorecard", "tiles", of=area, period=period.name)


# Trends and councils compared (one indicator at a time; only this part reruns) -------------------------
@shell.fragment
def trends_and_comparison() -> None:
    ind = (
        st.segmented_control(
            "Indicator",
            indicators.INDICATORS,
            default="A1",
            required=True,
            key="perf_indicator",
            format_func=display.INDICATOR_TILES.__getitem__,
        )
        or "A1"
    )
    st.subheader(f"Trends: {ind} by council", help=f"{pv.definition('trend')}\n\n{pv.definition(ind)}")
    columns = st.columns(2)
    for col, kind, label in zip(
        columns, ("year", "three_year"), ("financial year", "rolling 3-year period"), strict=True
    ):
        raw = _trend(version, kind, as_at, thresholds)
        raw = raw[raw["indicator"] == ind].reset_index(drop=True)
        shown, view = pv.publish_scorecard(raw, publication)
        with col:
            selected = period.name if kind == period.kind else None
            pv.plot(pv.figure(pc.trend_chart, view, ind, names, title=f"{ind} by {label}", highlight=selected), f"trend_{kind}")
            pv.chart_notes(bool(raw["low_n"].any()), publication, shaded=selected is not None)
            pv.export(raw, shown, publication, f"{ind}_trend_{kind}", f"trend_{kind}", period="from_2015-16")

    st.subheader(f"Councils compared: {ind}, {period.name}", help=pv.definition(ind))
    rows = sc[sc["indicator"] == ind]
    pv.plot(
        pv.figure(
            pc.council_comparison,
            sc_view, ind, names, title=f"{ind}, {period.name}: councils, region, threshold, national"
        ),
        "council_comparison",
    )
    pv.chart_notes(bool(rows["low_n"].any()), publication)
    pv.export(rows, sc_pub[sc_pub["indicator"] == ind], publication, f"{ind}_councils", "comparison",
              period=period.name)


trends_and_comparison()

# Region (all children) beside the mean of councils -------------------------------------------------------
st.subheader("Region: all children together, and the mean of councils", help=pv.definition("region_mean"))
st.markdown(
    f"The **region** figure counts every child of the {display.partners(ref)} together (child-weighted); the business "
    "case's **Regional Average** was the plain mean of the three council figures, shown beside it."
)
both = indicators.region_and_mean(sc_view)
left, right = st.columns([3, 2])
with left:
    pv.plot(pv.figure(pc.region_vs_mean, sc_view, low_n_below=ref.settings.low_n_below), "region_vs_mean")
    pv.chart_notes(False, publication)
with right:
    table = suppression.shown_from_masked(both) if publication else both
    pv.table(
        table[["indicator", "region", "region_n", "region_mean", "gap"]],
        {
            "indicator": "",
            "region": "Region",
            "region_n": "n",
            "region_mean": "Mean of councils",
            "gap": "Mean - region",
        },
    )
    st.caption("A1, A2, A10 in days; A3 in % placed within 14 months.")
    pv.export(
        both,
        suppression.shown_from_masked(both) if publication else both,
        publication,
        "region_vs_mean",
        "region_mean",
        period=period.name,
    )

# Sufficiency: children waiting and adopters waiting -----------------------------------------------------
st.subheader(f"Sufficiency: children and adopters waiting, {area_name}", help=pv.definition("sufficiency"))
at = req.waiting_at(shell.today())
suff = _sufficiency(version, at, as_at)
suff_shown, suff_view = pv.publish(
    suff,
    publication,
    counts=["adopters_waiting", "children_waiting_with_po"],
    derived={
        "surplus": ["adopters_waiting", "children_waiting_with_po"],
        "adopters_per_child": ["adopters_waiting", "children_waiting_with_po"],
    },
    group_by=["at"],
)
mine = suff_view[(suff_view["area"] == area) & (suff_view["at"] == at)]
if area in gaps:
    st.info(f"{area_name}: {gaps[area]}.", icon=":material/block:")
elif len(mine):
    last_text = suppression.shown_from_masked(mine).iloc[0] if publication else suppression.as_text(mine).iloc[0]
    st.markdown(f"On **{date_long(at)}**:")
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Children waiting with a placement order",
        last_text["children_waiting_with_po"] or "0",
        help=pv.definition("children_waiting"),
    )
    m2.metric(
        "Approved adopter households waiting", last_text["adopters_waiting"] or "0", help=pv.definition("sufficiency")
    )
    m3.metric(
        "Households per child waiting",
        last_text["adopters_per_child"] or "—",
        help="Approved households waiting divided by children waiting with a placement order.",
    )
pv.plot(
    pv.figure(pc.waiting_vs_adopters, suff_view, area, title=f"{area_name}: children and adopters waiting at each quarter end"),
    "sufficiency",
)
pv.chart_notes(False, publication)
pv.export(suff, suff_shown, publication, "sufficiency", "sufficiency", area, period=f"to_{at.isoformat()}")

# Children waiting as the ASGLB counts them ---------------------------------------------------------------
st.subheader(f"Children waiting on {date_long(at)}, as the ASGLB counts them", help=pv.definition("children_waiting"))
waiting = _waiting(version, at, as_at)
w_shown, w_view = pv.publish(waiting, publication, counts=list(journeys.WAITING_COUNTS), group_by=["at"])
w_text = (w_shown if publication else suppression.as_text(waiting)).drop_duplicates("area").set_index("area")
w_table = pd.DataFrame(
    {"Children waiting": [journeys.WAITING_LABELS[c] for c in journeys.WAITING_COUNTS]}
    | {
        pc.area_label(a, names): (
            [gaps[a]] * len(journeys.WAITING_COUNTS)
            if a in gaps
            else [w_text.at[a, c] for c in journeys.WAITING_COUNTS]
        )
        for a in waiting["area"]
    }
)
pv.table(w_table, {})
st.caption(
    "Each figure is its own n (children counted). Parts add up: not matched + matched = waiting; with an order "
    "and not matched + with an order, matched = with a placement order. '12 months or more' counts the day "
    "12 calendar months after the order."
)
pv.export(waiting, w_shown, publication, "children_waiting_asglb", "waiting_asglb", period=f"on_{at.isoformat()}")

# Characteristics of the children adopted, placed and waiting -----------------------------------------------
st.subheader(f"Characteristics: {area_name}", help=characteristics.__doc__.split("\n\n")[0])
chars = _characteristics(version, period, at, as_at)
c_shown, c_view = pv.publish(
    chars, publication, counts=["children", "n"], pcts={"pct": ("children", "n")},
    group_by=["group", "dimension", "category_order"],
)
# The children group chosen reruns only this part


@shell.fragment
def characteristics_table() -> None:
    group = st.segmented_control(
        "Children", list(characteristics.GROUPS), default="adopted", required=True, key="characteristics_group",
        format_func=lambda g: {"adopted": f"adopted in {period.name}", "placed": f"placed in {period.name}",
                               "waiting": f"waiting on {date_short(at)}"}[g],
    ) or "adopted"
    mine = (c_shown if publication else suppression.as_text(chars))
    mine = mine[(mine["group"] == group) & (mine["area"] == area)]
    if area in gaps:
        st.info(f"{area_name}: {gaps[area]}.", icon=":material/block:")
    elif not publication and int(chars[(chars["group"] == group) & (chars["area"] == area)]["n"].max() or 0) == 0:
        st.info(f"{area_name}: {coverage.no_children_message(characteristics.GROUPS[group].split(' ', 2)[1], period.name)}.")
    else:
        total = mine["n"].iloc[0] if len(mine) else "0"
        st.caption(f"{characteristics.GROUPS[group]}: n = {total}. Small-number rules apply.")
        pv.table(
            mine[["dimension_label", "category", "children", "pct"]].assign(
                pct=lambda d: [f"{v}%" if v not in ("", suppression.HIDDEN) else v for v in d["pct"]]
            ),
            {"dimension_label": "Characteristic", "category": "", "children": "Children", "pct": "% of n"},
        )
    pv.export(chars, c_shown, publication, "characteristics", "characteristics", period=period.name)


characteristics_table()

# The ASGLB quarterly return ---------------------------------------------------------------------------------
pv.asglb_button(version, as_at, latest, "regional", publication)

# Reconciliation to the business case --------------------------------------------------------------------
with st.expander("Reconciliation: the business case's figures beside the computed ones", icon=":material/rule:"):
    st.markdown(pv.definition("reconciliation"))
    if publication:
        st.info(
            "The reconciliation is an internal check on small numbers; turn off the publication view to see it.",
            icon=":material/visibility_off:",
        )
    else:
        rec = _reconcile(version, as_at)
        agree = int(rec["matches"].sum())
        st.markdown(
            f"**{agree} of {len(rec)}** published figures reproduced from the drops. Differences to threshold use "
            f"the **business case** set ({THRESHOLD_SET_SHORT['business_case']}: 425 / 121 days), as printed."
        )
        st.dataframe(
            rec,
            hide_index=True,
            width="stretch",
            column_config={
                "matches": st.column_config.CheckboxColumn("Matches"),
                "note": st.column_config.TextColumn(width="large"),
            },
        )
        shell.download_table(rec, "reconciliation_business_case", "reconciliation", period="", region=True)
