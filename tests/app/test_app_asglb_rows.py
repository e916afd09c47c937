"""AppTest: the adopter and context indicators on the performance pages equal raa_core's, and the ASGLB
row-level template is offered only to people with child-level rights over every council."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from appkit import LOCAL, REGIONAL, connect, open_page
from conftest import signed_in
from factories import req, snap
from raa_core import suppression
from raa_core.performance import recruitment

ROWS = "Download the row-level template (Excel, personal data)"


def _labels(at: Any) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_regional_page_shows_the_adopter_and_context_indicators_as_raa_core(app_env: Path, ref: Any) -> None:
    at = open_page(REGIONAL, year="2025-26")
    table = next(d.value for d in at.dataframe if "Indicator" in d.value.columns)
    con = connect(app_env)
    try:
        extra = recruitment.extra_indicators(snap(con, ref=ref), req("2025-26"))
    finally:
        con.close()
    want = recruitment.extra_table(suppression.as_text(extra), {str(c.la_code): c.short_name for c in ref.councils})
    assert list(table["Indicator"]) == [recruitment.EXTRA_LABELS[i] for i in recruitment.EXTRA_INDICATORS]
    assert [list(map(str, r)) for r in table.to_numpy()] == [list(map(str, r)) for r in want.to_numpy()]
    assert "A16: new placement orders granted" in " ".join(m.value for m in at.markdown)


def _asglb_panel(role: str, la_code: int | None) -> Any:
    from streamlit.testing.v1 import AppTest

    from conftest import APP

    at = signed_in(AppTest.from_file(APP, default_timeout=90), role, la_code)
    at.run()
    at.switch_page(LOCAL)
    at.run()
    at.toggle(key="local_asglb_show").set_value(True).run()
    assert not at.exception, at.exception
    return at


def test_the_row_level_template_is_for_people_with_child_level_rights_only(app_env: Path) -> None:
    at = open_page(REGIONAL)
    at.toggle(key="regional_asglb_show").set_value(True).run()
    assert not at.exception, at.exception
    assert ROWS in _labels(at)  # the Head of Service: every council
    assert ROWS in _labels(_asglb_panel("council_analyst", 886))  # Kent's analyst: Kent's rows
    finance = _asglb_panel("finance", None)  # aggregates only
    assert "Download the ASGLB return (Excel)" in _labels(finance) and ROWS not in _labels(finance)
    assert any("for people with child-level rights" in c.value for c in finance.caption)
