"""The RAA dashboard (the agency and its councils come from data/reference): `streamlit run app.py`."""

import streamlit as st

from raa_app import shell

st.set_page_config(page_title=shell.reference().settings.raa_name, page_icon=":material/family_restroom:",
                   layout="wide")

PAGES = {
    "": [("overview", st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True))],
    "Performance": [
        ("regional_performance",
         st.Page("pages/regional_performance.py", title="Regional performance", icon=":material/monitoring:")),
        ("local_performance",
         st.Page("pages/local_performance.py", title="Local performance", icon=":material/location_on:")),
    ],
    "Finance": [("budget", st.Page("pages/budget.py", title="Pooled budget", icon=":material/account_balance:"))],
    "Data": [("data_drops", st.Page("pages/data_drops.py", title="Data drops", icon=":material/upload_file:"))],
}

with shell.profiled() as run:
    shell.ensure_warehouse()
    shell.sidebar()  # builds this run's requests (shell.run()) before the page runs
    visible = set(shell.visible_pages())
    navigation = {group: [page for key, page in pages if key in visible] for group, pages in PAGES.items()}
    page = st.navigation({group: pages for group, pages in navigation.items() if pages})
    run.page = page.title
    page.run()
