"""AppTest: the Pooled budget page on the sample warehouse shows raa_core's figures.

Every run goes through app.py (conftest), whose sidebar builds the run's requests (`shell.run()`); the
sidebar's choices are set through their widget keys ("council", "year") in session state before each run.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, SAMPLE_AS_AT, SAMPLE_TODAY
from financekit import monitor
from raa_core.finance.commentary import comments
from raa_core.finance.monitoring import Monitoring
from raa_core.finance.settlement import settlement_of
from raa_core.money import pennies
from raa_core.presentation import MoneyUnit, money_rounded, tile_money
from raa_core.store import warehouse
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

PAGE = "pages/budget.py"
YEAR = "2026-27"
AREAS = (("pooled", "Pooled"), ("adoption_support", "Adoption support"), (None, "Total"))


class BudgetPage:
    """The page in AppTest with the sidebar's choices (keys "council", "year") applied before every run."""

    def __init__(self, **sidebar: str) -> None:
        self.sidebar = dict(sidebar)
        self.at = AppTest.from_file(APP, default_timeout=60)
        self._apply()
        self.at.run()  # app.py with its sidebar: the widgets start from these values
        assert [self.at.selectbox(key=k).value for k in sidebar] == list(sidebar.values())
        self.at.switch_page(PAGE)
        self.run()

    def _apply(self) -> None:
        for key, value in self.sidebar.items():
            self.at.session_state[key] = value

    def run(self) -> AppTest:
        self._apply()
        self.at.run()
        assert not self.at.exception, self.at.exception
        return self.at

    def choose(self, **sidebar: str) -> AppTest:
        self.sidebar.update(sidebar)
        return self.run()


def open_page(**sidebar: str) -> AppTest:
    return BudgetPage(**sidebar).at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def monitoring_of(app_env, ref, year: str, *args) -> Monitoring:
    """raa_core's monitoring report on the test's warehouse."""
    con = warehouse.Warehouse(app_env).connect()
    try:
        return monitor(con, ref, year, *args)
    finally:
        con.close()


def expected(app_env, ref, year: str, period: int | None = None, method: str = "default",
             la_code: int | None = None, sign: int = 1, unit: MoneyUnit = MoneyUnit.POUNDS) -> dict[str, str]:
    """The headline tiles as raa_core's figures in the unit, without pence."""
    mon = monitoring_of(app_env, ref, year, period, method, la_code)
    out = {}
    for area, title in AREAS:
        t = mon.total(la_code, area)
        out[f"{title} budget"] = tile_money(t["budget"], unit)
        out[f"{title} forecast outturn"] = tile_money(t["forecast"], unit)
        out[f"{title} variance"] = tile_money(t["variance"] * sign, unit)
        out[f"{title} movement"] = tile_money(t["movement"] * sign, unit)
    return out


def test_headline_figures_equal_raa_core_for_the_raa(app_env, ref) -> None:
    at = open_page()
    assert at.title[0].value == "Pooled budget"
    assert metrics(at) == expected(app_env, ref, YEAR)
    # the by-council table: every council's pooled and adoption support rows, kept apart
    table = at.dataframe[0].value
    mon = monitoring_of(app_env, ref, YEAR)
    kent = table[(table["Council"] == "Kent") & (table["Budget area"] == "Adoption support")].iloc[0]
    assert kent["Variance (£)"] == float(pennies(mon.total(886, "adoption_support")["variance"]))
    assert kent["RAG"] == mon.total(886, "adoption_support")["rag"].title()
    assert set(table["Council"]) == {"Bexley", "Kent", "Medway", "RAA"}
    # the line table carries every cash-limited line, ASF apart
    lines = next(d.value for d in at.dataframe if "Cost line" in d.value.columns and "Comment" in d.value.columns)
    assert len(lines) == len(mon.lines) == 30
    assert "Adoption Support Fund spend" not in set(lines["Cost line"])


def test_switching_council_year_period_method_and_sign_changes_the_figures(app_env, ref) -> None:
    page = BudgetPage(council="886")
    at = page.at
    assert metrics(at) == expected(app_env, ref, YEAR, la_code=886)
    assert not any(d.value.columns[0] == "Council" and "RAA" in set(d.value["Council"]) for d in at.dataframe)
    page.choose(council="887", year="2021-22")
    assert metrics(at) == expected(app_env, ref, "2021-22", la_code=887)
    period = next(s for s in at.selectbox if s.label == "Period")
    assert period.value == 12 and period.options[-1] == "P12 (Mar 2022)"
    period.set_value(5)
    page.run()
    assert metrics(at) == expected(app_env, ref, "2021-22", 5, la_code=887)
    at.selectbox(key="budget_method").set_value("run_rate")
    page.run()
    assert metrics(at) == expected(app_env, ref, "2021-22", 5, "run_rate", la_code=887)
    at.toggle(key="budget_sign").set_value(True)
    page.run()
    assert metrics(at) == expected(app_env, ref, "2021-22", 5, "run_rate", la_code=887, sign=-1)
    page.choose(council="region")
    assert metrics(at) == expected(app_env, ref, "2021-22", 5, "run_rate", sign=-1)


def test_the_baseline_year_shows_the_business_case_table_and_year_one_adds_the_pay_award(app_env, ref) -> None:
    page = BudgetPage(year="2019-20")
    at = page.at
    assert not [s for s in at.selectbox if s.label == "Period"]  # no ledger, no periods
    shown = metrics(at)
    assert shown == {"Pooled budget": "£2,903,040", "Adoption support budget": "£1,283,440",
                     "Total budget": "£4,186,480"}
    table = at.dataframe[0].value.set_index("Council")
    for pub in ref.baseline_published:
        name = {"303": "Bexley", "886": "Kent", "887": "Medway", "total": "Total"}[pub.la_code]
        row = table.loc[name]
        # the table holds £'000 as numbers; shown to one place (the grid's format) they are the printed figures
        assert round(row["Pooled (£'000)"], 1) == row["Pooled, printed (£'000)"] == float(pub.pooled_k)
        assert round(row["Adoption support (£'000)"], 1) == row["Adoption support, printed (£'000)"] == float(
            pub.adoption_support_k)
        assert round(row["Total (£'000)"], 1) == row["Total, printed (£'000)"] == float(pub.total_k)
        assert row["Match"] == "yes"
    assert round(table.loc["Total", "Total (£'000)"], 1) == 4186.5
    assert [s.value for s in at.success] and "to the digit" in at.success[0].value
    page.choose(year="2020-21")
    assert metrics(at) == expected(app_env, ref, "2020-21")
    check = next(d.value for d in at.dataframe if "2020-21 budget (£)" in d.value.columns)
    assert len(check) == 30 and set(check["Matches"]) == {"yes"}


def test_a_year_without_any_budget_says_so(app_env) -> None:
    at = open_page(year="2017-18")
    assert any("No budget is loaded for 2017-18" in i.value for i in at.info)
    assert not at.metric


def test_settlement_basis_shares_the_pooled_variance(app_env, ref) -> None:
    at = open_page()
    at.radio(key="budget_basis").set_value("equal").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Pooled variance share (£)" in d.value.columns)
    con = warehouse.Warehouse(app_env).connect()
    try:
        s = settlement_of(monitor(con, ref, YEAR), "equal")
    finally:
        con.close()
    assert list(table["Pooled variance share (£)"])[:3] == [float(r.pooled_amount) for r in s.rows]
    assert table["Pooled variance share (£)"].iloc[-1] == float(s.pooled_variance)


def test_adding_a_comment_stores_it_and_shows_it_beside_the_line(app_env, ref) -> None:
    at = open_page()
    at.selectbox(key="comment_line").set_value((886, "pooled", "agency_staff"))
    at.text_area(key="comment_text").input("Agency cover for two long-term absences")
    typed = [t.label for t in at.main.text_input]  # the sidebar holds the As at day and the own-password form
    assert not typed, "the author is the signed-in user, never typed"
    next(b for b in at.button if b.label == "Save comment").click()
    at.run()
    assert not at.exception, at.exception
    got = comments(AppState.beside(Warehouse(app_env)), YEAR, 7)
    assert got[["la_code", "budget_area", "cost_line", "comment", "author"]].values.tolist() == [
        [886, "pooled", "agency_staff", "Agency cover for two long-term absences", "hos.test"]]
    assert at.success and "Comment saved" in at.success[0].value
    lines = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Budget (£)" in d.value.columns)
    kent = lines[(lines["Council"] == "Kent") & (lines["Cost line"] == "Agency staff")].iloc[0]
    assert kent["Comment"] == "Agency cover for two long-term absences (hos.test)"
    assert (lines["Comment"] != "").sum() == 1


def test_an_incomplete_comment_is_refused_with_a_message(app_env) -> None:
    at = open_page()
    before = warehouse.version(app_env)
    for text, message in (("", "empty"), ("   ", "empty")):
        at.text_area(key="comment_text").input(text)
        next(b for b in at.button if b.label == "Save comment").click()
        at.run()
        assert not at.exception
        assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert warehouse.version(app_env) == before
    assert comments(AppState.beside(Warehouse(app_env)), YEAR).empty


def test_two_comments_on_one_line_show_the_latest_and_keep_the_earlier_a_click_away(app_env) -> None:
    at = open_page()
    for text in ("Chair fees rose", "Two extra panels"):
        at.selectbox(key="comment_line").set_value((303, "pooled", "panels"))
        at.text_area(key="comment_text").input(text)
        next(b for b in at.button if b.label == "Save comment").click()
        at.run()
        assert not at.exception, at.exception
    lines = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Budget (£)" in d.value.columns)
    bexley = lines[(lines["Council"] == "Bexley") & (lines["Cost line"] == "Adoption panels")].iloc[0]
    assert bexley["Comment"].startswith("Two extra panels (hos.test)")
    shown = [d.value for d in at.dataframe if "Recorded (UTC)" in d.value.columns]
    assert shown[0]["Comment"].tolist() == ["Two extra panels"]
    earlier = next(e for e in at.expander if e.label.startswith("Earlier comments"))
    assert earlier.label == "Earlier comments (1)"
    assert shown[1]["Comment"].tolist() == ["Chair fees rose"]


@pytest.mark.parametrize(("role", "la_code"), [("board", None), ("finance", None)])
def test_only_the_head_of_service_records_comments(app_env, role, la_code) -> None:
    from conftest import signed_in

    at = signed_in(AppTest.from_file(APP, default_timeout=60), role, la_code)
    at.run()
    at.switch_page("pages/budget.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Pooled budget"
    assert not [b for b in at.button if b.label == "Save comment"]
    assert any("recorded by the Head of Service" in c.value for c in at.caption)


def test_money_columns_are_numbers_that_sort_as_numbers(app_env, ref) -> None:
    """Issue 14: money held as text sorted £99,002 above £812,709 and clipped £1,421,656.85. Every money
    column of every table on the page is numeric (so the grid sorts it by value), formatted by the grid as
    accounting figures, right-aligned and wide enough for its widest figure."""
    at = open_page()
    money = [(d, c) for d in at.dataframe for c in d.value.columns if str(c).endswith("(£)")]
    assert len(money) >= 10
    for d, col in money:
        assert d.value[col].dtype.kind == "f", (col, d.value[col].dtype)
        values = list(d.value[col].dropna())
        assert list(d.value[col].dropna().sort_values()) == sorted(values), col  # numeric order
    lines = next(d for d in at.dataframe if "Cost line" in d.value.columns and "Comment" in d.value.columns)
    budgets = lines.value["Budget (£)"]
    assert budgets.max() > 99_999 > budgets.min()  # a text sort would put "£99,…" above "£812,…"
    assert budgets.sort_values(ascending=False).iloc[0] == budgets.max()
    # the grid's settings for the column: a number formatted as accounting, right-aligned, never clipped
    budget = json.loads(lines.proto.columns)["Budget (£)"]
    assert budget["type_config"]["format"] == "accounting" and budget["alignment"] == "right"
    widest = max(len(f"{v:,.2f}") for v in budgets)
    assert budget["width"] >= widest * 8
    # the columns naming a line stay pinned while the grid scrolls sideways to Variance %, RAG and Comment
    config = json.loads(lines.proto.columns)
    assert [h for h, c in config.items() if c.get("pinned")] == ["Council", "Cost line"]


def test_the_money_switch_shows_thousands_in_tiles_and_tables(app_env, ref) -> None:
    page = BudgetPage()
    at = page.at
    assert at.segmented_control(key="budget_unit").value == MoneyUnit.POUNDS  # the Head of Service reads £
    at.segmented_control(key="budget_unit").set_value(MoneyUnit.THOUSANDS)
    page.run()
    assert metrics(at) == expected(app_env, ref, YEAR, unit=MoneyUnit.THOUSANDS)
    assert all(v.startswith(("£", "(£")) and v.endswith(("k", "k)")) for v in metrics(at).values())
    table = at.dataframe[0].value
    mon = monitoring_of(app_env, ref, YEAR)
    raa = table[table["Council"] == "RAA"].iloc[-1]
    # the grid holds £'000 rounded half up on the exact Decimal, as the tiles and the pack show it
    assert raa["Budget (£'000)"] == float(money_rounded(mon.total(None, None)["budget"], MoneyUnit.THOUSANDS))


def test_the_board_reads_thousands_and_tiles_without_pence(app_env, ref) -> None:
    from conftest import signed_in

    at = signed_in(AppTest.from_file(APP, default_timeout=60), "board")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="budget_unit").value == MoneyUnit.THOUSANDS
    assert metrics(at) == expected(app_env, ref, YEAR, unit=MoneyUnit.THOUSANDS)
    assert not any("." in v and not v.rstrip(")").endswith("k") for v in metrics(at).values())


def test_every_download_is_named_with_council_period_and_as_at(app_env, monkeypatch) -> None:
    """Issue 14: downloads were named `A1_trend_year.xlsx` whatever the council or year."""
    import streamlit
    from streamlit.delta_generator import DeltaGenerator

    names: list[str] = []
    original = DeltaGenerator.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        names.append(file_name)
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    # st.download_button is bound to the main area at import: record it too
    monkeypatch.setattr(streamlit, "download_button", lambda *a, **k: recording(streamlit._main, *a, **k))
    page = BudgetPage(council="886")
    page.at.selectbox(key=f"budget_period_{YEAR}").set_value(5)
    names.clear()
    page.run()
    assert len(names) >= 10
    tail = f"_2026-27_P5_as-at_{SAMPLE_AS_AT}"
    assert "raa_budget_monitoring_Region" + tail + ".xlsx" in names  # the report is the whole RAA's
    assert "raa_budget_lines_Kent" + tail + ".csv" in names
    for name in names:
        assert re.fullmatch(rf"raa_[a-z_]+_(Kent|Region)_2026-27(_P5)?_as-at_{SAMPLE_AS_AT}\.(csv|xlsx)", name), name


def test_the_budget_page_flags_stale_finance_data(councils_drops, monkeypatch, ref) -> None:
    """Issue 9 point 2: freshness per dataset 'wherever figures appear': the budget page judges the finance
    dataset (35 days), not the performance one (8)."""
    import datetime as dt


    monkeypatch.setenv("RAA_TODAY", (SAMPLE_TODAY + dt.timedelta(days=20)).isoformat())
    at = open_page()
    assert not [w.value for w in at.warning if w.value.startswith("Stale finance data")], "20 days: not stale"
    monkeypatch.setenv("RAA_TODAY", (SAMPLE_TODAY + dt.timedelta(days=40)).isoformat())
    at = open_page()
    stale = [w.value for w in at.warning if w.value.startswith("Stale finance data (older than 35 days)")]
    assert stale and all(c in stale[0] for c in ("Bexley", "Kent", "Medway"))
