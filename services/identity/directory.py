"""The directory common's auth checks credentials against: an account's current state and a device's key hash,
read from the identity database (plain reads, no session: one row per call)."""

from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.common.auth import AccountState, DeviceState
from services.identity.accounts.models import Account
from services.identity.devices.models import Device


class IdentityDirectory:
    def __init__(self, engine: Engine):
        self.engine = engine

    def account(self, account_id: str) -> AccountState | None:
        table = Account.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == account_id)).first()
        if row is None:
            return None
        return AccountState(id=row.id, username=row.username, role=row.role, centre_id=row.centre_id,
                            district=row.district, company_id=row.company_id, disabled=row.disabled_at is not None,
                            token_version=row.token_version)

    def device(self, device_id: str) -> DeviceState | None:
        table = Device.__table__
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == device_id)).first()
        if row is None:
            return None
        return DeviceState(id=row.id, name=row.name, kind=row.kind, service=row.service, place=row.place,
                           key_hash=row.key_hash, revoked=row.revoked_at is not None)
