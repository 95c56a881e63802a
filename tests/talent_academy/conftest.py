"""Fixtures of the talent academy tests: a started client with staff headers and small builders."""

import threading
import time
import uuid
from datetime import date, timedelta

import pytest
import uvicorn

from services.common.db import utcnow
from services.talent_academy.main import create_app
from tools.hardening import free_port


class Academy:
    """The academy API as staff, with builders of catalogue rows and learners (all through HTTP)."""

    def __init__(self, client, headers, engine):
        self.client, self.headers, self.engine = client, headers, engine

    def post(self, path, json=None, headers=None, expect=None):
        r = self.client.post(path, json=json, headers=headers or self.headers)
        if expect is not None:
            assert r.status_code == expect, r.text
        return r

    def get(self, path, headers=None, **params):
        return self.client.get(path, params=params, headers=headers or self.headers)

    def track(self, id="ai", name="AI"):
        r = self.post("/v1/tracks", {"id": id, "name": name})
        assert r.status_code in (201, 409), r.text
        return id

    def course(self, id="AI-101", track="ai", term=1, skills=("python",)):
        self.track(track)
        self.post("/v1/courses", {"id": id, "track_id": track, "title": id, "term": term, "skills": list(skills)},
                  expect=201)
        return id

    def offering(self, course="AI-101", **overrides):
        now = utcnow()
        starts = date.today() + timedelta(days=21)
        body = {"code": f"{course}-{uuid.uuid4().hex[:6]}", "course_id": course, "cohort": "2026-1",
                "capacity": 30, "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=7)).isoformat(), "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(weeks=12)).isoformat()}
        body.update(overrides)
        return self.post("/v1/offerings", body, expect=201).json()

    def learner(self, **overrides):
        body = {"name": "Kim", "birth_date": "2000-05-01", "residence": "Pohang"}
        body.update(overrides)
        return self.post("/v1/learners", body, expect=201).json()["id"]

    def enrol(self, offering_id, learner_id, headers=None):
        return self.post(f"/v1/offerings/{offering_id}/enrolments", {"learner_id": learner_id}, headers=headers)


@pytest.fixture
def academy(client_for, auth, service_db):
    client = client_for("talent_academy")
    return Academy(client, auth.headers("academy_staff"), service_db("talent_academy").engine)


@pytest.fixture
def live_academy(service_settings):
    """The academy app served by uvicorn on a free port (real HTTP, real threads, the test database)."""
    settings = service_settings("talent_academy")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           backlog=1024))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
