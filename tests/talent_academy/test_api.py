"""The academy through its HTTP API and jobs, on the real (migrated) database."""

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from services.common.db import utcnow
from services.talent_academy import jobs
from services.talent_academy.catalogue.models import Offering
from services.talent_academy.enrolment.models import Notification


def test_windows_eligibility_and_invitations(academy):
    academy.course("AI-101")
    now = utcnow()
    future = academy.offering(opens_at=(now + timedelta(days=1)).isoformat())
    past = academy.offering(opens_at=(now - timedelta(days=5)).isoformat(),
                            closes_at=(now - timedelta(days=1)).isoformat())
    kim = academy.learner()
    assert academy.enrol(future["id"], kim).json()["error"] == "enrolment_not_open"
    assert academy.enrol(past["id"], kim).json()["error"] == "enrolment_closed"

    rules = {"min_age": 18, "max_age": 34, "residency": ["Pohang"], "invitation_only": True}
    strict = academy.offering(eligibility=rules)
    seoul_teen = academy.learner(residence="Seoul", birth_date=str(date.today() - timedelta(days=365 * 16)))
    r = academy.enrol(strict["id"], seoul_teen)
    assert r.status_code == 422 and r.json()["error"] == "not_eligible"
    assert {f["rule"] for f in r.json()["detail"]} == {"min_age", "residency", "invitation_only"}
    assert academy.enrol(strict["id"], kim).json()["detail"][0]["rule"] == "invitation_only"
    academy.post(f"/v1/offerings/{strict['id']}/invitations", {"learner_ids": [kim]}, expect=201)
    r = academy.enrol(strict["id"], kim)
    assert r.status_code == 201 and r.json()["status"] == "enrolled" and r.json()["priority_class"] == 0

    bad = academy.post("/v1/offerings", {**{k: strict[k] for k in ("course_id", "cohort", "capacity")},
                                         "code": "bad", "opens_at": now.isoformat(),
                                         "closes_at": (now + timedelta(days=40)).isoformat(),
                                         "starts_on": str(date.today() + timedelta(days=30)),
                                         "ends_on": str(date.today() + timedelta(days=100)),
                                         "eligibility": {"shoe_size": 42}})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_offering" and len(bad.json()["detail"]) == 2


def test_reserved_seats_are_held_for_their_company_and_released_by_the_job(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=3, reservations=[
        {"company_id": "steelworks", "seats": 2, "release_at": (utcnow() + timedelta(days=2)).isoformat()}])
    assert (offering["reserved_open"], offering["seats_free"]) == (2, 1)
    public = [academy.learner(name=f"P{i}") for i in range(3)]
    nominees = [academy.learner(name=f"S{i}", sponsor_company_id="steelworks") for i in range(3)]
    answers = [academy.enrol(offering["id"], lid).json() for lid in public]
    assert [a["status"] for a in answers] == ["enrolled", "waitlisted", "waitlisted"]
    answers = [academy.enrol(offering["id"], lid).json() for lid in nominees]
    assert [(a["status"], a["seat_kind"]) for a in answers] == [("enrolled", "reserved"), ("enrolled", "reserved"),
                                                                 ("waitlisted", None)]
    # a nominee who leaves gives the seat back to the company: the next nominee gets it, not the public queue head
    out = academy.post(f"/v1/enrolments/{answers[0]['id']}/withdraw", expect=200).json()
    assert out["promoted"]["learner_id"] == nominees[2] and out["promoted"]["seat_kind"] == "reserved"
    # the reservation is released: nothing left unfilled, so nobody moves
    summary = jobs.release_reservations(academy.engine, settings=None, now=utcnow() + timedelta(days=3))
    assert summary == {"released_seats": 0, "promoted": 0}


def test_released_reserved_seats_go_down_the_waitlist(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=2, reservations=[
        {"company_id": "steelworks", "seats": 1, "release_at": (utcnow() + timedelta(days=1)).isoformat()}])
    a, b, c = (academy.learner(name=n) for n in "ABC")
    assert [academy.enrol(offering["id"], x).json()["status"] for x in (a, b, c)] == ["enrolled", "waitlisted",
                                                                                      "waitlisted"]
    assert jobs.release_reservations(academy.engine, settings=None, now=utcnow()) == {"released_seats": 0,
                                                                                      "promoted": 0}
    summary = jobs.release_reservations(academy.engine, settings=None, now=utcnow() + timedelta(days=1, hours=1))
    assert summary == {"released_seats": 1, "promoted": 1}
    seats = academy.get(f"/v1/offerings/{offering['id']}").json()
    assert (seats["seats_taken"], seats["reserved_open"], seats["waitlist_count"]) == (2, 0, 1)
    assert [w["learner_id"] for w in academy.get(f"/v1/offerings/{offering['id']}/waitlist").json()] == [c]


def test_offers_expire_and_move_on_and_the_waitlist_freezes_at_the_start(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=1, offer_ttl_hours=24, waitlist_cap=3)
    ids = [academy.learner(name=n) for n in "ABCDE"]
    answers = [academy.enrol(offering["id"], x) for x in ids]
    assert [r.json().get("status") for r in answers[:4]] == ["enrolled", "waitlisted", "waitlisted", "waitlisted"]
    assert answers[4].status_code == 409 and answers[4].json()["error"] == "waitlist_full"

    out = academy.post(f"/v1/enrolments/{answers[0].json()['id']}/withdraw", expect=200).json()
    offer = out["promoted"]
    assert offer["learner_id"] == ids[1] and offer["status"] == "offered" and offer["offer_expires_at"]
    again = academy.post(f"/v1/enrolments/{answers[0].json()['id']}/withdraw", expect=200).json()
    assert again["promoted"] is None  # withdrawing twice frees nothing twice

    now = utcnow()
    assert jobs.remind_offers(academy.engine, settings=None, now=now + timedelta(hours=13)) == {"reminded": 1}
    assert jobs.expire_offers(academy.engine, settings=None, now=now + timedelta(hours=23)) == {"expired": 0,
                                                                                                "promoted": 0}
    assert jobs.expire_offers(academy.engine, settings=None, now=now + timedelta(hours=25)) == {"expired": 1,
                                                                                                "promoted": 1}
    lapsed = academy.post(f"/v1/enrolments/{offer['id']}/accept")
    assert lapsed.status_code == 409 and lapsed.json()["error"] == "no_offer"
    third = academy.get(f"/v1/enrolments/{answers[2].json()['id']}").json()
    assert third["status"] == "offered"
    assert academy.post(f"/v1/enrolments/{third['id']}/accept", expect=200).json()["status"] == "enrolled"

    with Session(academy.engine) as session:
        kinds = [n.kind for n in session.execute(select(Notification).order_by(Notification.id)).scalars()]
    assert kinds == ["offer_made", "offer_expiring", "offer_expired", "offer_made"]
    sent = []
    assert jobs.drain_notifications(academy.engine, settings=None, now=utcnow(), deliver=sent.append) == {
        "sent": 4, "failed": 0}
    assert jobs.drain_notifications(academy.engine, settings=None, now=utcnow(), deliver=sent.append)["sent"] == 0

    # after the start nobody is promoted: the seat stays free and D keeps position 1
    academy.post(f"/v1/enrolments/{third['id']}/withdraw", expect=200)  # today, before the start: D is offered
    d = academy.get(f"/v1/enrolments/{answers[3].json()['id']}").json()
    assert d["status"] == "offered"
    start = date.fromisoformat(offering["starts_on"])
    after_start = utcnow() + (start - date.today()) + timedelta(days=2)
    assert jobs.expire_offers(academy.engine, settings=None, now=after_start) == {"expired": 1, "promoted": 0}


def test_decline_promotes_and_priority_classes_order_the_queue(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=1, eligibility={"priority_residency": ["Pohang"]}, offer_ttl_hours=0)
    first = academy.learner(name="first")
    outsider = academy.learner(name="outsider", residence="Daegu")
    local = academy.learner(name="local")
    assert academy.enrol(offering["id"], first).json()["status"] == "enrolled"
    assert academy.enrol(offering["id"], outsider).json()["position"] == 1
    assert academy.enrol(offering["id"], local).json()["position"] == 1  # a better class goes ahead
    assert academy.get(f"/v1/enrolments/{academy.enrol(offering['id'], outsider).json()['id']}").json()["position"] == 2
    enrolment_id = academy.enrol(offering["id"], first).json()["id"]
    out = academy.post(f"/v1/enrolments/{enrolment_id}/withdraw", expect=200).json()
    assert out["promoted"]["learner_id"] == local and out["promoted"]["status"] == "enrolled"  # ttl 0: straight in


def test_prerequisites_block_or_lock_content_and_cycles_are_refused(academy):
    academy.course("PY-100", term=1)
    academy.course("ML-201", term=2)
    academy.course("DL-301", term=3)
    academy.post("/v1/courses/ML-201/prerequisites", {"requires": "PY-100"}, expect=201)
    academy.post("/v1/courses/DL-301/prerequisites", {"requires": "ML-201"}, expect=201)
    r = academy.post("/v1/courses/PY-100/prerequisites", {"requires": "DL-301"})
    assert r.status_code == 409 and r.json()["error"] == "prerequisite_cycle"
    assert r.json()["detail"]["cycle"] == ["DL-301", "PY-100", "ML-201", "DL-301"]
    kim = academy.learner()
    assert [c["course_id"] for c in academy.get(f"/v1/learners/{kim}/path", target="DL-301").json()["courses"]] == [
        "PY-100", "ML-201", "DL-301"]
    blocked = academy.offering(course="ML-201")
    r = academy.enrol(blocked["id"], kim)
    assert r.status_code == 422 and r.json()["detail"]["missing"] == ["PY-100"]
    locked = academy.offering(course="ML-201", prerequisite_mode="lock_content")
    r = academy.enrol(locked["id"], kim).json()
    assert r["status"] == "enrolled" and r["content_locked"] and r["missing_prerequisites"] == ["PY-100"]


def test_lock_content_is_lifted_on_completion_and_a_locked_learner_cannot_complete(academy):
    academy.course("PY-100", term=1)
    academy.course("ML-201", term=2)
    academy.course("DL-301", term=3)
    academy.post("/v1/courses/ML-201/prerequisites", {"requires": "PY-100"}, expect=201)
    academy.post("/v1/courses/DL-301/prerequisites", {"requires": "ML-201"}, expect=201)
    kim, lee = academy.learner(name="Kim"), academy.learner(name="Lee")
    py = academy.offering(course="PY-100")
    ml = academy.offering(course="ML-201", prerequisite_mode="lock_content")
    py_kim = academy.enrol(py["id"], kim).json()
    ml_kim, ml_lee = (academy.enrol(ml["id"], x).json() for x in (kim, lee))
    assert ml_kim["content_locked"] and ml_lee["content_locked"]
    # both cohorts end; everyone passes every bar; Lee never took PY-100
    with Session(academy.engine) as session:
        past = date.today() - timedelta(days=10)
        session.execute(update(Offering).values(starts_on=past - timedelta(weeks=12), ends_on=past))
        session.commit()
    for e in (py_kim, ml_kim, ml_lee):
        academy.client.put(f"/v1/enrolments/{e['id']}/progress", headers=academy.headers,
                           json={"sessions_attended": 60, "projects_passed": 3, "assessment_score": 90})
    done = academy.post(f"/v1/offerings/{py['id']}/completions", expect=200).json()
    assert done[0]["completion_status"] == "completed"
    unlocked = academy.get(f"/v1/enrolments/{ml_kim['id']}").json()
    assert unlocked["content_locked"] is False and unlocked["missing_prerequisites"] == []
    results = {r["learner_id"]: r for r in academy.post(f"/v1/offerings/{ml['id']}/completions", expect=200).json()}
    assert results[kim]["completion_status"] == "completed"
    assert results[lee]["completion_status"] == "not_completed"
    assert results[lee]["unmet"] == ["prerequisites not completed: PY-100"]
    # and Lee cannot pass the blocking prerequisite further down the chain
    dl = academy.offering(course="DL-301")
    r = academy.enrol(dl["id"], lee)
    assert r.status_code == 422 and r.json()["error"] == "prerequisites_missing"
    assert academy.enrol(dl["id"], kim).json()["status"] == "enrolled"


def test_learners_are_idempotent_and_partners_stay_in_their_company(academy, auth):
    steel = auth.headers("partner", company_id="steelworks")
    other = auth.headers("partner", company_id="other-co")
    lid = "6f1c2a3e-0000-4000-8000-000000000001"
    body = {"id": lid, "name": "Lee", "birth_date": "1999-01-01", "residence": "Pohang"}
    assert academy.post("/v1/learners", body, headers=steel).status_code == 201
    again = academy.post("/v1/learners", body, headers=steel)
    assert again.status_code == 200 and again.json()["sponsor_company_id"] == "steelworks"
    hidden = academy.get(f"/v1/learners/{lid}", headers=other)  # another company's learner is simply not found
    assert (hidden.status_code, hidden.json()["error"]) == (404, "learner_not_found")
    academy.course("AI-101")
    offering = academy.offering()
    public = academy.learner()
    assert academy.enrol(offering["id"], public, headers=steel).json()["error"] == "wrong_place"
    r = academy.enrol(offering["id"], lid, headers=steel)
    assert r.status_code == 201
    assert academy.post(f"/v1/enrolments/{r.json()['id']}/withdraw", headers=other).status_code == 404
    assert academy.get("/v1/overview", headers=steel).status_code == 403


def test_bulk_uses_the_same_seat_rule(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=2, waitlist_cap=1)
    ids = [academy.learner(name=f"B{i}") for i in range(4)]
    items = academy.post(f"/v1/offerings/{offering['id']}/enrolments/bulk", {"learner_ids": ids}, expect=200).json()
    assert [i["enrolment"]["status"] if i["enrolment"] else i["error"] for i in items] == [
        "enrolled", "enrolled", "waitlisted", "waitlist_full"]
    seats = academy.get(f"/v1/offerings/{offering['id']}").json()
    assert (seats["seats_taken"], seats["waitlist_count"]) == (2, 1)


def test_bulk_refuses_a_malformed_id_by_its_index_and_enrols_the_others(academy):
    academy.course("AI-101")
    offering = academy.offering(capacity=5)
    a, b = academy.learner(name="A"), academy.learner(name="B")
    items = academy.post(f"/v1/offerings/{offering['id']}/enrolments/bulk",
                         {"learner_ids": [a, "not-a-uuid", 7, b]}, expect=200).json()
    assert [(i["index"], i["enrolment"]["status"] if i["enrolment"] else i["error"]) for i in items] == [
        (0, "enrolled"), (1, "invalid_learner_id"), (2, "invalid_learner_id"), (3, "enrolled")]
    assert items[1]["learner_id"] == "not-a-uuid"
    assert academy.get(f"/v1/offerings/{offering['id']}").json()["seats_taken"] == 2
