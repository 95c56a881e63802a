"""Production refuses weak secrets (not only the published defaults), empty ones, and any demo seeding; each
refusal names the setting and how to make a good one."""

import secrets

import pytest
from typer.testing import CliRunner

from services.cli import app as cli
from services.common.settings import DEV_AUTH_SECRET, ServiceSettings, secret_weakness
from services.suite import SERVICES

GOOD = secrets.token_urlsafe(48)
WEAK = ["changeme", "x", "x" * 40, "ab" * 30, "password1234567890password1234567890", "0123456789" * 4,
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbcccccccc", DEV_AUTH_SECRET]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_signing_secrets_are_refused_in_production(weak, monkeypatch):
    monkeypatch.setenv("AICITY_ENV", "production")
    monkeypatch.setenv("AICITY_AUTH_SECRET", weak)
    for entry in SERVICES.values():
        with pytest.raises(RuntimeError) as refused:
            entry.create_app(entry.settings())
        message = str(refused.value)
        assert "AICITY_AUTH_SECRET" in message and "secrets.token_urlsafe(48)" in message
        assert weak not in message or weak == "x"  # the refusal never echoes the secret


def test_an_empty_secret_is_refused_everywhere_even_in_dev(monkeypatch):
    for env in ("dev", "production"):
        monkeypatch.setenv("AICITY_ENV", env)
        monkeypatch.setenv("AICITY_AUTH_SECRET", "")
        with pytest.raises(RuntimeError, match="AICITY_AUTH_SECRET is empty.*token_urlsafe"):
            SERVICES["industry"].create_app(SERVICES["industry"].settings())


def test_a_random_secret_passes_and_the_measure_is_what_we_say():
    assert secret_weakness(GOOD) is None
    assert secret_weakness(secrets.token_hex(32)) is None  # hex: 4 bits per character, 64 characters
    assert "too short" in secret_weakness(secrets.token_urlsafe(16))
    assert "predictable" in secret_weakness("x" * 40)
    settings = ServiceSettings(env="production", auth_secret=GOOD)
    assert settings.weak_secrets() == []
    settings.check_secrets()


def test_the_worker_refuses_too(monkeypatch):
    monkeypatch.setenv("AICITY_ENV", "production")
    monkeypatch.setenv("AICITY_AUTH_SECRET", "changeme")
    r = CliRunner().invoke(cli, ["worker"])
    assert r.exit_code != 0 and "AICITY_AUTH_SECRET" in str(r.exception)


@pytest.mark.parametrize("command", [["seed"], ["seed", "--force"]])
def test_demo_seeding_is_refused_in_production(command, monkeypatch, tmp_path, identity_db):
    import tools.demo as demo

    monkeypatch.setenv("AICITY_ENV", "production")
    monkeypatch.setenv("AICITY_AUTH_SECRET", GOOD)
    monkeypatch.setenv("AICITY_IDENTITY_DATABASE_URL", identity_db.url)
    credentials = tmp_path / "demo-credentials.json"
    monkeypatch.setattr(demo, "CREDENTIALS_FILE", credentials)
    r = CliRunner().invoke(cli, command)
    assert r.exit_code == 2, r.output
    assert "refusing demo seeding outside dev mode" in r.output and "aicity account" in r.output
    assert not credentials.exists()
    from sqlalchemy import func, select

    from services.identity.accounts.models import Account

    with identity_db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Account)).scalar_one() == 0
    # the file written by an earlier dev run is not read back either
    credentials.write_text('{"accounts": {"admin": {"password": "admin-demo-pass", "role": "admin"}}}')
    r = CliRunner().invoke(cli, ["seed"])
    assert r.exit_code == 2 and "admin-demo-pass" not in r.output
