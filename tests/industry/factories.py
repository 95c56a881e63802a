"""A small plant made through the API, for the industry tests."""

from datetime import UTC, datetime

SITE = "test-works"


def make_plant(client, auth, *, site_id: str = SITE, company_id: str = "steelworks") -> dict:
    admin = auth.headers("admin")
    assert client.post("/v1/sites", json={"id": site_id, "name": "Test works", "kind": "steelworks",
                                          "company_id": company_id, "lat": 36.0, "lon": 129.38},
                       headers=admin).status_code == 201
    assert client.post("/v1/lines", json={"id": f"{site_id}-iron", "site_id": site_id, "name": "Iron"},
                       headers=admin).status_code == 201
    assert client.post("/v1/work-units", json={"id": f"{site_id}-bf", "line_id": f"{site_id}-iron",
                                               "name": "BF", "kind": "blast_furnace", "working_volume_m3": 4000},
                       headers=admin).status_code == 201
    sensors = {}
    for tag, quantity, unit, agg, lo, hi in [
        ("temp", "temperature", "degC", "mean", 0, 1600),
        ("pressure", "pressure", "kPa", "mean", 0, 600),
        ("hm", "hot_metal_mass", "t", "sum", 0, 5000),
        ("coke", "coke_mass", "kg", "sum", 0, 5e6),
        ("pci", "pci_mass", "kg", "sum", 0, 5e6),
        ("steel", "crude_steel_mass", "t", "sum", 0, 5000),
        ("energy", "energy", "GJ", "sum", 0, 5e5),
        ("co2", "co2_mass", "t", "sum", 0, 5e4),
    ]:
        r = client.post("/v1/sensors", json={"work_unit_id": f"{site_id}-bf", "tag": tag, "quantity": quantity,
                                             "unit": unit, "aggregation": agg, "min_valid": lo, "max_valid": hi},
                        headers=admin)
        assert r.status_code == 201, r.text
        sensors[tag] = r.json()["id"]
    _, key = auth.device("gateway", site_id)
    return {"site_id": site_id, "work_unit_id": f"{site_id}-bf", "sensors": sensors,
            "gateway": {"Authorization": f"Bearer {key}"}, "admin": admin}


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def seed_demo(client, auth) -> tuple[dict, dict]:
    """The demo devices registered with identity, then the demo seed: (credentials, the seed's summary)."""
    from services.industry import seed

    credentials = {"devices": {}}
    for name, kind, place in seed.DEMO_DEVICES:
        device_id, key = auth.device(kind, place, name=name)
        credentials["devices"][name] = {"id": device_id, "key": key, "kind": kind, "place": place}
    app = client.app
    return credentials, seed.seed(app.state.engine, settings=app.state.settings, credentials=credentials)
