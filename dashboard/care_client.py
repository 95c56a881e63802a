"""Uncached calls to the health hubs service for the staff and nurse workspace: what they act on must be
fresh (a new crisis alert within seconds), and their changes are POST/PATCH with a JSON body."""

from __future__ import annotations

import httpx
import streamlit as st

from dashboard import api

SERVICE = "health_hubs"


def token() -> str | None:
    session = st.session_state.get("session")
    return session.token if session else None


def call(method: str, path: str, *, json: dict | None = None, params: dict | None = None,
         purpose: str | None = None) -> tuple[int, object]:
    """(status code, body); 0 when the service does not answer."""
    headers = {"Authorization": f"Bearer {token()}"}
    if purpose:
        headers["X-Purpose"] = purpose
    try:
        response = api.client().request(method, api.base_url(SERVICE) + path, headers=headers, json=json,
                                        params=params)
    except httpx.HTTPError:
        return 0, None
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body


def error_text(status: int, body: object, lang: str) -> str:
    code = body.get("error") if isinstance(body, dict) else ""
    if status == 0:
        return "건강 허브 서비스가 응답하지 않아요." if lang == "ko" else "The health hubs service is not answering."
    return (f"처리하지 못했어요 ({status} {code})." if lang == "ko" else f"Could not do that ({status} {code}).")
