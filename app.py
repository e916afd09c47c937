"""Bexley, Kent & Medway RAA dashboard: `streamlit run app.py`."""

import streamlit as st

from pages import shell

st.set_page_config(page_title="BKM Regional Adoption Agency", page_icon=":material/family_restroom:", layout="wide")

shell.ensure_warehouse()
shell.sidebar()

st.navigation(
    {
        "": [st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True)],
        "Performance": [
            st.Page("pages/regional_performance.py", title="Regional performance", icon=":material/monitoring:"),
            st.Page("pages/local_performance.py", title="Local performance", icon=":material/location_on:"),
        ],
        "Finance": [st.Page("pages/budget.py", title="Pooled budget", icon=":material/account_balance:")],
        "Data": [st.Page("pages/data_drops.py", title="Data drops", icon=":material/upload_file:")],
    }
).run()
