"""The Partnership Board pack: the workbook read back with openpyxl and the PDF read back as text agree
with raa_core (and with the CLI); the board's pack is suppressed; a part that cannot be built is stated."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal as D
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import financekit as fk
from conftest import SAMPLE_TODAY
from factories import empty_warehouse, req, snap
from raa_core import boardpack, cli, suppression
from raa_core.boardpack import boardpack_files
from raa_core.ingest.contract import TABLES
from raa_core.performance import indicators
from raa_core.periods import parse_period, previous
from raa_core.presentation import MoneyUnit, date_text, money_text
from raa_core.requests import CURRENT

PERIOD = "2026-27"


def _pack(con, ref, **kw) -> boardpack.BoardPack:
    request = boardpack.PackRequest(period=kw.pop("period", PERIOD), **kw)
    return fk.build(con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))


COMMENT = "Agency cover for two long-term absences"


@pytest.fixture(scope="module")
def open_pack(sample_con, ref, tmp_path_factory) -> boardpack.BoardPack:
    """The head of service's pack: unsuppressed, £'000, with a variance comment in the app-state store."""
    from raa_core.finance import commentary
    from raa_core.requests import Viewer
    from raa_core.store.appstate import AppState

    state = AppState(tmp_path_factory.mktemp("state") / "appstate.sqlite3")
    period = fk.latest_period(sample_con, PERIOD)
    commentary.add_comment(state, 886, PERIOD, period, "pooled", "agency_staff", COMMENT,
                           Viewer(user="hos", role="hos", la_code=None))
    request = boardpack.PackRequest(period=PERIOD, publication=False, role="hos")
    return fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0),
                           state=state)


@pytest.fixture(scope="module")
def board_pack(sample_con, ref) -> boardpack.BoardPack:
    """The board's pack: publication suppression on."""
    return _pack(sample_con, ref, publication=True, role="board")


@pytest.fixture(scope="module")
def workbook(open_pack) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(open_pack)))


@pytest.fixture(scope="module")
def pdf_text(open_pack) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(boardpack_files.boardpack_pdf(open_pack)))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def header_row(ws) -> int:
    """The (1-based) header row of a pack sheet's table: its print titles."""
    return int(ws.print_title_rows.split(":")[0].strip("$"))


def table_rows(ws) -> list[dict[str, object]]:
    """The rows of the table on a pack sheet, as dicts by column header."""
    rows = list(ws.iter_rows(values_only=True))
    header = rows[header_row(ws) - 1]
    return [dict(zip(header, r, strict=True)) for r in rows[header_row(ws):] if any(v is not None for v in r)]


def test_every_section_is_in_the_pack_in_order(open_pack) -> None:
    assert [s.key for s in open_pack.sections] == list(boardpack.SECTIONS)
    built = {s.key for s in open_pack.sections if not s.unavailable}
    assert {"cover", "scorecard", "trends", "waiting", "budget", "quality", "definitions"} <= built


def test_workbook_budget_figures_reconcile_to_monitoring(workbook, sample_con, ref, open_pack) -> None:
    mon = fk.monitor(sample_con, ref, PERIOD, open_pack.monitoring_period)
    ws = workbook["Budget summary"]
    rows = table_rows(ws)
    raa = next(r for r in rows if r["Council"] == "RAA" and r["Budget area"] == "All areas")
    total = mon.total(None, None)
    # cells hold exact pounds and pence; the number format shows £'000
    assert D(str(raa["Forecast outturn (£'000)"])) == total["forecast"]
    assert D(str(raa["Budget (£'000)"])) == total["budget"]
    assert D(str(raa["Variance (£'000)"])) == total["variance"]
    budget_cell = ws.cell(row=header_row(ws) + 1, column=3)
    assert budget_cell.number_format == "#,##0.0,;(#,##0.0,);0.0"
    kent = next(r for r in rows if r["Council"] == "Kent" and r["Budget area"] == "Pooled")
    assert D(str(kent["Movement (£'000)"])) == mon.total(886, "pooled")["movement"]
    lines = table_rows(workbook["Budget lines"])
    assert len(lines) == len(mon.lines)
    kent = next(r for r in lines if r["Council"] == "Kent" and r["Cost line"] == "Agency staff")
    assert kent["Comment"] == f"{COMMENT} (hos)"
    assert [r["Comment"] for r in table_rows(workbook["Commentary"])] == [COMMENT]
    assert sum(D(str(r["Forecast outturn (£'000)"])) for r in lines) == total["forecast"]


def test_workbook_scorecard_equals_the_headline_and_the_cli(workbook, sample_con, ref, capsys, sample_db) -> None:
    p = parse_period(PERIOD)
    rows = table_rows(workbook["Scorecard"])
    heads = indicators.headline(snap(sample_con, ref=ref), req(p), "region")
    for h in heads.itertuples(index=False):
        row = next(r for r in rows if r["Indicator"] == indicators.SHORT_LABELS[h.indicator]
                   and r["Area"] == "Region (all children)")
        assert row["Figure"] == (None if pd.isna(h.value) else int(h.value))
        assert row["Children"] == h.n
        assert row["RAG"] == ({"green": "Green", "red": "Red"}.get(h.rag) or "—")
    # the CLI's kpi for the same period gives the same region figures
    assert cli.main(["kpi", "--period", PERIOD, "--db", str(sample_db), "--json"]) == 0
    kpi = json.loads(capsys.readouterr().out)
    for k in kpi["rows"]:
        if k["area"] != "region":
            continue
        row = next(r for r in rows if r["Indicator"] == indicators.SHORT_LABELS[k["indicator"]]
                   and r["Area"] == "Region (all children)")
        assert row["Figure"] == k["value"] and row["Children"] == k["n"]


def test_every_sheet_has_print_setup(workbook) -> None:
    assert workbook.sheetnames[0] == "Contents"
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize in (9, "9"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title
        assert "Page &P of &N" in ws.oddFooter.right.text, ws.title
        assert "2026-27" in ws.oddHeader.center.text and date_text(SAMPLE_TODAY) in ws.oddHeader.right.text, ws.title
        assert "OFFICIAL" in ws.oddFooter.left.text
    tables = [ws for ws in workbook.worksheets if ws.title not in ("Contents",) and ws.print_title_rows]
    assert len(tables) >= 9  # a header row repeated on every printed page


def test_pdf_has_contents_sections_page_numbers_and_figures(pdf_text, open_pack, sample_con, ref) -> None:
    reader, text = pdf_text
    n = len(reader.pages)
    assert n >= 10
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert abs(float(box.width) - 841.89) < 1 and abs(float(box.height) - 595.28) < 1  # A4
    assert "Contents" in reader.pages[1].extract_text()
    for title in boardpack.SECTIONS.values():
        assert title in text, title
        assert title in reader.pages[1].extract_text(), title  # listed on the contents page
    for i, page in enumerate(reader.pages, start=1):
        assert f"Page {i} of {n}" in page.extract_text()
        assert "OFFICIAL" in page.extract_text()
    assert f"as at {date_text(SAMPLE_TODAY)}" in text
    # a sample of figures: the RAA's budget and forecast in £'000, and the region's A1
    mon = fk.monitor(sample_con, ref, PERIOD, open_pack.monitoring_period)
    for v in (mon.total(None, None)["budget"], mon.total(None, None)["forecast"], mon.total(886, "pooled")["budget"]):
        assert money_text(v, MoneyUnit.THOUSANDS, symbol=False) in text
    region_a1 = indicators.headline(snap(sample_con, ref=ref), req(parse_period(PERIOD)), "region")
    a1 = int(region_a1[region_a1["indicator"] == "A1"]["value"].iloc[0])
    assert re.search(rf"A1 entering care to placement\s+Region \(all children\)\s+{a1}\b", text)
    # the sections that have no source yet are stated, not left out
    assert "ASGLB items 2026-27 Q2" in text


def test_the_board_pack_is_suppressed_in_both_files(board_pack, sample_con, ref) -> None:
    p = parse_period(PERIOD)
    sc = indicators.headline_scorecards(snap(sample_con, ref=ref), req(p))
    areas = [str(c.la_code) for c in ref.councils] + ["region", "region_mean"]
    heads = pd.concat([indicators.headline_from(sc, p.name, previous(p).name, a) for a in areas], ignore_index=True)
    pub = suppression.publication_headline(heads, sc, ref.settings)
    hidden = {(r.indicator, r.area) for r in pub.itertuples() if r.value == suppression.HIDDEN}
    assert hidden, "the sample has small numbers to suppress"
    wb = openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(board_pack)))
    rows = table_rows(wb["Scorecard"])
    names = {str(c.la_code): c.short_name for c in ref.councils} | {"region": "Region (all children)",
                                                                   "region_mean": "Mean of councils"}
    for ind, area in hidden:
        row = next(r for r in rows if r["Indicator"] == indicators.SHORT_LABELS[ind] and r["Area"] == names[area])
        assert row["Figure"] == "x"
    shown = [r for r in rows if r["Figure"] != "x"]
    assert all(r["Children"] == "x" or r["Children"] is None or int(r["Children"]) > 5 or int(r["Children"]) == 0
               for r in shown)
    text = "\n".join(pg.extract_text() for pg in PdfReader(io.BytesIO(boardpack_files.boardpack_pdf(board_pack))).pages)
    assert "Publication view" in text and " x " in text
    waiting = board_pack.section("waiting").tables[0].frame
    counts = [v for v in waiting["waiting"]]
    assert all(v == "x" or v == "0" or int(v) > ref.settings.suppression.count_max for v in counts)


def test_a_council_without_a_ledger_is_stated_and_an_empty_warehouse_builds(sample_db, ref) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{sample_db.parent / next(p.name for p in sample_db.parent.iterdir() if '.v' in p.name)}'"
                " AS s (READ_ONLY)")
    con.execute("COPY FROM DATABASE s TO memory")
    con.execute("DETACH s")
    con.execute("DELETE FROM ledger WHERE la_code = 887 AND financial_year = ?", [PERIOD])
    pack = _pack(con, ref, publication=False)
    budget = pack.section("budget")
    assert budget.unavailable is None
    assert any(line.startswith("Medway: no ledger for 2026-27") for line in budget.lines)
    text = "\n".join(pg.extract_text() for pg in PdfReader(io.BytesIO(boardpack_files.boardpack_pdf(pack))).pages)
    assert "Medway: no ledger for 2026-27" in text

    empty = _pack(empty_warehouse(), ref, publication=True)
    assert [s.key for s in empty.sections] == list(boardpack.SECTIONS)
    assert "No council has a ledger" in (empty.section("budget").unavailable or "")
    wb = openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(empty)))
    assert any("No council has a ledger" in str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
               for c in row if c.value)
    assert PdfReader(io.BytesIO(boardpack_files.boardpack_pdf(empty))).pages


def test_progress_is_reported_for_every_section(sample_con, ref) -> None:
    seen: list[tuple[int, int, str]] = []
    fk.build(sample_con, ref, boardpack.PackRequest(period=PERIOD), today=SAMPLE_TODAY,
                    progress=lambda i, n, label: seen.append((i, n, label)))
    n = len(boardpack.SECTIONS)
    assert [s[0] for s in seen] == list(range(n + 1)) and {s[1] for s in seen} == {n}
    assert [s[2] for s in seen[:-1]] == list(boardpack.SECTIONS.values())


def test_raa_boardpack_writes_both_files(sample_db, tmp_path: Path, capsys) -> None:
    code = cli.main(["boardpack", "--period", PERIOD, "--as-at", "2026-11-23", "--out", str(tmp_path / "out"),
                     "--db", str(sample_db), "--json"])
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    assert got["publication"] is True and got["unit"] == "£'000"
    assert Path(got["files"]["xlsx"]).name == "raa_board_pack_Region_2026-27_as-at_2026-11-23.xlsx"
    assert Path(got["files"]["pdf"]).read_bytes().startswith(b"%PDF")
    assert openpyxl.load_workbook(got["files"]["xlsx"]).sheetnames[0] == "Contents"
    assert {m["section"] for m in got["unavailable"]} <= set(boardpack.SECTIONS.values())
    assert cli.main(["boardpack", "--period", "2026", "--out", str(tmp_path), "--db", str(sample_db)]) == 2


def test_the_chosen_contribution_scenario_is_in_the_pack(sample_db, sample_con, ref, tmp_path: Path, capsys) -> None:
    from raa_core import contributions
    from raa_core.contributions.scenario import DEFAULT_SCENARIO as CLI_MD_EXAMPLE
    from raa_core.contributions.scenario import parse_scenario

    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(CLI_MD_EXAMPLE), encoding="utf-8")
    pack = _pack(sample_con, ref, publication=False, scenario=path.read_text())
    section = pack.section("scenario")
    assert section.unavailable is None and CLI_MD_EXAMPLE["name"] in section.lines[0]
    expected = contributions.table(fk.run(sample_con, ref, parse_scenario(path.read_text())), ref)
    frame = section.tables[0].frame
    assert list(frame["contribution"]) == list(expected["contribution"])
    wb = openpyxl.load_workbook(io.BytesIO(boardpack_files.boardpack_xlsx(pack)))
    rows = table_rows(wb["Scenario"])
    assert [D(str(r["Contribution (£'000)"])) for r in rows] == [D(str(v)) for v in expected["contribution"]]
    # without a chosen scenario the pack says so
    assert "No contribution scenario was chosen" in (_pack(sample_con, ref).section("scenario").unavailable or "")
    assert cli.main(["boardpack", "--period", PERIOD, "--out", str(tmp_path / "o"), "--db", str(sample_db),
                     "--scenario", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "Contribution scenario" not in {m["section"] for m in got["unavailable"]}


def test_asglb_items_are_in_the_pack_and_no_hidden_count_can_be_recovered(board_pack, open_pack, sample_con,
                                                                            ref) -> None:
    from raa_core.performance import asglb

    q = boardpack.asglb_quarter(SAMPLE_TODAY)
    assert q.name == "2026-27 Q2"
    ret = asglb.asglb_return(snap(sample_con, ref=ref), CURRENT, q)
    raw = open_pack.section("asglb").tables[0].frame
    pub = board_pack.section("asglb").tables[0].frame
    councils = [c.short_name for c in ref.councils]
    limit = ref.settings.suppression.count_max
    for item in ret[ret["status"] == "figure"]["item"].unique():
        rows = ret[ret["item"] == item]
        label = rows["label"].iloc[0]
        unsup = raw[raw["label"] == label].iloc[0]
        for r in rows.itertuples():
            assert unsup[r.area_name] == (None if pd.isna(r.value) else int(r.value))
        if rows["unit"].iloc[0] == "days":
            continue
        shown = pub[pub["label"] == label].iloc[0]
        hidden = [c for c in councils if shown[c] == "x"]
        for c in councils:  # every count shown is 0 or above the limit
            assert shown[c] == "x" or shown[c] is None or shown[c] == 0 or shown[c] > limit, (label, c)
        if hidden and shown["RAA"] != "x":  # the hidden councils together are not recoverable as 1..limit
            together = sum(int(unsup[c]) for c in hidden)
            assert not 1 <= together <= limit, (label, hidden)


def test_the_cover_states_each_datasets_newest_drop_and_rows_held(open_pack, sample_con, ref) -> None:
    """Per council and dataset: the rows of its current state (dataset names reach SQL as parameters) and the
    newest drop by the as-at date."""
    fresh = open_pack.section("cover").tables[0].frame
    assert set(fresh["dataset"]) == {t.name for t in TABLES}
    for t in TABLES:
        held = dict(sample_con.execute(f"SELECT la_code, count(*) FROM {t.name}_current GROUP BY 1").fetchall())
        mine = fresh[fresh["dataset"] == t.name]
        assert {int(r.la_code): int(r.rows) for r in mine.itertuples()} == {c.la_code: held.get(c.la_code, 0)
                                                                          for c in ref.councils}
    assert fresh["newest"].dropna().map(lambda d: d <= open_pack.as_at).all()


def test_the_periods_offered_and_the_as_at_asked() -> None:
    """Years newest first, then the 3-year periods ending with each; a date of today or later asks for now."""
    assert boardpack.period_choices(["2026-27", "2025-26"]) == ["2026-27", "2025-26", "2024-27", "2023-26"]
    today = dt.date(2026, 11, 23)
    assert boardpack.as_at_asked(today, today) is None
    assert boardpack.as_at_asked(dt.date(2026, 12, 1), today) is None
    assert boardpack.as_at_asked(dt.date(2026, 10, 1), today) == dt.date(2026, 10, 1)
