"""Regional performance (Partnership Board, QA Group): the DfE scorecard A1, A2, A3 and A10 for the region
or one council, trends by council, the councils compared, the region beside the mean of councils,
sufficiency of adopters, and the reconciliation to the business case. Every number comes from raa_core;
this page only lays it out."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from raa_app import data, shell, tables
from raa_app import performance_view as pv
from raa_core import access, suppression
from raa_core.ingest import coverage, freshness
from raa_core.performance import characteristics, indicators, journeys, reconciliation, recruitment, tiles
from raa_core.performance import performance_charts as pc
from raa_core.periods import FIRST_YEAR, previous
from raa_core.presentation import data_when, date_text, display
from raa_core.presentation.text import not_over_text, period_kind_text
from raa_core.requests import DataRequest

viewer = shell.page_viewer("regional_performance")


# --- page ----------------------------------------------------------------------------------------------

ref = shell.reference()
req = shell.run().performance
as_at = req.as_at
period = req.period
prev = previous(period)
area = req.area
status = shell.council_status()
names = freshness.council_labels(status)
area_name = pc.area_label(area, names)
latest = data.load(journeys.latest_date, DataRequest(as_at=as_at))

publication = pv.header(
    "Regional performance",
    ("A1", "A2", "A3", "A10", "region", "region_mean", "threshold", "rag", *journeys.WAITING_TERMS, "sufficiency",
     "low_n", "stale"),
)

req = req.with_(thresholds=pv.threshold_set())
#: Every area's figures come from one query (the page picks its area), so they are cached once whichever
#: council the sidebar shows; only child-level rows are asked for one council.
every = req.with_(la_code=None)
when = data_when(as_at, latest)
st.caption(
    f"**{area_name}** · {period_kind_text(period)} **{period.name}** "
    f"({date_text(period.start)} to {date_text(period.end)}) · {when}. Children counted by the date of their "
    "adoption order. Choose the council, year and window in the sidebar."
)
if not_over := not_over_text(period, latest, "count the adoption orders up to"):
    st.info(not_over, icon=":material/hourglass_top:")
if stale := freshness.stale_councils_text(status, "performance", ref):
    st.warning(f"{stale} Marked (stale) below.", icon=":material/schedule:")

gaps = pv.no_data_notice(as_at, names)
with st.spinner("Computing the scorecard…"):
    sc2 = data.load(indicators.headline_scorecards, every)
sc = sc2[sc2["period"] == period.name].drop(columns="period").reset_index(drop=True)
sc_pub, sc_view = pv.publish_scorecard(sc, publication)

# Headline tiles -----------------------------------------------------------------------------------------
st.header(f"Scorecard: {area_name}, {period.name}", help=pv.definition("threshold"))
head_raw = indicators.headline_from(sc2, period.name, prev.name, area)
if area in gaps:
    st.info(f"{area_name}: {gaps[area]}.", icon=":material/block:")
elif indicators.adopted_none(sc, area):
    st.info(f"{area_name}: {coverage.no_children_message('adopted', period.name)}.", icon=":material/info:")
head_text = (
    suppression.publication_headline(head_raw, sc2, ref.settings) if publication else suppression.as_text(head_raw)
)
for col, tile in zip(st.columns(4), tiles.headline_tiles(head_raw, head_text, freshness.is_stale(status, req.la_code),
                                                         ref), strict=True):
    with col, st.container(border=True):
        st.metric(tile.label, tile.figure, tile.delta, delta_color=tile.delta_color, delta_arrow=tile.delta_arrow,
                  help=tile.help)
        st.markdown(tile.lines)
        st.markdown(tile.badges)
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
            format_func=tiles.TILE_LABELS.__getitem__,
        )
        or "A1"
    )
    st.header(f"Trends: {ind} by council", help=f"{pv.definition('trend')}\n\n{pv.definition(ind)}")
    columns = st.columns(2)
    for col, kind, label in zip(
        columns, ("year", "three_year"), ("financial year", "rolling 3-year period"), strict=True
    ):
        with st.spinner("Computing trends…"):
            raw = data.load(indicators.trend, every, kind=kind)
        raw = raw[raw["indicator"] == ind].reset_index(drop=True)
        shown, view = pv.publish_scorecard(raw, publication)
        with col:
            selected = period.name if kind == period.kind else None
            pv.plot(pv.figure(pc.trend_chart, view, ind, names, title=f"{ind} by {label}", highlight=selected), f"trend_{kind}")
            pv.chart_notes(bool(raw["low_n"].any()), publication, shaded=selected is not None)
            pv.export(raw, shown, publication, f"{ind}_trend_{kind}", f"trend_{kind}", period=f"from_{FIRST_YEAR}")

    st.header(f"Councils compared: {ind}, {period.name}", help=pv.definition(ind))
    rows = sc[sc["indicator"] == ind]
    pv.plot(
        pv.figure(
            pc.council_comparison,
            sc_view, ind, names, title=f"{ind}, {period.name}: councils, region, threshold, national"
        ),
        "council_comparison",
        later=True,
    )
    pv.chart_notes(bool(rows["low_n"].any()), publication)
    pv.export(rows, sc_pub[sc_pub["indicator"] == ind], publication, f"{ind}_councils", "comparison",
              period=period.name)


trends_and_comparison()

# Region (all children) beside the mean of councils -------------------------------------------------------
st.header("Region: all children together, and the mean of councils", help=pv.definition("region_mean"))
st.markdown(
    f"The **region** figure counts every child of the {display.partners(ref)} together (child-weighted); the business "
    "case's **Regional Average** was the plain mean of the three council figures, shown beside it."
)
both = indicators.region_and_mean(sc_view)
left, right = st.columns([3, 2])
with left:
    pv.plot(pv.figure(pc.region_vs_mean, sc_view, low_n_below=ref.settings.low_n_below), "region_vs_mean", later=True)
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
st.header(f"Sufficiency: children and adopters waiting, {area_name}", help=pv.definition("sufficiency"))
at = req.waiting_at(shell.today())
suff = data.load(recruitment.sufficiency_series, every, at)
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
    st.markdown(f"On **{date_text(at)}**:")
    m1, m2, m3 = st.columns(3)
    m1.metric(
        display.TERMS["children_waiting_with_po"],
        last_text["children_waiting_with_po"] or "0",
        help=pv.definition("children_waiting_with_po"),
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
    later=True,
)
pv.chart_notes(False, publication)
pv.export(suff, suff_shown, publication, "sufficiency", "sufficiency", area, period=f"to_{at.isoformat()}")

# Children waiting as the ASGLB counts them ---------------------------------------------------------------
st.header(f"Children waiting on {date_text(at)}, as the ASGLB counts them", help=pv.definition("children_waiting"))
waiting = data.load(journeys.children_waiting, every, at)
w_shown, w_view = pv.publish(waiting, publication, counts=list(journeys.WAITING_COUNTS),
                             relations=journeys.WAITING_RELATIONS, group_by=["at"])
w_marks = data.load(coverage.not_provided_counts, every, journeys.WAITING_COUNTS, "waiting_")  # 903: said, not 0
w_text = coverage.mark_not_provided(w_shown if publication else suppression.as_text(waiting), w_marks)
w_text = w_text.drop_duplicates("area").set_index("area")
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
pv.export(coverage.mark_not_provided(waiting, w_marks), coverage.mark_not_provided(w_shown, w_marks), publication,
          "children_waiting_asglb", "waiting_asglb", period=f"on_{at.isoformat()}")

# Characteristics of the children adopted, placed and waiting -----------------------------------------------
st.header(f"Characteristics: {area_name}", help=characteristics.HELP)
with st.spinner("Counting characteristics…"):
    chars = data.load(characteristics.characteristics, every, at)
c_shown, c_view = pv.publish(
    chars, publication, counts=["children", "n"], pcts={"pct": ("children", "n")},
    group_by=list(characteristics.BREAKDOWN), parts_of=characteristics.PARTS_OF,
)
# The children group chosen reruns only this part


@shell.fragment
def characteristics_table() -> None:
    group = st.segmented_control(
        "Children", list(characteristics.GROUPS), default="adopted", required=True, key="characteristics_group",
        format_func=lambda g: characteristics.group_choice(g, period, at),
    ) or "adopted"
    c_marks = data.load(characteristics.not_provided, every)  # sibling groups: not in 903 files, never a zero
    mine = characteristics.marked(c_shown if publication else suppression.as_text(chars), c_marks)
    mine = mine[(mine["group"] == group) & (mine["area"] == area)]
    if area in gaps:
        st.info(f"{area_name}: {gaps[area]}.", icon=":material/block:")
    elif not publication and not characteristics.holds_children(chars, group, area):
        st.info(f"{area_name}: {characteristics.no_children_words(group, period)}.")
    else:
        total = mine["n"].iloc[0] if len(mine) else "0"
        st.caption(f"{characteristics.GROUPS[group]}: n = {total}. Small-number rules apply.")
        pv.table(
            characteristics.table_rows(mine, percent_sign=True),
            {"dimension_label": "Characteristic", "category": "", "children": "Children", "pct": "% of n"},
        )
    pv.export(characteristics.marked(chars, c_marks), characteristics.marked(c_shown, c_marks), publication,
              "characteristics", "characteristics", period=period.name)


characteristics_table()

# The DfE scorecard's adopter and context indicators ----------------------------------------------------
pv.adopter_context(every, publication, names)

# The ASGLB quarterly return ---------------------------------------------------------------------------------
pv.asglb_button(as_at, latest, "regional", publication)

# Reconciliation to the business case --------------------------------------------------------------------
with st.expander("Reconciliation: the business case's figures beside the computed ones", icon=":material/rule:"):
    st.markdown(pv.definition("reconciliation"))
    if publication:
        st.info(
            display.publication_hidden("The reconciliation is an internal check on small numbers",
                                       not access.publication_only(shell.viewer(), ref)),
            icon=":material/visibility_off:",
        )
    else:
        rec = data.load(reconciliation.reconcile, DataRequest(as_at=as_at))
        st.markdown(reconciliation.summary(rec, ref))
        rec_shown = reconciliation.shown(rec, ref)
        tables.show_frame(rec_shown, hide_index=True, width="stretch", column_config={"Note": st.column_config.TextColumn(width="large")})
        shell.download_table(rec_shown, "reconciliation_business_case", "reconciliation", period="", region=True)
