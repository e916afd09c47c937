"""The bundled sample reproduces the business case's performance table (docs/indicators.md), via raa_core and
via `raa kpi`."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd
import pytest

from factories import req, snap
from raa_core import cli
from raa_core.performance.indicators import scorecard
from raa_core.performance.reconciliation import reconcile
from raa_core.periods import parse_period

BEXLEY, KENT, MEDWAY = "303", "886", "887"


def fig(sc: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    rows = sc[(sc["indicator"] == indicator) & (sc["area"] == area)]
    assert len(rows) == 1, (indicator, area)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def y1819(sample_con: duckdb.DuckDBPyConnection, ref: Any) -> pd.DataFrame:
    return scorecard(snap(sample_con, ref=ref), req(parse_period("2018-19"), thresholds="business_case"))


@pytest.fixture(scope="module")
def p1518(sample_con: duckdb.DuckDBPyConnection, ref: Any) -> pd.DataFrame:
    return scorecard(snap(sample_con, ref=ref), req(parse_period("2015-18")))


def test_every_published_figure_is_reproduced(sample_con: duckdb.DuckDBPyConnection, ref: Any) -> None:
    rec = reconcile(snap(sample_con, ref=ref))
    assert len(rec) == len(ref.published) == 20
    assert rec["matches"].all(), rec[~rec["matches"]].to_dict(orient="records")
    assert (rec["difference"] == 0).all()


def test_2018_19_mean_of_councils_row_424_137_and_differences_to_threshold(y1819: pd.DataFrame) -> None:
    a1, a2 = fig(y1819, "A1", "region_mean"), fig(y1819, "A2", "region_mean")
    assert (a1["value"], a1["threshold"], a1["difference"]) == (424, 425, -1)
    assert (a2["value"], a2["threshold"], a2["difference"]) == (137, 121, 16)
    assert {a1["threshold_set"], a2["threshold_set"]} == {"business_case"}
    # the mean of the three (rounded) council figures, as the business case computed it
    councils = [int(fig(y1819, "A1", a)["value"]) for a in (BEXLEY, KENT, MEDWAY)]
    assert councils == [340, 363, 569] and round(sum(councils) / 3) == 424


@pytest.mark.parametrize(
    "area,a1,a2,d1,d2",
    [(BEXLEY, 340, 74, -85, -47), (KENT, 363, 120, -62, -1), (MEDWAY, 569, 217, 144, 96)],
)
def test_2018_19_council_figures_and_differences(
    y1819: pd.DataFrame, area: str, a1: int, a2: int, d1: int, d2: int
) -> None:
    assert (fig(y1819, "A1", area)["value"], fig(y1819, "A1", area)["difference"]) == (a1, d1)
    assert (fig(y1819, "A2", area)["value"], fig(y1819, "A2", area)["difference"]) == (a2, d2)


@pytest.mark.parametrize(
    "area,a1,a2,a3,pct",
    [(BEXLEY, 339, 120, 55, 81), (KENT, 392, 151, 285, 73), (MEDWAY, 469, 184, 75, 51)],
)
def test_2015_18_council_figures(p1518: pd.DataFrame, area: str, a1: int, a2: int, a3: int, pct: int) -> None:
    assert fig(p1518, "A1", area)["value"] == a1
    assert fig(p1518, "A2", area)["value"] == a2
    row = fig(p1518, "A3", area)
    assert (row["count"], row["value"]) == (a3, pct)
    assert round(100 * a3 / int(row["n"])) == pct  # the percentage comes from the whole-children counts


def test_medway_2018_19_a3_is_8_children_36_percent(y1819: pd.DataFrame) -> None:
    row = fig(y1819, "A3", MEDWAY)
    assert (row["count"], row["n"], row["value"]) == (8, 22, 36)


def test_bexley_2018_19_rests_on_one_child_and_is_flagged(y1819: pd.DataFrame) -> None:
    for ind in ("A1", "A2", "A3"):
        row = fig(y1819, ind, BEXLEY)
        assert row["n"] == 1 and bool(row["low_n"])
    assert fig(y1819, "A3", BEXLEY)["count"] == 1 and fig(y1819, "A3", BEXLEY)["value"] == 100


def test_kent_2018_19_a1_median_and_n(y1819: pd.DataFrame) -> None:
    row = fig(y1819, "A1", KENT)
    assert (row["value"], row["median"], row["n"]) == (363, 351, 95)


def test_2018_19_against_dfe_thresholds_426_121(sample_con: duckdb.DuckDBPyConnection, ref: Any) -> None:
    sc = scorecard(snap(sample_con, ref=ref), req(parse_period("2018-19")))  # dfe is the default set
    a1, a2 = fig(sc, "A1", "region_mean"), fig(sc, "A2", "region_mean")
    assert (a1["value"], a1["threshold"], a1["difference"], a1["threshold_set"]) == (424, 426, -2, "dfe")
    assert (a2["value"], a2["threshold"], a2["difference"], a2["threshold_set"]) == (137, 121, 16, "dfe")
    assert fig(sc, "A1", BEXLEY)["difference"] == -86 and fig(sc, "A1", MEDWAY)["difference"] == 143
    assert pd.isna(fig(sc, "A3", KENT)["threshold_set"])  # A3 has no threshold, so no set


def test_raa_kpi_defaults_to_dfe_and_every_row_names_its_set(
    sample_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["kpi", "--period", "2018-19", "--json", "--db", str(sample_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["threshold_set"] == "dfe" and {r["threshold_set"] for r in out["rows"]} == {"dfe"}
    rows = {(r["indicator"], r["area"]): r for r in out["rows"]}
    assert (rows[("A1", KENT)]["threshold"], rows[("A1", KENT)]["difference"]) == (426, -63)
    assert cli.main(["kpi", "--period", "2018-19", "--thresholds", "national", "--db", str(sample_db)]) == 2


def test_raa_kpi_json_prints_the_business_case_figures(sample_db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["kpi", "--period", "2018-19", "--thresholds", "business_case", "--json", "--db", str(sample_db)]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["period"], out["start"], out["end"]) == ("2018-19", "2018-04-01", "2019-03-31")
    rows = {(r["indicator"], r["area"]): r for r in out["rows"]}
    assert len(rows) == len(out["rows"]) == 4 * 5
    expected = {
        ("A1", BEXLEY): (340, -85),
        ("A1", KENT): (363, -62),
        ("A1", MEDWAY): (569, 144),
        ("A1", "region_mean"): (424, -1),
        ("A2", BEXLEY): (74, -47),
        ("A2", KENT): (120, -1),
        ("A2", MEDWAY): (217, 96),
        ("A2", "region_mean"): (137, 16),
    }
    for key, (value, difference) in expected.items():
        assert (rows[key]["value"], rows[key]["difference"]) == (value, difference), key
    kent = rows[("A1", KENT)]
    assert (kent["median"], kent["n"], kent["threshold"], kent["low_n"]) == (351, 95, 425, False)
    assert (rows[("A3", MEDWAY)]["count"], rows[("A3", MEDWAY)]["value"]) == (8, 36)
    assert rows[("A3", BEXLEY)]["count"] == 1 and rows[("A2", BEXLEY)]["low_n"] is True
    assert all("count" in r for r in out["rows"] if r["indicator"] == "A3")
    assert {r["threshold_set"] for r in out["rows"]} == {"business_case"}


def test_raa_kpi_human_output_names_the_figures(sample_db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["kpi", "--period", "2015-18", "--db", str(sample_db)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "2015-18  2015-04-01 to 2018-03-31"
    assert out.splitlines()[1].startswith("thresholds: dfe = DfE scorecard thresholds")
    lines = {tuple(line.split()[:2]): line for line in out.splitlines()[3:]}
    assert "285 (73%)" in lines[("A3", KENT)] and "75 (51%)" in lines[("A3", MEDWAY)]
    assert lines[("A1", BEXLEY)].split()[2] == "339"


def test_raa_kpi_before_the_first_drop_says_no_data_not_zero(
    sample_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["kpi", "--period", "2018-19", "--as-at", "2019-06-30", "--json", "--db", str(sample_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["no_data"] == {a: "no drop received by 30 Jun 2019; first drop 25 Sep 2026" for a in (BEXLEY, KENT, MEDWAY)}
    assert all(r["value"] is None and r["n"] == 0 for r in out["rows"])
    assert cli.main(["kpi", "--period", "2018-19", "--as-at", "2019-06-30", "--db", str(sample_db)]) == 0
    assert "no drop received by 30 Jun 2019; first drop 25 Sep 2026" in capsys.readouterr().out


def test_raa_kpi_for_a_period_with_no_children_says_so_in_words(sample_db, capsys) -> None:
    """Review: `raa kpi --period 2027-28` printed rows of n = 0 and A3 as `0 ()`. No data is not zero
    (docs/indicators.md): each row says no child was adopted in the period, in JSON and on screen."""
    from raa_core import cli

    assert cli.main(["kpi", "--period", "2027-28", "--json", "--db", str(sample_db)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["note"] for r in doc["rows"]} == {"no children adopted in 2027-28"}
    assert cli.main(["kpi", "--period", "2027-28", "--db", str(sample_db)]) == 0
    out = capsys.readouterr().out
    assert "0 ()" not in out and out.count("no children adopted in 2027-28") == len(doc["rows"])
