"""The DfE scorecard's adopter indicators A11-A13 and context figures A4, A5, A15, A16: values worked by hand,
"not provided" and "no data" in words, suppression as every count, and `raa kpi` carrying them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from factories import add_drop, empty_warehouse, req, snap
from raa_core import cli
from raa_core.performance import publication, recruitment

D = dt.date

#: Kent's households for 2025-26 (1 Apr 2025 to 31 Mar 2026), each worked by hand.
HOMES = [
    {"household_id": "KT-A00001", "approval_date": D(2025, 6, 1)},  # A11: approved, waiting at 31 Mar
    {"household_id": "KT-A00002", "approval_date": D(2025, 6, 1), "withdrawn_date": D(2025, 12, 1)},  # withdrew
    {"household_id": "KT-A00003", "approval_date": D(2025, 5, 1), "matched_date": D(2025, 8, 1)},  # A12: 3 months
    {"household_id": "KT-A00004", "approval_date": D(2025, 5, 1), "matched_date": D(2025, 7, 31)},  # a day short
    {"household_id": "KT-A00005", "approval_date": D(2026, 4, 10)},  # approved after the year
    {"household_id": "KT-A00006", "roi_date": D(2025, 10, 1)},  # A13: registered, being assessed
    {"household_id": "KT-A00007", "roi_date": D(2025, 11, 1), "withdrawn_date": D(2026, 1, 1)},  # withdrew
    {"household_id": "KT-A00008", "roi_date": D(2026, 2, 1), "approval_date": D(2026, 3, 1),
     "matched_date": D(2026, 3, 20)},  # approved and matched within the year: A12's n, 19 days
]
KIDS = [
    {"child_id": "KT-000001", "sex": "F", "date_of_birth": D(2024, 1, 1), "entered_care_date": D(2025, 1, 1),
     "adm_decision_date": D(2025, 5, 1), "placement_order_date": D(2025, 9, 1)},  # A15, A16
    {"child_id": "KT-000002", "sex": "M", "date_of_birth": D(2023, 1, 1), "entered_care_date": D(2024, 6, 1),
     "adm_decision_date": D(2025, 3, 1), "plan_reversed_date": D(2025, 10, 1)},  # A5
    {"child_id": "KT-000003", "sex": "M", "date_of_birth": D(2023, 1, 1), "entered_care_date": D(2025, 6, 1),
     "adm_decision_date": D(2026, 4, 2)},  # after the year
]


@pytest.fixture()
def extra(ref) -> Any:
    con = empty_warehouse()
    add_drop(con, 886, "2026-06-01", children=KIDS, adopters=HOMES)
    add_drop(con, 303, "2026-06-01", children=[], adopters=[])
    s = snap(con, ref=ref)
    return s, recruitment.extra_indicators(s, req("2025-26"))


def test_each_indicator_has_its_value_worked_by_hand(extra) -> None:
    _, e = extra
    kent = e[e["area"] == "886"].set_index("indicator")
    assert kent.loc["A11", "value"] == 1
    assert (kent.loc["A12", "count"], kent.loc["A12", "n"], kent.loc["A12", "value"]) == (1, 3, 33)  # 1/3 = 33%
    assert kent.loc["A13", "value"] == 1
    assert (kent.loc["A5", "value"], kent.loc["A15", "value"], kent.loc["A16", "value"]) == (1, 1, 1)
    region = e[e["area"] == "region"].set_index("indicator")
    assert region.loc["A11", "value"] == 1 and region.loc["A12", "value"] == 33
    bexley = e[e["area"] == "303"].set_index("indicator")
    assert bexley.loc["A11", "value"] == 0 and bexley.loc["A12", "note"] == "no families matched in the period"
    assert list(e["indicator"].unique()) == list(recruitment.EXTRA_INDICATORS)


def test_a4_is_not_provided_and_a_council_without_a_drop_has_no_data_never_zero(extra) -> None:
    _, e = extra
    a4 = e[e["indicator"] == "A4"]
    assert set(a4["status"]) == {"not provided"} and a4["value"].isna().all()
    assert all(n.startswith("not provided: Parquet drops carry no care leavers") for n in a4["note"])
    medway = e[(e["area"] == "887") & (e["indicator"] == "A11")].iloc[0]
    assert medway["status"] == "no data" and medway["note"].startswith("no drop received")
    assert pd.isna(medway["value"])


def test_counts_are_suppressed_as_every_count(extra) -> None:
    s, e = extra
    shown, view = publication.published_extra(s, e, True)
    kent = shown[shown["area"] == "886"].set_index("indicator")
    assert kent.loc["A11", "value"] == "x"  # 1 household: a count of 1 to 5
    assert kent.loc["A12", "value"] == "x"  # 1 of 3: numerator and denominator too small
    table = recruitment.extra_table(shown, {"886": "Kent", "303": "Bexley", "887": "Medway"})
    row = table.set_index("Indicator").loc[recruitment.EXTRA_LABELS["A4"]]
    assert set(row) == {"not provided"}
    assert table.set_index("Indicator").loc[recruitment.EXTRA_LABELS["A11"], "Medway"].startswith("no drop received")
    assert bool(view[view["area"] == "886"].set_index("indicator").loc["A11", "value_hidden"])


def test_every_indicator_has_its_rule_and_source() -> None:
    for ind in recruitment.EXTRA_INDICATORS:
        assert recruitment.EXTRA_DEFINITIONS[ind].startswith(f"{ind}: ") and "Source: DfE" in \
            recruitment.EXTRA_DEFINITIONS[ind]


def test_raa_kpi_carries_them(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["kpi", "--period", "2025-26", "--json", "--db", str(sample_db), "--today", "2026-11-20"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = doc["adopter_and_context"]
    assert len(rows) == 7 * 4 and {r["indicator"] for r in rows} == set(recruitment.EXTRA_INDICATORS)
    a12 = next(r for r in rows if r["indicator"] == "A12" and r["area"] == "region")
    assert a12["unit"] == "%" and a12["definition"].startswith("A12: ") and 0 <= a12["value"] <= 100
    assert all(r["value"] is None and r["status"] == "not provided" for r in rows if r["indicator"] == "A4")
    assert cli.main(["kpi", "--period", "2025-26", "--db", str(sample_db), "--today", "2026-11-20"]) == 0
    text = capsys.readouterr().out
    assert "adopter and context indicators" in text and "A16: new placement orders granted" in text
