"""Identity and access: tokens, device keys, roles and places, through a real app."""

import jwt
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import MetaData
from sqlmodel import Session

from services.common.auth import Principal, Role, admit, allow, check_place, verify_password
from services.common.db import utcnow
from services.common.errors import Forbidden, Unauthorized, Unprocessable
from services.common.jobs import define_job_run_table
from services.common.settings import ServiceSettings
from services.identity.accounts.service import authenticate, create_account
from services.identity.app import build_app
from services.identity.devices.service import revoke_device

router = APIRouter(prefix="/v1")


@router.get("/centres/{centre_id}/records")
def centre_records(centre_id: str, who: allow(roles=(Role.centre_staff, Role.nurse))):
    check_place(who, centre_id=centre_id, district="Buk-gu" if centre_id == "C001" else "Nam-gu")
    return {"centre_id": centre_id, "by": who.role}


@router.post("/readings")
def device_reading(who: allow(devices=("health_kiosk",))):
    return {"device": who.id, "place": who.place}


def person(role: str) -> Principal:
    return Principal(kind="user", id="u1", role=role)


def test_admit_lets_admins_through_wherever_a_role_is_admitted():
    official = admit(roles=(Role.official,))
    assert official(None, person(Role.official)).role == Role.official
    assert official(None, person(Role.admin)).role == Role.admin
    with pytest.raises(Forbidden) as refused:
        official(None, person(Role.partner))
    assert refused.value.code == "wrong_role"


def test_a_device_only_alias_admits_no_person_unless_admin_is_named():
    with pytest.raises(Forbidden):
        admit(devices=("bus",))(None, person(Role.admin))
    assert admit(roles=(Role.admin,), devices=("bus",))(None, person(Role.admin)).role == Role.admin
    with pytest.raises(Forbidden):
        admit(roles=(Role.admin,), devices=("bus",))(None, person(Role.official))


def test_a_device_of_another_kind_is_refused():
    with pytest.raises(Forbidden):
        admit(roles=(Role.official,), devices=("bus",))(None, Principal(kind="device", id="d1", device_kind="detector"))


@pytest.fixture
def client(identity_db, tmp_path):
    settings = ServiceSettings(service_name="health_hubs", database_url=f"sqlite:///{tmp_path / 's.db'}",
                               identity_database_url=identity_db.url)
    app = build_app(settings=settings, title="t", description="t", routers=[router], jobs=[],
                    job_run=define_job_run_table(MetaData()))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_no_token_is_401_with_envelope(client):
    r = client.get("/v1/centres/C001/records")
    assert r.status_code == 401
    assert r.json()["error"] == "not_authenticated"
    assert r.json()["request_id"] == r.headers["x-request-id"]


def test_expired_token_is_401(client, auth):
    r = client.get("/v1/centres/C001/records", headers=auth.expired_headers("centre_staff", centre_id="C001"))
    assert (r.status_code, r.json()["error"]) == (401, "token_expired")


def test_tampered_token_is_401(client, auth):
    token = auth.token("centre_staff", centre_id="C001")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["role"] = "admin"
    forged = jwt.encode(claims, "not-the-secret", algorithm="HS256")
    header, payload, signature = token.split(".")
    spliced = ".".join([header, forged.split(".")[1], signature])
    for bad in (forged, spliced, token[:-3] + "AAA"):
        r = client.get("/v1/centres/C001/records", headers={"Authorization": f"Bearer {bad}"})
        assert (r.status_code, r.json()["error"]) == (401, "invalid_token"), bad


def test_right_role_and_place_is_allowed(client, auth):
    r = client.get("/v1/centres/C001/records", headers=auth.headers("centre_staff", centre_id="C001"))
    assert r.status_code == 200 and r.json() == {"centre_id": "C001", "by": "centre_staff"}
    r = client.get("/v1/centres/C001/records", headers=auth.headers("nurse", district="Buk-gu"))
    assert r.status_code == 200


def test_wrong_role_is_403(client, auth):
    r = client.get("/v1/centres/C001/records", headers=auth.headers("partner", company_id="x"))
    assert (r.status_code, r.json()["error"]) == (403, "wrong_role")
    r = client.post("/v1/readings", headers=auth.headers("official"))
    assert (r.status_code, r.json()["error"]) == (403, "wrong_role")


def test_wrong_place_is_403(client, auth):
    r = client.get("/v1/centres/C002/records", headers=auth.headers("centre_staff", centre_id="C001"))
    assert (r.status_code, r.json()["error"]) == (403, "wrong_place")
    r = client.get("/v1/centres/C001/records", headers=auth.headers("nurse", district="Nam-gu"))
    assert (r.status_code, r.json()["error"]) == (403, "wrong_place")


def test_device_key_works_until_revoked(client, auth, identity_db):
    device_id, key = auth.device("health_kiosk", place="C001")
    headers = {"Authorization": f"Bearer {key}"}
    r = client.post("/v1/readings", headers=headers)
    assert r.status_code == 200 and r.json() == {"device": device_id, "place": "C001"}
    assert client.post("/v1/readings", headers={"X-Device-Key": key}).status_code == 200
    with Session(identity_db.engine) as session:
        revoke_device(session, device_id=device_id, now=utcnow())
        session.commit()
    r = client.post("/v1/readings", headers=headers)
    assert (r.status_code, r.json()["error"]) == (401, "device_revoked")


def test_wrong_device_secret_and_other_service_device(client, auth):
    _, key = auth.device("health_kiosk", place="C001")
    r = client.post("/v1/readings", headers={"Authorization": f"Bearer {key[:-2]}xx"})
    assert (r.status_code, r.json()["error"]) == (401, "invalid_device_key")
    _, bus_key = auth.device("bus", place="bus-1")  # a transit device calling health_hubs
    r = client.post("/v1/readings", headers={"Authorization": f"Bearer {bus_key}"})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_service")


def test_sign_in_issues_a_token_the_service_accepts(client, identity_db):
    with Session(identity_db.engine) as session:
        create_account(session, username="staff1", password="s3cret-pass", role="centre_staff", centre_id="C001")
        session.commit()
    r = client.post("/v1/auth/token", data={"username": "staff1", "password": "wrong-pass"})
    assert (r.status_code, r.json()["error"]) == (401, "bad_credentials")
    r = client.post("/v1/auth/token", data={"username": "staff1", "password": "s3cret-pass"})
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["centre_id"], me["username"]) == ("centre_staff", "C001", "staff1")


def test_passwords_are_argon2_and_place_is_required(identity_db):
    with Session(identity_db.engine) as session:
        account = create_account(session, username="n1", password="long-enough", role="nurse", district="Buk-gu")
        assert account.password_hash.startswith("$argon2")
        assert verify_password(account.password_hash, "long-enough")
        assert authenticate(session, username="n1", password="long-enough").id == account.id
        with pytest.raises(Unauthorized):
            authenticate(session, username="n1", password="nope-nope")
        with pytest.raises(Unprocessable) as err:
            create_account(session, username="s2", password="long-enough", role="centre_staff")
        assert err.value.code == "place_required"
        with pytest.raises(Unprocessable):
            create_account(session, username="x", password="long-enough", role="overlord")
