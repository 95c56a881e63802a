"""The floor of the dashboard render benchmark: a Streamlit app with nothing of ours, two pages in the sidebar
(st.navigation, as the dashboard has), each a header and a line of text. Clicking from one to the other is the
least any dashboard page can take on this machine, browser included."""

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")


def first() -> None:
    st.header("first page")
    st.write("nothing else")


def second() -> None:
    st.header("second page")
    st.write("nothing else")


st.navigation([st.Page(first, title="first page", url_path="first", default=True),
               st.Page(second, title="second page", url_path="second")]).run()
