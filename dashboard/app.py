"""The city officials' dashboard: entry point (st.navigation over app_pages/)."""

import streamlit as st

st.set_page_config(page_title="aicity", layout="wide")
st.title("aicity")
st.write("The dashboard is being built.")
