"""AppTest: the Pooled budget page on the sample warehouse shows raa_core's figures.

Every run goes through app.py (conftest), whose sidebar builds the run's requests (`shell.run()`); the
sidebar's choices are set through their widget keys ("council", "year") in session state before each run.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_core import warehouse
from raa_core.appstate import AppState
from raa_core.commentary import comments
from raa_core.money import fmt_gbp, fmt_k
from raa_core.monitoring import monitor
from raa_core.settlement import settlement_of
from raa_core.warehouse import Warehouse

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


def expected(app_env, ref, year: str, period: int | None = None, method: str = "default",
             la_code: int | None = None, sign: int = 1) -> dict[str, str]:
    con = warehouse.connect_read(app_env)
    try:
        mon = monitor(con, ref, year, period, method, la_code)
    finally:
        con.close()
    out = {}
    for area, title in AREAS:
        t = mon.total(la_code, area)
        out[f"{title} budget"] = fmt_gbp(t["budget"])
        out[f"{title} forecast outturn"] = fmt_gbp(t["forecast"])
        out[f"{title} variance"] = fmt_gbp(t["variance"] * sign)
        out[f"{title} movement"] = fmt_gbp(t["movement"] * sign)
    return out


def test_headline_figures_equal_raa_core_for_the_raa(app_env, ref) -> None:
    at = open_page()
    assert at.title[0].value == "Pooled budget"
    assert metrics(at) == expected(app_env, ref, YEAR)
    # the by-council table: every council's pooled and adoption support rows, kept apart
    table = at.dataframe[0].value
    con = warehouse.connect_read(app_env)
    try:
        mon = monitor(con, ref, YEAR)
    finally:
        con.close()
    kent = table[(table["Council"] == "Kent") & (table["Budget area"] == "Adoption support")].iloc[0]
    assert kent["Variance"] == fmt_gbp(mon.total(886, "adoption_support")["variance"])
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
    assert shown == {"Pooled budget": "£2,903,040.00", "Adoption support budget": "£1,283,440.00",
                     "Total budget": "£4,186,480.00"}
    table = at.dataframe[0].value.set_index("Council")
    for pub in ref.baseline_published:
        name = {"303": "Bexley", "886": "Kent", "887": "Medway", "total": "Total"}[pub.la_code]
        row = table.loc[name]
        assert row["Pooled, printed"] == row["Pooled"] == fmt_k(pub.pooled_k * 1000)
        assert row["Adoption support, printed"] == row["Adoption support"] == fmt_k(pub.adoption_support_k * 1000)
        assert row["Total, printed"] == row["Total"] == fmt_k(pub.total_k * 1000)
        assert row["Match"] == "yes"
    assert table.loc["Total", "Total"] == "4,186.5"
    assert [s.value for s in at.success] and "to the digit" in at.success[0].value
    page.choose(year="2020-21")
    assert metrics(at) == expected(app_env, ref, "2020-21")
    check = next(d.value for d in at.dataframe if "2020-21 budget" in d.value.columns)
    assert len(check) == 30 and set(check["Matches"]) == {"yes"}


def test_a_year_without_any_budget_says_so(app_env) -> None:
    at = open_page(year="2017-18")
    assert any("No budget is loaded for 2017-18" in i.value for i in at.info)
    assert not at.metric


def test_settlement_basis_shares_the_pooled_variance(app_env, ref) -> None:
    at = open_page()
    at.radio(key="budget_basis").set_value("equal").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Pooled variance share" in d.value.columns)
    con = warehouse.connect_read(app_env)
    try:
        s = settlement_of(monitor(con, ref, YEAR), "equal")
    finally:
        con.close()
    assert list(table["Pooled variance share"])[:3] == [fmt_gbp(r.pooled_amount) for r in s.rows]
    assert table["Pooled variance share"].iloc[-1] == fmt_gbp(s.pooled_variance)


def test_adding_a_comment_stores_it_and_shows_it_beside_the_line(app_env, ref) -> None:
    at = open_page()
    at.selectbox(key="comment_line").set_value((886, "pooled", "agency_staff"))
    at.text_area(key="comment_text").input("Agency cover for two long-term absences")
    assert not at.text_input, "the author is the signed-in user, never typed"
    next(b for b in at.button if b.label == "Save comment").click()
    at.run()
    assert not at.exception, at.exception
    got = comments(AppState.beside(Warehouse(app_env)), YEAR, 7)
    assert got[["la_code", "budget_area", "cost_line", "comment", "author"]].values.tolist() == [
        [886, "pooled", "agency_staff", "Agency cover for two long-term absences", "hos.test"]]
    assert at.success and "Comment saved" in at.success[0].value
    lines = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Budget" in d.value.columns)
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
    lines = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Budget" in d.value.columns)
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
