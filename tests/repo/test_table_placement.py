"""Every data grid of every page is placed by `raa_app.tables` (`show_table` for a table spec, `show_frame` for any
other frame), which pins the columns naming a row so a table wider than the page at 1366 px scrolls sideways to its
last columns: no page or other app module calls `st.dataframe` itself."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GRID_CALLS = re.compile(r"\.(dataframe|data_editor)\(")


def test_only_the_tables_module_places_data_grids() -> None:
    sources = [*REPO.glob("pages/*.py"), *REPO.glob("raa_app/*.py"), REPO / "app.py"]
    found = {str(p.relative_to(REPO)): GRID_CALLS.findall(p.read_text("utf-8")) for p in sources}
    assert found.pop("raa_app/tables.py") == ["dataframe", "dataframe"]
    assert not {k: v for k, v in found.items() if v}
