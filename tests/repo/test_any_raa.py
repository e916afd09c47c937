"""Any RAA: another agency with five partner councils runs the product by editing reference data only.

The reference set is the shipped one with its councils, name and printed business-case figures replaced;
drops for the five councils go through the real CLI ingest; the CLI and every page (AppTest, through
app.py) then show the five councils and the agency's name, and nothing names the shipped RAA's councils."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dropkit as dk
from conftest import APP, REPO, _add_test_users
from raa_core.cli import main
from raa_core.reference import REFERENCE_DIR, load_reference

COUNCILS = [(101, "Northshire County Council", "Northshire", "#123456"), (102, "Eastvale Borough", "Eastvale", ""),
            (103, "Westmoor Council", "Westmoor", ""), (104, "Southport City Council", "Southport", "#654321"),
            (105, "Highfield District", "Highfield", "")]
NAME = "North Coast Adoption Partnership"
TODAY = "2022-10-20"
SHIPPED = ("Bexley", "Kent", "Medway", "BKM")
PAGES = ["pages/overview.py", "pages/regional_performance.py", "pages/local_performance.py", "pages/budget.py",
         "pages/data_drops.py"]


@pytest.fixture(scope="module")
def five(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("five")
    ref_dir = base / "reference"
    shutil.copytree(REFERENCE_DIR, ref_dir)
    (ref_dir / "councils.csv").write_text(
        "la_code,name,short_name,london,colour\n" + "".join(f"{c},{n},{s},false,{col}\n" for c, n, s, col in COUNCILS))
    for name in ("baseline_published.csv", "published_figures.csv"):  # the shipped RAA's printed figures
        header = (REFERENCE_DIR / name).read_text().splitlines()[0]
        (ref_dir / name).write_text(header + "\n")
    settings = json.loads((REFERENCE_DIR / "settings.json").read_text())
    (ref_dir / "settings.json").write_text(json.dumps({**settings, "raa_name": NAME}))
    drops = base / "drops"
    for la, *_ in COUNCILS:
        dk.write_drop(drops, la, "2022-10-07")
    return {"RAA_REFERENCE": str(ref_dir), "RAA_DB": str(base / "wh" / "raa.duckdb"), "RAA_TODAY": TODAY,
            "drops": str(drops)}


@pytest.fixture
def env(five: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    import streamlit as st

    from conftest import _serve_through_app_py, _sign_in_every_apptest

    for k in ("RAA_REFERENCE", "RAA_DB", "RAA_TODAY"):
        monkeypatch.setenv(k, five[k])
    _serve_through_app_py(monkeypatch)
    _sign_in_every_apptest(monkeypatch)  # pages need a signed-in viewer (the Head of Service here)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield five
    st.cache_data.clear()
    st.cache_resource.clear()


def test_the_reference_set_is_another_raa(env) -> None:
    ref = load_reference()
    assert [c.short_name for c in ref.councils] == [s for _, _, s, _ in COUNCILS]
    assert ref.settings.raa_name == NAME
    colours = ref.council_colours()
    assert colours[101] == "#123456" and colours[104] == "#654321" and len(set(colours.values())) == 5


def test_cli_ingests_and_reports_the_five_councils(env, capsys) -> None:
    db = env["RAA_DB"]
    assert main(["ingest", env["drops"], "--db", db, "--today", TODAY, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["accepted"]) == 5
    assert main(["kpi", "--period", "2019-20", "--db", db, "--json"]) == 0
    areas = {r["area"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert {str(c) for c, *_ in COUNCILS} <= areas
    assert main(["budget", "--year", "2022-23", "--db", db, "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert {t["la_code"] for t in totals} == {None, *(c for c, *_ in COUNCILS)}


def _text(at: AppTest) -> str:
    parts = [str(e.proto) for e in at.main] + [str(e.proto) for e in at.sidebar]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_five_councils_and_names_no_other(env, page) -> None:
    if not Path(env["RAA_DB"]).exists():
        assert main(["ingest", env["drops"], "--db", env["RAA_DB"], "--today", TODAY]) == 0
    _add_test_users(Path(env["RAA_DB"]))
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["year"] = "2022-23"
    at.run()
    at.switch_page(page)
    at.session_state["year"] = "2022-23"
    at.run()
    assert not at.exception, at.exception
    council = at.sidebar.selectbox(key="council")
    assert list(council.options) == (
        ["Region (all five councils)"] + [f"{s} ({c})" for c, _, s, _ in COUNCILS])
    assert any(NAME in m.value for m in at.sidebar.markdown)
    text = _text(at)
    assert not [w for w in SHIPPED if re.search(rf"\b{w}\b", text)], page
    if page == "pages/overview.py":
        assert [h.value for h in at.header][:5] == [f"{s} ({c})" for c, _, s, _ in COUNCILS]
        assert "five partner councils" in at.caption[0].value


def test_product_code_names_no_council_of_the_shipped_raa() -> None:
    """Only data/reference and the sample generator may name the shipped RAA's councils."""
    offenders = []
    for path in [REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("raa_app/*.py"), *REPO.glob("raa_core/**/*.py")]:
        if path.name == "sample.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b(Bexley|Kent|Medway|BKM)\b", line):
                offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert not offenders, offenders

