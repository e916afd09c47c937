"""Streamlit's legacy `pages/` folder mode is switched off in one place (`raa_app.legacy_pages`).

These tests pin the Streamlit internals that place relies on, so a Streamlit upgrade that changes them fails
here (the browser test `test_browser_app.py::test_first_request_on_a_fresh_server_lands_in_the_navigation`
checks the whole effect on a real server)."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from conftest import APP, REPO
from raa_app import legacy_pages

_STREAMLIT_INIT = PagesManager.__init__  # Streamlit's own, before conftest's AppTest shortcut patches it


@pytest.fixture
def flag():
    saved = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = saved


def test_the_flag_is_a_class_attribute_set_once_from_the_pages_folder(flag, tmp_path: Path) -> None:
    """A fresh process: the first PagesManager sets the class flag when a `pages/` folder sits beside the
    main script, and leaves it alone once set."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True
    PagesManager.uses_pages_directory = False
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False


def test_the_script_runner_serves_the_pages_folder_only_while_the_flag_is_set() -> None:
    from streamlit.commands import navigation
    from streamlit.runtime.scriptrunner import script_runner

    source = inspect.getsource(script_runner.ScriptRunner)
    assert re.search(r"if PagesManager\.uses_pages_directory:\s*\n\s*_mpa_v1\(self\._main_script_path\)\s*\n\s*else:"
                     r"\s*\n\s*exec\(code, module\.__dict__\)", source), "ScriptRunner no longer switches on the flag"
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation)


def test_leave_clears_the_flag_and_is_a_no_op_afterwards(flag) -> None:
    PagesManager.uses_pages_directory = True
    assert legacy_pages.in_legacy_mode()
    legacy_pages.leave()  # outside a script run: no rerun to ask for
    assert PagesManager.uses_pages_directory is False and not legacy_pages.in_legacy_mode()
    legacy_pages.leave()
    assert PagesManager.uses_pages_directory is False


def test_every_page_and_app_import_raa_app_first() -> None:
    """The switch runs on the first import of raa_app, so it must be the first import of every script."""
    for script in [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]:
        first = next(line for line in script.read_text().splitlines()
                     if line.startswith(("import ", "from ")) and "streamlit" not in line
                     and not line.startswith(("import datetime", "import os", "from __future__", "from decimal",
                                              "from typing", "from pathlib", "import pandas", "from collections")))
        assert first.startswith("from raa_app import"), (script.name, first)


def test_pages_folder_holds_only_the_pages_app_py_declares() -> None:
    from raa_app.navigation import PAGES  # what app.py registers

    declared = {script for _, script, _, _ in PAGES}
    held = {f"pages/{p.name}" for p in (REPO / "pages").glob("*")}
    assert held == declared


def test_a_fresh_process_first_run_of_a_page_url_goes_through_app_py(flag, monkeypatch, app_env) -> None:
    """AppTest's first run starts like a fresh server: the flag is set because `pages/` exists. Re-importing
    raa_app (as a new process would) turns it off and reruns; app.py's navigation then serves the page."""
    at = AppTest.from_file(APP, default_timeout=60)  # (signed in by app_env: that imports raa_app.gate)
    monkeypatch.delitem(sys.modules, "raa_app")
    seen: list[bool | None] = []

    def init(self, *args, **kwargs) -> None:
        PagesManager.uses_pages_directory = None  # AppTest does this before each run; Streamlit decides anew
        _STREAMLIT_INIT(self, *args, **kwargs)
        seen.append(PagesManager.uses_pages_directory)

    monkeypatch.setattr(PagesManager, "__init__", init)
    at.switch_page("pages/data_drops.py")  # the first request is a page's URL
    at.run()
    assert not at.exception, at.exception
    assert seen == [True]  # the run started in legacy mode...
    assert PagesManager.uses_pages_directory is False  # ...and left it
    assert [t.value for t in at.title] == ["Data drops"]
    assert [s.label for s in at.sidebar.selectbox] == ["Council", "Financial year"]  # app.py's sidebar



def test_before_serving_lets_the_first_script_run_import_raa_app_afresh(flag, monkeypatch) -> None:
    """`streamlit run app.py` imports app.py (its st.App) before any session, importing raa_app: forgetting that
    import makes the first script run's import of raa_app run `leave()` again."""
    for name in [m for m in sys.modules if m == "raa_app" or m.startswith("raa_app.")]:
        monkeypatch.setitem(sys.modules, name, sys.modules[name])  # restored after the test
    legacy_pages.before_serving()
    assert "raa_app" not in sys.modules and "raa_app.legacy_pages" not in sys.modules
    PagesManager.uses_pages_directory = True  # the first session of a server with a pages/ folder
    import raa_app  # noqa: F401  (the first script run's first import)

    assert PagesManager.uses_pages_directory is False
