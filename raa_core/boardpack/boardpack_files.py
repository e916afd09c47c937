"""The board pack written as files: an Excel workbook (`export.Workbook`: text never a formula) and a PDF (fpdf2), from one `BoardPack`.

Both files carry the same figures, formatted by the one presentation spec: the workbook holds exact
values (money in pounds and pence, shown in the pack's unit by the number format), the PDF prints the
same values as text with static charts (matplotlib). The PDF is A4 landscape with a cover, a contents
page, a header (title, period, as-at) and a footer (protective marking, "Page n of N") on every page, and is
tagged for screen readers (`tagged_pdf`: headings, paragraphs, tables with column headers, charts with
alternative text, contents links; headers and footers as artifacts; PDF/UA-1 declared, checked by pdfua). The
workbook has a Contents sheet and a sheet per table, each with print setup (`export.print_setup`).

fpdf2 was chosen for the PDF because it is pure Python (a wheel; no system library, no browser), actively
maintained, embeds TrueType fonts (DejaVu Sans, which matplotlib already ships, so £ and — print and the
text extracts back), and has tables with repeated headings, outlines and a contents placeholder built in.
"""

from __future__ import annotations

import io
import re
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import matplotlib
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.outline import OutlineSection

from raa_core.boardpack import SECTIONS, SHEETS, BoardPack, PackChart, PackTable, Section, static_charts
from raa_core.boardpack.tagged_pdf import COLUMN_SCOPE, Element, TaggedPDF
from raa_core.presentation import RAG_WORDS, count_noun, date_text, file_name, palette
from raa_core.presentation.export import SpecFormats, Workbook, print_setup, write_spec_table

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
#: The language of every word in the pack (the PDF catalogue's /Lang).
LANGUAGE = "en-GB"
MARGIN_MM = 12
HEAD = palette.rgb(palette.HEADER_FILL)
RAG_FILL = {palette_word: palette.rgb(palette.RAG_BACKGROUND[rag]) for rag, palette_word in RAG_WORDS.items()}
PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pack_file_name(pack: BoardPack, ext: str) -> str:
    """`raa_board_pack_Region_2026-27_as-at_2026-11-23.pdf` (the pack covers the whole region)."""
    return file_name("board_pack", ext, period=pack.period.name, as_at=pack.as_at)


# --- Excel ---------------------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\']")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", title).strip()[:31] or "Sheet"
    name, i = base, 2
    while name.lower() in used:
        suffix = f" {i}"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def boardpack_xlsx(pack: BoardPack) -> bytes:
    """The pack as a workbook: Contents, then a sheet per table (a section that could not be built gets a
    sheet saying why). Each sheet: title, the section's text, the table with its header frozen, print
    setup with the header row as print titles."""
    wb = Workbook()
    fmt = SpecFormats(wb)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True})
    link = wb.add_format({"font_color": palette.LINK, "underline": 1})
    used: set[str] = {"contents"}
    contents = wb.add_worksheet("Contents")
    contents.write_string(0, 0, pack.title, fmt.title)
    contents.write_string(1, 0, f"{pack.subtitle} · {pack.classification}", fmt.sub)
    contents.set_column(0, 0, 34)
    contents.set_column(1, 1, 40)
    contents.set_column(2, 2, 80)
    row = 3
    contents.write_string(row, 0, "Section", fmt.head)
    contents.write_string(row, 1, "Sheet", fmt.head)
    contents.write_string(row, 2, "Note", fmt.head)
    print_setup(contents, title=pack.title, period=pack.period.name, as_at=pack.as_at, header_row=row,
                marking=pack.classification)
    for section in pack.sections:
        pieces: list[PackTable | None] = list(section.tables) or [None]
        for i, table in enumerate(pieces):
            title = table.title if table is not None else section.title
            sheet = _sheet_name(table.sheet if table is not None else SHEETS[section.key], used)
            ws = wb.add_worksheet(sheet)
            ws.write_string(0, 0, title, fmt.title)
            ws.write_string(1, 0, f"{section.title} · {pack.subtitle} · {pack.classification}", fmt.sub)
            r = 2
            text = ([f"Not available: {section.unavailable}"] if section.unavailable else []) + (
                section.lines if i == 0 else [])
            for line in text:
                ws.write_string(r, 0, line, bold if line.startswith("Not available") else wrap)
                r += 1
            if table is not None:
                header = r + 1
                end = write_spec_table(ws, fmt, table.spec, table.frame, table.unit or pack.unit, header)
                ws.freeze_panes(header + 1, 0)
                if table.note:
                    ws.write_string(end + 1, 0, table.note, fmt.sub)
                print_setup(ws, title=f"{pack.title}: {title}", period=pack.period.name, as_at=pack.as_at,
                            header_row=header, marking=pack.classification)
            else:
                ws.set_column(0, 0, 120)
                print_setup(ws, title=f"{pack.title}: {title}", period=pack.period.name, as_at=pack.as_at,
                            marking=pack.classification)
            row += 1
            contents.write_string(row, 0, section.title if i == 0 else "", bold if i == 0 else wrap)
            contents.write_url(row, 1, f"internal:'{sheet}'!A1", link, string=sheet)
            note = (section.unavailable and f"Not available: {section.unavailable}") or (
                count_noun(len(table.frame), "row") if table is not None else "")
            contents.write_string(row, 2, note, wrap)
    return wb.to_bytes()


# --- PDF -----------------------------------------------------------------------------------------------


class _PackPDF(TaggedPDF):
    def __init__(self, pack: BoardPack) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack = pack
        self.set_margins(MARGIN_MM, 16, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=16)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_author(pack.raa_name)
        self.set_subject(pack.subtitle)
        self.set_creator("raa_core board pack")
        self.set_creation_date(pack.produced_at)
        # For screen readers (PDF/UA-1, WCAG 2.2 3.1.1 and 2.4.2): the document's language, and its title shown
        # in the window rather than the file name. Everything drawn is tagged (`tagged_pdf`): headings, paragraphs,
        # tables with column headers, charts as figures with alternative text (`_chart`); headers and footers are
        # artifacts.
        self.declare_pdfua(pack.title, LANGUAGE)  # the pdfua check finds no error (docs/accessibility/pdf.json)
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        with self.artifact("Pagination"):
            self.set_y(6)
            self.set_font(FONT, "B", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, self.pack.title, align=Align.L)
            self.set_x(self.l_margin)
            self.set_font(FONT, "", 8)
            self.cell(0, 5, f"{self.pack.subtitle} · {self.pack.classification}", align=Align.R)
            self.set_text_color(0, 0, 0)
            self.set_y(16)

    def footer(self) -> None:
        with self.artifact("Pagination"):
            self.set_y(-11)
            self.set_font(FONT, "B", 8)
            self.cell(0, 5, self.pack.classification, align=Align.L)
            self.set_x(self.l_margin)
            self.set_font(FONT, "", 8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align=Align.R)


def _toc(pdf: _PackPDF, outline: list[OutlineSection], sect: Element) -> None:
    """The contents page, drawn when the PDF is output (the pages are known then) into its section `sect` of the
    structure tree, reserved in reading order: a heading, then a TOC whose entries are links to the sections."""
    with pdf.reopen(sect):
        pdf.set_xy(pdf.l_margin, pdf.t_margin)
        pdf.set_font(FONT, "B", 16)
        with pdf.marked("/H2"):
            pdf.cell(0, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        with pdf.structure("/TOC"):
            for s in outline:
                if s.level > 0:
                    continue
                pdf.set_font(FONT, "", 11)
                link = pdf.add_link(page=s.page_number)
                with pdf.structure("/TOCI"), pdf.structure("/Reference"), \
                        pdf.marked("/Link", alt=f"{s.name}, page {s.page_number}"):
                    pdf.cell(pdf.epw - 20, 8, s.name, link=link)
                    pdf.cell(20, 8, str(s.page_number), align=Align.R, link=link, new_x=XPos.LMARGIN,
                             new_y=YPos.NEXT)


def _widths(table: PackTable, pack: BoardPack, epw: float) -> list[float]:
    unit = table.unit or pack.unit
    rows = table.spec.text_rows(table.frame.head(200), unit)
    weights = []
    for i, c in enumerate(table.spec.columns):
        longest = max([len(r[i]) for r in rows] + [4])
        head = max(len(w) for w in c.header(unit).split()) if c.header(unit) else 4
        weights.append(min(max(longest, head, 4), 60 if c.width == "large" else 28) + 2)
    total = sum(weights)
    return [epw * w / total for w in weights]


def _text_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """The lines a text takes in a cell of `width` (a single line when it fits: the common, fast case)."""
    if "\n" not in text and pdf.get_string_width(text) <= width:
        return [text]
    return list(pdf.multi_cell(width, 4, text, dry_run=True, output=MethodReturnValue.LINES))


def _table(pdf: _PackPDF, table: PackTable) -> None:
    """A table drawn row by row: headings repeated after a page break, numbers right-aligned, RAG cells
    coloured, total rows bold, long text wrapped within its column."""
    pack = pdf.pack
    unit = table.unit or pack.unit
    pdf.set_font(FONT, "B", 10)
    with pdf.marked("/H3"):
        pdf.multi_cell(0, 6, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if table.frame.empty:
        pdf.set_font(FONT, "I", 9)
        with pdf.marked("/P"):
            pdf.multi_cell(0, 5, "None.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        return
    cols = table.spec.columns
    size = 7 if len(cols) > 9 else 8
    line_h, pad = size * 0.45, 0.9
    widths = _widths(table, pack, pdf.epw)
    aligns = [{"right": Align.R, "center": Align.C}.get(c.align, Align.L) for c in cols]
    totals = list(table.frame[table.spec.total_key]) if table.spec.total_key in table.frame else []

    def draw(cells: list[list[str]], bold: bool, fills: list[tuple[int, int, int] | None], role: str | None) -> None:
        """A row: a /TR of `role` cells (/TH heads its column), or an artifact (the heading repeated)."""
        h = max(len(c) for c in cells) * line_h + 2 * pad
        if pdf.get_y() + h > pdf.page_break_trigger:
            pdf.add_page()
            heading(repeated=True)
        y, x = pdf.get_y(), pdf.l_margin
        pdf.set_font(FONT, "B" if bold else "", size)
        with pdf.structure("/TR") if role else pdf.artifact("Pagination"):
            for lines, w, a, fill in zip(cells, widths, aligns, fills, strict=True):
                cell: AbstractContextManager[object] = nullcontext() if role is None else pdf.marked(
                    role, attributes=COLUMN_SCOPE if role == "/TH" else None)
                with cell:
                    if fill is not None:
                        pdf.set_fill_color(*fill)
                        pdf.rect(x, y, w, h, style="F")
                    for i, line in enumerate(lines):
                        pdf.set_xy(x + pad, y + pad + i * line_h)
                        pdf.cell(w - 2 * pad, line_h, line, align=a)
                x += w
        with pdf.artifact():
            pdf.set_draw_color(200, 200, 200)
            pdf.line(pdf.l_margin, y + h, pdf.l_margin + sum(widths), y + h)
        pdf.set_xy(pdf.l_margin, y + h)

    def heading(repeated: bool = False) -> None:
        pdf.set_font(FONT, "B", size)
        heads = [_text_lines(pdf, c.header(unit), w - 2 * pad) for c, w in zip(cols, widths, strict=True)]
        draw(heads, True, [HEAD] * len(cols), None if repeated else "/TH")

    with pdf.structure("/Table"):
        heading()
        for i, values in enumerate(table.spec.text_rows(table.frame, unit)):
            bold = bool(totals[i]) if totals else False
            pdf.set_font(FONT, "B" if bold else "", size)
            cells = [_text_lines(pdf, v, w - 2 * pad) if c.kind == "text" else [v]
                     for c, v, w in zip(cols, values, widths, strict=True)]
            draw(cells, bold, [RAG_FILL.get(v) if c.kind == "rag" else None for c, v in zip(cols, values, strict=True)],
                 "/TD")
    pdf.set_fill_color(255, 255, 255)
    if table.note:
        pdf.set_font(FONT, "I", 8)
        with pdf.marked("/P"):
            pdf.multi_cell(0, 4.5, table.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def cover_title(pack: BoardPack) -> str:
    """The cover's heading, the one H1 of the PDF."""
    return f"Partnership Board pack: {pack.period.name}"


def chart_png(chart: PackChart, pack: BoardPack) -> bytes:
    """The PNG of one pack chart."""
    if chart.kind == "trends":
        return static_charts.trends_png(chart.data, chart.options["titles"])
    if chart.kind == "trend":
        return static_charts.trend_png(chart.data, chart.options["indicator"], chart.title)
    if chart.kind == "scorecard":
        return static_charts.scorecard_png(chart.data, chart.title)
    if chart.kind == "waiting":
        return static_charts.waiting_png(chart.data, chart.title)
    if chart.kind == "outturn":
        return static_charts.outturn_png(chart.data, chart.title, pack.unit)
    if chart.kind == "variance":
        return static_charts.variance_png(chart.data, chart.title, pack.unit)
    raise ValueError(f"unknown chart kind {chart.kind!r}")


def chart_alt_text(chart: PackChart) -> str:
    """A chart's alternative text in the PDF: what it shows, and where its figures are in words."""
    return (f"Chart: {chart.title}. The same figures are in this section's tables and in the pack's workbook "
            "(one sheet per table).")


def _chart(pdf: _PackPDF, chart: PackChart) -> None:
    png = chart_png(chart, pdf.pack)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w_px, h_px = im.size
    w = min(pdf.epw, 250)
    h = w * h_px / w_px
    if pdf.get_y() + h > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=w, h=h, alt_text=chart_alt_text(chart))
    pdf.ln(2)


def _cover(pdf: _PackPDF) -> None:
    pack = pdf.pack
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(160, 0, 0)
    with pdf.marked("/P"):
        pdf.cell(0, 8, pack.classification, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(22)
    pdf.set_font(FONT, "B", 26)
    with pdf.marked("/P"):
        pdf.multi_cell(0, 13, pack.raa_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 20)
    with pdf.marked("/H1"):
        pdf.multi_cell(0, 11, cover_title(pack), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "", 13)
    with pdf.marked("/P"):
        pdf.multi_cell(0, 7, f"Figures as at {date_text(pack.as_at)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pdf.marked("/P"):
        pdf.multi_cell(0, 7, "Service delivery performance, local area performance and financial performance",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font(FONT, "", 10)
    for line in pack.section("cover").lines:
        with pdf.marked("/P"):
            pdf.multi_cell(0, 5.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def boardpack_pdf(pack: BoardPack) -> bytes:
    """The pack as an A4 landscape PDF: cover, contents, a section per page group with its text, tables and
    static charts; a section that could not be built says why. Page header and numbered footer throughout."""
    pdf = _PackPDF(pack)
    _cover(pdf)
    pdf.add_page()
    with pdf.structure("/Sect") as contents:  # the contents page's place in the reading order (drawn at output)
        pass
    pdf.insert_toc_placeholder(lambda p, outline: _toc(pdf, outline, contents), pages=1)  # reserves page 2
    for i, section in enumerate(pack.sections):
        if i:
            pdf.add_page()
        with pdf.structure("/Sect", title=section.title):
            _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: _PackPDF, section: Section) -> None:
    """A section: its heading (H2), why it is not available, its text, charts and tables in reading order."""
    pdf.start_section(section.title)
    pdf.set_font(FONT, "B", 16)
    with pdf.marked("/H2"):
        pdf.cell(0, 10, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if section.unavailable:
        pdf.set_font(FONT, "B", 10)
        pdf.set_fill_color(252, 217, 160)
        with pdf.marked("/P"):
            pdf.multi_cell(0, 6, f"Not available: {section.unavailable}", fill=True, new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pdf.set_fill_color(255, 255, 255)
        pdf.ln(2)
    pdf.set_font(FONT, "", 9.5)
    for line in section.lines if section.key != "cover" else []:
        with pdf.marked("/P"):
            pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if section.lines and section.key != "cover":
        pdf.ln(2)
    for chart in section.charts[:1] if section.key in ("scorecard", "budget") else []:
        _chart(pdf, chart)
    for table in section.tables:
        _table(pdf, table)
    for chart in section.charts[1:] if section.key in ("scorecard", "budget") else section.charts:
        _chart(pdf, chart)


def section_titles() -> list[str]:
    """The section titles every pack carries, in order (the PDF's contents and outline)."""
    return list(SECTIONS.values())
