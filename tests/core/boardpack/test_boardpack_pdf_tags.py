"""The board pack's PDF read as a screen reader reads it (boardpack.tagged_pdf): a structure tree under /Document
whose headings are the pack's titles in order, whose tables have a header row of /TH (/Scope /Column) and rows of
as many /TD as the table has columns, whose figures have alternative text, whose contents-page links are tagged
and described; and a content stream in which every text-showing operator is tagged or an artifact."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from fpdf.enums import XPos, YPos

import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core import boardpack
from raa_core.boardpack import boardpack_files
from raa_core.boardpack.tagged_pdf import TaggedPDF

pytestmark = pytest.mark.core

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


@pytest.fixture(scope="module")
def tagged(sample_con, ref):
    """The board's pack (publication view) and its PDF opened with pikepdf."""
    request = boardpack.PackRequest(period="2026-27", publication=True, role="board")
    pack = fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))
    with pikepdf.open(io.BytesIO(boardpack_files.boardpack_pdf(pack))) as pdf:
        yield pack, pdf


def _kids(node: pikepdf.Object) -> list[pikepdf.Object]:
    kids = node.get("/K")
    return [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(kid: pikepdf.Object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None


def _walk(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """Every structure element under `node`, in reading order (depth first)."""
    out = []
    for kid in _kids(node):
        if _is_element(kid):
            out.append(kid)
            out.extend(_walk(kid))
    return out


def _text(pdf: pikepdf.Pdf, element: pikepdf.Dictionary) -> str:
    """The text an element marks (its MCIDs on its page), decoded through each font's /ToUnicode map."""
    wanted = {int(kid) for kid in _kids(element) if isinstance(kid, int)}
    page = next(p for p in pdf.pages if p.obj.objgen == element.Pg.objgen)
    maps = {name: _unicode_map(font) for name, font in page.Resources.Font.items()}
    out, depth, inside, font = [], 0, False, ""
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name == "Tf":
            font = str(operands[0])
        elif name in ("BDC", "BMC"):
            props = operands[1] if name == "BDC" else None
            inside = inside or (isinstance(props, pikepdf.Dictionary) and int(props.get("/MCID", -1)) in wanted)
            depth += 1
        elif name == "EMC":
            depth -= 1
            inside = inside and depth > 0
        elif inside and name in TEXT_SHOWING:
            raw = bytes(operands[0])
            out.append("".join(maps[font].get(int.from_bytes(raw[i:i + 2], "big"), "?") for i in range(0, len(raw), 2)))
    return "".join(out)


def _unicode_map(font: pikepdf.Dictionary) -> dict[int, str]:
    """A font's glyph codes (2 bytes, as fpdf2 writes them) to text, from its /ToUnicode bfchar entries."""
    cmap: dict[int, str] = {}
    for line in font.ToUnicode.read_bytes().decode("latin-1").splitlines():
        parts = line.replace("<", " ").replace(">", " ").split()
        if len(parts) == 2 and all(len(p) in (4, 8) for p in parts):
            cmap[int(parts[0], 16)] = bytes.fromhex(parts[1]).decode("utf-16-be")
    return cmap


def test_the_tree_is_rooted_at_a_document_with_language_title_and_pdfua_declared(tagged) -> None:
    pack, pdf = tagged
    root = pdf.Root
    tree = root.StructTreeRoot
    assert [str(k.S) for k in _kids(tree)] == ["/Document"]
    assert str(root.Lang) == boardpack_files.LANGUAGE == "en-GB"
    assert str(pdf.docinfo["/Title"]) == pack.title and bool(root.ViewerPreferences.DisplayDocTitle)
    assert bool(root.MarkInfo.Marked)
    xmp = root.Metadata.read_bytes().decode("utf-8")
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp and pack.title in xmp
    assert all(str(p.obj.get("/Tabs")) == "/S" for p in pdf.pages)


def test_headings_are_the_pack_title_and_its_section_titles_in_reading_order(tagged) -> None:
    pack, pdf = tagged
    elements = _walk(pdf.Root.StructTreeRoot)
    h1 = [_text(pdf, e) for e in elements if e.S == "/H1"]
    h2 = [_text(pdf, e) for e in elements if e.S == "/H2"]
    assert h1 == [boardpack_files.cover_title(pack)]
    assert h2 == ["Contents"] + [s.title for s in pack.sections] == ["Contents", *boardpack_files.section_titles()]
    # each section is a /Sect whose first child is its heading
    sects = [e for e in _kids(pdf.Root.StructTreeRoot.K[0]) if _is_element(e) and e.S == "/Sect"]
    assert [_text(pdf, _kids(s)[0]) for s in sects] == h2


def test_each_table_has_a_header_row_of_column_headers_and_rows_of_its_columns(tagged) -> None:
    pack, pdf = tagged
    elements = _walk(pdf.Root.StructTreeRoot)
    tables = [e for e in elements if e.S == "/Table"]
    drawn = [t for s in pack.sections for t in s.tables if not t.frame.empty]
    assert len(tables) == len(drawn) and len(tables) >= 8
    for table, shown in zip(tables, drawn, strict=True):
        columns = len(shown.spec.columns)
        rows = [r for r in _kids(table) if _is_element(r)]
        assert all(r.S == "/TR" for r in rows)
        head, *body = [[c for c in _kids(r) if _is_element(c)] for r in rows]
        assert [str(c.S) for c in head] == ["/TH"] * columns, shown.title
        assert all(str(c.A.Scope) == "/Column" for c in head)
        assert len(body) == len(shown.frame), shown.title  # every row once (a heading repeated is an artifact)
        assert all([str(c.S) for c in row] == ["/TD"] * columns for row in body), shown.title
    titles = [_text(pdf, e) for e in elements if e.S == "/H3"]
    assert titles == [t.title for s in pack.sections for t in s.tables]


def test_each_chart_is_a_figure_with_its_alternative_text(tagged) -> None:
    pack, pdf = tagged
    figures = [e for e in _walk(pdf.Root.StructTreeRoot) if e.S == "/Figure"]
    charts = [c for s in pack.sections for c in s.charts]
    assert charts and len(figures) == len(charts)
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    assert sorted(str(f.Alt) for f in figures) == sorted(boardpack_files.chart_alt_text(c) for c in charts)


def test_contents_links_are_tagged_and_described(tagged) -> None:
    pack, pdf = tagged
    elements = _walk(pdf.Root.StructTreeRoot)
    toc = [e for e in elements if e.S == "/TOC"]
    assert len(toc) == 1
    links = [e for e in _walk(toc[0]) if e.S == "/Link"]
    assert [str(e.Alt).rsplit(", page ", 1)[0] for e in links] == [s.title for s in pack.sections]
    parents = dict(zip(pdf.Root.StructTreeRoot.ParentTree.Nums[::2], pdf.Root.StructTreeRoot.ParentTree.Nums[1::2],
                       strict=True))
    annotations = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.Subtype == "/Link"]
    assert len(annotations) == 2 * len(pack.sections)  # the title and the page number of each entry
    for annot in annotations:
        assert str(annot.Contents).strip()
        owner = parents[int(annot.StructParent)]
        assert owner.S == "/Link" and str(owner.Alt) == str(annot.Contents)
        assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR" and k.Obj.objgen == annot.objgen
                   for k in _kids(owner))


def _marked_content(page: pikepdf.Page) -> tuple[int, list[int]]:
    """(text-showing operators outside any marked content, MCIDs in the order they open)."""
    outside, mcids, stack = 0, [], []
    for operands, op in pikepdf.parse_content_stream(page):
        name = str(op)
        if name in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if name == "BDC" else None
            if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                mcids.append(int(props.MCID))
                stack.append("tagged")
            else:
                assert tag == "/Artifact", tag
                stack.append("artifact")
        elif name == "EMC":
            stack.pop()
        elif name in TEXT_SHOWING and not stack:
            outside += 1
    assert not stack
    return outside, mcids


def test_every_text_operator_is_tagged_or_an_artifact_and_every_mcid_has_its_element(tagged) -> None:
    _, pdf = tagged
    parents = dict(zip(pdf.Root.StructTreeRoot.ParentTree.Nums[::2], pdf.Root.StructTreeRoot.ParentTree.Nums[1::2],
                       strict=True))
    for number, page in enumerate(pdf.pages, start=1):
        outside, mcids = _marked_content(page)
        assert outside == 0, f"page {number}: {outside} text-showing operators outside marked content"
        assert mcids == list(range(len(mcids))), number
        owners = parents[int(page.obj.StructParents)]
        assert len(owners) == len(mcids)
        for mcid, owner in zip(mcids, owners, strict=True):
            marks = [k for k in _kids(owner) if isinstance(k, int) and owner.Pg.objgen == page.obj.objgen]
            marks += [int(k.MCID) for k in _kids(owner) if isinstance(k, pikepdf.Dictionary)
                      and k.get("/Type") == "/MCR" and k.Pg.objgen == page.obj.objgen]
            assert mcid in marks, (number, mcid)


def test_a_paragraph_cut_by_a_page_break_continues_on_the_next_page_under_the_same_element() -> None:
    pdf = TaggedPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    with pdf.marked("/P"):
        pdf.multi_cell(0, 10, "\n".join(f"line {i}" for i in range(60)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pikepdf.open(io.BytesIO(bytes(pdf.output()))) as out:
        assert len(out.pages) >= 2
        (para,) = _walk(out.Root.StructTreeRoot.K[0])
        kids = _kids(para)
        assert kids[0] == 0 and all(k.Type == "/MCR" and int(k.MCID) == 0 for k in kids[1:])
        assert [k.Pg.objgen for k in kids[1:]] == [p.obj.objgen for p in out.pages[1:]]
        assert all(_marked_content(p)[0] == 0 for p in out.pages)


def test_an_artifact_cut_by_a_page_break_is_an_artifact_on_both_pages() -> None:
    pdf = TaggedPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    with pdf.artifact():
        pdf.multi_cell(0, 10, "\n".join(f"line {i}" for i in range(60)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    with pikepdf.open(io.BytesIO(bytes(pdf.output()))) as out:
        assert len(out.pages) >= 2
        assert all(_marked_content(p) == (0, []) for p in out.pages)  # balanced on each page, nothing tagged


def test_marked_content_does_not_nest_and_an_artifact_is_not_inside_it() -> None:
    pdf = TaggedPDF()
    pdf.add_page()
    with pdf.marked("/P"):
        with pytest.raises(ValueError, match="cannot nest"), pdf.marked("/Span"):
            pass
        with pytest.raises(ValueError, match="artifact"), pdf.artifact():
            pass
