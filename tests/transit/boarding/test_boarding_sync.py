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


def test_a_listener_that_cannot_reach_its_server_backs_off_and_logs_one_traceback(service_db, caplog):
    """PostgreSQL gone (a restart, a dropped database): the follower retries after 1, 2, 4 ... s, at most its poll
    interval (so a change still reaches it within that once the server is back), logs the traceback once and then
    one line per try, instead of a traceback every second."""
    import logging
    import threading

    from sqlalchemy import create_engine

    from services.transit.boarding.gallery import GalleryFollower, GalleryIndex, retry_wait_s
    from services.transit.settings import TransitSettings
    from tools.hardening import free_port

    assert [retry_wait_s(n, most_s=5) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    follower = GalleryFollower(GalleryIndex(), service_db("transit").engine,
                               TransitSettings(database_url=service_db("transit").url), clock=utcnow)
    nobody = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")  # no server there
    follower.engine = nobody
    caplog.set_level(logging.WARNING, logger="aicity.transit.gallery")
    thread = threading.Thread(target=follower._listen, daemon=True)
    thread.start()
    tries = lambda: [r for r in caplog.records if "gallery listener" in r.getMessage()]  # noqa: E731
    assert _wait_until(lambda: len(tries()) >= 3, 6.0) is not None, [r.getMessage() for r in tries()]
    follower._stop.set()
    thread.join(timeout=5)
    first, *rest = tries()
    assert first.exc_info is not None and "retrying in 1 s" in first.getMessage()
    assert all(r.exc_info is None for r in rest)
    assert "(2 tries)" in rest[0].getMessage() and "retrying in 2 s" in rest[0].getMessage()
    assert rest[1].created - rest[0].created >= 1.9  # it waited 2 s, not 1
    nobody.dispose()
