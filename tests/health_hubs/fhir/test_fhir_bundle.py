"""FHIR R4B bundle round-trip: every resource parses with fhir.resources (R4B) by its own type, every entry has a
urn:uuid fullUrl, every reference resolves to an entry of the same bundle, kiosk glucose is coded as capillary
blood (1556-0 fasting, 41653-7 otherwise), and a BP Observation carries its grade and flags."""

import copy
import json
import re

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from services.health_hubs.fhir.export import (
    BP_CLASSIFICATION_SYSTEM,
    FhirCheckError,
    check_references,
    references,
    validate,
)

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def exported(hub):
    rid = hub.register()["resident"]["id"]
    hub.post_bp(rid, (146, 70), (144, 70))          # 145/70: isolated systolic, grade 1
    hub.post_bp(rid, (186, 80), (184, 80))          # 185/80: crisis, grade 2, isolated systolic
    hub.post_glucose(rid, 130, meal="fasting")
    hub.post_glucose(rid, 180, meal="random")
    hub.post_glucose(rid, 210, meal="postprandial")
    r = hub.client.get(f"/v1/residents/{rid}/fhir", headers=hub.staff)
    assert r.status_code == 200
    return rid, r.json()


def test_every_resource_parses_and_every_reference_resolves_inside_the_bundle(hub):
    rid, bundle = exported(hub)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert all(UUID_URN.match(u) for u in urls) and len(set(urls)) == len(urls) == 1 + 2 * 2 + 3
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    assert by_url[f"urn:uuid:{rid}"]["resourceType"] == "Patient"
    refs = 0
    for entry in bundle["entry"]:
        resource = entry["resource"]
        cls = get_fhir_model_class(resource["resourceType"])
        model = cls.model_validate(resource)  # R4B, by its own type
        dumped = json.loads(model.model_dump_json())
        assert set(dumped) == set(resource) and cls.model_validate(dumped) == model  # the round trip keeps all
        for ref in references(resource):
            assert ref in by_url, ref
            refs += 1
        if resource["resourceType"] == "Observation":
            assert by_url[resource["subject"]["reference"]]["resourceType"] == "Patient"
    assert refs == 7 + 2  # each Observation's subject, and each heart rate derived from its BP panel
    again = Bundle.model_validate(json.loads(Bundle.model_validate(bundle).model_dump_json()))
    assert len(again.entry) == len(bundle["entry"])


def test_kiosk_glucose_is_coded_as_capillary_blood(hub):
    _, bundle = exported(hub)
    glucose = {o["valueQuantity"]["value"]: o["code"]["coding"][0] for o in (e["resource"] for e in bundle["entry"])
               if o.get("valueQuantity", {}).get("code") == "mg/dL"}
    assert {v: c["code"] for v, c in glucose.items()} == {130: "1556-0", 180: "41653-7", 210: "41653-7"}
    assert glucose[130]["display"] == "Fasting glucose [Mass/volume] in Capillary blood"
    assert "1558-6" not in json.dumps(bundle)  # serum or plasma: a laboratory specimen, not a finger-stick


def test_bp_observation_carries_grade_and_flags(hub):
    _, bundle = exported(hub)
    bps = {o["component"][0]["valueQuantity"]["value"]: o for o in (e["resource"] for e in bundle["entry"])
           if o.get("component")}
    def codes(o):
        return [(c["system"].rsplit("/", 1)[-1], c["code"]) for c in o["interpretation"][0]["coding"]]
    assert codes(bps[145]) == [(BP_CLASSIFICATION_SYSTEM, "hypertension_grade1"),
                               (BP_CLASSIFICATION_SYSTEM, "isolated_systolic"), ("v3-ObservationInterpretation", "H")]
    assert codes(bps[185]) == [(BP_CLASSIFICATION_SYSTEM, "hypertension_grade2"),
                               (BP_CLASSIFICATION_SYSTEM, "isolated_systolic"), (BP_CLASSIFICATION_SYSTEM, "crisis"),
                               ("v3-ObservationInterpretation", "HH")]


def test_a_dangling_or_non_uuid_reference_is_refused(hub):
    _, bundle = exported(hub)
    validate(bundle)
    dangling = copy.deepcopy(bundle)
    dangling["entry"][1]["resource"]["subject"]["reference"] = "Patient/" + dangling["entry"][0]["resource"]["id"]
    with pytest.raises(FhirCheckError, match="does not resolve"):
        check_references(dangling)
    not_uuid = copy.deepcopy(bundle)
    not_uuid["entry"][1]["fullUrl"] = "urn:aicity:observation:bp-1"
    with pytest.raises(FhirCheckError, match="urn:uuid"):
        validate(not_uuid)
    twice = copy.deepcopy(bundle)
    twice["entry"][2]["fullUrl"] = twice["entry"][1]["fullUrl"]
    with pytest.raises(FhirCheckError, match="share"):
        check_references(twice)
