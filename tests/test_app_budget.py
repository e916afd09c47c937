"""AppTest: the Pooled budget page on the sample warehouse shows raa_core's figures.

AppTest runs app.py (and its sidebar) only on the first run; on a switched page it runs the page alone,
so the sidebar's choices are set through their widget keys ("council", "year") in session state, which
is what `shell.filters()` reads.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from conftest import APP
from raa_core import warehouse
from raa_core.commentary import comments
from raa_core.money import pennies
from raa_core.monitoring import monitor
from raa_core.presentation import MoneyUnit, tile_money
from raa_core.settlement import settlement_of

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
             la_code: int | None = None, sign: int = 1, unit: MoneyUnit = MoneyUnit.POUNDS) -> dict[str, str]:
    """The headline tiles as raa_core's figures in the unit, without pence."""
    con = warehouse.connect_read(app_env)
    try:
        mon = monitor(con, ref, year, period, method, la_code)
    finally:
        con.close()
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
    con = warehouse.connect_read(app_env)
    try:
        mon = monitor(con, ref, YEAR)
    finally:
        con.close()
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
        # the table holds £'000 as numbers; shown to one place they are the printed figures
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
    con = warehouse.connect_read(app_env)
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
    at.text_input(key="comment_author").input("Head of Service")
    next(b for b in at.button if b.label == "Save comment").click()
    at.run()
    assert not at.exception, at.exception
    con = warehouse.connect_read(app_env)
    try:
        got = comments(con, YEAR, 7)
    finally:
        con.close()
    assert got[["la_code", "budget_area", "cost_line", "comment", "author"]].values.tolist() == [
        [886, "pooled", "agency_staff", "Agency cover for two long-term absences", "Head of Service"]]
    assert at.success and "Comment saved" in at.success[0].value
    lines = next(d.value for d in at.dataframe if "Comment" in d.value.columns and "Budget (£)" in d.value.columns)
    kent = lines[(lines["Council"] == "Kent") & (lines["Cost line"] == "Agency staff")].iloc[0]
    assert kent["Comment"] == "Agency cover for two long-term absences (Head of Service)"
    assert (lines["Comment"] != "").sum() == 1


def test_an_incomplete_comment_is_refused_with_a_message(app_env) -> None:
    at = open_page()
    before = warehouse.version(app_env)
    for text, author, message in (("", "HoS", "empty"), ("Why", "", "author")):
        at.text_area(key="comment_text").input(text)
        at.text_input(key="comment_author").input(author)
        next(b for b in at.button if b.label == "Save comment").click()
        at.run()
        assert not at.exception
        assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert warehouse.version(app_env) == before


def test_money_columns_are_numbers_that_sort_as_numbers(app_env, ref) -> None:
    """Issue 14: money held as text sorted £99,002 above £812,709 and clipped £1,421,656.85. Every money
    column of every table on the page is numeric, so the grid sorts it by value."""
    at = open_page()
    money = [(d.value, c) for d in at.dataframe for c in d.value.columns if str(c).endswith("(£)")]
    assert len(money) >= 10
    for frame, col in money:
        assert frame[col].dtype.kind == "f", (col, frame[col].dtype)
        values = frame[col].dropna()
        ordered = values.sort_values()
        assert list(ordered) == sorted(values), col  # numeric order, not text order
    lines = next(d.value for d in at.dataframe if "Cost line" in d.value.columns and "Comment" in d.value.columns)
    big, small = lines["Budget (£)"].max(), lines["Budget (£)"].min()
    assert lines.sort_values("Budget (£)", ascending=False)["Budget (£)"].iloc[0] == big > 99_999 > small
    # text sorting would put "£99,…" above "£812,…": numbers do not
    assert sorted(["£99,002.00", "£812,709.00"], reverse=True)[0] == "£99,002.00"
    assert sorted([99_002.0, 812_709.0], reverse=True)[0] == 812_709.0


def test_the_money_switch_shows_thousands_in_tiles_and_tables(app_env, ref) -> None:
    page = BudgetPage()
    at = page.at
    at.segmented_control(key="budget_unit").set_value(MoneyUnit.THOUSANDS)
    page.run()
    assert metrics(at) == expected(app_env, ref, YEAR, unit=MoneyUnit.THOUSANDS)
    assert all(v.startswith(("£", "(£")) and v.endswith(("k", "k)")) for v in metrics(at).values())
    table = at.dataframe[0].value
    con = warehouse.connect_read(app_env)
    try:
        mon = monitor(con, ref, YEAR)
    finally:
        con.close()
    raa = table[table["Council"] == "RAA"].iloc[-1]
    assert raa["Budget (£'000)"] == float(mon.total(None, None)["budget"]) / 1000
