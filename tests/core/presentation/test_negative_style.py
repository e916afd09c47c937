"""One negative style for money and percentages: a table (the app's grid, a workbook, the PDF) never shows
"(13.3)" beside "-2.9%". Checked at the home (every `TableSpec` of raa_core: its money and percent columns as
text, as Excel formats under either style, and as grid settings) and in every workbook a person downloads (the
budget monitoring workbook under both styles, the board pack, the scenario and comparison workbooks): every
money and percentage cell's number format puts its negatives in the same style."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil
from decimal import Decimal
from typing import Literal

import openpyxl
import pytest

import financekit as fk
import raa_core
from conftest import SAMPLE_TODAY
from raa_core import boardpack, contributions
from raa_core.boardpack import boardpack_files
from raa_core.contributions import scenario_export
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.presentation import Col, MoneyUnit, TableSpec, money_text, percent_text

NEGATIVE = Decimal("-1334.56")  # negative in £, £'000 and as a percentage once rounded


def every_spec() -> list[TableSpec]:
    """Every TableSpec raa_core defines at module level (the pages', the pack's and the workbooks' tables)."""
    specs: dict[str, TableSpec] = {}
    for info in pkgutil.walk_packages(raa_core.__path__, "raa_core."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, TableSpec):
                specs[value.name] = value
    return list(specs.values())


def style_of_text(text: str) -> str:
    return "brackets" if text.startswith("(") and text.endswith(")") else "sign" if text.startswith("-") else "none"


def style_of_format(num_format: str) -> str | None:
    """The negative style of an Excel number format for money or a percentage (None for another format): the
    second section bracketed or with a minus sign; a percentage with one section shows a minus sign."""
    sections = num_format.split(";")
    if len(sections) >= 2 and "0" in sections[1]:
        return style_of_text(sections[1].replace("£", "").strip('"'))
    return "sign" if "%" in num_format else None


def test_the_specs_are_found() -> None:
    names = {s.name for s in every_spec()}
    assert {"budget_summary", "budget_lines", "settlement", "scenario_contributions", "children_waiting"} <= names


@pytest.mark.parametrize("spec", every_spec(), ids=lambda s: s.name)
def test_every_tables_money_and_percent_columns_share_one_negative_style(spec: TableSpec) -> None:
    cols = [c for c in spec.columns if c.kind in ("money", "percent")]
    for unit in MoneyUnit:
        assert {style_of_text(c.text(NEGATIVE, unit)) for c in cols} <= {"brackets"}, spec.name
        for negatives in ("brackets", "sign"):
            assert {style_of_format(c.excel_format(unit, negatives)) for c in cols} <= {negatives}, spec.name
        assert {c.streamlit(unit)["format"] for c in cols} <= {"accounting"}, spec.name  # the grid's brackets
    # the grid's percent cells carry no "%", so the header does
    assert all("%" in c.header() for c in cols if c.kind == "percent"), spec.name


def test_the_text_functions_style_money_and_percent_alike() -> None:
    assert (money_text(NEGATIVE, symbol=False), percent_text(Decimal("-2.94"), brackets=True)) == ("(1,334.56)", "(2.9%)")
    assert (money_text(NEGATIVE, brackets=False), percent_text(Decimal("-2.94"))) == ("-£1,334.56", "-2.9%")
    assert percent_text(Decimal("1.25"), signed=True, brackets=True) == "1.3%"  # no plus beside bracketed negatives
    assert percent_text(Decimal("-0.04"), brackets=True) == "0.0%"  # nothing rounded to zero shown negative
    assert Col("v", "Variance %", "percent", signed=True).text(Decimal("-2.94")) == "(2.9%)"


def workbook_styles(data: bytes) -> dict[str, set[str]]:
    """Sheet -> the negative styles of its money and percentage cells."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out: dict[str, set[str]] = {}
    for ws in book.worksheets:
        styles = {style_of_format(c.number_format) for row in ws.iter_rows() for c in row
                  if isinstance(c.value, int | float) and not isinstance(c.value, bool)}
        out[ws.title] = styles - {None}
    return out


def one_style(data: bytes, want: str) -> None:
    styles = workbook_styles(data)
    assert any(styles.values()), styles  # money or percentages were checked
    assert all(s <= {want} for s in styles.values()), styles


@pytest.mark.parametrize("negatives", ["brackets", "sign"])
def test_the_monitoring_workbook_has_one_negative_style(sample_con, ref, negatives: Literal["brackets", "sign"]) -> None:
    data = fk.export_monitoring(sample_con, ref, "2026-27", None, "default", "contribution", negatives=negatives)
    styles = workbook_styles(data)
    assert {"brackets", "sign"} & styles["Summary"] == {negatives}  # money and Variance % both checked
    one_style(data, negatives)


def test_the_pack_and_scenario_workbooks_have_one_negative_style(sample_con, ref) -> None:
    scenario = parse_scenario(DEFAULT_SCENARIO)
    request = boardpack.PackRequest(period="2026-27", publication=False, role="hos", scenario=scenario.to_json())
    pack = fk.build(sample_con, ref, request, today=SAMPLE_TODAY, now=dt.datetime(2026, 11, 23, 9, 0))
    one_style(boardpack_files.boardpack_xlsx(pack), "brackets")
    a = fk.run(sample_con, ref, scenario)
    b = fk.run(sample_con, ref, parse_scenario({**DEFAULT_SCENARIO, "name": "B", "cap_pct": None}))
    one_style(scenario_export.scenario_xlsx(a, ref), "brackets")
    one_style(scenario_export.comparison_xlsx(contributions.compare([a, b], ref)), "brackets")
