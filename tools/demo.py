"""Demo accounts, devices and data for `aicity up`: created once, credentials kept in var/ (dev only)."""

import json

from sqlmodel import Session, select

from services.common.db import make_engine
from services.common.settings import VAR_DIR, ServiceSettings
from services.identity.accounts.models import Account
from services.identity.accounts.service import create_account
from services.identity.devices.models import Device
from services.identity.devices.service import create_device
from services.suite import SERVICES

CREDENTIALS_FILE = VAR_DIR / "demo-credentials.json"

# Pohang has two districts (gu); demo centres are C001..C641, the first in Buk-gu.
DEMO_ACCOUNTS = [
    {"username": "admin", "password": "admin-demo-pass", "role": "admin"},
    {"username": "official", "password": "official-demo-pass", "role": "official", "display_name": "City official"},
    {"username": "staff-c001", "password": "staff-demo-pass", "role": "centre_staff", "centre_id": "C001"},
    {"username": "nurse-bukgu", "password": "nurse-demo-pass", "role": "nurse", "district": "Buk-gu"},
    {"username": "academy", "password": "academy-demo-pass", "role": "academy_staff"},
    {"username": "partner-steel", "password": "partner-demo-pass", "role": "partner", "company_id": "steelworks"},
]


def seed_suite(*, force: bool = False) -> dict:
    """Creates the demo identity and each service's demo data once; returns the sign-in lines to print.
    Refused outside dev (AICITY_ENV): the demo passwords are published."""
    ServiceSettings().refuse_demo_data()
    if CREDENTIALS_FILE.exists() and not force:
        credentials = json.loads(CREDENTIALS_FILE.read_text())
        return {"seeded": False, "logins": _login_lines(credentials)}
    VAR_DIR.mkdir(exist_ok=True)
    identity = make_engine(ServiceSettings().identity_database_url)
    credentials: dict = {"accounts": {}, "devices": {}}
    with Session(identity) as session:
        for spec in DEMO_ACCOUNTS:
            if not session.exec(select(Account).where(Account.username == spec["username"])).first():
                create_account(session, **spec)
            credentials["accounts"][spec["username"]] = {"password": spec["password"], "role": spec["role"]}
        for entry in SERVICES.values():
            for name, kind, place in entry.module("seed").DEMO_DEVICES:
                old = session.exec(select(Device).where(Device.name == name)).first()
                if old is not None:
                    session.delete(old)
                    session.flush()
                device, key = create_device(session, name=name, kind=kind, place=place)
                credentials["devices"][name] = {"id": device.id, "key": key, "kind": kind, "place": place}
        session.commit()
    identity.dispose()
    summaries = {}
    for name, entry in SERVICES.items():
        settings = entry.settings()
        engine = make_engine(settings.database_url)
        summaries[name] = entry.module("seed").seed(engine, settings=settings, credentials=credentials)
        engine.dispose()
    CREDENTIALS_FILE.write_text(json.dumps(credentials, indent=2))
    CREDENTIALS_FILE.chmod(0o600)
    return {"seeded": True, "services": summaries, "logins": _login_lines(credentials)}


def _login_lines(credentials: dict) -> list[str]:
    return [f"{u} / {a['password']} ({a['role']})" for u, a in credentials.get("accounts", {}).items()]
