"""The accessibility statement, in the structure the Public Sector Bodies (Websites and Mobile Applications)
(No. 2) Accessibility Regulations 2018 ask for, built from the latest results of the accessibility checks.

The checks write their results as JSON into docs/accessibility/ (`RESULTS`): the axe-core scan of every page for
every role in Chromium (`axe.json`), the keyboard-only walk (`keyboard.json`) and the board pack's PDF check
(`pdf.json`). The statement says only what those files say: a check with no results is "not tested", every
violation they list is non-accessible content, and the compliance status is never "fully compliant" (automated
and scripted checks cannot show every WCAG 2.2 success criterion is met: a full audit by a person is not recorded
here). Its sections: compliance status, non-accessible content and why, what we do about it, how to report a
problem, the enforcement procedure, how and when it was tested.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from raa_core.presentation.text import count_noun, date_text

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "accessibility"
#: The results file of each check, and what the check does (the statement's "how we tested").
CHECKS: dict[str, str] = {
    "axe": "an automated scan with axe-core in Chromium of every page for every role and of the sign-in screen, "
           "with tabs and expanders opened and a drop's issues shown",
    "keyboard": "a scripted walk with the keyboard alone: sign in, every page, every sidebar control, a download "
                "and sign out, with a visible focus at every step",
    "pdf": "a check of the board pack's PDF: tagged structure, document language and title, headings, tables "
           "with header cells and alternative text for charts",
}
#: Each check's short name in a sentence ("the keyboard walk has not been run").
CHECK_NAMES: dict[str, str] = {"axe": "the automated scan", "keyboard": "the keyboard walk", "pdf": "the PDF check"}
STANDARD = "Web Content Accessibility Guidelines (WCAG) version 2.2 AA"
SERIOUS = ("serious", "critical")
EHRC = "the Equality Advisory and Support Service (EASS)"


@dataclass(frozen=True)
class Section:
    """A heading and its text (markdown; every value in it comes from the checks' results or reference data)."""

    heading: str
    text: str


@dataclass(frozen=True)
class Check:
    """One check's latest results: when it ran, with what, whether it passed, what it found."""

    name: str
    tested_on: dt.date
    tool: str
    passed: bool
    scope: str
    findings: list[dict[str, Any]] = field(default_factory=list)


def load(folder: Path = RESULTS) -> dict[str, Check | None]:
    """Each check's latest results (None for a check whose file is missing or unreadable: not tested)."""
    got: dict[str, Check | None] = {}
    for name in CHECKS:
        try:
            raw = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            got[name] = Check(name, dt.date.fromisoformat(str(raw["tested_on"])), str(raw["tool"]), bool(raw["passed"]), str(raw["scope"]),
                              list(raw.get("findings", [])))
        except (OSError, ValueError, KeyError, TypeError):
            got[name] = None
    return got


def _sentence_start(text: str) -> str:
    """The text with its first letter made a capital and the rest as written ("axe-core in Chromium" stays)."""
    return text[:1].upper() + text[1:]


def _finding(f: dict[str, Any]) -> str:
    """One finding as a list item: what, where and how serious, why, and the upstream issue where there is one:
    "- Tab stops … not seen (tables; not checked). Streamlit's grid … Upstream issue: https://…"."""
    about = "; ".join(str(f[k]) for k in ("where", "impact") if f.get(k))
    why = f" {f['why']}" if f.get("why") else ""
    upstream = f" Upstream issue: {f['upstream']}." if f.get("upstream") else ""
    return f"- {_sentence_start(str(f.get('what', '')))}" + (f" ({about})" if about else "") + f".{why}{upstream}"


def sections(checks: dict[str, Check | None], raa_name: str, contact: str | None) -> list[Section]:
    """The statement's sections, in the regulations' order, from the checks' results."""
    ran = {k: c for k, c in checks.items() if c is not None}
    untested = [k for k, c in checks.items() if c is None]
    failed = [c for c in ran.values() if not c.passed]
    findings = [f for c in ran.values() for f in c.findings]
    serious = [f for f in findings if f.get("impact") in SERIOUS]

    intro = (f"This statement applies to the {raa_name} performance and finance dashboard and its board pack. "
             "The agency wants as many people as possible to be able to use it: to move through it with a keyboard "
             "alone, to read it with a screen reader, to zoom it to 200% and read it on a narrow screen, and to read "
             "every chart as a table and every RAG status as a word, not a colour.")
    if not ran:
        status = (f"This dashboard has not been tested for accessibility, so we cannot say whether it meets the "
                  f"{STANDARD} standard.")
    else:
        status = (f"This dashboard is **partially compliant** with the {STANDARD} standard: the checks below found "
                  f"{count_noun(len(findings), 'issue')} ({len(serious)} serious or critical)"
                  + (f", {count_noun(len(failed), 'check')} did not pass" if failed else "")
                  + (", and " + " and ".join(CHECK_NAMES[k] for k in untested) + (" have" if len(untested) > 1 else " has")
                     + " not been run" if untested else "")
                  + ". Automated and scripted checks cannot show that every success criterion is met, and no "
                    "full audit by a person is recorded, so we do not claim full compliance.")
    if findings:
        non_accessible = ("The content listed below is not accessible, for the reason given. Where the reason is "
                          "the Streamlit framework the dashboard is built with, the upstream issue is named.\n\n"
                          + "\n".join(_finding(f) for f in findings))
    elif ran:
        non_accessible = "The checks listed under “How we tested” found no content that is not accessible."
    else:
        non_accessible = "Not known: the dashboard has not been tested."
    if untested:
        non_accessible += ("\n\nNot tested: " + "; ".join(CHECKS[k] for k in untested) + ".")
    report = ("If you find a problem that is not listed here, or you need the information in another format "
              "(for example the board pack as a document that works with your screen reader), "
              + (f"contact {contact}" if contact else "tell the person who gave you your account (the "
                 "agency's administrator)")
              + ". Say which page, what you were trying to do and what assistive technology you use. We will "
                "reply within 5 working days.")
    enforcement = ("The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public "
                   "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the "
                   "accessibility regulations). If you are not happy with how we respond to your complaint, "
                   f"contact {EHRC}.")
    tested_lines = [f"- {_sentence_start(CHECKS[c.name])}: last run on {date_text(c.tested_on)} with {c.tool}; "
                    f"{c.scope}; {'passed' if c.passed else 'did not pass'}." for c in ran.values()]
    tested_lines += [f"- {_sentence_start(CHECKS[k])}: not run." for k in untested]
    tested = ("This statement is written from the latest results of the dashboard's own accessibility checks, "
              "which run with its test suite:\n\n" + "\n".join(tested_lines))
    return [
        Section(f"Accessibility statement for the {raa_name} dashboard", intro),
        Section("Compliance status", status),
        Section("Non-accessible content", non_accessible),
        Section("Reporting accessibility problems", report),
        Section("Enforcement procedure", enforcement),
        Section("How we tested this dashboard", tested),
    ]
