"""The CLI creates accounts and devices in the identity database, pairs screens, and revokes devices."""

import json
import re

from sqlmodel import Session, select
from typer.testing import CliRunner

from services.cli import app
from services.identity.accounts.models import Account
from services.identity.devices.models import Device


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


def test_up_prints_screen_addresses_with_a_pairing_code_in_the_fragment_and_no_key(
        identity_db, client_for, monkeypatch, tmp_path):
    """`aicity up`'s screen lines: no device key anywhere, a one-time code in the fragment that a screen exchanges
    for its own device's key; the demo device the simulator signs with keeps its key."""
    from urllib.parse import urlsplit

    from services import cli
    from services.identity.devices.service import create_device

    monkeypatch.setenv("AICITY_IDENTITY_DATABASE_URL", identity_db.url)
    with Session(identity_db.engine) as session:
        demo, demo_key = create_device(session, name="kiosk-C001", kind="health_kiosk", place="C001")
        demo_id = demo.id
        session.commit()
    credentials = tmp_path / "demo-credentials.json"
    credentials.write_text(json.dumps({"devices": {"kiosk-C001": {"id": demo_id, "key": demo_key,
                                                                  "kind": "health_kiosk", "place": "C001"}}}))
    monkeypatch.setattr(cli, "CREDENTIALS_FILE", credentials)
    lines = cli._screen_links()
    assert not any("aicd_" in line or "key=" in line for line in lines)
    kiosk = next(line for line in lines if line.startswith("health kiosk")).split()[-1]
    address = urlsplit(kiosk)
    assert address.path == "/screens/health-kiosk" and re.fullmatch(r"pair=[A-Z0-9]{4}-[A-Z0-9]{4}", address.fragment)
    hint = lines[lines.index(next(line for line in lines if line.startswith("health kiosk"))) + 1]
    screen_id = re.search(r"code valid 10 minutes, once; new one: \./aicity device pair (\w+)\)", hint).group(1)
    assert screen_id != demo_id
    assert "enrolment kiosk" not in " ".join(lines)  # its demo device is not in these credentials

    client = client_for("health_hubs")
    paired = client.post("/v1/auth/pair", data={"code": address.fragment.removeprefix("pair=")})
    assert paired.status_code == 200, paired.text
    assert (paired.json()["device_id"], paired.json()["place"]) == (screen_id, "C001")
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {demo_key}"})
    assert me.status_code == 200 and me.json()["id"] == demo_id  # the simulator's key still works
    # a second `up` pairs the same screen device again with a new code
    again = next(line for line in cli._screen_links() if line.startswith("health kiosk")).split()[-1]
    assert urlsplit(again).fragment != address.fragment
    with Session(identity_db.engine) as session:
        assert len(session.exec(select(Device).where(Device.name == "screen-kiosk-C001")).all()) == 1
