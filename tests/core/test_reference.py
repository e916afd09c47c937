"""Reference data is validated at load like a drop: a bad row names its file, row and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from raa_core.reference import REFERENCE_DIR, ReferenceError, load_reference


def test_shipped_reference_loads(ref) -> None:
    assert ref.la_codes == [303, 886, 887]
    assert ref.threshold("A1", dt.date(2019, 3, 31)) == 426  # DfE: floor(14 x 365.25 / 12)
    assert ref.threshold("A2", dt.date(2018, 3, 31)) == 121  # floor(4 x 365.25 / 12)
    assert ref.threshold("A1", dt.date(2019, 3, 31), "business_case") == 425
    assert ref.threshold("A2", dt.date(2019, 3, 31), "business_case") == 121
    assert ref.threshold("A3", dt.date(2019, 3, 31)) is None
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
    text = (d / "thresholds.csv").read_text().replace("A2,2013-04-01,,121", "A2,2013-04-01,,about 121")
    (d / "thresholds.csv").write_text(text)
    with pytest.raises(ReferenceError, match=r"thresholds.csv row 13 column threshold"):
        load_reference(d)


@pytest.mark.parametrize(
    "months,days", [(14, 426), (4, 121), (21, 639), (18, 547), (16, 487), (7, 213), (6, 182), (5, 152)]
)
def test_dfe_months_convert_as_floor_of_months_times_365_25_over_12(months: int, days: int) -> None:
    from raa_core.reference import months_to_days

    assert months_to_days(months) == days == int(months * 365.25 / 12)


@pytest.mark.parametrize(
    "end,a1,a2",
    [((2013, 3, 31), 639, 213), ((2014, 3, 31), 547, 182), ((2015, 3, 31), 487, 152), ((2016, 3, 31), 426, 121)],
)
def test_dfe_thresholds_by_period(ref, end: tuple[int, int, int], a1: int, a2: int) -> None:
    assert (ref.threshold("A1", dt.date(*end)), ref.threshold("A2", dt.date(*end))) == (a1, a2)
    assert ref.threshold("A10", dt.date(*end)) == a1


def test_threshold_months_and_days_must_agree(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    text = (d / "thresholds.csv").read_text().replace("dfe,A1,2015-04-01,14,,", "dfe,A1,2015-04-01,14,425,")
    (d / "thresholds.csv").write_text(text)
    with pytest.raises(ReferenceError, match=r"thresholds.csv row 3 .*14 months = 426 days"):
        load_reference(d)


def test_unknown_threshold_set_is_refused(ref) -> None:
    with pytest.raises(ValueError, match="threshold set must be one of dfe, business_case"):
        ref.threshold("A1", dt.date(2019, 3, 31), "national")


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


def test_roles_are_the_five_of_issue_13(ref) -> None:
    assert list(ref.role_labels()) == ["board", "hos", "finance", "council_analyst", "admin"]
    assert ref.pages_for("hos") == [
        "overview", "regional_performance", "local_performance", "forecast", "budget", "scenarios", "boardpack",
        "data_drops", "audit", "users"]
    assert ref.pages_for("board") == ["overview", "regional_performance", "forecast", "budget", "scenarios",
                                      "boardpack"]
    assert ref.pages_for("finance") == ["overview", "regional_performance", "local_performance", "forecast",
                                        "budget", "scenarios"]
    assert ref.pages_for("council_analyst") == ["overview", "regional_performance", "local_performance", "data_drops"]
    assert ref.pages_for("admin") == ["overview", "data_drops", "audit", "users"]
    assert ref.pages_for("nobody") == []
    assert [r.role for r in ref.roles if r.council_bound] == ["council_analyst"]
    assert [r.role for r in ref.roles if "child_level" in r.rights] == ["hos", "council_analyst"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("board,Partnership Board member,false,overview regional_performance forecast budget scenarios boardpack,",
     "board,Partnership Board member,false,regional_performance budget,", "roles.csv row 0 column pages: .*overview"),
    ("board,Partnership Board member,false,overview regional_performance forecast budget scenarios boardpack,",
     "board,Partnership Board member,false,overview secret_page,", "roles.csv row 0 column pages: .*secret_page"),
    ("publication_only", "publication_only see_everything", "roles.csv row 0 column rights: .*see_everything"),
    ("admin,Administrator,", "board,Administrator,", "role board is listed more than once"),
])
def test_a_bad_role_row_is_rejected(tmp_path: Path, old: str, new: str, message: str) -> None:
    d = _copy(tmp_path)
    text = (d / "roles.csv").read_text()
    assert old in text
    (d / "roles.csv").write_text(text.replace(old, new, 1))
    with pytest.raises(ReferenceError, match=message):
        load_reference(d)
