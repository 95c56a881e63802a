"""The session cookie: its lifetime comes from the token, and only a token-shaped value is ever written."""

import base64
import json
from datetime import UTC, datetime

from dashboard import session_store


def token_with(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.c2lnbmF0dXJl"


def test_expiry_is_read_from_the_token_and_junk_has_none():
    assert session_store._expires(token_with({"exp": 1_800_000_000})) == datetime.fromtimestamp(1_800_000_000, UTC)
    assert session_store._expires("not-a-token") is None
    assert session_store._expires(token_with({"sub": "x"})) is None


def test_cookie_script_is_strict_first_party_and_never_in_the_url():
    script = session_store._script("abc.def.ghi", 3600)
    assert "aicity_session=abc.def.ghi; Path=/; Max-Age=3600; SameSite=Strict" in script
    assert "location.search" not in script and "?" not in script.replace("?'; Secure':''", "")
    assert "Max-Age=0" in session_store._script("", 0)
