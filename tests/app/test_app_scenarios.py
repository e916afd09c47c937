"""AppTest: the Contribution scenarios page shows raa_core's figures, saves and loads scenarios in the
app-state store, compares them, and a scenario saved on the page gives the same figures through
`raa contributions --saved` (and through its downloaded JSON with `--scenario`)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from streamlit.testing.v1 import AppTest

import financekit as fk
from conftest import APP, TEST_USERS, signed_in
from financekit import all_drivers
from raa_core import contributions
from raa_core.cli import main
from raa_core.contributions import saved_scenarios
from raa_core.contributions.drivers import DriverTable
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.presentation import gbp, rounded
from raa_core.presentation.display import md_escape
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

PAGE = "pages/scenarios.py"
FINANCE = Viewer(user="finance.test", role="finance", la_code=None)


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, title: str = "Contribution") -> list[dict[str, str]]:
    """The first dataframe whose columns include `title`, as rows of display strings."""
    for el in [*at.table, *at.dataframe]:
        v = el.value
        if title in v.columns:
            return v.astype(str).to_dict("records")
    raise AssertionError(f"no table with a {title!r} column")


def expected(app_env: Path, ref, data: dict) -> contributions.Result:
    with Warehouse(app_env).cursor() as con:
        return fk.run(con, ref, parse_scenario(data))


def cli_json(capsys, *argv: str) -> dict:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_default_scenario_shows_the_engines_figures_and_explanation(app_env, ref) -> None:
    at = open_page()
    assert at.title[0].value == "Contribution scenarios"
    result = expected(app_env, ref, DEFAULT_SCENARIO)
    rows = table(at)
    names = {c.la_code: c.short_name for c in ref.councils}
    want = {(r.year, names[r.la_code]): gbp(r.contribution) for r in result.rows}
    got = {(r["Year"], r["Council"]): r["Contribution"] for r in rows}
    for key, value in want.items():
        assert got[key] == value
    bounds = {(r["Year"], r["Council"]): r["Bound"] for r in rows}
    for r in result.rows:
        assert bounds[(r.year, names[r.la_code])] == {"cap": "Held at cap", "floor": "Held at floor", None: ""}[r.bound]
    text = "\n".join(m.value for m in at.markdown)
    for line in contributions.explanation(result, "2022-23", ref)[1:3]:
        assert line in text


def test_changing_a_weight_recomputes_and_invalid_weights_name_the_field(app_env, ref) -> None:
    at = open_page()
    before = table(at)
    at.multiselect(key="sc_drivers").set_value(["placement_orders", "adoption_orders"]).run()
    assert not at.exception
    assert at.number_input(key="sc_w_placement_orders").value == 0.5  # weights start equal
    assert at.number_input(key="sc_w_adoption_orders").value == 0.5
    after = table(at)
    assert after != before
    data = {**DEFAULT_SCENARIO, "drivers": {"placement_orders": 0.5, "adoption_orders": 0.5}}
    r = expected(app_env, ref, data).year_rows("2022-23")[1]
    assert any(row["Year"] == "2022-23" and row["Contribution"] == gbp(r.contribution) for row in after)
    at.number_input(key="sc_w_placement_orders").set_value(0.7).run()
    assert [e.value for e in at.error] == ["Drivers: the weights add up to 1.2; they must add up to 1"]


def test_save_load_compare_and_the_cli_gives_identical_figures(app_env, ref, capsys, tmp_path) -> None:
    at = open_page()
    at.button(key="sc_save").click().run()
    assert not at.exception
    # the name is people's text, escaped by the one rule (`md_escape`): it shows as typed
    saved = f"Saved “{md_escape('Placement orders, 3-year average')}”"
    assert any(saved in s.value for s in at.success)
    at.text_input(key="sc_name").input("PO 70 / AO 30").run()
    at.multiselect(key="sc_drivers").set_value(["placement_orders", "adoption_orders"]).run()
    at.number_input(key="sc_w_placement_orders").set_value(0.7).run()
    at.number_input(key="sc_w_adoption_orders").set_value(0.3).run()
    at.number_input(key="sc_cap").set_value(7.5).run()
    shown = table(at)
    at.button(key="sc_save").click().run()

    state = AppState.beside(Warehouse(app_env))
    listing = saved_scenarios.saved(state)
    assert list(listing["name"]) == ["PO 70 / AO 30", "Placement orders, 3-year average"]
    assert set(listing["saved_by"]) == {TEST_USERS[("hos", None)]}  # the signed-in person
    saved = saved_scenarios.load(state, "PO 70 / AO 30")
    assert saved.cap_pct == 7.5 and {k: float(v) for k, v in saved.drivers.items()} == {
        "placement_orders": 0.7, "adoption_orders": 0.3}

    # the command line gives identical figures, from the store and from the downloaded JSON
    via_saved = cli_json(capsys, "contributions", "--db", str(app_env), "--saved", "PO 70 / AO 30", "--json")
    (tmp_path / "s.json").write_text(saved.to_json(), encoding="utf-8")
    via_file = cli_json(capsys, "contributions", "--db", str(app_env), "--scenario", str(tmp_path / "s.json"),
                        "--json")
    assert via_saved == via_file
    names = {c.la_code: c.short_name for c in ref.councils}
    page = {(r["Year"], r["Council"]): r["Contribution"] for r in shown}
    for row in via_saved["rows"]:
        assert page[(row["year"], names[row["la_code"]])] == gbp(Decimal(row["contribution"]))

    # a fresh session loads it back into the widgets and shows the same table
    again = open_page()
    again.selectbox(key="sc_pick").set_value("PO 70 / AO 30")
    again.button(key="sc_load").click().run()
    assert not again.exception
    assert again.text_input(key="sc_name").value == "PO 70 / AO 30"
    assert again.number_input(key="sc_w_adoption_orders").value == 0.3
    assert table(again) == shown

    # compare the two
    again.multiselect(key="sc_compare").set_value(["Placement orders, 3-year average", "PO 70 / AO 30"]).run()
    assert not again.exception
    cmp = table(again, "Difference %")
    assert {r["Scenario"] for r in cmp} == {"Placement orders, 3-year average", "PO 70 / AO 30"}


def test_cli_saved_name_unknown_exits_2(app_env, capsys) -> None:
    assert main(["contributions", "--db", str(app_env), "--saved", "nothing"]) == 2
    assert "saved: no scenario is saved as 'nothing'" in capsys.readouterr().err


def test_the_board_reads_scenarios_but_cannot_save_them(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    signed_in(at, "board")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert table(at)  # the results are there
    assert not [b for b in at.button if b.key == "sc_save"]
    assert any("saving them is for finance leads" in c.value for c in at.caption)


def test_a_council_analyst_is_refused_the_page(app_env) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    signed_in(at, "council_analyst", 886)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "sc_save"]
    assert not [d for d in at.dataframe]


def test_go_live_compensation_is_shown(app_env, ref) -> None:
    at = open_page()
    with Warehouse(app_env).cursor() as con:
        comp = fk.go_live_compensation(con, ref, dt.date(2020, 10, 1),
                                                fk.base_budgets(con, ref, "2020-21"))
    text = "\n".join(m.value for m in at.markdown)
    for line in comp.lines()[1:]:
        assert line in text


def test_the_go_live_date_is_typed_and_a_bad_one_is_said_in_words(app_env) -> None:
    """A typed day, not a calendar (its small day buttons), written as the app writes days."""
    at = open_page()
    field = at.text_input(key="sc_golive")
    assert (field.label, field.value) == ("Go-live date", "1 Oct 2020") and not at.get("date_input")
    assert any(m.value.startswith("- At 1 Oct 2020, fee per child") for m in at.markdown)
    field.input("1 april 2021").run()
    assert not at.exception and not at.error
    assert any(m.value.startswith("- At 1 Apr 2021, fee per child") for m in at.markdown)
    at.text_input(key="sc_golive").input("1 Smarch 2021").run()
    assert [e.value for e in at.error if "Go-live date: “1 Smarch 2021” is not a date" in e.value]
    at.text_input(key="sc_golive").input("31 Dec 9999").run()  # beyond the last financial year a date can hold
    assert not at.exception, at.exception
    assert [e.value for e in at.error if "“31 Dec 9999” is too far from today" in e.value]
    at.text_input(key="sc_golive").input("1 Jan 1900").run()  # before any fee rate: said with the fee's words
    assert not at.exception, at.exception
    said = [e.value for e in [*at.error, *at.info, *at.warning] if "is listed for 1 Jan 1900" in e.value]
    assert said and "choose a later go-live date" in said[0]
    assert not any(code in said[0] for code in ("interagency_la_raa", "fee_rates.csv", "_"))
    assert not [m for m in at.markdown if m.value.startswith("- At ")]


def test_settlement_offers_formula_shares_from_a_saved_scenario(app_env, ref) -> None:
    """The Pooled budget page's year-end settlement takes 'formula shares' from a chosen saved scenario."""
    from financekit import monitor
    from raa_core.finance.settlement import settlement_of

    year = "2026-27"
    s = parse_scenario({**DEFAULT_SCENARIO, "name": "Formula for 2026-27", "base_year": "2025-26",
                        "years": [year], "transition": {year: 0.5}})
    saved_scenarios.save(AppState.beside(Warehouse(app_env)), s, FINANCE)
    with Warehouse(app_env).cursor() as con:
        shares = fk.run(con, ref, s).shares(year)
        want = settlement_of(monitor(con, ref, year), "formula", shares)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["year"] = year
    at.run()
    at.switch_page("pages/budget.py")
    at.session_state["year"] = year
    at.run()
    at.radio(key="budget_basis").set_value("formula").run()
    assert not at.exception, at.exception
    assert at.radio(key="formula_source").value == "A saved contribution scenario"
    assert at.selectbox(key="formula_scenario").value == "Formula for 2026-27"
    got = next(d.value for d in at.dataframe if "Pooled variance share (£)" in d.value.columns)
    assert list(got["Pooled variance share (£)"])[:3] == [float(r.pooled_amount) for r in want.rows]
    # the grid holds the share as shown, rounded half up to its two places
    assert list(got["Share (%)"][:3]) == [float(rounded(r.share * 100, 2)) for r in want.rows]
    # a scenario that does not model the year says so
    other = parse_scenario(DEFAULT_SCENARIO)
    saved_scenarios.save(AppState.beside(Warehouse(app_env)), other, FINANCE)
    at.run()
    at.selectbox(key="formula_scenario").set_value(other.name).run()
    assert any("models 2021-22, 2022-23, not 2026-27" in i.value for i in at.info)


def test_backtest_and_sensitivity_views_show_the_engines_figures(app_env, ref) -> None:
    at = open_page()
    result = expected(app_env, ref, DEFAULT_SCENARIO)
    with Warehouse(app_env).cursor() as con:
        table_ = DriverTable.from_frame(all_drivers(con, ref))
    at.radio(key="sc_view").set_value("Backtest").run()
    assert not at.exception
    summary = contributions.backtest_summary(contributions.backtest(result, table_, ref))
    shown = next(d.value for d in at.dataframe if "Largest swing" in d.value.columns)
    assert list(shown["Largest swing"]) == [gbp(v) for v in summary["max_swing"]]
    at.radio(key="sc_view").set_value("Sensitivity").run()
    assert not at.exception
    sens = contributions.sensitivity(result, "2022-23", ref)
    shown = next(d.value for d in at.dataframe if "£ moved (+1)" in d.value.columns)
    assert len(shown) == len(sens) == 9
    assert list(shown["Council"]) == list(sens["council"])


def test_only_roles_that_write_scenarios_may_save_one_in_raa_core(tmp_path) -> None:
    """Issue 13: the right is enforced in raa_core, not only by the page hiding its button."""
    import pytest

    from raa_core.access import AccessDenied

    state = AppState(tmp_path / "appstate.sqlite3")
    s = parse_scenario(DEFAULT_SCENARIO)
    with pytest.raises(AccessDenied, match="may not save contribution scenarios"):
        saved_scenarios.save(state, s, Viewer(user="pat", role="board", la_code=None))
    saved_scenarios.save(state, s, FINANCE)
    assert list(saved_scenarios.saved(state)["saved_by"]) == ["finance.test"]



def _stale_warnings(monkeypatch, days: int) -> set[str]:
    from conftest import SAMPLE_TODAY

    monkeypatch.setenv("RAA_TODAY", (SAMPLE_TODAY + dt.timedelta(days=days)).isoformat())
    at = open_page()
    return {w.value.split(" (")[0] for w in at.warning if w.value.startswith("Stale ")}


def test_the_sample_is_not_stale_on_the_scenarios_page(app_env, monkeypatch) -> None:
    """Issue 9 point 7: the bundled sample alone is judged at its own as-at date, so never stale on day one."""
    assert _stale_warnings(monkeypatch, 40) == set()


def test_the_scenarios_page_flags_stale_performance_and_finance_data(councils_drops, monkeypatch) -> None:
    """Issue 9 point 2 (freshness wherever figures appear): scenarios count their drivers from performance data
    (8 days) and take their base from budgets (finance, 35 days), so the page judges both datasets."""
    assert _stale_warnings(monkeypatch, 5) == set()
    assert _stale_warnings(monkeypatch, 20) == {"Stale performance data"}
    assert _stale_warnings(monkeypatch, 40) == {"Stale performance data", "Stale finance data"}


def test_the_forecast_basis_is_chosen_on_the_page_saved_and_loaded(app_env, ref) -> None:
    at = open_page()
    assert at.radio(key="sc_basis").value == "average"
    # the default scenario models past years: the forecast basis refuses them, naming the field
    at.radio(key="sc_basis").set_value("forecast").run()
    assert not at.exception
    assert any("2021-22 ended before the data's date" in e.value for e in at.error), [e.value for e in at.error]
    at.selectbox(key="sc_base_year").set_value("2025-26").run()
    at.number_input(key="sc_n_years").set_value(1).run()
    at.text_input(key="sc_name").input("Forecast drivers").run()
    assert not at.exception and not at.error
    data = {**DEFAULT_SCENARIO, "name": "Forecast drivers", "base_year": "2025-26", "years": ["2026-27"],
            "transition": {"2026-27": 0.5}, "basis": "forecast"}
    want = expected(app_env, ref, data)
    names = {c.la_code: c.short_name for c in ref.councils}
    shown = {(r["Year"], r["Council"]): r["Contribution"] for r in table(at)}
    for r in want.rows:
        assert shown[(r.year, names[r.la_code])] == gbp(r.contribution)
    assert any("forecast" in w.value for w in at.warning)  # every forecast figure is flagged as one
    at.button(key="sc_save").click().run()
    saved = saved_scenarios.load(AppState.beside(Warehouse(app_env)), "Forecast drivers")
    assert saved.basis == "forecast"
    again = open_page()
    again.selectbox(key="sc_pick").set_value("Forecast drivers")
    again.button(key="sc_load").click().run()
    assert not again.exception
    assert again.radio(key="sc_basis").value == "forecast"
