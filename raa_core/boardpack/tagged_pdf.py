"""A tagged PDF from fpdf2: a nested structure tree a screen reader reads in order (PDF/UA-1, WCAG 2.2 1.3.1).

fpdf2 2.8 tags only images (a /Figure with /Alt) and hangs every element straight under /Document, so a
heading, a paragraph or a table cell cannot be said to be one. `TaggedPDF` is an `FPDF` that keeps a stack of
open structure elements: `structure(role)` opens an element (a /Sect, /Table, /TR, /TOC...) under the one
open, `marked(role)` opens an element and a marked-content sequence (`/H2 <</MCID n>> BDC` ... `EMC`) around
what is drawn inside it, and `artifact()` marks decoration (page headers and footers, rules, a table heading
repeated after a page break) as `/Artifact`, so every text-showing operator is either tagged or an artifact
(checked by pdfua, docs/accessibility/pdf.json). A sequence cut by a page break is closed before the footer
and reopened on the new page (a tagged one with a new MCID under the same element). Links drawn inside a /Link element become indirect
annotations with /Contents and a /StructParent, joined to the element by an /OBJR. fpdf2's own image tagging
(`image(alt_text=)`) lands in the open element, and each page gets /Tabs /S (tab order follows structure).

The parent tree (structure tree root /ParentTree) maps each page's /StructParents to the elements of its
MCIDs in order, and each link annotation's /StructParent to its /Link element.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape

from fpdf import FPDF
from fpdf.annotations import PDFAnnotation
from fpdf.output import PDFPage
from fpdf.structure_tree import NumberTree, StructElem, StructureTreeBuilder
from fpdf.syntax import Name, PDFObject

#: The XMP packet of a tagged PDF: its title (dc:title, the title a reader shows) and its claim of PDF/UA-1
#: conformance (pdfuaid:part 1, PDF/UA-1 clause 5).
_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""

#: The attribute a column header cell carries: it heads the cells below it (PDF/UA-1 7.5, WCAG 1.3.1).
COLUMN_SCOPE = "<</O /Table /Scope /Column>>"


class Element(StructElem):
    """A structure element with a page object (/Pg) and optional attributes (/A), e.g. a TH's /Scope."""

    __slots__ = ("a",)

    def __init__(self, role: str, parent: PDFObject, page_number: int, page: PDFPage, *, title: str | None = None,
                 alt: str | None = None, attributes: str | None = None) -> None:
        super().__init__(struct_type=role, parent=parent, kids=[], page_number=page_number, title=title, alt=alt)
        self.pg = page
        self.a = attributes


class _ContentRef:
    """A kid of an element marking content on another page than the element's /Pg (an /MCR)."""

    def __init__(self, page: PDFPage, mcid: int) -> None:
        self.page, self.mcid = page, mcid

    def serialize(self, _security_handler: Any = None, _obj_id: int | None = None) -> str:
        return f"<</Type /MCR /Pg {self.page.ref} /MCID {self.mcid}>>"


class _ObjectRef:
    """A kid of a /Link element naming its annotation (an /OBJR)."""

    def __init__(self, page: PDFPage, annotation: PDFObject) -> None:
        self.page, self.annotation = page, annotation

    def serialize(self, _security_handler: Any = None, _obj_id: int | None = None) -> str:
        return f"<</Type /OBJR /Pg {self.page.ref} /Obj {self.annotation.ref}>>"


class _ParentTree(NumberTree):
    """The /ParentTree: a page's key maps to the array of its MCIDs' elements, an annotation's to its element."""

    def serialize(self, obj_dict: Any = None, _security_handler: Any = None) -> str:
        def value(v: Any) -> str:
            return "[" + " ".join(e.ref for e in v) + "]" if isinstance(v, list) else v.ref

        nums = "\n".join(f"{key} {value(self.nums[key])}" for key in sorted(self.nums))
        return PDFObject.serialize(self, {"/Nums": f"[{nums}]"})


class _Structure(StructureTreeBuilder):
    """fpdf2's structure tree builder with nesting: elements open under the top of a stack."""

    def __init__(self) -> None:
        super().__init__()
        self.struct_tree_root.parent_tree = _ParentTree()
        self.stack: list[StructElem] = [self.doc_struct_elem]
        self.elements: list[StructElem] = []
        self.page_keys: dict[int, int] = {}
        self.next_key = 0

    def open(self, element: Element) -> Element:
        self.stack[-1].k.append(element)
        self.elements.append(element)
        self.stack.append(element)
        return element

    def close(self, element: Element) -> None:
        if self.stack[-1] is not element:
            raise ValueError(f"structure element {element.s} closed out of order")
        self.stack.pop()

    def _key(self) -> int:
        key, self.next_key = self.next_key, self.next_key + 1
        return key

    def mark(self, element: Element, page_number: int, page: PDFPage) -> int:
        """A new MCID on the page for content of `element`; the page's parent tree entry records it."""
        if page_number not in self.page_keys:
            self.page_keys[page_number] = self._key()
            page.struct_parents = self.page_keys[page_number]
        owners = self.struct_tree_root.parent_tree.nums[self.page_keys[page_number]]
        mcid = len(owners)
        owners.append(element)
        element.k.append(mcid if element.pg is page else _ContentRef(page, mcid))
        return mcid

    def annotation(self, element: Element, page: PDFPage, annotation: PDFObject) -> int:
        """The /StructParent key of a link annotation belonging to `element`."""
        key = self._key()
        self.struct_tree_root.parent_tree.nums[key] = element  # type: ignore[assignment]
        element.k.append(_ObjectRef(page, annotation))
        return key

    def next_mcid_for_page(self, page_number: int) -> int:
        key = self.page_keys.get(page_number)
        return 0 if key is None else len(self.struct_tree_root.parent_tree.nums[key])

    def __iter__(self) -> Iterator[PDFObject]:
        yield self.struct_tree_root
        yield self.doc_struct_elem
        yield self.struct_tree_root.parent_tree
        yield from self.elements


class _Page(PDFPage):
    """A page whose tab order follows the structure (/Tabs /S, PDF/UA-1 7.18.3)."""

    __slots__ = ("tabs",)


class _LinkAnnotation(PDFAnnotation):
    """A link annotation written as its own object, so the structure tree can name it (/OBJR)."""


class TaggedPDF(FPDF):
    """An FPDF whose drawing is tagged through `structure`, `marked` and `artifact` (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.struct_builder: _Structure = _Structure()
        # The marked-content sequences open on the page, outermost first: an element's (tagged) or an artifact's.
        self._open: list[Element | str] = []

    def declare_pdfua(self, title: str, lang: str) -> None:
        """Title, language and the document's claim of PDF/UA-1 conformance in its XMP metadata (with the
        catalogue's /Lang, the information dictionary's /Title and /DisplayDocTitle, which fpdf2 writes)."""
        self.set_title(title)
        self.set_lang(lang)
        self.set_xmp_metadata(_XMP.format(title=escape(title), lang=escape(lang)))

    # --- structure ---------------------------------------------------------------------------------------

    def _element(self, role: str, **kwargs: Any) -> Element:
        return Element(role, self.struct_builder.stack[-1], self.page, self.pages[self.page], **kwargs)

    @contextmanager
    def structure(self, role: str, **kwargs: Any) -> Iterator[Element]:
        """An element (e.g. "/Sect", "/Table", "/TR") holding the elements opened inside it."""
        element = self.struct_builder.open(self._element(role, **kwargs))
        try:
            yield element
        finally:
            self.struct_builder.close(element)

    @contextmanager
    def reopen(self, element: Element) -> Iterator[Element]:
        """Add to an element opened earlier (the contents page's section, drawn when the document is output)."""
        self.struct_builder.stack.append(element)
        try:
            yield element
        finally:
            self.struct_builder.close(element)

    @contextmanager
    def marked(self, role: str, **kwargs: Any) -> Iterator[Element]:
        """An element whose content is what is drawn inside: one marked-content sequence (more if a page breaks)."""
        if self._open:
            raise ValueError("marked content cannot nest")
        with self.structure(role, **kwargs) as element:
            self._begin(element)
            try:
                yield element
            finally:
                self._end()

    def _begin(self, sequence: Element | str) -> None:
        if isinstance(sequence, str):
            self._out(f"/Artifact <</Type /{sequence}>> BDC")
        else:
            mcid = self.struct_builder.mark(sequence, self.page, self.pages[self.page])
            self._out(f"{sequence.s} <</MCID {mcid}>> BDC")
        self._open.append(sequence)

    def _end(self) -> None:
        self._out("EMC")
        self._open.pop()

    @contextmanager
    def artifact(self, kind: str = "Layout") -> Iterator[None]:
        """Decoration a screen reader skips: page headers and footers ("Pagination"), rules ("Layout")."""
        if any(isinstance(open_, Element) for open_ in self._open):
            raise ValueError("an artifact cannot be inside tagged content")
        self._begin(kind)
        try:
            yield
        finally:
            self._end()

    @contextmanager
    def _marked_sequence(self, **kwargs: Any) -> Iterator[StructElem]:
        """fpdf2's hook for `image(alt_text=)`: a /Figure with /Alt in the open element."""
        with self.marked("/Figure", title=kwargs.get("title"), alt=kwargs.get("alt_text")) as element:
            yield element

    # --- pages and links ---------------------------------------------------------------------------------

    def add_page(self, *args: Any, **kwargs: Any) -> None:
        """A page break inside marked content closes it before the footer and reopens it after the header."""
        cut = list(self._open)
        for _ in cut:
            self._end()
        super().add_page(*args, **kwargs)
        for sequence in cut:
            self._begin(sequence)

    def _beginpage(self, *args: Any, **kwargs: Any) -> None:
        super()._beginpage(*args, **kwargs)
        page = self.pages[self.page]
        if not isinstance(page, _Page):
            tabbed = _Page(contents=page.contents, duration=None, transition=None, index=page.index())
            for slot in PDFPage.__slots__:
                setattr(tabbed, slot, getattr(page, slot))
            tabbed.tabs = Name("S")
            self.pages[self.page] = tabbed

    def link(self, x: float, y: float, w: float, h: float, link: str | int, alt_text: str | None = None,
             **kwargs: Any) -> Any:
        """Inside a /Link element: an indirect annotation described by the element's /Alt (/Contents), with
        its /StructParent and the element's /OBJR. Elsewhere fpdf2's own link."""
        element = next((e for e in reversed(self.struct_builder.stack) if getattr(e, "s", None) == "/Link"), None)
        if element is None:
            return super().link(x, y, w, h, link, alt_text=alt_text, **kwargs)
        inline = super().link(x, y, w, h, link, contents=str(element.alt or ""), **kwargs)
        page = self.pages[self.page]
        annotation = _LinkAnnotation.__new__(_LinkAnnotation)
        PDFObject.__init__(annotation)
        for slot in type(inline).__slots__:
            setattr(annotation, slot, getattr(inline, slot))
        annotation.struct_parent = self.struct_builder.annotation(element, page, annotation)
        page.annots[page.annots.index(inline)] = annotation  # type: ignore[union-attr]
        return annotation

