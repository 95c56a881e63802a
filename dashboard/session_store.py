"""The dashboard session kept across a reload or a direct link, for every role: the service-signed bearer token
in a first-party cookie (SameSite=Strict, Secure on https, expiring with the token), never in the URL. On a new
browser session the token is checked with `GET /v1/auth/me` before it is trusted; sign-out removes the cookie."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import streamlit as st
import streamlit.components.v1 as components

from dashboard import api

COOKIE = "aicity_session"


def _expires(token: str) -> datetime | None:
    """The token's own expiry (display and cookie lifetime only; the services verify the signature)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, KeyError, ValueError, TypeError):
        return None


def restore() -> api.Session | None:
    """The session of the cookie this browser sent, if a service still accepts its token."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no browser context (AppTest)
        return None
    if not token or token == st.session_state.get("signed_out_token"):
        return None
    expires = _expires(token)
    if expires is not None and expires <= datetime.now(UTC):
        return None
    for service in api.SERVICES:
        raw = api._request("GET", api.base_url(service) + "/v1/auth/me", token=token)
        if raw["status"] == "down":
            continue
        if raw["status"] != "ok" or raw["data"].get("kind") != "user":
            return None
        me = raw["data"]
        return api.Session(token=token, role=me.get("role") or "", username=me.get("username") or "",
                           expires_at=expires.isoformat() if expires else "")
    return None


def _script(value: str, max_age_s: int) -> str:
    return ("<script>(function(){var d=window.parent.document;var secure=window.parent.location.protocol==="
            "'https:'?'; Secure':'';d.cookie='" + COOKIE + "=" + value + "; Path=/; Max-Age=" + str(max_age_s) +
            "; SameSite=Strict'+secure;})();</script>")


def keep(session: api.Session) -> None:
    """Writes the cookie once per sign-in (a zero-height component)."""
    if st.session_state.get("cookie_written") == session.token:
        return
    expires = _expires(session.token)
    max_age = int((expires - datetime.now(UTC)).total_seconds()) if expires else 8 * 3600
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_." for c in session.token):
        return  # not a JWT: never write what could break out of the script
    components.html(_script(session.token, max(0, max_age)), height=0)
    st.session_state["cookie_written"] = session.token


def forget() -> None:
    """Called on sign-out, before the rerun: this session will not restore the token, and the next page render
    clears the cookie in the browser."""
    session = st.session_state.pop("session", None)
    if session is not None:
        st.session_state["signed_out_token"] = session.token
    st.session_state["clear_cookie"] = True
    st.session_state.pop("cookie_written", None)


def clear_if_asked() -> None:
    if st.session_state.pop("clear_cookie", False):
        components.html(_script("", 0), height=0)
