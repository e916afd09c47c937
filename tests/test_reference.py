"""Reference data is validated at load like a drop: a bad row names its file, row and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from raa_core.reference import REFERENCE_DIR, ReferenceError, load_reference


def test_shipped_reference_loads(ref) -> None:
    assert ref.la_codes == [303, 886, 887]
    assert ref.threshold("A1", dt.date(2019, 3, 31)) == 425
    assert ref.threshold("A2", dt.date(2018, 3, 31)) == 121
    assert {(c.budget_area, c.cost_line) for c in ref.cost_lines if c.asf} == {
        ("adoption_support", "asf_spend"), ("adoption_support", "asf_income")}
    assert ref.national_figure("A1", "2015-18").value == 486
    assert str(ref.fee("interagency_la_raa", dt.date(2024, 1, 1))) == "27000.00"
    assert str(ref.fee("vaa_single_child", dt.date(2025, 4, 1))) == "39245.00"
    assert ref.fee("vaa_single_child", dt.date(2025, 3, 31)) is None


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, d)
    return d


def test_bad_threshold_row_is_named(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    text = (d / "thresholds.csv").read_text().replace("A2,2013-04-01,121", "A2,2013-04-01,about 121")
    (d / "thresholds.csv").write_text(text)
    with pytest.raises(ReferenceError, match=r"thresholds.csv row 1 column threshold"):
        load_reference(d)


def test_unknown_cost_line_kind_and_duplicates_rejected(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    lines = (d / "cost_lines.csv").read_text()
    (d / "cost_lines.csv").write_text(lines.replace(",income,false", ",revenue,false"))
    with pytest.raises(ReferenceError, match=r"cost_lines.csv row 5 column kind"):
        load_reference(d)
    (d / "cost_lines.csv").write_text(lines + lines.splitlines()[1] + "\n")
    with pytest.raises(ReferenceError, match="duplicate cost line"):
        load_reference(d)


def test_bad_settings_rejected(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "settings.json").write_text('{"freshness_days": {"performance": 8, "finance": 0}}')
    with pytest.raises(ReferenceError, match=r"settings\.json field freshness_days"):
        load_reference(d)


def test_roles_group_the_pages(ref) -> None:
    assert next(iter(ref.role_labels())) == "head_of_service"
    assert ref.pages_for("head_of_service") == [
        "overview", "regional_performance", "local_performance", "budget", "data_drops"]
    assert ref.pages_for("board") == ["overview", "regional_performance", "budget"]
    assert ref.pages_for("finance") == ["overview", "budget", "data_drops"]
    assert ref.pages_for("nobody") == []


def test_a_role_without_the_overview_is_rejected(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    rows = [r for r in (d / "roles.csv").read_text().splitlines() if r != "board,Partnership Board member,overview"]
    (d / "roles.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ReferenceError, match="role board"):
        load_reference(d)
