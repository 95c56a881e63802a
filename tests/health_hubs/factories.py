"""Helpers for health hubs tests: a service with staff, nurse and kiosk credentials, residents, readings."""

import uuid
from datetime import UTC, datetime, timedelta
from functools import cached_property

import pytest


class Hub:
    """The service under test with its callers; people's tokens are made on first use (argon2 is slow)."""

    def __init__(self, client, auth, kiosk: dict, kiosk_id: str, db):
        self.client, self.auth, self.kiosk, self.kiosk_id, self.db = client, auth, kiosk, kiosk_id, db

    @cached_property
    def staff(self) -> dict:  # centre_staff of C001
        return self.auth.headers("centre_staff", centre_id="C001")

    @cached_property
    def nurse(self) -> dict:  # nurse of Buk-gu
        return self.auth.headers("nurse", district="Buk-gu")

    @cached_property
    def official(self) -> dict:
        return self.auth.headers("official")

    @cached_property
    def admin(self) -> dict:
        return self.auth.headers("admin")

    def register(self, headers=None, **over) -> dict:
        body = resident_body(**over)
        r = self.client.post("/v1/residents", json=body, headers=headers or self.staff)
        assert r.status_code == 201, r.text
        return r.json()

    def post_bp(self, resident_id, *measurements, at=None, client_id=None, headers=None):
        return self.client.post("/v1/readings", headers=headers or self.kiosk, json=bp_body(
            resident_id, *measurements, at=at, client_id=client_id))

    def post_glucose(self, resident_id, value, meal="fasting", at=None, **extra):
        return self.client.post("/v1/readings", headers=self.kiosk, json=glucose_body(
            resident_id, value, meal=meal, at=at, **extra))


def resident_body(**over) -> dict:
    body = {"family_name": "김", "given_name": "영희", "birth_date": "1948-03-15", "sex": "female",
            "phone": "010-1234-5678", "centre_id": "C001",
            "consents": {"health_data": True, "share_public_health": True, "reminders": False}}
    consents = over.pop("consents", None)
    body.update(over)
    if consents is not None:
        body["consents"] = {**body["consents"], **consents}
    return body


def bp_body(resident_id, *measurements, at=None, client_id=None) -> dict:
    at = at or datetime.now(UTC) - timedelta(minutes=1)
    return {"client_id": str(client_id or uuid.uuid4()), "resident_id": resident_id, "kind": "bp",
            "measured_at": at.isoformat(),
            "bp": [{"systolic": s, "diastolic": d, "pulse_bpm": 72, **(f[0] if f else {})}
                   for s, d, *f in (measurements or [(128, 82), (126, 80)])]}


def glucose_body(resident_id, value, meal="fasting", at=None, client_id=None, **extra) -> dict:
    at = at or datetime.now(UTC) - timedelta(minutes=1)
    return {"client_id": str(client_id or uuid.uuid4()), "resident_id": resident_id, "kind": "glucose",
            "measured_at": at.isoformat(), "glucose_mg_dl": value, "meal_context": meal,
            "sample_type": "capillary_whole_blood", **extra}


@pytest.fixture
def hub(client_for, auth, service_db) -> Hub:
    client = client_for("health_hubs")
    kiosk_id, key = auth.device("health_kiosk", "C001")
    return Hub(client=client, auth=auth, kiosk={"Authorization": f"Bearer {key}"}, kiosk_id=kiosk_id,
               db=service_db("health_hubs"))
