"""The CLI creates accounts and devices in the identity database, pairs screens, and revokes devices."""

import re

from sqlmodel import Session, select
from typer.testing import CliRunner

from services.cli import app
from services.common.identity.models import Account, Device


def test_account_and_device_lifecycle(identity_db, monkeypatch):
    monkeypatch.setenv("AICITY_IDENTITY_DATABASE_URL", identity_db.url)
    runner = CliRunner()
    r = runner.invoke(app, ["account", "create", "kim", "--role", "nurse", "--district", "Buk-gu",
                            "--password", "nurse-pass-1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["device", "create", "kiosk-9", "--kind", "health_kiosk", "--place", "C009"])
    assert r.exit_code == 0, r.output
    device_id = re.search(r"device (\w+) ", r.output).group(1)
    assert "aicd_" in r.output
    r = runner.invoke(app, ["device", "pair", device_id])  # a one-time code for the screen, no key printed
    assert r.exit_code == 0, r.output
    assert re.search(r": [A-Z0-9]{4}-[A-Z0-9]{4}$", r.output.strip()) and "aicd_" not in r.output
    r = runner.invoke(app, ["device", "revoke", device_id])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["device", "pair", device_id]).exit_code != 0  # a revoked device is not paired
    with Session(identity_db.engine) as session:
        assert session.exec(select(Account).where(Account.username == "kim")).one().district == "Buk-gu"
        assert session.get(Device, device_id).revoked_at is not None
    r = runner.invoke(app, ["account", "create", "kim2", "--role", "centre_staff", "--password", "pass-pass-1"])
    assert r.exit_code != 0
