"""Bexley, Kent & Medway RAA dashboard: `streamlit run app.py`."""

import streamlit as st

from pages import shell

shell.page_guard()
st.set_page_config(page_title="BKM Regional Adoption Agency", page_icon=":material/family_restroom:", layout="wide")
shell.print_styles()

shell.ensure_warehouse()
shell.sidebar()
visible = set(shell.visible_pages())

PAGES = {
    "": [("overview", st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True))],
    "Performance": [
        ("regional_performance",
         st.Page("pages/regional_performance.py", title="Regional performance", icon=":material/monitoring:")),
        ("local_performance",
         st.Page("pages/local_performance.py", title="Local performance", icon=":material/location_on:")),
    ],
    "Finance": [("budget", st.Page("pages/budget.py", title="Pooled budget", icon=":material/account_balance:"))],
    "Board": [("board_pack", st.Page("pages/board_pack.py", title="Board pack", icon=":material/picture_as_pdf:"))],
    "Data": [("data_drops", st.Page("pages/data_drops.py", title="Data drops", icon=":material/upload_file:"))],
}
navigation = {group: [page for key, page in pages if key in visible] for group, pages in PAGES.items()}
st.navigation({group: pages for group, pages in navigation.items() if pages}).run()
