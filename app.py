"""The RAA dashboard (the agency and its councils come from data/reference): `streamlit run app.py`."""

import streamlit as st

from raa_app import errors, gate, shell
from raa_app.navigation import PAGES

if __name__ != "__main__":
    # `streamlit run app.py` imports this file to serve it: Streamlit's server runs this same file as the page
    # script (as __main__) and adds the service's own routes (raa_app/server.py: /healthz). AppTest runs the
    # page script only.
    from raa_app import legacy_pages, server

    app = st.App(__file__, routes=server.routes(), middleware=server.middleware())
    legacy_pages.before_serving()  # the first script run imports raa_app afresh (see raa_app.legacy_pages)

if __name__ == "__main__":  # the page script, run once per click
    st.set_page_config(page_title=shell.reference().settings.raa_name, page_icon="👪",
                       layout="wide")
    with shell.profiled() as run:
        shell.ensure_warehouse()
        shell.pin_snapshot()  # every figure of this run is read from one warehouse version
        viewer = shell.signed_in()
        if viewer is not None:
            shell.sidebar()  # builds this run's requests (shell.run()) before the page runs
            shell.print_styles()
        visible = set(shell.visible_pages()) if viewer is not None else set()
        # Every page is registered and checks the viewer itself (shell.page_viewer, the first line of each page
        # script): a person not signed in gets the sign-in screen at any URL, and a page opened by its URL without
        # the right refuses. The menu lists only the viewer's own pages, and nothing before sign-in.
        navigation = [st.Page(script, title=title, icon=icon, default=key == "overview",
                              visibility="visible" if key in visible else "hidden") for key, script, title, icon in PAGES]
        page = st.navigation(navigation, position="sidebar" if viewer is not None else "hidden")
        if viewer is not None:  # the statement's link at the foot of every page's sidebar (a link needs the pages)
            with st.sidebar:
                gate.accessibility_link()
        run.page = page.title
        with errors.shown_on_page():  # an error of a family a page did not catch is its message, not a traceback
            page.run()
