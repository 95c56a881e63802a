"""The FHIR R4B export through the API, validated by fhir.resources and by our own LOINC/UCUM checks."""

import copy

import pytest
from pydantic import ValidationError

from services.health_hubs.fhir.export import FhirCheckError, validate


def test_fhir_export_is_a_valid_r4b_bundle_with_loinc_and_ucum(hub):
    rid = hub.register()["resident"]["id"]
    hub.post_bp(rid, (150, 95), (146, 93))
    hub.post_glucose(rid, 130, meal="fasting")
    hub.post_glucose(rid, 180, meal="random")
    r = hub.client.get(f"/v1/residents/{rid}/fhir", headers=hub.staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    bundle = r.json()
    model = validate(bundle)
    assert model.type == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    patient = resources[0]
    assert patient["resourceType"] == "Patient" and patient["birthDate"] == "1948-03-15"
    assert "identifier" in patient and not any("rrn" in str(i).lower() for i in patient["identifier"])
    codes = sorted(o["code"]["coding"][0]["code"] for o in resources[1:])
    assert codes == sorted(["85354-9", "8867-4", "1556-0", "41653-7"])  # fasting finger-stick: capillary blood
    bp = next(o for o in resources if o.get("code", {}).get("coding", [{}])[0].get("code") == "85354-9")
    assert {c["code"]["coding"][0]["code"]: c["valueQuantity"]["code"] for c in bp["component"]} == {
        "8480-6": "mm[Hg]", "8462-4": "mm[Hg]"}
    assert bp["component"][0]["valueQuantity"]["value"] == 148
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"

    wrong_unit = copy.deepcopy(bundle)
    obs = next(e["resource"] for e in wrong_unit["entry"] if e["resource"].get("valueQuantity", {}).get("code")
               == "mg/dL")
    obs["valueQuantity"]["code"] = "mmol/L"
    with pytest.raises(FhirCheckError):
        validate(wrong_unit)
    wrong_code = copy.deepcopy(bundle)
    wrong_code["entry"][1]["resource"]["code"]["coding"][0]["code"] = "12345-6"
    with pytest.raises(FhirCheckError):
        validate(wrong_code)
    broken = copy.deepcopy(bundle)
    del broken["entry"][1]["resource"]["status"]  # required by R4B: fhir.resources catches it
    with pytest.raises(ValidationError):
        validate(broken)
    bad_status = copy.deepcopy(bundle)  # fhir.resources does not check the value set: we do
    bad_status["entry"][1]["resource"]["status"] = "not-a-status"
    with pytest.raises(FhirCheckError):
        validate(bad_status)
