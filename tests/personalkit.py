"""The personal values of the sample's drops, and a search for them in what a viewer sees: the identifier test
of docs/data-protection.md ("How each rule is tested")."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import duckdb

from raa_core.presentation import date_text

#: every role as the app's tests sign in (a council analyst of each of three councils): the searches run for each
ROLES = [("board", None), ("finance", None), ("admin", None), ("council_analyst", 303), ("council_analyst", 886),
         ("council_analyst", 887), ("hos", None)]


def identifiers(con: duckdb.DuckDBPyConnection) -> dict[int, set[str]]:
    """Per council: every child and household identifier of its drops, and the dates of birth of the children
    its drop issues name (ISO, and as the pages write dates); dates of birth of other children are not searched,
    as any date of the years the sample covers also appears as a period or an extract date."""
    out: dict[int, set[str]] = {}
    for la, cid in con.execute("SELECT DISTINCT la_code, child_id FROM children").fetchall():
        out.setdefault(int(la), set()).add(str(cid))
    for la, hid in con.execute("SELECT DISTINCT la_code, household_id FROM adopters").fetchall():
        out.setdefault(int(la), set()).add(str(hid))
    named = con.execute("SELECT DISTINCT d.la_code, i.message FROM drop_issues i JOIN drops d USING (drop_id)").fetchall()
    for la, message in named:
        for cid in re.findall(r"[A-Z]{2}-\d{6}", str(message)):
            for (dob,) in con.execute("SELECT DISTINCT date_of_birth FROM children WHERE child_id = ? AND la_code = ?",
                                      [cid, la]).fetchall():
                if dob is not None:
                    out[int(la)] |= {dob.isoformat(), date_text(dob)}
    return out


def found(text: str, values: dict[int, set[str]], allowed: Iterable[int] = ()) -> dict[int, list[str]]:
    """The personal values of councils outside `allowed` that occur in `text`, by council (words matched whole)."""
    hits: dict[int, list[str]] = {}
    tokens = set(re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", text))
    for la, vals in values.items():
        if la in set(allowed):
            continue
        got = sorted(v for v in vals if v in tokens or (" " in v and v in text))
        if got:
            hits[la] = got
    return hits


def pdf_text(data: bytes) -> str:
    """Every page's text of a PDF."""
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def workbook_text(data: bytes) -> str:
    """Every cell of every sheet of a workbook, one a line."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)
