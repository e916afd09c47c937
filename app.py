"""Bexley, Kent & Medway RAA dashboard: `streamlit run app.py`."""

import streamlit as st

from raa_app import shell

st.set_page_config(page_title="BKM Regional Adoption Agency", page_icon=":material/family_restroom:", layout="wide")

shell.ensure_warehouse()
viewer = shell.signed_in()
if viewer is not None:
    shell.sidebar()
visible = set(shell.visible_pages()) if viewer is not None else set()

PAGES = {  # group: [(key in roles.csv, title, icon)]; the script is pages/<key>.py
    "": [("overview", "Overview", ":material/home:")],
    "Performance": [("regional_performance", "Regional performance", ":material/monitoring:"),
                    ("local_performance", "Local performance", ":material/location_on:")],
    "Finance": [("budget", "Pooled budget", ":material/account_balance:")],
    "Data": [("data_drops", "Data drops", ":material/upload_file:")],
    "Administration": [("audit", "Audit", ":material/policy:")],
}
# Every page is registered and checks the viewer itself (shell.page_viewer, the first line of each page
# script): a person not signed in gets the sign-in screen at any URL, and a page opened by its URL without
# the right refuses. The menu lists only the viewer's own pages, and nothing before sign-in.
navigation = {
    group: [st.Page(f"pages/{key}.py", title=title, icon=icon, default=key == "overview",
                    visibility="visible" if key in visible else "hidden") for key, title, icon in pages]
    for group, pages in PAGES.items()
}
st.navigation(navigation, position="sidebar" if viewer is not None else "hidden").run()
