"""A grid's long text cells (comments, messages) are readable in full (`raa_app.tables.show_frame`): the column
is wide, and the rows holding long text are repeated under the grid in a table that wraps, people's text
escaped so it stays text; a grid without long text is left as it was."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from raa_core.presentation import display

LONG = ("The drop of 25 September 2026 from Kent has **far fewer** values in placement_date than the drop "
        "before it [see](http://example.org) <b>check</b> the extract before the month-end run")


def _page(rows: list[dict[str, str]], key_columns: int = 1, full_text: bool = True) -> AppTest:
    def script(rows: list[dict[str, str]], key_columns: int, full_text: bool) -> None:
        import pandas as pd

        from raa_app import tables

        tables.show_frame(pd.DataFrame(rows), key_columns=key_columns, full_text=full_text)

    at = AppTest.from_function(script, kwargs={"rows": rows, "key_columns": key_columns, "full_text": full_text},
                               default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_long_text_column_is_wide_and_its_rows_are_shown_in_full_as_text() -> None:
    rows = [{"Council": "Kent", "Rule": "fill_fall", "Message": LONG},
            {"Council": "Medway", "Rule": "ok", "Message": "short"},
            {"Council": "Bexley", "Rule": "note", "Message": LONG + " again"}]
    at = _page(rows)
    grid = json.loads(at.dataframe[0].proto.columns)
    assert grid["Message"]["width"] == "large" and grid["Council"]["pinned"] is True
    assert "width" not in grid.get("Rule", {})  # a short text column keeps its width
    [full] = [e for e in at.expander if e.label.startswith(display.LONG_TEXT_LABEL)]
    table = full.table[0].value
    assert list(table.columns) == ["Council", "Message"]
    assert list(table["Council"]) == ["Kent", "Bexley"]  # only the rows with long text, named by their key
    assert list(table["Message"]) == [display.md_escape(LONG), display.md_escape(LONG + " again")]


def test_a_long_key_column_is_wide_and_pinned() -> None:
    at = _page([{"Comment": LONG, "By": "hos.test"}])
    grid = json.loads(at.dataframe[0].proto.columns)
    assert grid["Comment"]["width"] == "large" and grid["Comment"]["pinned"] is True
    [full] = [e for e in at.expander if e.label.startswith(display.LONG_TEXT_LABEL)]
    assert list(full.table[0].value.columns) == ["Comment"]


def test_a_grid_without_long_text_has_no_full_text_table() -> None:
    at = _page([{"Council": "Kent", "Message": "short"}])
    assert not [e for e in at.expander if e.label.startswith(display.LONG_TEXT_LABEL)]
    assert "width" not in json.loads(at.dataframe[0].proto.columns).get("Message", {})


def test_a_page_showing_the_text_whole_already_asks_for_no_repeat() -> None:
    at = _page([{"Council": "Kent", "Message": LONG}], full_text=False)
    assert json.loads(at.dataframe[0].proto.columns)["Message"]["width"] == "large"
    assert not [e for e in at.expander if e.label.startswith(display.LONG_TEXT_LABEL)]


def test_long_text_rows_are_capped_and_say_so() -> None:
    rows = [{"Event": f"e{i}", "Detail": LONG} for i in range(display.LONG_TEXT_ROWS + 5)]
    at = _page(rows)
    [full] = [e for e in at.expander if e.label.startswith(display.LONG_TEXT_LABEL)]
    assert len(full.table[0].value) == display.LONG_TEXT_ROWS
    assert any(f"first {display.LONG_TEXT_ROWS} of {display.LONG_TEXT_ROWS + 5}" in c.value for c in full.caption)
