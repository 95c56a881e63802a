"""The requests of each service's hot route for bench_capacity.py, made beforehand through the service's own API
(each with its own ids, so a replayed write is a new write until the list wraps round): `setup(http, identity,
clients, database_url)` prepares what the requests need and returns `request(c, i)`, the i-th request of client c
as a dict (method, url, headers, json | data). Not a benchmark itself (no bench_ prefix: `aicity bench` does not
run it); these were the setups of the retired Python-client load scripts (bench_load_*.py), which measured the
client rather than the services."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from services.common.db import make_engine
from services.transit.boarding.routes import ROUTES


def transit(http, identity, clients, database_url):
    """200 buses at the morning peak, each with its own device key, sending card boardings."""
    official = identity.device_headers("enrolment_kiosk", "C001")  # riders and cards are made at the kiosk
    cards = []
    for i in range(20):
        rider = http.post("/v1/riders", json={}, headers=official).json()["id"]
        card = f"LOADCARD{i:04d}"
        r = http.post("/v1/cards", json={"card_id": card, "rider_id": rider, "concession": "senior"}, headers=official)
        r.raise_for_status()
        cards.append(card)
    buses = [(f"bus-{c:03d}", identity.device_headers("bus", f"bus-{c:03d}")) for c in range(clients)]
    stops = ROUTES["200"]

    def request(c, i):
        bus_id, headers = buses[c]
        return {"method": "POST", "url": "/v1/boardings", "headers": headers, "data": {
            "event_id": str(uuid.uuid4()), "bus_id": bus_id, "route_id": "200", "stop_id": stops[i % len(stops)],
            "occurred_at": datetime.now(UTC).isoformat(), "card_id": cards[(c + i) % len(cards)]}}

    return request


BATCH_READINGS = 5


def health_hubs(http, identity, clients, database_url):
    """Kiosks syncing a batch of 5 blood-pressure readings, each for a resident of its own centre."""
    admin = identity.headers("admin")
    kiosks = []
    for c in range(clients):
        centre = f"C{c % 641 + 1:03d}"
        r = http.post("/v1/residents", headers=admin, json={
            "family_name": "박", "given_name": f"민수{c}", "birth_date": f"19{40 + c % 30}-0{1 + c % 9}-1{c % 9}",
            "sex": "male", "phone": f"010-{1000 + c:04d}-{2000 + c:04d}", "centre_id": centre,
            "consents": {"health_data": True, "share_public_health": True, "reminders": False}, "confirm_new": True})
        r.raise_for_status()
        kiosks.append((r.json()["resident"]["id"], identity.device_headers("health_kiosk", centre)))
    start = datetime.now(UTC) - timedelta(hours=6)

    def request(c, i):
        resident, headers = kiosks[c]
        items = [{"client_id": str(uuid.uuid4()), "resident_id": resident, "kind": "bp",
                  "measured_at": (start + timedelta(minutes=i * BATCH_READINGS + k)).isoformat(),
                  "bp": [{"systolic": 124 + k, "diastolic": 80, "pulse_bpm": 70},
                         {"systolic": 122 + k, "diastolic": 79, "pulse_bpm": 70}]} for k in range(BATCH_READINGS)]
        return {"method": "POST", "url": "/v1/readings/batch", "headers": headers, "json": {"items": items}}

    return request


BATCH_TELEMETRY = 50
SITE = "load-works"


def industry(http, identity, clients, database_url):
    """Plant gateways posting batches of 50 readings (one blast furnace, 10 sensors)."""
    admin = identity.headers("admin")
    for path, body in [
        ("/v1/sites", {"id": SITE, "name": "Load works", "kind": "steelworks", "company_id": "steelworks",
                       "lat": 36.0, "lon": 129.38}),
        ("/v1/lines", {"id": "load-iron", "site_id": SITE, "name": "Iron"}),
        ("/v1/work-units", {"id": "load-bf", "line_id": "load-iron", "name": "BF", "kind": "blast_furnace",
                            "working_volume_m3": 4000}),
    ]:
        http.post(path, json=body, headers=admin).raise_for_status()
    tags = [f"t{k}" for k in range(10)]
    for tag in tags:
        http.post("/v1/sensors", headers=admin, json={
            "work_unit_id": "load-bf", "tag": tag, "quantity": "temperature", "unit": "degC", "aggregation": "mean",
            "min_valid": 0, "max_valid": 1600}).raise_for_status()
    gateways = [identity.device_headers("gateway", SITE) for _ in range(clients)]
    t0 = datetime.now(UTC) - timedelta(days=1)

    def request(c, i):
        base = (i * clients + c) * BATCH_TELEMETRY  # every reading its own (sensor, instant)
        readings = [{"sensor": tags[k % len(tags)], "ts": (t0 + timedelta(milliseconds=base + k)).isoformat(),
                     "value": 1200 + k % 50} for k in range(BATCH_TELEMETRY)]
        return {"method": "POST", "url": "/v1/telemetry", "headers": gateways[c],
                "json": {"batch_id": str(uuid.uuid4()), "readings": readings}}

    return request


LEARNERS = 6000  # one application each: every request is a new application until the list wraps round


def talent_academy(http, identity, clients, database_url):
    """Academy desks applying learners to one cohort of 30 seats whose waitlist has room for all of them (each
    request a new application: 30 enrolled, the rest waitlisted with a position, all 201)."""
    from services.talent_academy.enrolment.models import Learner

    staff = identity.headers("academy_staff")
    http.post("/v1/tracks", json={"id": "ai", "name": "AI"}, headers=staff).raise_for_status()
    http.post("/v1/courses", json={"id": "AI-101", "track_id": "ai", "title": "AI-101", "term": 1,
                                   "skills": ["python"]}, headers=staff).raise_for_status()
    now = datetime.now(UTC)
    starts = date.today() + timedelta(days=21)
    r = http.post("/v1/offerings", headers=staff, json={
        "code": f"AI-101-{uuid.uuid4().hex[:6]}", "course_id": "AI-101", "cohort": "2026-1", "capacity": 30,
        "waitlist_cap": 100_000, "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(), "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(weeks=12)).isoformat()})
    r.raise_for_status()
    offering = r.json()["id"]
    engine = make_engine(database_url)  # the learners straight into the table: thousands over HTTP take minutes
    try:
        with Session(engine) as session:
            learners = [Learner(name=f"Learner {n}", birth_date=date(2000, 5, 1), residence="Pohang")
                        for n in range(LEARNERS)]
            session.add_all(learners)
            session.commit()
            ids = [str(x.id) for x in learners]
    finally:
        engine.dispose()
    desks = [identity.headers("academy_staff") for _ in range(min(clients, 10))]

    def request(c, i):
        return {"method": "POST", "url": f"/v1/offerings/{offering}/enrolments", "headers": desks[c % len(desks)],
                "json": {"learner_id": ids[(i * clients + c) % len(ids)]}}

    return request
