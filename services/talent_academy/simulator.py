"""`aicity simulate` for the talent academy: new applicants register and apply to cohorts whose window is
open, some withdraw (their seat goes down the waitlist), some accept or decline offers; HTTP API only."""

import httpx


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.rng, self.rate = rng, rate
        self.client = httpx.Client(base_url=base_url, timeout=10.0)
        account = credentials.get("accounts", {}).get("academy", {})
        self.password = account.get("password", "academy-demo-pass")
        self.headers: dict | None = None
        self.mine: list[int] = []  # enrolments this simulator made

    def _sign_in(self) -> None:
        r = self.client.post("/v1/auth/token", data={"username": "academy", "password": self.password})
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def step(self) -> None:
        if self.headers is None:
            self._sign_in()
        for _ in range(max(1, int(self.rate))):
            r = self._one()
            if r is not None and r.status_code == 401:
                self.headers = None
                return

    def _one(self):
        roll = self.rng.random()
        if roll < 0.15 and self.mine:
            eid = self.rng.choice(self.mine)
            current = self.client.get(f"/v1/enrolments/{eid}", headers=self.headers)
            if current.status_code == 200 and current.json()["status"] == "offered":
                verb = "accept" if self.rng.random() < 0.7 else "decline"
                return self.client.post(f"/v1/enrolments/{eid}/{verb}", headers=self.headers)
            self.mine.remove(eid)
            return self.client.post(f"/v1/enrolments/{eid}/withdraw", headers=self.headers)
        if roll > 0.6:
            return None  # a quiet second
        offerings = self.client.get("/v1/offerings", headers=self.headers)
        if offerings.status_code != 200:
            return offerings
        open_ = [o for o in offerings.json() if o["waitlist_count"] < o["waitlist_cap"]]
        if not open_:
            return None
        offering = self.rng.choice(open_)
        learner = self.client.post("/v1/learners", headers=self.headers, json={
            "name": f"Applicant {self.rng.randint(1000, 9999)}",
            "birth_date": f"{self.rng.randint(1988, 2006)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
            "residence": "Pohang" if self.rng.random() < 0.8 else "Gyeongju",
            "skills": self.rng.sample(["python", "sql", "plc", "ros", "statistics", "excel"], 2)})
        if learner.status_code != 201:
            return learner
        r = self.client.post(f"/v1/offerings/{offering['id']}/enrolments", headers=self.headers,
                             json={"learner_id": learner.json()["id"], "source": "self"})
        if r.status_code in (200, 201):
            self.mine.append(r.json()["id"])
            if self.rng.random() < 0.05:  # a lost answer: the client asks again and gets the same enrolment
                self.client.post(f"/v1/offerings/{offering['id']}/enrolments", headers=self.headers,
                                 json={"learner_id": learner.json()["id"], "source": "self"})
        return r
