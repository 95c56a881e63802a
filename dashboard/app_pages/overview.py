"""Overview: every service's headline figures with their trend, and what needs attention, refreshed live."""

import streamlit as st

from dashboard import api, views
from dashboard.widgets import attention, fetch, figures, lang, page_title, prefetch, problem, t

page_title("app_title", level="title")


@st.fragment(run_every=api.LIVE_TTL_S)
def live_overview() -> None:
    st.caption(t("live", s=api.LIVE_TTL_S))
    overviews = []
    prefetch(*[(service, "/v1/overview") for service in api.SERVICES])  # the four at once
    replies = {service: fetch(service, "/v1/overview") for service in api.SERVICES}
    st.subheader(t("attention"))
    attention_box = st.container()
    st.subheader(t("headline"))
    for service, reply in replies.items():
        with st.container(border=True):
            st.markdown(f"**{views.service_name(service, lang())}**")
            if problem(reply):
                continue
            overviews.append(reply.data)
            figures(reply.data)
    with attention_box:
        attention(overviews)


live_overview()
