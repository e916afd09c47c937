"""Board pack (Partnership Board, Head of Service): the quarter's board pack in one click, as an Excel
workbook and a PDF holding the same figures. Every figure comes from raa_core.boardpack."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from pages import shell
from raa_core import boardpack, boardpack_files, periods
from raa_core.presentation import BOARD_UNIT, MoneyUnit

shell.page_guard()

ref = shell.reference()
f = shell.filters()
role = st.session_state.get("view_as") or next(iter(ref.role_labels()))

st.title("Board pack")
st.caption("The Partnership Board's quarterly pack: cover with data freshness, headline scorecard with "
           "thresholds and RAG, trends, children and adopters waiting, ASGLB items, budget monitoring with "
           "movement and commentary, the contribution scenario, data-quality warnings and definitions. "
           "One workbook and one PDF (A4 landscape) with the same figures.")

first = periods.financial_year_of(shell.today()).start.year
choices = [periods.financial_year(y).name for y in range(first, 2015, -1)]
choices += [periods.three_year(y).name for y in range(first - 2, 2013, -1)]
c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
period = c1.selectbox("Period", choices, index=choices.index(f.year) if f.year in choices else 0, key="pack_period",
                      help="A financial year, or a 3-year period for the scorecard")
as_at = c2.date_input("As at", value=f.as_at, max_value=shell.today(), key="pack_as_at", format="YYYY-MM-DD",
                      help="The figures from the drops received by this date")
unit = c3.segmented_control("Money in", list(MoneyUnit), format_func=lambda u: u.value, default=BOARD_UNIT,
                            key="pack_unit") or BOARD_UNIT
if role == "board":
    publication = True
    st.info("Small numbers are suppressed for publication: the board's exports always are.",
            icon=":material/visibility_off:")
else:
    publication = st.toggle("Suppress small numbers (publication view)", value=True, key="pack_publication",
                            help="The board's exports are always suppressed; others may print the unsuppressed pack")

upload = st.file_uploader("Contribution scenario (optional)", type=["json"], key="pack_scenario",
                          help="A saved contribution scenario (JSON, as `raa contributions` reads it); without one "
                               "the pack says no scenario was chosen")
scenario = upload.getvalue().decode("utf-8-sig", errors="replace") if upload is not None else None

request = boardpack.PackRequest(
    period=period, as_at=None if as_at >= shell.today() else as_at, unit=unit, publication=publication, role=role,
    scenario=scenario)

if st.button("Build the board pack", type="primary", icon=":material/picture_as_pdf:", key="pack_build"):
    with st.status("Building the board pack…", expanded=True) as status:
        bar = st.progress(0.0, text="starting")

        def progress(i: int, n: int, label: str) -> None:
            bar.progress(i / (n + 2), text=f"{i + 1} of {n}: {label}" if i < n else "writing the files")

        pack = boardpack.build(shell.cursor(), ref, request, today=shell.today(), progress=progress)
        bar.progress((len(pack.sections) + 1) / (len(pack.sections) + 2), text="writing the workbook")
        xlsx = boardpack_files.boardpack_xlsx(pack)
        bar.progress(1.0, text="writing the PDF")
        pdf = boardpack_files.boardpack_pdf(pack)
        st.session_state["pack_files"] = {
            "request": request, "built": dt.datetime.now(dt.UTC).strftime("%H:%M UTC"),
            "xlsx": (boardpack_files.pack_file_name(pack, "xlsx"), xlsx),
            "pdf": (boardpack_files.pack_file_name(pack, "pdf"), pdf),
            "unavailable": [(s.title, s.unavailable) for s in pack.sections if s.unavailable],
            "sections": [s.title for s in pack.sections],
        }
        status.update(label=f"Board pack {pack.period.name} built", state="complete", expanded=False)

built = st.session_state.get("pack_files")
if built and built["request"] == request:
    st.success(f"Built at {built['built']}: {', '.join(built['sections'])}.", icon=":material/check_circle:")
    for title, reason in built["unavailable"]:
        st.warning(f"**{title}** is not in this pack: {reason}", icon=":material/warning:")
    d1, d2 = st.columns(2)
    d1.download_button("Download the PDF", built["pdf"][1], built["pdf"][0], boardpack_files.PDF_MIME,
                       key="pack_pdf", icon=":material/picture_as_pdf:", on_click="ignore", width="stretch")
    d2.download_button("Download the workbook", built["xlsx"][1], built["xlsx"][0], boardpack_files.XLSX_MIME,
                       key="pack_xlsx", icon=":material/table_view:", on_click="ignore", width="stretch")
elif built:
    st.caption("The choices changed since the last build: build the pack again to download it.")
