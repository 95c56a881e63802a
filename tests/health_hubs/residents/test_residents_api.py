"""Residents over HTTP: search before register, duplicates and merge with history, consents, cards, the kiosk's
lookup, and the place scopes."""

import uuid
from datetime import datetime, timedelta

from services.common.citytime import CITY_ZONE
from tests.health_hubs.factories import resident_body


def test_register_then_identify_by_card_at_the_kiosk(hub):
    created = hub.register()
    assert created["resident"]["district"] == "Buk-gu"
    assert created["resident"]["consents"]["health_data"]["granted"] is True
    assert created["resident"]["consents"]["share_public_health"]["version"] == "2025-01"
    r = hub.client.post("/v1/kiosk/identify", json={"token": created["token"]}, headers=hub.kiosk)
    assert r.status_code == 200
    assert r.json() == {"resident_id": created["resident"]["id"], "display_name": "영희", "initials": "김OO",
                        "centre_id": "C001", "can_measure": True}
    r = hub.client.post("/v1/kiosk/identify", json={"token": "HH-not-a-card"}, headers=hub.kiosk)
    assert r.status_code == 404 and r.json()["error"] == "unknown_token"
    # a replaced card revokes the old one
    new = hub.client.post(f"/v1/residents/{created['resident']['id']}/card", headers=hub.staff).json()["token"]
    assert hub.client.post("/v1/kiosk/identify", json={"token": created["token"]},
                           headers=hub.kiosk).status_code == 404
    assert hub.client.post("/v1/kiosk/identify", json={"token": new}, headers=hub.kiosk).status_code == 200
    # people cannot use the kiosk endpoint
    assert hub.client.post("/v1/kiosk/identify", json={"token": new}, headers=hub.staff).status_code == 403


def test_a_birth_date_before_1900_or_in_the_future_is_refused(hub):
    tomorrow = (datetime.now(CITY_ZONE) + timedelta(days=1)).date().isoformat()
    for birth_date in ("1899-12-31", tomorrow):
        r = hub.client.post("/v1/residents", json=resident_body(birth_date=birth_date), headers=hub.staff)
        assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text


def test_search_before_register_finds_a_korean_spelling_slip(hub):
    first = hub.register()["resident"]
    found = hub.client.get("/v1/residents/search", headers=hub.staff, params={
        "family_name": "김", "given_name": "영히", "birth_date": "1948-03-15", "sex": "female"}).json()
    assert found and found[0]["id"] == first["id"] and found[0]["in_scope"] is True
    assert found[0]["score"] >= 75 and "similar_name" in found[0]["reasons"]

    r = hub.client.post("/v1/residents", json=resident_body(given_name="영히"), headers=hub.staff)
    assert r.status_code == 409 and r.json()["error"] == "possible_duplicate"
    assert r.json()["detail"]["candidates"][0]["id"] == first["id"]
    r = hub.client.post("/v1/residents", json=resident_body(given_name="영히", confirm_new=True), headers=hub.staff)
    assert r.status_code == 201
    second = r.json()
    assert [c["id"] for c in second["possible_duplicates"]] == [first["id"]]
    queue = hub.client.get("/v1/duplicates", headers=hub.staff).json()
    assert len(queue) == 1 and queue[0]["candidate_id"] == first["id"]
    # a different person is not a duplicate
    assert hub.client.post("/v1/residents", json=resident_body(family_name="박", given_name="철수", sex="male",
                                                               phone=None, birth_date="1950-07-01"),
                           headers=hub.staff).status_code == 201


def test_matches_in_another_centre_are_masked(hub):
    other_staff = hub.auth.headers("centre_staff", centre_id="C002")
    hub.register(headers=other_staff, centre_id="C002")
    found = hub.client.get("/v1/residents/search", headers=hub.staff, params={
        "family_name": "김", "given_name": "영희", "birth_date": "1948-03-15", "sex": "female"}).json()
    assert found[0]["in_scope"] is False and found[0]["centre_id"] == "C002"
    assert found[0]["given_name"] is None and found[0]["phone"] is None and found[0]["initials"] == "김OO"


def test_merge_moves_readings_and_cards_and_keeps_history(hub):
    a = hub.register()
    b = hub.register(given_name="영히", confirm_new=True)
    aid, bid = a["resident"]["id"], b["resident"]["id"]
    assert hub.post_bp(bid, (130, 80), (132, 82)).status_code == 201
    dup = hub.client.get("/v1/duplicates", headers=hub.staff).json()[0]
    r = hub.client.post(f"/v1/duplicates/{dup['id']}/resolve", headers=hub.staff,
                        json={"decision": "merge", "keep": "candidate", "reason": "same person, typo"})
    assert r.status_code == 200 and r.json()["status"] == "merged"
    merged = hub.client.get(f"/v1/residents/{bid}", headers=hub.staff).json()
    assert merged["status"] == "merged" and merged["merged_into_id"] == aid
    assert len(hub.client.get(f"/v1/residents/{aid}/readings", headers=hub.staff).json()) == 1
    history = hub.client.get(f"/v1/residents/{aid}/merges", headers=hub.staff).json()
    assert history[0]["merged_id"] == bid and history[0]["snapshot"]["given_name"] == "영히"
    assert history[0]["moved"]["reading"] == 1
    # the old card now finds the kept record
    r = hub.client.post("/v1/kiosk/identify", json={"token": b["token"]}, headers=hub.kiosk)
    assert r.json()["resident_id"] == aid
    r = hub.client.post(f"/v1/residents/{aid}/merge", headers=hub.staff, json={"merged_id": bid, "reason": "x"})
    assert r.status_code == 409 and r.json()["error"] == "resident_merged"


def test_consents_are_separate_versioned_and_kept_as_history(hub):
    rid = hub.register(consents={"reminders": True})["resident"]["id"]
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "share_public_health", "granted": False, "version": "2025-02"})
    consents = r.json()["consents"]
    assert consents["share_public_health"] == {**consents["share_public_health"], "granted": False,
                                               "version": "2025-02"}
    assert consents["health_data"]["granted"] is True and consents["reminders"]["granted"] is True
    # the nurse loses access with the sharing consent
    r = hub.client.get(f"/v1/residents/{rid}", headers=hub.nurse)
    assert r.status_code == 403 and r.json()["error"] == "no_sharing_consent"
    r = hub.client.post(f"/v1/residents/{rid}/consents", headers=hub.staff,
                        json={"kind": "health_data", "granted": False})
    assert hub.post_bp(rid).json()["error"] == "consent_required"


def test_place_scopes(hub):
    rid = hub.register()["resident"]["id"]
    other_staff = hub.auth.headers("centre_staff", centre_id="C002")
    r = hub.client.get(f"/v1/residents/{rid}", headers=other_staff)
    assert r.status_code == 403 and r.json()["error"] == "wrong_place"
    assert hub.client.get(f"/v1/residents/{rid}/readings", headers=other_staff).status_code == 403
    assert hub.client.get(f"/v1/residents/{rid}/fhir", headers=other_staff).status_code == 403
    assert hub.client.patch(f"/v1/residents/{rid}", headers=other_staff, json={"phone": "1"}).status_code == 403
    nam_nurse = hub.auth.headers("nurse", district="Nam-gu")
    assert hub.client.get(f"/v1/residents/{rid}", headers=nam_nurse).status_code == 403
    assert hub.client.get(f"/v1/residents/{rid}", headers=hub.nurse).status_code == 200
    r = hub.client.get(f"/v1/residents/{rid}", headers=hub.official)
    assert r.status_code == 403 and r.json()["error"] == "aggregates_only"
    assert hub.client.get(f"/v1/residents/{rid}", headers=hub.staff).status_code == 200
    # staff cannot register residents of another centre; lists show only their place
    r = hub.client.post("/v1/residents", json=resident_body(centre_id="C002"), headers=hub.staff)
    assert r.status_code == 403
    assert hub.client.get("/v1/residents", headers=other_staff).json()["total"] == 0
    assert hub.client.get("/v1/residents", headers=hub.staff).json()["total"] == 1
    assert hub.client.get("/v1/residents", headers=nam_nurse).json()["total"] == 0
    # a kiosk of another centre may still measure a visiting resident, but not read records
    _, key = hub.auth.device("health_kiosk", "C002")
    kiosk2 = {"Authorization": f"Bearer {key}"}
    assert hub.post_bp(rid, headers=kiosk2).status_code == 201
    assert hub.client.get(f"/v1/residents/{rid}", headers=kiosk2).status_code == 403
    assert hub.client.get(f"/v1/residents/{uuid.uuid4()}", headers=hub.staff).status_code == 404


def test_bad_input_is_a_4xx_envelope(hub):
    r = hub.client.post("/v1/residents", json=resident_body(birth_date="1800-01-01"), headers=hub.staff)
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    r = hub.client.post("/v1/residents", json=resident_body(centre_id="C999"), headers=hub.staff)
    assert r.status_code == 422 and r.json()["error"] == "unknown_centre"
    r = hub.client.get("/v1/residents/not-a-uuid", headers=hub.staff)
    assert r.status_code == 422
