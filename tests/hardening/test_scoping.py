"""Every list and read of the SME programme is scoped in the service layer: a partner sees only its own company's
projects, funding and improvement figures (found: any partner listed every SME's project)."""

PROJECT = {"status": "built", "level_before": "none", "level_after": "basic", "funding_company_krw": 10,
           "funding_steelmaker_krw": 20, "funding_ministry_krw": 30, "productivity_before": 100,
           "productivity_after": 150, "defect_rate_before": 3.0, "defect_rate_after": 1.0,
           "unit_cost_before": 1000, "unit_cost_after": 800}


def _programme(client, official):
    for company in ("acme", "bolt"):
        assert client.post("/v1/programme/companies", headers=official,
                           json={"id": company, "name": company.title()}).status_code == 201
    for pid, company, after in (("a1", "acme", 150), ("a2", "acme", 130), ("b1", "bolt", 200)):
        r = client.post("/v1/programme/projects", headers=official,
                        json={**PROJECT, "id": pid, "company_id": company, "title": pid, "productivity_after": after})
        assert r.status_code == 201, r.text


def test_a_partner_sees_only_its_own_company(client_for, auth):
    client = client_for("industry")
    official = auth.headers("official")
    _programme(client, official)
    acme, bolt, none = (auth.headers("partner", company_id=c) for c in ("acme", "bolt", "shipyard"))

    assert [p["id"] for p in client.get("/v1/programme/projects", headers=official).json()] == ["a1", "a2", "b1"]
    assert [p["id"] for p in client.get("/v1/programme/projects", headers=acme).json()] == ["a1", "a2"]
    assert [p["id"] for p in client.get("/v1/programme/projects", headers=bolt).json()] == ["b1"]
    assert client.get("/v1/programme/projects", headers=none).json() == []

    assert client.get("/v1/programme/projects/a1", headers=acme).json()["company_id"] == "acme"
    for pid in ("b1", "nowhere"):  # another company's project is as absent as a missing one
        r = client.get(f"/v1/programme/projects/{pid}", headers=acme)
        assert (r.status_code, r.json()["error"]) == (404, "project_not_found")
    assert client.get("/v1/programme/projects/b1", headers=official).status_code == 200

    city = client.get("/v1/programme/progress", headers=official).json()
    own = client.get("/v1/programme/progress", headers=acme).json()
    other = client.get("/v1/programme/progress", headers=none).json()
    assert city["recorded"]["projects"] == 3 and city["funding_krw"]["steelmaker"] == 60
    assert own["recorded"]["projects"] == 2 and own["funding_krw"]["steelmaker"] == 40
    assert own["mean_improvement_pct_recorded"]["productivity"] == 40.0  # (50 + 30) / 2: bolt's 100 is not in it
    assert other["recorded"]["projects"] == 0 and other["mean_improvement_pct_recorded"]["productivity"] is None
    # the published targets stay visible to every partner
    assert [t["key"] for t in other["targets"]] == [t["key"] for t in city["targets"]]
