"""Streamlit pieces every page shares: the session, fetching with the official's token, problems said plainly,
headline figures with their as-of time, maps without tiles."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import api, views
from services.common.i18n import pairs as catalogue_pairs


def lang() -> str:
    return st.session_state.get("lang", "ko")


def t(key: str, **fmt) -> str:
    return views.t(key, lang(), **fmt)


def words(catalogue: str) -> Callable[..., str]:
    """A page's own words in the reader's language: `w = words("dashboard_partner")`, then `w("title")`
    (services/common/i18n/<catalogue>.json)."""
    t_of = views.wording(catalogue_pairs(catalogue))
    return lambda key, **fmt: t_of(key, lang(), **fmt)


def token() -> str | None:
    session = st.session_state.get("session")
    return session.token if session else None


def fetch(service: str, path: str | list[str], params: dict | None = None, live: bool = True) -> api.Reply:
    paths = [path] if isinstance(path, str) else path
    return api.first_ok(service, paths, token=token(), params=params, live=live)


def prefetch(*calls: tuple) -> None:
    """Warms the cache with these calls at once: (service, path) or (service, path, params) or (service, path,
    params, live), written exactly as the page's `fetch` after it writes them."""
    api.prefetch([(c[0], c[1], c[2] if len(c) > 2 else None, c[3] if len(c) > 3 else True) for c in calls],
                 token=token())


def problem(reply: api.Reply, *, quiet_missing: bool = False) -> bool:
    """Says plainly why a reply has nothing to show; True when there is nothing to show."""
    if reply.ok:
        return False
    name = views.service_name(reply.service, lang())
    if reply.status == "down":
        st.error(t("service_down", service=name), icon=":material/cloud_off:")
    elif reply.status == "forbidden":
        st.warning(t("forbidden", service=name), icon=":material/lock:")
    elif reply.status == "unauthorized":
        st.warning(t("unauthorized"), icon=":material/key_off:")
    elif reply.status == "missing":
        if not quiet_missing:
            st.info(t("no_data"), icon=":material/hourglass_empty:")
    else:
        st.warning(t("service_error", service=name, detail=reply.detail), icon=":material/error:")
    return True


def no_data() -> None:
    st.info(t("no_data"), icon=":material/hourglass_empty:")


def as_of(when) -> None:
    st.caption(views.format_as_of(when, lang()))


def figures(overview: dict, *, per_row: int = 4) -> None:
    """The service's headline figures as metrics with their trend, and their as-of time."""
    items = overview.get("figures") or []
    if not items:
        no_data()
    compared = False  # what the deltas compare with is said once, under the figures: beside each it overflowed
    for start in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, figure in zip(columns, items[start:start + per_row], strict=False):
            shown = views.figure_view(figure, lang())
            compared = compared or bool(shown["delta"])
            column.metric(shown["label"], shown["value"], shown["delta"],
                          delta_color=views.delta_colour(figure, shown["delta"]),
                          delta_arrow="off" if shown["delta"] in (None, "±0") else "auto",
                          help=t("suppressed_note") if shown["suppressed"] else None)
    when = views.format_as_of(overview.get("as_of"), lang())
    st.caption(f"{when} · {t('vs_previous')}" if compared else when)


def attention(overviews: list[dict]) -> None:
    rows = views.attention_rows(overviews, lang())
    if not rows:
        st.success(t("nothing_attention"), icon=":material/check_circle:")
        return
    for row in rows:
        icon = {"critical": ":material/emergency:", "warning": ":material/warning:"}.get(row["severity"],
                                                                                        ":material/info:")
        text = f"**{row['count']:,}** · {row['label']} — {row['service']} ({row['severity_label']})"
        (st.error if row["severity"] == "critical" else st.warning if row["severity"] == "warning" else st.info)(
            text, icon=icon)


def service_overview(service: str) -> dict | None:
    """The service's own `GET /v1/overview` as the top of its page; None when there is nothing."""
    reply = fetch(service, "/v1/overview")
    if problem(reply):
        return None
    figures(reply.data)
    attention([reply.data])
    return reply.data


def live_overview(service: str, *, scope: str | None = None, include: bool = True) -> None:
    """The top of a service's page: its `GET /v1/overview` (or the figures under `scope`, with or without
    that prefix), refreshed every `api.LIVE_TTL_S` without rerunning the rest of the page."""

    @st.fragment(run_every=api.LIVE_TTL_S)
    def live() -> None:
        st.caption(t("live", s=api.LIVE_TTL_S))
        if scope is None:
            service_overview(service)
            return
        reply = fetch(service, "/v1/overview")
        if not problem(reply):
            part = views.scoped(reply.data, scope, include=include)
            figures(part)
            attention([part])

    live()


def map_chart(layers, df_for_view: pd.DataFrame, *, tooltip_html: str | None = None, key: str | None = None,
              legend: list[tuple[list[int], str]] | None = None) -> None:
    # Vega-Lite, not deck.gl: the same layers without compiling WebGL shaders on each visit (views.map_layers_chart)
    st.altair_chart(views.map_layers_chart(layers, tooltip_html), key=key, width="stretch")
    if legend:
        st.markdown(views.legend_html(legend), unsafe_allow_html=True)
    st.caption(t("map_note"))


def table(df: pd.DataFrame, **kwargs) -> None:
    st.dataframe(views.readable(views.blank_missing(views.show_suppressed(df, lang())), lang()), hide_index=True, width="stretch",
                 **kwargs)


# Korean keeps its words whole (a title never breaks "대시보|드"), and on a phone the headings shrink to fit.
KEEP_WORDS_CSS = """<style>
[data-testid='stMain'] h1, [data-testid='stMain'] h2, [data-testid='stMain'] h3,
[data-testid='stMetricLabel'], [data-testid='stMetricValue'], [data-testid='stCaptionContainer'],
[data-testid='stMarkdownContainer'] { word-break: keep-all; overflow-wrap: break-word; }
@media (max-width: 640px) {
  [data-testid='stMain'] h1 { font-size: 1.6rem; }
  [data-testid='stMain'] h2 { font-size: 1.35rem; }
}
</style>"""


def keep_words() -> None:
    st.markdown(KEEP_WORDS_CSS, unsafe_allow_html=True)


def page_title(key: str, *, level: str = "header") -> None:
    keep_words()
    (st.title if level == "title" else st.header)(t(key))


def filters_row(*specs: tuple[str, list[str]], date_range: bool = True, key: str = "") -> dict:
    """A row of filters: a date range and one select box per (label key, options); 'all' first."""
    import datetime as dt

    chosen: dict = {}
    columns = st.columns(len(specs) + (1 if date_range else 0))
    if date_range:
        today = views.city_today()
        chosen["dates"] = columns[0].date_input(t("date_range"), value=(today - dt.timedelta(days=30), today),
                                                key=f"{key}_dates")
    for column, (label_key, options) in zip(columns[1 if date_range else 0:], specs, strict=False):
        picked = column.selectbox(t(label_key), [t("all"), *options], key=f"{key}_{label_key}")
        chosen[label_key] = None if picked == t("all") else picked
    return chosen


def answered(reply: api.Reply, done: str, refused: str, *, key: str) -> None:
    """After an action: keeps what the service answered (`refused` formats `{d}` with its reason) and runs the page
    again at once, so every figure shows the change; `show_answer(key=...)` shows it at the top."""
    if reply.ok:
        st.session_state[key] = ("ok", done)
    else:
        detail = reply.data.get("detail") if isinstance(reply.data, dict) else reply.detail
        st.session_state[key] = ("error", refused.replace("{d}", f"{reply.detail} — {detail}"))
    st.rerun()


def show_answer(*, key: str) -> None:
    kind, text = st.session_state.pop(key, (None, None))
    if kind == "ok":
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/block:")
