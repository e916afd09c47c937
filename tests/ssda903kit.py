"""SSDA903 CSV files written from simple records, and adoption journeys written both as 903 files and as the
children rows the contract expects (for the mapping's tests and the property test)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from raa_core.ingest.ssda903 import TABLE_HEADERS

D = dt.date


def dmy(day: dt.date | None) -> str:
    """A date as the 903 return writes it (dd/mm/yyyy)."""
    return "" if day is None else day.strftime("%d/%m/%Y")


def csv_bytes(table: str, rows: list[dict[str, Any]], encoding: str = "utf-8") -> bytes:
    """One 903 table as CSV bytes: the table's headers, then each row (dates written dd/mm/yyyy)."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    cols = TABLE_HEADERS[table]
    w.writerow(cols)
    for r in rows:
        w.writerow([dmy(v) if isinstance(v, dt.date) else ("" if v is None else str(v)) for v in
                    (r.get(c) for c in cols)])
    return out.getvalue().encode(encoding)


def episode(child: str, decom: dt.date, rne: str, ls: str, place: str, dec: dt.date | None = None,
            rec: str | None = None, provider: str = "PR1", urn: str | None = None) -> dict[str, Any]:
    """One Episodes row (CIN N1; the personal columns left empty)."""
    return {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": ls, "CIN": "N1", "PLACE": place,
            "PLACE_PROVIDER": provider, "DEC": dec, "REC": rec, "URN": urn}


def header(child: str, sex: str, dob: dt.date, ethnic: str = "WBRI") -> dict[str, Any]:
    return {"CHILD": child, "SEX": sex, "DOB": dob, "ETHNIC": ethnic}


def chain(child: str, steps: list[tuple[dt.date, str, str, str]], *, end: dt.date | None = None,
          rec: str | None = None, provider: str = "PR1") -> list[dict[str, Any]]:
    """Contiguous episodes: each step (DECOM, RNE, LS, PLACE) ends the day the next starts (REC X1 where the
    child stays looked after); the last ends at `end` with `rec` (None: still looked after)."""
    rows = []
    for i, (decom, rne, ls, place) in enumerate(steps):
        last = i == len(steps) - 1
        rows.append(episode(child, decom, rne, ls, place, end if last else steps[i + 1][0],
                            rec if last else "X1", provider=provider))
    return rows


def write_903(folder: Path, *, header_rows: list[dict[str, Any]], episodes: list[dict[str, Any]],
              ad1: list[dict[str, Any]] | None = None, placed: list[dict[str, Any]] | None = None,
              encoding: str = "utf-8") -> Path:
    """Write a drop's 903 CSV files (file names deliberately not the table names: tables go by headers)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "f1.csv").write_bytes(csv_bytes("Header", header_rows, encoding))
    (folder / "f2.csv").write_bytes(csv_bytes("Episodes", episodes, encoding))
    (folder / "f3.csv").write_bytes(csv_bytes("AD1", ad1 or [], encoding))
    (folder / "f4.csv").write_bytes(csv_bytes("PlacedAdoption", placed or [], encoding))
    return folder


@dataclass(frozen=True)
class Journey:
    """One child's adoption journey in one period of care, as days after entering care (None: not yet)."""

    child: str
    sex: str
    dob: dt.date
    entered: dt.date
    adm: int | None
    order: int | None
    placed: int | None
    place: str  # A3..A6 when placed
    provider: str
    early: bool
    match_before: int  # days before placement the match was made (adopted children only)
    adopted: int | None  # days after placement

    def day(self, offset: int | None) -> dt.date | None:
        return None if offset is None else self.entered + dt.timedelta(days=offset)

    def files(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """The journey as 903 rows: Header, Episodes, AD1, PlacedAdoption."""
        first = "U2" if self.early else "U1"
        steps = [(self.entered, "S", "C2", first)]
        if self.order is not None and (self.placed is None or self.order < self.placed):
            steps.append((self.day(self.order), "L", "E1", first))
        if self.placed is not None:
            same = self.place in ("A3", "A5")
            ls = "E1" if self.order is not None and self.order <= self.placed else "V2"
            steps.append((self.day(self.placed), "T" if same else "P", ls, self.place))
        adopted = self.day(None if self.adopted is None or self.placed is None else self.placed + self.adopted)
        eps = chain(self.child, steps, end=adopted, rec="E11" if adopted else None, provider=self.provider)
        ad1 = []
        if adopted is not None:
            ad1 = [{"CHILD": self.child, "DOB": self.dob, "DATE_INT": self.day(self.adm),
                    "DATE_MATCH": self.matched(), "FOSTER_CARE": "1" if self.place in ("A3", "A5") else "0",
                    "NB_ADOPTR": "2", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L0"}]
        placed = [] if self.adm is None else [{"CHILD": self.child, "DOB": self.dob,
                                               "DATE_PLACED": self.day(self.adm)}]
        return [header(self.child, "1" if self.sex == "M" else "2", self.dob)], eps, ad1, placed

    def matched(self) -> dt.date | None:
        if self.adopted is None or self.placed is None:
            return None
        return self.day(self.placed - self.match_before)

    def row(self) -> dict[str, Any]:
        """The children row the contract expects for the journey (written independently of the mapping)."""
        placed = self.day(self.placed)
        same = self.placed is not None and self.place in ("A3", "A5")
        return {
            "child_id": self.child, "sex": self.sex, "date_of_birth": self.dob, "ethnicity": "WBRI",
            "entered_care_date": self.entered, "adm_decision_date": self.day(self.adm),
            "placement_order_date": self.day(self.order) if self.order is not None and (
                self.placed is None or self.order <= self.placed) else None,
            "placed_with_consent": self.placed is not None and self.place in ("A3", "A4"),
            "matched_date": self.matched(), "placed_date": placed,
            "fostered_by_adopters_from": self.entered if same else None,
            "early_permanence": self.placed is not None and self.early,
            "interagency": self.placed is not None and self.provider in ("PR2", "PR5"),
            "sibling_group_id": None,
            "adoption_order_date": None if self.adopted is None or self.placed is None
            else self.day(self.placed + self.adopted),
            "plan_reversed_date": None, "plan_reversed_reason": None, "disruption_date": None, "disabled": False,
        }


def write_journeys(folder: Path, journeys: list[Journey]) -> Path:
    """All journeys as one drop's 903 files."""
    parts: list[list[dict[str, Any]]] = [[], [], [], []]
    for j in journeys:
        for part, rows in zip(parts, j.files(), strict=True):
            part += rows
    return write_903(folder, header_rows=parts[0], episodes=parts[1], ad1=parts[2], placed=parts[3])


def sample_sent_903(sample_db: Path, folder: Path, la_code: int = 887) -> Path:
    """A copy (in `folder`) of the sample warehouse in which one council's drops read as loaded from SSDA903
    files (`children_form` "903"): its figures 903 cannot give must then say so (docs/ssda903.md)."""
    import shutil

    import duckdb

    from raa_core.store import warehouse

    copy = folder / "raa.duckdb"
    shutil.copyfile(warehouse.current_file(sample_db), copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("UPDATE drops SET children_form = '903' WHERE la_code = ?", [la_code])
    finally:
        con.close()
    return copy
