"""Helpers of the safety tests: a site with a detector, and gas readings for it (the SMTP server is tests/support/smtp.py)."""

import uuid
from datetime import UTC, datetime, timedelta

from tests.industry.factories import iso, make_plant

MANAGER = "safety.manager@works.example"


def make_safety_site(client, auth, *, site_id: str | None = None, detector: str = "gd1",
                     bump_at: datetime | None = None, stale_after_s: float = 120) -> dict:
    site_id = site_id or f"sw-{uuid.uuid4().hex[:6]}"
    plant = make_plant(client, auth, site_id=site_id)
    admin = plant["admin"]
    r = client.put(f"/v1/safety/sites/{site_id}", headers=admin, json={
        "manager_name": "김안전", "manager_email": MANAGER,
        "gas_limits": {"co": {"high": 25}}, "gas_limits_source": "사업장 밀폐공간 작업 프로그램 2026"})
    assert r.status_code == 200, r.text
    r = client.post("/v1/safety/detectors", headers=admin, json={
        "id": detector, "work_unit_id": plant["work_unit_id"], "space": "BF-2 dust catcher",
        "kind": "portable", "stale_after_s": stale_after_s,
        "last_bump_at": iso(bump_at or datetime.now(UTC) - timedelta(hours=1))})
    assert r.status_code == 201, r.text
    return {**plant, "detector": r.json()}


def gas(detector: str, ts: datetime, **values) -> list[dict]:
    return [{"sensor": f"{detector}.{g}", "ts": iso(ts), "value": v} for g, v in values.items()]
