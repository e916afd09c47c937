"""Board pack (Partnership Board, Head of Service): the period's board pack in one click, as an Excel workbook
and a PDF (A4 landscape) holding the same figures. Every figure comes from raa_core.boardpack; this page
chooses the request, shows progress while the pack is built, lists what could not be built and offers both
files."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from raa_app import errors, scenarios, shell
from raa_core import access, boardpack
from raa_core.boardpack import boardpack_files
from raa_core.contributions import saved_scenarios
from raa_core.contributions.scenario import read_scenario_file
from raa_core.errors import BadInput
from raa_core.presentation import BOARD_UNIT, MoneyUnit, count_noun, utc_time

viewer = shell.page_viewer("boardpack")

NO_SCENARIO, SAVED, UPLOADED = "No scenario", "A saved scenario", "A scenario file (JSON)"

ref = shell.reference()
run = shell.run()
today = shell.today()


def chosen_scenario() -> str | None:
    """The chosen contribution scenario's JSON (docs/command-line.md), or None; a bad file is refused with the reason."""
    source = st.radio("Contribution scenario", [NO_SCENARIO, SAVED, UPLOADED], horizontal=True, key="pack_sc_source",
                      help="The scenario section of the pack: one saved on the Contribution scenarios page, or a "
                           "scenario file exported from it")
    if source == SAVED:
        name = scenarios.choose_saved("pack_sc_saved")
        return None if name is None else saved_scenarios.load(shell.appstate(), name).to_json()
    if source == UPLOADED:
        up = st.file_uploader("Scenario file", type=["json"], key="pack_sc_file",
                              help="A scenario file downloaded from the Contribution scenarios page")
        if up is None:
            return None
        try:
            return read_scenario_file(up.name, up.getvalue()).to_json()
        except BadInput as exc:
            errors.show(exc)
        return None
    return None


st.title("Board pack")
st.caption("The Partnership Board's pack: cover with data freshness, headline scorecard with thresholds and RAG, "
           "trends, children and adopters waiting, ASGLB items, budget monitoring with movement and commentary, "
           "the contribution scenario, data-quality warnings per council and definitions. One workbook and one "
           "PDF (A4 landscape) with the same figures.")

choices = boardpack.period_choices(shell.year_options())
c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
period = c1.selectbox("Period", choices, index=choices.index(run.year) if run.year in choices else 0,
                      key="pack_period", help="A financial year, or a 3-year period for the scorecard")
with c2:
    as_at = shell.day_field("As at", "pack_as_at", today, value=run.as_at_date,
                            help="The figures from the drops received by this day, for example 20 Nov 2026")
unit = c3.segmented_control("Money in", list(MoneyUnit), format_func=lambda u: u.value, default=BOARD_UNIT,
                            key="pack_unit", help="Thousands of pounds (£'000) as board papers show, or pounds "
                                                  "and pence") or BOARD_UNIT
scenario = chosen_scenario()
if access.publication_only(viewer, ref):
    publication = True
    st.info("Small numbers are suppressed for publication: the board's packs always are.",
            icon=":material/visibility_off:")
else:
    publication = st.toggle("Suppress small numbers (publication view)", value=True, key="pack_publication",
                            help="The board's packs are always suppressed; the Head of Service may build an "
                                 "unsuppressed pack for internal use")

request = boardpack.PackRequest(period=period, as_at=boardpack.as_at_asked(as_at, today), unit=unit,
                                publication=publication, role=viewer.role, scenario=scenario)

if st.button("Build the board pack", type="primary", icon=":material/picture_as_pdf:", key="pack_build"):
    with st.status("Building the board pack…", expanded=True) as status:
        bar = st.progress(0.0, text="starting")

        def progress(i: int, n: int, label: str) -> None:
            bar.progress(i / (n + 2), text=f"{i + 1} of {n}: {label}" if i < n else "writing the files")

        pack = boardpack.build(shell.snapshot(), request, progress=progress, state=shell.appstate())
        steps = len(pack.sections) + 2
        bar.progress((steps - 1) / steps, text="writing the workbook")
        xlsx = boardpack_files.boardpack_xlsx(pack)
        bar.progress(1.0, text="writing the PDF")
        pdf = boardpack_files.boardpack_pdf(pack)
        st.session_state["pack_files"] = {
            "request": request, "built": utc_time(dt.datetime.now(dt.UTC)), "period": pack.period.name,
            "xlsx": (boardpack_files.pack_file_name(pack, "xlsx"), xlsx),
            "pdf": (boardpack_files.pack_file_name(pack, "pdf"), pdf),
            "unavailable": [(s.title, s.unavailable) for s in pack.sections if s.unavailable],
            "sections": len(pack.sections),
        }
        status.update(label=f"Board pack {pack.period.name} built", state="complete", expanded=False)

built = st.session_state.get("pack_files")
if built and built["request"] == request:
    missing = built["unavailable"]
    st.success(f"Board pack {built['period']} built at {built['built']}: "
               f"{count_noun(built['sections'] - len(missing), 'section')} of {built['sections']} complete.",
               icon=":material/check_circle:")
    if missing:
        st.markdown(f"**Not in this pack ({count_noun(len(missing), 'section')}):**")
        for title, reason in missing:
            st.warning(f"**{title}**: {reason}", icon=":material/warning:")
    d1, d2 = st.columns(2)
    pdf_name, pdf = built["pdf"]
    xlsx_name, xlsx = built["xlsx"]
    d1.download_button("Download the PDF", shell.audited(lambda: pdf, pdf_name), pdf_name, boardpack_files.PDF_MIME,
                       key="pack_pdf", icon=":material/picture_as_pdf:", on_click="ignore", width="stretch")
    d2.download_button("Download the workbook", shell.audited(lambda: xlsx, xlsx_name), xlsx_name,
                       boardpack_files.XLSX_MIME, key="pack_xlsx", icon=":material/table_view:", on_click="ignore",
                       width="stretch")
elif built:
    st.caption("The choices changed since the last build: build the pack again to download it.")
