"""The board pack's PDF for a screen reader: language, title shown, tagged, every chart with alternative text;
checked with pdfua (PDF/UA-1's machine-checkable rules, on pikepdf), whose findings are written to
docs/accessibility/pdf.json for the accessibility statement."""

from __future__ import annotations

import datetime as dt
import json
from importlib import metadata

import pikepdf
import pytest
from pdfua import Severity, validate

import financekit as fk
from conftest import SAMPLE_TODAY
from raa_core import boardpack
from raa_core.boardpack import boardpack_files
from raa_core.presentation import statement

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def pack_pdf(sample_con, ref, tmp_path_factory):
    """The board's pack (publication view) as a PDF file: (pack, path)."""
    request = boardpack.PackRequest(period="2026-27", publication=True, role="board")
    pack = fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))
    path = tmp_path_factory.mktemp("pack") / "pack.pdf"
    path.write_bytes(boardpack_files.boardpack_pdf(pack))
    return pack, path


def _elements(node: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """Every structure element under `node`, depth first."""
    kids = node.get("/K")
    if kids is None:
        return []
    out = []
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None:
            out.append(kid)
            out.extend(_elements(kid))
    return out


def test_the_pdf_has_its_language_its_title_shown_and_alternative_text_for_every_chart(pack_pdf) -> None:
    pack, path = pack_pdf
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert str(root.Lang) == boardpack_files.LANGUAGE
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.docinfo["/Title"]) == pack.title
        assert bool(root.MarkInfo.Marked) is True
        figures = [e for e in _elements(root.StructTreeRoot) if e.S == "/Figure" and "/Alt" in e]
    charts = [c for s in pack.sections for c in s.charts]
    assert charts and len(figures) >= len(charts)
    alts = {str(f.Alt) for f in figures}
    assert all(boardpack_files.chart_alt_text(c) in alts for c in charts)
    assert all(a.startswith("Chart: ") and len(a) > 30 for a in alts if a.startswith("Chart"))


def test_pdfua_checks_the_pack_and_its_findings_go_to_the_statement(pack_pdf) -> None:
    """pdfua (PDF/UA-1's machine-checkable subset) on the pack. What it finds is recorded for the accessibility
    statement, never hidden; the pack must pass (no error), as everything it draws is tagged (boardpack.tagged_pdf)
    and it declares PDF/UA-1. The checks this test makes itself (language, title shown, chart alternative text:
    above) must never be among its findings."""
    _, path = pack_pdf
    report = validate(str(path))
    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    findings = [{"what": f"{fs[0].message} (PDF/UA rule {rule}" + (f", on {len(fs)} pages or objects)" if len(fs) > 1
                                                                   else ")"),
                 "impact": fs[0].severity.name.lower(), "where": "the board pack's PDF", "why": _WHY.get(rule, "")}
                for rule, fs in sorted(by_rule.items())]
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    rules = {f.rule_id for f in report.findings}
    result = {"tested_on": dt.date.today().isoformat(),  # the day the check ran (what the statement reports)
              "tool": f"pdfua {metadata.version('pdfua')} (PDF/UA-1 machine-checkable rules, pikepdf)",
              "passed": not errors,
              "scope": "the Partnership Board's pack (publication view) of the bundled sample",
              "findings": findings}
    statement.RESULTS.mkdir(parents=True, exist_ok=True)
    (statement.RESULTS / "pdf.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    assert not errors, [f.message for f in errors]
    assert not rules & {"UA-06-001", "UA-07-001", "UA-07-002", "UA-13-004"}, rules  # language, title, alt text


#: Why a finding is there, where it is known (the statement's "non-accessible content and why"). The pack draws
#: everything through the tagging helpers (boardpack.tagged_pdf), so these findings are not expected: each text
#: says what its finding would mean.
_WHY: dict[str, str] = {
    "UA-01-003": "Some text of the pack is drawn outside the tagging of its headings, paragraphs, tables and charts "
                 "(raa_core.boardpack.tagged_pdf), so a screen reader meets it untagged. The same tables, with "
                 "header rows, are in the pack's workbook.",
    "UA-18-005": "A link in the pack has no description of its own; the contents page's links each name their "
                 "section and page.",
    "UA-28-004": "The PDF does not declare PDF/UA conformance in its metadata.",
}
