"""Screens provisioned without device keys in their addresses: staff make a one-time pairing code
(`aicity device pair`), the screen exchanges it (POST /v1/auth/pair) for a fresh key that it keeps and sends in a
header. A code works once and for minutes; wrong codes count against the client address; the old key stops
working. On SQLite and PostgreSQL (the identity database)."""

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from services.common.db import utcnow
from services.identity.devices.models import PairingCode
from services.identity.devices.service import create_device, create_pairing_code, revoke_device
from services.identity.sign_in.models import SignInEvent


def _device(identity_db, kind="health_kiosk", place="C001") -> tuple[str, str]:
    with Session(identity_db.engine) as session:
        device, key = create_device(session, name="lobby kiosk", kind=kind, place=place)
        session.commit()
        return device.id, key


def _code(identity_db, device_id, ttl=timedelta(minutes=10), now=None) -> str:
    with Session(identity_db.engine) as session:
        code = create_pairing_code(session, device_id=device_id, now=now or utcnow(), ttl=ttl)
        session.commit()
        return code


def _me(client, key):
    return client.get("/v1/auth/me", headers={"Authorization": f"Bearer {key}"})


def test_a_code_gives_the_screen_a_fresh_key_once(client_for, identity_db):
    client = client_for("health_hubs")
    device_id, old_key = _device(identity_db)
    code = _code(identity_db, device_id)
    assert len(code) == 9 and code[4] == "-"
    with Session(identity_db.engine) as session:  # only the hash is stored
        assert code.replace("-", "") not in str(session.scalars(select(PairingCode.code_hash)).all())

    r = client.post("/v1/auth/pair", data={"code": code.lower().replace("-", " ")})  # as typed at a kiosk
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["device_id"], body["kind"], body["place"], body["service"]) == (device_id, "health_kiosk", "C001",
                                                                                 "health_hubs")
    key = body["device_key"]
    assert key != old_key and _me(client, key).json()["id"] == device_id
    assert _me(client, old_key).status_code == 401  # pairing rotates the key: a copied old key stops working

    again = client.post("/v1/auth/pair", data={"code": code})
    assert (again.status_code, again.json()["error"]) == (401, "pairing_code_invalid")
    assert _me(client, key).status_code == 200  # a replayed code does not rotate the paired key away


def test_expired_unknown_and_revoked_codes_are_refused_alike(client_for, identity_db):
    client = client_for("transit")
    device_id, _ = _device(identity_db, kind="enrolment_kiosk", place="terminal")
    expired = _code(identity_db, device_id, ttl=timedelta(minutes=10), now=utcnow() - timedelta(minutes=11))
    revoked_id, _ = _device(identity_db, kind="enrolment_kiosk", place="terminal")
    for_revoked = _code(identity_db, revoked_id)
    with Session(identity_db.engine) as session:
        revoke_device(session, device_id=revoked_id, now=utcnow())
        session.commit()
    for code in (expired, "ABCD-EFGH", for_revoked):
        r = client.post("/v1/auth/pair", data={"code": code})
        assert (r.status_code, r.json()["error"]) == (401, "pairing_code_invalid"), code


def test_two_screens_racing_for_one_code_get_one_key(client_for, identity_db):
    client = client_for("health_hubs")
    device_id, _ = _device(identity_db)
    code = _code(identity_db, device_id)
    answers = []

    def take():
        answers.append(client.post("/v1/auth/pair", data={"code": code}).status_code)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 401, 401, 401]


def test_guessing_codes_is_throttled_per_address_and_audited(client_for, identity_db):
    client = client_for("industry", signin_address_limits="3/minute")
    device_id, _ = _device(identity_db, kind="gateway", place="steelworks")
    code = _code(identity_db, device_id)
    guesser = TestClient(client.app, client=("198.51.100.77", 40000), raise_server_exceptions=False)
    codes = [guesser.post("/v1/auth/pair", data={"code": f"WXYZ-{n:04d}"}).status_code for n in range(3)]
    assert codes == [401] * 3
    r = guesser.post("/v1/auth/pair", data={"code": code})  # even the right code, from the guessing address
    assert (r.status_code, r.json()["error"]) == (429, "sign_in_throttled") and int(r.headers["Retry-After"]) >= 1
    assert client.post("/v1/auth/pair", data={"code": code}).status_code == 200  # the screen, elsewhere
    with Session(identity_db.engine) as session:
        rows = session.execute(select(SignInEvent.outcome, SignInEvent.address)
                               .where(SignInEvent.outcome.in_(["bad_pairing_code", "paired"]))
                               .order_by(SignInEvent.id)).all()
    assert [tuple(r) for r in rows][-4:] == [("bad_pairing_code", "198.51.100.77")] * 3 + [("paired", "testclient")]
