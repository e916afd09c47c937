"""Switch off Streamlit's legacy `pages/` folder mode, in one place.

Streamlit decides once per server process, when the first browser session starts, whether the app uses
the legacy multipage mode: `PagesManager.uses_pages_directory` (a class attribute, initially None) is set to
"a `pages/` folder exists beside the main script". While it is true the script runner does not run app.py:
`ScriptRunner._run_script` calls `_mpa_v1`, which serves every file in `pages/` as a page of a generated
navigation. So a fresh server's first request runs a page alone (no shared sidebar, every file listed),
or app.py nested inside that generated navigation; `st.navigation` resets the flag only once app.py runs.

Our product keeps the agreed `pages/` folder and declares its pages with `st.navigation` in app.py. The
first of our code to run in that first script run is the import of `raa_app` (app.py and every page
import it first), so `leave()` runs on that import: it clears the flag and reruns, before any widget
exists; the rerun executes app.py, whose `st.navigation` serves the requested URL (an unknown one, such
as an old helper module's name, lands on the default page). Later runs find the flag already False.

`tests/app/test_raa_app_legacy_pages.py` checks the Streamlit internals relied on, so an upgrade that changes
them fails a test rather than the first visitor's page.
"""

from __future__ import annotations


def in_legacy_mode() -> bool:
    """True while Streamlit would serve the `pages/` folder itself (the first run of a fresh server)."""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def leave() -> None:
    """Turn the legacy mode off; inside a script run, rerun so app.py's navigation serves the request."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    if get_script_run_ctx(suppress_warning=True) is not None:
        import streamlit as st

        st.rerun()



def before_serving() -> None:
    """Forget raa_app's import made while `streamlit run` imports app.py to serve it (its `st.App`), outside any
    script run: the server's first script run then imports raa_app afresh, so `leave()` runs there, in that run,
    exactly as under a server started without an `st.App`."""
    import sys

    for name in [m for m in sys.modules if m == "raa_app" or m.startswith("raa_app.")]:
        del sys.modules[name]
