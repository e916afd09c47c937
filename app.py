"""Bexley, Kent & Medway RAA dashboard: `streamlit run app.py`."""

import streamlit as st

from pages import shell

st.set_page_config(page_title="BKM Regional Adoption Agency", page_icon="🏠", layout="wide")

shell.ensure_warehouse()
shell.sidebar()

st.navigation(
    {
        "": [st.Page("pages/overview.py", title="Overview", icon="🏠", default=True)],
        "Performance": [
            st.Page("pages/regional_performance.py", title="Regional performance", icon="📈"),
            st.Page("pages/local_performance.py", title="Local performance", icon="📍"),
        ],
        "Finance": [st.Page("pages/budget.py", title="Pooled budget", icon="💷")],
        "Data": [st.Page("pages/data_drops.py", title="Data drops", icon="📥")],
    }
).run()
