"""What protects the concession and the riders: the fare only on a verified face or the driver's confirmation,
corrupt images refused with nothing written, consent per purpose, erasure by the person only, the
identification policy bound, and a sequence of different stills caught."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlmodel import Session

from services.transit.boarding import domain
from services.transit.boarding.domain import Decision
from services.transit.boarding.models import Boarding, FaceConsent, FaceErasureAttempt, FaceTemplate, Rider
from services.transit.settings import TransitSettings
from tests.transit.boarding.conftest import BoardingApi, photo, shrunk


def _count(db, model) -> int:
    with Session(db.engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


# ---- the concession -------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", [d.value for d in Decision])
def test_the_concession_needs_a_verified_face_or_the_driver(decision):
    alone = domain.concession_outcome(decision, "senior")
    confirmed = domain.concession_outcome(decision, "senior", driver_confirmed=True)
    if decision == "verified":
        assert (alone.applied, alone.reason) == (True, "face_verified")
    else:
        assert alone.applied is False and alone.reason == "awaiting_driver_confirmation" and alone.driver_may_confirm
        assert (confirmed.applied, confirmed.reason) == (True, "driver_confirmed")
    plain = domain.concession_outcome(decision, "none", driver_confirmed=True)
    assert plain.applied is False and plain.reason == "no_concession"


def test_every_non_verified_boarding_pays_the_standard_fare_until_the_driver_confirms(api, auth, service_db):
    rider = api.rider()
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200
    card = api.card(rider, "senior")
    answers = {
        "verified": api.board([shrunk("people/obama/2.jpg")], card_id=card).json(),
        "mismatch": api.board([shrunk("people/biden/2.jpg")], card_id=card).json(),
        "no_face": api.board([photo("_noface/3.jpg")], card_id=card).json(),
        "unknown": api.board([shrunk("people/obama/2.jpg")] * 2, card_id=card).json(),  # a frozen picture
    }
    assert {k: v["decision"] for k, v in answers.items()} == {
        "verified": "verified", "mismatch": "mismatch", "no_face": "no_face", "unknown": "unknown"}
    assert answers["verified"]["fare_krw"] == 0 and answers["verified"]["concession_applied"] is True
    for name in ("mismatch", "no_face", "unknown"):
        body = answers[name]
        assert body["fare_krw"] == 1200 and body["concession_applied"] is False, (name, body)
        assert body["concession_reason"] == "awaiting_driver_confirmation" and body["driver_confirmation_allowed"]

    # the driver looks at the rider and the card, and confirms from the door display
    event_id = answers["mismatch"]["event_id"]
    other_bus = BoardingApi(api.client, auth, bus_id="bus-202")
    r = api.client.post(f"/v1/boardings/{event_id}/driver-confirmation", headers=other_bus.bus)
    assert (r.status_code, r.json()["error"]) == (404, "boarding_not_found")  # another bus cannot confirm it
    r = api.client.post(f"/v1/boardings/{event_id}/driver-confirmation", headers=api.bus)
    assert r.status_code == 200, r.text
    assert r.json()["fare_krw"] == 0 and r.json()["concession_applied"] is True
    assert r.json()["concession_reason"] == "driver_confirmed" and r.json()["driver_confirmation_allowed"] is False
    again = api.client.post(f"/v1/boardings/{event_id}/driver-confirmation", headers=api.bus)
    assert again.status_code == 200 and again.json() == r.json()  # the display's retry changes nothing
    with Session(service_db("transit").engine) as s:
        row = s.scalars(select(Boarding).where(Boarding.event_id == uuid.UUID(event_id))).one()
    assert row.driver_confirmed_by and row.driver_confirmed_at is not None  # the audit: who and when
    assert row.fare_krw == 0 and row.concession_applied and row.flagged  # still reviewed later
    listed = api.client.get("/v1/boardings?flagged=true", headers=api.official).json()["items"]
    assert [b["driver_confirmed_by"] for b in listed if b["event_id"] == event_id] == [row.driver_confirmed_by]
    # a verified boarding needs no confirmation
    r = api.client.post(f"/v1/boardings/{answers['verified']['event_id']}/driver-confirmation", headers=api.bus)
    assert (r.status_code, r.json()["error"]) == (409, "confirmation_not_needed")


# ---- corrupt images -------------------------------------------------------------------------------------


def test_a_truncated_jpeg_is_refused_at_enrolment_and_boarding_with_nothing_written(api, service_db):
    import face_recognition  # noqa: F401  (sets PIL's LOAD_TRUNCATED_IMAGES for the whole process)
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as face_recognition leaves it: the service must not care
    whole = shrunk("people/obama/2.jpg")
    truncated = whole[: len(whole) * 2 // 3]
    rider = api.rider()
    r = api.client.put(f"/v1/riders/{rider}/face", headers=api.kiosk,
                       files=[("photos", ("p.jpg", truncated, "image/jpeg"))],
                       data={"consent_version": "v1", "consent_card_check": "true"})
    assert (r.status_code, r.json()["error"]) == (422, "not_an_image")
    db = service_db("transit")
    assert _count(db, FaceTemplate) == 0 and _count(db, FaceConsent) == 0
    card = api.card(rider, "senior")
    r = api.board([truncated], card_id=card)
    assert (r.status_code, r.json()["error"]) == (422, "not_an_image")
    r = api.board([whole, truncated], card_id=card)  # one bad frame sinks the boarding, not half of it
    assert (r.status_code, r.json()["error"]) == (422, "not_an_image")
    # a bus's offline queue: the event with the truncated frame is refused by its index, nothing of it stored
    at = {"route_id": "101", "stop_id": "Jukdo Market", "occurred_at": datetime.now(UTC)}
    events = [{**api.event(card_id=card, **at), "frame_count": 1} for _ in range(2)]
    r = api.client.post("/v1/boardings/batch", headers=api.bus, data={"events": json.dumps(events)},
                        files=[("frames", ("0.jpg", truncated, "image/jpeg")), ("frames", ("1.jpg", whole, "image/jpeg"))])
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["status"], i.get("error")) for i in items] == [(422, "not_an_image"), (200, None)], items
    assert _count(db, Boarding) == 1 and _count(db, FaceTemplate) == 0
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200  # the whole file still works


# ---- consent per purpose --------------------------------------------------------------------------------


def test_a_rider_who_consented_only_to_the_card_check_is_never_searched_without_a_card(client_for, auth,
                                                                                       service_db):
    api = BoardingApi(client_for("transit", boarding_identify_threshold=0.44), auth)
    kit, rose = api.rider(routes=["101"]), api.rider(routes=["101"])
    r = api.enrol(kit, "people/kit_harington/1.jpg", identification=False)
    assert r.status_code == 200
    assert [c["purpose"] for c in r.json()["consents"]] == ["card_check"]
    assert api.enrol(rose, "people/rose_leslie/1.jpg", identification=True).status_code == 200
    view = api.client.get(f"/v1/riders/{kit}", headers=api.kiosk).json()
    assert view["consent_card_check"] is True and view["consent_identification"] is False
    body = api.board([shrunk("people/kit_harington/2.jpg")], route_id="101").json()
    assert body["decision"] == "unknown" and body["rider_id"] is None  # not searched at all
    card = api.card(kit, "student")
    assert api.board([shrunk("people/kit_harington/2.jpg")], card_id=card).json()["decision"] in ("verified", "unknown")

    # asked and recorded separately, later; withdrawn separately, the card check stays
    r = api.client.put(f"/v1/riders/{kit}/consents/identification", headers=api.kiosk,
                       json={"consent_version": "ident-2025-09"})
    assert r.status_code == 200 and r.json()["consent_identification"] is True
    body = api.board([shrunk("people/kit_harington/2.jpg")], route_id="101").json()
    assert body["decision"] == "identified" and body["rider_id"] == kit
    r = api.client.delete(f"/v1/riders/{kit}/consents/identification", headers=api.kiosk)
    assert r.status_code == 200 and r.json()["consent_identification"] is False
    assert r.json()["consent_card_check"] is True and r.json()["face_enrolled"] is True
    body = api.board([shrunk("people/kit_harington/2.jpg")], route_id="101").json()
    assert body["decision"] == "unknown" and body["rider_id"] is None
    with Session(service_db("transit").engine) as s:
        rows = s.scalars(select(FaceConsent).where(FaceConsent.rider_id == uuid.UUID(kit))).all()
    ident = [c for c in rows if c.purpose == "identification"]
    assert len(ident) == 1 and ident[0].withdrawn_at is not None and ident[0].version == "ident-2025-09"
    assert [c.withdrawn_at for c in rows if c.purpose == "card_check"] == [None]


def test_enrolment_needs_the_card_check_consent(api, service_db):
    rider = api.rider()
    r = api.client.put(f"/v1/riders/{rider}/face", headers=api.kiosk, data={"consent_version": "v1"},
                       files=[("photos", ("p.jpg", shrunk("people/obama/1.jpg"), "image/jpeg"))])
    assert (r.status_code, r.json()["error"]) == (422, "consent_required")
    assert _count(service_db("transit"), FaceTemplate) == 0


# ---- erasure by the person ------------------------------------------------------------------------------


def test_erasure_at_the_kiosk_only_by_the_person_and_every_attempt_audited(api, service_db):
    r = api.client.post("/v1/riders", headers=api.kiosk, json={"birth_date": "1950-03-02"})
    rider = r.json()["id"]
    assert "birth_date" not in r.json() and "birth_date_hmac" not in r.json()
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200
    card = api.card(rider, "senior")
    db = service_db("transit")
    with Session(db.engine) as s:
        stored = s.get(Rider, uuid.UUID(rider)).birth_date_hmac
    assert stored and "1950" not in stored

    def erase(**form):
        files = {"photo": ("p.jpg", form.pop("photo"), "image/jpeg")} if "photo" in form else None
        return api.client.post("/v1/face-erasures", headers=api.kiosk, data=form, files=files)

    # someone who knows the card number: another face, or a wrong date of birth, is refused and recorded
    r = erase(card_id=card, photo=shrunk("people/biden/2.jpg"))
    assert (r.status_code, r.json()["error"], r.json()["detail"]) == (403, "erasure_refused", "face_does_not_match")
    r = erase(card_id=card, birth_date="1951-03-02")
    assert (r.status_code, r.json()["detail"]) == (403, "birth_date_does_not_match")
    r = erase(card_id=card)
    assert (r.status_code, r.json()["error"]) == (422, "proof_missing")
    assert _count(db, FaceTemplate) == 1
    assert api.client.delete(f"/v1/riders/{rider}/face", headers=api.kiosk).status_code == 403

    # the person: their own face
    r = erase(card_id=card, photo=shrunk("people/obama/2.jpg"))
    assert r.status_code == 200 and r.json()["templates_erased"] == 1
    assert _count(db, FaceTemplate) == 0 and not api.client.app.state.gallery.has_rider(uuid.UUID(rider))
    # and again by card + date of birth after re-enrolling
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200
    r = erase(card_id=card, birth_date="1950-03-02")
    assert r.status_code == 200 and r.json()["templates_erased"] == 1
    with Session(db.engine) as s:
        attempts = s.scalars(select(FaceErasureAttempt).order_by(FaceErasureAttempt.id)).all()
    assert [(a.method, a.outcome, a.reason) for a in attempts] == [
        ("face", "refused", "face_does_not_match"), ("card_birth_date", "refused", "birth_date_does_not_match"),
        ("face", "erased", None), ("card_birth_date", "erased", None)]
    assert all(a.channel.startswith("enrolment_kiosk:") and a.card_id == card for a in attempts)


def test_guessing_birth_dates_for_a_card_is_stopped_after_five_wrong_proofs(api, service_db):
    """Someone holding another's card cannot try the dates of a century: after 5 wrong proofs within the hour
    the card's kiosk erasure answers 429 (even with the right date) until the oldest leaves the hour; every
    attempt is recorded; another card is untouched, and staff can still erase on a written request."""
    rider = api.client.post("/v1/riders", headers=api.kiosk, json={"birth_date": "1950-03-02"}).json()["id"]
    card = api.card(rider, "senior")
    other_rider = api.client.post("/v1/riders", headers=api.kiosk, json={"birth_date": "1960-01-01"}).json()["id"]
    other = api.card(other_rider, "senior")

    def erase(card_id, birth_date):
        return api.client.post("/v1/face-erasures", headers=api.kiosk, data={"card_id": card_id,
                                                                               "birth_date": birth_date})

    codes = [erase(card, f"1950-01-{day:02d}").status_code for day in range(1, 6)]
    assert codes == [403] * 5
    r = erase(card, "1950-03-02")
    assert (r.status_code, r.json()["error"]) == (429, "erasure_throttled")
    assert 3500 <= int(r.headers["Retry-After"]) <= 3601
    assert erase(card, "1950-03-03").status_code == 429  # throttled tries are not checked, and not counted
    assert erase(other, "1960-01-01").status_code == 200
    with Session(service_db("transit").engine) as s:
        attempts = s.scalars(select(FaceErasureAttempt).where(FaceErasureAttempt.card_id == card)
                             .order_by(FaceErasureAttempt.id)).all()
    assert [(a.outcome, a.reason) for a in attempts] == (
        [("refused", "birth_date_does_not_match")] * 5 + [("refused", "too_many_attempts")] * 2)
    assert api.client.delete(f"/v1/riders/{rider}/face", headers=api.admin).status_code == 200


# ---- identification policy ------------------------------------------------------------------------------


def test_a_configuration_that_breaks_the_identification_bound_is_refused():
    with pytest.raises(ValidationError, match="TRANSIT_BOARDING_IDENTIFY_MAX_FALSE_RATE"):
        TransitSettings(boarding_identify_max_candidates=5000)
    TransitSettings(boarding_identify_max_candidates=5000, boarding_identify_policy="off")  # no 1:N: fine
    assert domain.identification_allowed(28, worst_group_fmr=0.00035, max_candidates=28, max_false_rate=0.01)
    assert not domain.identification_allowed(31, worst_group_fmr=0.00035, max_candidates=28, max_false_rate=0.01)
    assert not domain.identification_allowed(20, worst_group_fmr=0.001, max_candidates=30, max_false_rate=0.01)


def test_a_route_with_more_candidates_than_the_policy_allows_is_not_searched(client_for, auth):
    api = BoardingApi(client_for("transit", boarding_identify_threshold=0.44, boarding_identify_max_candidates=1), auth)
    kit, rose = api.rider(routes=["101"]), api.rider(routes=["101"])
    api.enrol(kit, "people/kit_harington/1.jpg")
    api.enrol(rose, "people/rose_leslie/1.jpg")
    body = api.board([shrunk("people/kit_harington/2.jpg")], route_id="101").json()
    assert body["decision"] == "unknown" and body["reason"] == "candidate_set_too_large"


# ---- presentation attacks -------------------------------------------------------------------------------


def test_three_different_photos_of_the_card_holder_are_caught(api):
    rider = api.rider()
    api.enrol(rider, "people/obama/1.jpg")
    card = api.card(rider, "senior")
    stills = [shrunk("people/obama/2.jpg"), shrunk("people/obama/4.jpg"), shrunk("people/obama/2.jpg", 900)]
    body = api.board(stills, card_id=card).json()
    assert body["presentation_attack_suspected"] is True and body["decision"] == "unknown"
    assert body["concession_applied"] is False and body["fare_krw"] == 1200 and body["flagged"] is True


def test_the_frame_continuity_rule():
    import numpy as np

    a = np.zeros(128)
    near = [a, a + 0.01, a + 0.012]
    jumpy = [a, a + 0.05, a]
    pts = [np.array([[0, 0], [1, 0], [3, 0], [4, 0], [2, 2]], float),
           np.array([[0, 0], [1, 0.1], [3, 0], [4, 0.1], [2.3, 2]], float)]
    live = domain.presentation_attack(["a", "b", "c"], pts + pts[:1], min_motion=0.01, encodings=near,
                                      max_frame_distance=0.25)
    assert not live.suspected and live.jump == pytest.approx(0.12, abs=0.01)
    caught = domain.presentation_attack(["a", "b", "c"], pts + pts[:1], min_motion=0.01, encodings=jumpy,
                                        max_frame_distance=0.25)
    assert caught.suspected and caught.reason == "frames_not_continuous"


def test_templates_of_another_model_are_never_compared(api, service_db):
    rider = api.rider()
    api.enrol(rider, "people/obama/1.jpg")
    card = api.card(rider, "senior")
    db = service_db("transit")
    with Session(db.engine) as s:
        for t in s.scalars(select(FaceTemplate)).all():
            t.model_id = "some-older-model"
        s.commit()
    from services.transit.boarding.gallery import resync_rider

    app = api.client.app
    resync_rider(app.state.gallery, db.engine, app.state.settings, uuid.UUID(rider),
                 now=datetime(2025, 9, 1, tzinfo=UTC))
    body = api.board([shrunk("people/obama/2.jpg")], card_id=card).json()
    assert body["decision"] == "unknown" and body["reason"] == "reenrolment_needed"
    view = api.client.get(f"/v1/riders/{rider}", headers=api.kiosk).json()
    assert view["needs_reenrolment"] is True and view["face_enrolled"] is False
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200  # the re-enrolment path
    assert api.board([shrunk("people/obama/2.jpg")], card_id=card).json()["decision"] == "verified"


# ---- the index follows the commit ------------------------------------------------------------------------


def test_the_index_changes_only_after_the_commit(api, service_db):
    """Erasure leaves the index alone until the database has committed: a rollback changes nothing, and the
    rider leaves the index only when the commit has removed their templates."""
    from services.transit.boarding import service

    rider = api.rider()
    assert api.enrol(rider, "people/obama/1.jpg").status_code == 200
    app, rid = api.client.app, uuid.UUID(rider)
    gallery, db = app.state.gallery, service_db("transit")
    now = datetime.now(UTC)
    with Session(db.engine) as s:
        service.erase_face(s, rider_id=rid, settings=app.state.settings, index=gallery, now=now)
        assert gallery.has_rider(rid)  # flushed, not committed: the index has not moved
        s.rollback()
    assert gallery.has_rider(rid) and _count(db, FaceTemplate) == 1
    with Session(db.engine) as s:
        service.erase_face(s, rider_id=rid, settings=app.state.settings, index=gallery, now=now)
        assert gallery.has_rider(rid)
        s.commit()
    assert not gallery.has_rider(rid) and _count(db, FaceTemplate) == 0
