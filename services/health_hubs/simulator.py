"""`aicity simulate` for the health hubs: kiosks tap demo cards and post BP sittings and glucose readings through
the HTTP API, with an occasional retry (same client_id) and an offline backlog sent as a batch."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.health_hubs.care.domain import simulated_staff_step
from services.health_hubs.seed import RESIDENTS_PER_CENTRE, demo_token

STAFF_EVERY_S = 30  # simulated staff look at their alerts about this often


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.base_url, self.rng, self.rate = base_url, rng, rate
        self.kiosks = [(d["place"], d["key"]) for d in credentials.get("devices", {}).values()
                       if d.get("kind") == "health_kiosk"]
        self.client = httpx.Client(base_url=base_url, timeout=10.0)
        self.backlog: dict[str, list[dict]] = {}
        admin = credentials.get("accounts", {}).get("admin")
        self.staff_login = ("admin", admin["password"]) if admin else None
        self.staff_token: str | None = None
        self.staff_next = 0.0
        self.reaction_min: dict[str, float] = {}

    def step(self) -> None:
        if not self.kiosks:
            return
        for _ in range(max(1, int(self.rate))):
            self._one()
        if self.staff_login and time.monotonic() >= self.staff_next:
            self.staff_next = time.monotonic() + STAFF_EVERY_S
            try:
                self._staff()
            except httpx.HTTPError:
                self.staff_token = None

    def _staff(self) -> None:
        """Simulated centre staff answer alerts at human speed (3-8 minutes), except fresh ones at C001, the
        centre whose demo staff member signs in to the dashboard."""
        if self.staff_token is None:
            r = self.client.post("/v1/auth/token", data={"username": self.staff_login[0],
                                                         "password": self.staff_login[1]})
            if r.status_code != 200:
                return
            self.staff_token = r.json()["access_token"]
        headers = {"Authorization": f"Bearer {self.staff_token}", "X-Purpose": "simulated_staff"}
        r = self.client.get("/v1/alerts", params={"limit": 200}, headers=headers)
        if r.status_code == 401:
            self.staff_token = None
            return
        now = datetime.now(UTC)
        for alert in r.json() if r.status_code == 200 else []:
            if alert["status"] == "resolved":
                continue
            reaction = self.reaction_min.setdefault(alert["id"], self.rng.uniform(3, 8))
            alert = {**alert, "created_at": datetime.fromisoformat(alert["created_at"])}
            for suffix, body in simulated_staff_step(alert, now=now, reaction_min=reaction, leave_centre="C001"):
                self.client.post(f"/v1/alerts/{alert['id']}/{suffix}", json=body, headers=headers)

    def _one(self) -> None:
        centre, key = self.rng.choice(self.kiosks)
        headers = {"Authorization": f"Bearer {key}", "X-Device-Time": datetime.now(UTC).isoformat()}
        token = demo_token(centre, self.rng.randint(1, RESIDENTS_PER_CENTRE))
        who = self.client.post("/v1/kiosk/identify", json={"token": token}, headers=headers)
        if who.status_code != 200 or not who.json()["can_measure"]:
            return
        body = self._reading(who.json()["resident_id"])
        if self.rng.random() < 0.1:  # the kiosk is offline: keep it for a batch
            self.backlog.setdefault(key, []).append(body)
            if len(self.backlog[key]) >= 5:
                self.client.post("/v1/readings/batch", json={"items": self.backlog.pop(key)}, headers=headers)
            return
        r = self.client.post("/v1/readings", json=body, headers=headers)
        if r.status_code == 201 and self.rng.random() < 0.05:  # a lost answer: the kiosk retries
            self.client.post("/v1/readings", json=body, headers=headers)

    def _reading(self, resident_id: str) -> dict:
        now = datetime.now(UTC) - timedelta(seconds=5)
        base = {"client_id": str(uuid.uuid4()), "resident_id": resident_id, "measured_at": now.isoformat()}
        if self.rng.random() < 0.3:
            return {**base, "kind": "glucose", "glucose_mg_dl": int(max(40, self.rng.gauss(125, 40))),
                    "meal_context": self.rng.choice(["fasting", "postprandial", "random"]),
                    "sample_type": "capillary_whole_blood", "meter_seq": self.rng.randint(0, 65535)}
        sys_mean = self.rng.gauss(135, 18)
        dia_mean = min(sys_mean - 25, self.rng.gauss(80, 10))
        measurements = []
        for _ in range(2):
            s = int(min(260, max(90, self.rng.gauss(sys_mean, 4))))
            d = int(min(s - 10, max(50, self.rng.gauss(dia_mean, 3))))
            flags = ["body_movement"] if self.rng.random() < 0.03 else []
            measurements.append({"systolic": s, "diastolic": d, "pulse_bpm": int(self.rng.gauss(74, 9)),
                                 "flags": flags})
        return {**base, "kind": "bp", "bp": measurements}
