"""Local performance (a council's adoption lead): one council's figures against the region and the best
partner, the children's journey (funnel and stage durations), the spread of A1 days, children waiting by
ageing band, and the adopter pipeline and timeliness. Every number comes from raa_core; this page only
lays it out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from raa_app import data, shell
from raa_app import performance_view as pv
from raa_core import access, presentation, suppression
from raa_core.ingest import coverage, freshness
from raa_core.performance import characteristics, indicators, journeys, recruitment
from raa_core.performance import performance_charts as pc
from raa_core.presentation import data_when, date_text, display
from raa_core.presentation.text import not_over_text, period_kind_text
from raa_core.requests import DataRequest

viewer = shell.page_viewer("local_performance")

# --- display helpers (formatting only) ------------------------------------------------------------------


def waiting_text(raw: pd.DataFrame, counts: Sequence[str], relations: tuple[suppression.Relation, ...],
                 publication: bool, area: str) -> pd.Series:
    """One area's row of a frame of those waiting at a date, as display text (suppressed when publishing)."""
    shown, _ = pv.publish(
        raw, publication, counts=list(counts), group_by=["at"], means={"mean_days": "waiting", "median_days": "waiting"},
        relations=relations,
    )
    rows = shown if publication else suppression.as_text(raw)
    return rows[rows["area"] == area].iloc[0]


def metric_row(values: list[tuple[str, str, str]], per_row: int | None = None) -> None:
    per_row = per_row or len(values)
    for start in range(0, len(values), per_row):
        chunk = values[start : start + per_row]
        for col, (label, value, help_text) in zip(st.columns(per_row), chunk, strict=False):
            col.metric(label, value or "—", help=help_text)


# --- page ----------------------------------------------------------------------------------------------

ref = shell.reference()
req = shell.run().performance
as_at = req.as_at
period = req.period
status = shell.council_status()
names = freshness.council_labels(status)
la_code = req.council_or_first(access.councils(viewer, ref))
area = str(la_code)
council = ref.council_name(la_code)
latest = data.load(journeys.latest_date, DataRequest(as_at=as_at))
at = req.waiting_at(shell.today())

publication = pv.header(
    "Local performance",
    (
        "A1",
        "A2",
        "A3",
        "A10",
        "compare",
        "funnel",
        "stages",
        "a1_distribution",
        *journeys.WAITING_TERMS,
        "waiting_bands",
        "pipeline",
        "timeliness",
        "low_n",
        "stale",
    ),
)

if req.la_code is None and len(access.councils(viewer, ref)) > 1:
    st.info(
        f"The sidebar shows the whole region; this page is about one council, so it shows **{council}** "
        f"({la_code}), the first partner. Choose a council in the sidebar to see another.",
        icon=":material/location_on:",
    )
when = data_when(as_at, latest)
st.header(f"{council} ({la_code}) · {period.name}")
req = req.with_(thresholds=pv.threshold_set())
#: Every area's figures come from one query (the page picks its area), so they are cached once whichever
#: council the sidebar shows; only child-level rows are asked for one council.
every = req.with_(la_code=None)
gaps = pv.no_data_notice(as_at, names)
st.caption(
    f"{period_kind_text(period, capital=True)} {date_text(period.start)} to {date_text(period.end)} · "
    f"{when}. Waiting is counted on {date_text(at)}."
)
if not_over := not_over_text(period, latest):
    st.info(not_over, icon=":material/hourglass_top:")
if freshness.is_stale(status, la_code):
    row = next(status[status["la_code"] == la_code].itertuples())
    since = freshness.staleness_note(row)
    st.warning(f"{council}'s data is stale ({since}): these are the last figures received.", icon=":material/schedule:")

# Against the region and the best partner ----------------------------------------------------------------
st.header("Against the region and the best partner", help=f"{pv.definition('compare')}\n\n{pv.definition('low_n')}")
with st.spinner("Computing the scorecard…"):
    sc = data.load(indicators.scorecard, every)
if area not in gaps and indicators.adopted_none(sc, area):
    st.info(f"{council}: {coverage.no_children_message('adopted', period.name)}.", icon=":material/info:")
_, sc_view = pv.publish_scorecard(sc, publication)
comp = indicators.compare_council(sc_view, area)
comp_text = suppression.shown_from_masked(comp) if publication else suppression.as_text(comp)
left, right = st.columns([3, 2])
with left:
    pv.plot(pv.figure(pc.council_vs_region, comp, names, council=area, low_n_below=ref.settings.low_n_below), "council_vs_region")
with right:
    pv.table(
        indicators.compare_table(comp_text, names),
        {"indicator": "Indicator", "council": council, "council_n": "n", "region": "Region", "best": "Best partner"},
        helps={"best": pv.definition("compare")},
    )
    st.caption("A3: % placed within 14 months of entering care.")
    pv.export(comp, comp_text, publication, "against_region", "compare", of=area, period=period.name)
# one note for the chart and the table beside it: both mark a low number (council, region or best partner) alike
pv.chart_notes(indicators.compare_marked(comp), publication)

# Children's journey ------------------------------------------------------------------------------------
act = data.load(journeys.activity, every)
act_shown, act_view = pv.publish(
    act,
    publication,
    counts=list(journeys.ACTIVITY_COUNTS),
    relations=journeys.ACTIVITY_RELATIONS,
    group_by=["period"],
    pcts={
        "early_permanence_pct": ("early_permanence_placements", "placements"),
        "interagency_pct": ("interagency_placements", "placements"),
    },
)
stages = data.load(journeys.stage_durations, every)
stages_shown, stages_view = pv.publish(
    stages,
    publication,
    counts=["n"],
    means={"mean_days": "n", "median_days": "n"},
    group_by=["period", "stage_order"],
)
st.header("Children's journey", help=f"{pv.definition('funnel')}\n\n{pv.definition('stages')}")
left, right = st.columns([2, 3])
with left:
    act_marks = data.load(journeys.activity_not_provided, every)  # fields 903 files lack: said, never a zero
    pv.plot(pv.figure(pc.journey_funnel, coverage.mark_not_provided(act_view, act_marks, words=False), area,
                      period.name), "funnel", later=True)
    pv.chart_notes(False, publication)
    for stage, key in journeys.FUNNEL:
        if key in act_marks.get(area, {}):
            st.caption(f"{stage}: {act_marks[area][key]}.")
    pv.export(coverage.mark_not_provided(act, act_marks), coverage.mark_not_provided(act_shown, act_marks),
              publication, "journey_activity", "funnel", area, period=period.name)
with right:
    st_marks = data.load(journeys.stages_not_provided, every)  # stages resting on a match date 903 lacks
    stages_drawn = journeys.stages_marked(stages_view, st_marks, words=False)
    pv.plot(pv.figure(pc.stage_durations_chart, stages_drawn, area, period.name, ref.settings.low_n_below), "stages",
            later=True)
    pv.chart_notes(indicators.low_n_marked(stages_drawn, area, "mean_days"), publication)
    for stage, words in st_marks.get(area, {}).items():
        st.caption(f"{stage}: {words}.")
    pv.export(journeys.stages_marked(stages, st_marks), journeys.stages_marked(stages_shown, st_marks), publication,
              "stage_durations", "stages", area, period=period.name)

# Distribution of A1 days ----------------------------------------------------------------------------------
st.header("Distribution of A1 days", help=f"{pv.definition('a1_distribution')}\n\n{pv.definition('A1')}")
bands = data.load(journeys.a1_bands, every)
bands_shown, bands_view = pv.publish(bands, publication, counts=["children"], group_by=["band_order"])
mine_bands = bands[bands["area"] == area]
children_allowed = access.can_see_children(viewer, la_code, ref)
if publication or not children_allowed:
    pv.plot(pv.figure(pc.a1_bands_chart, bands_view, area), "a1_bands", later=True)
    pv.chart_notes(False, publication)
    st.caption("Each child's days are not shown in the publication view: the bands are." if publication else
               "Each child's days are shown only to the Head of Service and the council's own analyst: the bands are.")
    pv.export(bands, bands_shown, publication, "a1_bands", "a1_bands", area, period=period.name)
else:
    dist = data.load(journeys.a1_distribution, req.with_(la_code=la_code), viewer=viewer)
    shell.audit_child_view("local_performance", la_code, f"A1 days of each child adopted, {period.name}"
                           + (f", as at {as_at}" if as_at else ""))
    threshold = indicators.threshold_of(sc, "A1")
    left, right = st.columns(2)
    with left:
        pv.plot(pv.figure(pc.a1_distribution_chart, dist, threshold, low_n_below=ref.settings.low_n_below),
                "a1_distribution", later=True)
        pv.chart_notes(indicators.low_n_of(sc, area, "A1"), False)
        shell.download_table(dist.drop(columns="la_code"), "a1_days", "a1_distribution", period=period.name,
                             area=area)
    with right:
        pv.plot(pv.figure(pc.a1_bands_chart, bands_view, area), "a1_bands", later=True)
        st.caption(f"{presentation.count_noun(int(mine_bands['children'].sum()), 'child', 'children')} adopted in "
                   f"{period.name}.")
        pv.export(bands, bands_shown, publication, "a1_bands", "a1_bands", area, period=period.name)

# Children waiting --------------------------------------------------------------------------------------
st.header(
    f"Children waiting on {date_text(at)}", help=f"{pv.definition('children_waiting')}\n\n{pv.definition('waiting_bands')}"
)
waiting = data.load(journeys.children_waiting, every, at)
wbands = data.load(journeys.waiting_bands, every, at)
homes = data.load(recruitment.adopters_waiting, every, at)
w = waiting_text(waiting, journeys.WAITING_COUNTS, journeys.WAITING_RELATIONS, publication, area)
for key, words in data.load(coverage.not_provided_counts, every, journeys.WAITING_COUNTS, "waiting_").get(area, {}).items():
    w[key] = words  # a field this council's 903 files lack: said, never a zero
left, right = st.columns([2, 3])
with left:
    if area in gaps:
        st.info(f"{council}: {gaps[area]}.", icon=":material/block:")
    else:
        metric_row(
            [
                *((display.TERMS[term], w[count], pv.definition(term))
                  for term, count in journeys.WAITING_TERMS.items()),
                (journeys.WAITING_LABELS["with_po_not_matched"], w["with_po_not_matched"],
                 journeys.WAITING_LABELS["with_po_not_matched"]),
                (journeys.WAITING_LABELS["matched_not_placed"], w["matched_not_placed"],
                 journeys.WAITING_LABELS["matched_not_placed"]),
                ("Order 12 months or more ago", w["po_12m_plus"], journeys.WAITING_LABELS["po_12m_plus"]),
                ("Order 18 months or more ago", w["po_18m_plus"], journeys.WAITING_LABELS["po_18m_plus"]),
                ("With an order, 18+ months in care", w["po_care_18m_plus"], journeys.WAITING_LABELS["po_care_18m_plus"]),
                ("Median days waiting", w["median_days"], "Median days since the ADM decision (or placement order)."),
            ],
            per_row=2,
        )
wb_shown, wb_view = pv.publish(wbands, publication, counts=["children"], parts_of=journeys.WAITING_BANDS_PARTS_OF)
with right:
    pv.plot(pv.figure(pc.waiting_bands_chart, wb_view, area, title="Children waiting by months since the decision"),
            "waiting_bands", later=True)
    pv.chart_notes(False, publication)
pv.export(wbands, wb_shown, publication, "children_waiting_bands", "waiting_bands", area, period=f"on_{at.isoformat()}")

# Adopters -----------------------------------------------------------------------------------------------
st.header("Adopters: pipeline and timeliness", help=f"{pv.definition('pipeline')}\n\n{pv.definition('timeliness')}")
recruit = data.load(recruitment.recruitment_activity, every)
timely = data.load(recruitment.timeliness, every)
r_shown, r_view = pv.publish(recruit, publication, counts=list(recruitment.RECRUITMENT_COUNTS),
                             relations=recruitment.RECRUITMENT_RELATIONS, group_by=["period"])
t_shown, t_view = pv.publish(
    timely, publication, counts=["within", "n"], pcts={"pct": ("within", "n")}, group_by=["period", "measure"]
)
h = waiting_text(homes, recruitment.ADOPTER_WAITING_COUNTS, recruitment.ADOPTER_WAITING_RELATIONS, publication, area)
adopter_gaps = data.load(coverage.missing, DataRequest(as_at=as_at), "adopters")
assessing = data.load(recruitment.households_in_assessment, every, (at,))
a_shown, _ = pv.publish(assessing, publication, counts=list(recruitment.ASSESSMENT_COUNTS),
                        relations=recruitment.ASSESSMENT_RELATIONS, group_by=["at"])
a = (a_shown if publication else suppression.as_text(assessing)).set_index("area").loc[area]
r_text = (r_shown if publication else suppression.as_text(recruit)).set_index("area").loc[area]
if area in adopter_gaps:
    st.info(f"{council}: {adopter_gaps[area]}.", icon=":material/block:")
else:
    metric_row(
        [
            (f"Households waiting ({date_text(at)})", h["waiting"], pv.definition("sufficiency")),
            ("Waiting over 3 months", h["over_3m"], "Approved more than 3 calendar months before, not yet matched."),
            ("Waiting over 6 months", h["over_6m"], "Approved more than 6 calendar months before, not yet matched."),
            ("Median days since approval", h["median_days"], "Median days since approval of the households waiting."),
        ]
    )
    metric_row(
        [
            (f"In assessment ({date_text(at)})", a["in_assessment"],
             "Registration of interest accepted, not approved, not withdrawn, at the date."),
            ("In stage 1", a["in_stage1"], "In assessment, stage 2 not started (between the stages counts here)."),
            ("In stage 2", a["in_stage2"], "In assessment, stage 2 started (fast-track households from registration)."),
            (f"Approved, withdrew before a match ({period.name})", r_text["approved_withdrawn"],
             "Households that withdrew in the period after approval and before any match."),
        ]
    )
left, right = st.columns(2)
with left:
    pv.plot(pv.figure(pc.adopter_pipeline, r_view, area, period.name), "pipeline", later=True)
    pv.chart_notes(False, publication)
    pv.export(recruit, r_shown, publication, "adopter_pipeline", "pipeline", area, period=period.name)
with right:
    pv.plot(pv.figure(pc.timeliness_chart, t_view, area, period.name, ref.settings.low_n_below), "timeliness",
            later=True)
    pv.chart_notes(indicators.low_n_marked(t_view, area, "pct"), publication)
    pv.export(timely, t_shown, publication, "adopter_timeliness", "timeliness", area, period=period.name)

# Characteristics of the council's children -------------------------------------------------------------------
st.header(f"Characteristics: {council}", help=characteristics.HELP)
with st.spinner("Counting characteristics…"):
    chars = data.load(characteristics.characteristics, every, at)
c_shown, _ = pv.publish(
    chars, publication, counts=["children", "n"], pcts={"pct": ("children", "n")},
    group_by=list(characteristics.BREAKDOWN), parts_of=characteristics.PARTS_OF,
)
c_marks = data.load(characteristics.not_provided, every)  # sibling groups: not in 903 files, never a zero
c_text = characteristics.marked(c_shown if publication else suppression.as_text(chars), c_marks)
if area in gaps:
    st.info(f"{council}: {gaps[area]}.", icon=":material/block:")
else:
    columns = st.columns(len(characteristics.GROUPS))
    for col, group in zip(columns, characteristics.GROUPS, strict=True):
        rows = c_text[(c_text["group"] == group) & (c_text["area"] == area)]
        with col:
            st.markdown(f"**{characteristics.group_heading(group, period, at)}**"
                        f" · n = {rows['n'].iloc[0] if len(rows) else 0}")
            pv.table(
                characteristics.table_rows(rows),
                {"dimension_label": "Characteristic", "category": "", "children": "Children", "pct": "%"},
            )
pv.export(characteristics.marked(chars, c_marks), characteristics.marked(c_shown, c_marks), publication,
          "characteristics", "characteristics", area, period=period.name)

# The DfE scorecard's adopter and context indicators ----------------------------------------------------
pv.adopter_context(every, publication, names, [area, "region"], of=area)

# The ASGLB quarterly return ---------------------------------------------------------------------------------
pv.asglb_button(as_at, latest, "local", publication)
