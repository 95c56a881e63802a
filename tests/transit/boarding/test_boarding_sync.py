"""The gallery index across workers and over time: NOTIFY on PostgreSQL, the change log, the purge job."""

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.common.db import utcnow
from services.transit.boarding.jobs import purge_expired_templates
from services.transit.boarding.models import FaceTemplate
from tests.transit.boarding.conftest import BoardingApi, shrunk


def _wait_until(predicate, within_s: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


@pytest.mark.postgres
def test_enrolment_and_erasure_reach_another_worker_within_a_second(client_for, auth):
    # A 30 s poll: only NOTIFY can make it within the second.
    a = BoardingApi(client_for("transit", boarding_gallery_poll_s=30), auth)
    b_client = client_for("transit", boarding_gallery_poll_s=30)
    b = BoardingApi(b_client, auth)
    assert a.client.app.state.gallery is not b_client.app.state.gallery
    rider = a.rider()
    card = a.card(rider, "senior")
    assert a.enrol(rider, "people/obama/1.jpg").status_code == 200
    rid = uuid.UUID(rider)
    took = _wait_until(lambda: b_client.app.state.gallery.has_rider(rid), 1.0)
    assert took is not None, "enrolment did not reach the second worker within a second"
    assert b.board([shrunk("people/obama/2.jpg")], card_id=card).json()["decision"] == "verified"
    assert a.client.delete(f"/v1/riders/{rider}/face", headers=a.admin).status_code == 200
    took = _wait_until(lambda: not b_client.app.state.gallery.has_rider(rid), 1.0)
    assert took is not None, "erasure did not reach the second worker within a second"
    assert b.board([shrunk("people/obama/2.jpg")], card_id=card).json()["reason"] == "not_enrolled"


def test_a_worker_catches_up_from_the_change_log(client_for, auth):
    a = BoardingApi(client_for("transit"), auth)
    b_client = client_for("transit")
    rider = a.rider()
    a.enrol(rider, "people/obama/1.jpg")
    b_client.app.state.gallery_follower.catch_up()
    assert b_client.app.state.gallery.has_rider(uuid.UUID(rider))


def test_the_purge_job_erases_templates_past_their_validity(client_for, auth, service_db):
    client = client_for("transit")
    api = BoardingApi(client, auth)
    rider = api.rider()
    card = api.card(rider)
    api.enrol(rider, "people/obama/1.jpg")
    db = service_db("transit")
    settings = client.app.state.settings
    summary = purge_expired_templates(db.engine, settings=settings, now=utcnow() + timedelta(days=30))
    assert summary["templates_purged"] == 0
    later = utcnow() + timedelta(days=settings.boarding_template_validity_days + 1)
    summary = purge_expired_templates(db.engine, settings=settings, now=later)
    assert summary["templates_purged"] == 1
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(FaceTemplate)).scalar() == 0
    client.app.state.gallery_follower.catch_up()
    assert not client.app.state.gallery.has_rider(uuid.UUID(rider))
    assert api.board([shrunk("people/obama/2.jpg")], card_id=card).json()["reason"] == "not_enrolled"


def test_a_restarted_worker_loads_the_gallery_from_the_database(client_for, auth):
    a = BoardingApi(client_for("transit"), auth)
    rider = a.rider()
    a.enrol(rider, "people/kit_harington/1.jpg")
    fresh = client_for("transit")
    assert fresh.app.state.gallery.has_rider(uuid.UUID(rider))
    assert len(fresh.app.state.gallery) == 1
