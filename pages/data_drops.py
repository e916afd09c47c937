import streamlit as st

st.title("Coming in this release")
