"""FHIR R4B export of one resident: a collection Bundle of a Patient and vital-sign Observations, validated by
fhir.resources.R4B, by our own LOINC / UCUM table (fhir.resources checks structure, not codes or units) and by
our own reference check: every entry's fullUrl is urn:uuid:<uuid>, and every reference inside the bundle is one
of those fullUrls (FHIR R4B Bundle, "Resolving references in Bundles"), so it resolves without a server."""

import re
import uuid

from fhir.resources.R4B.bundle import Bundle

from services.health_hubs.readings.domain import classify_bp
from services.health_hubs.readings.models import Reading
from services.health_hubs.readings.rules import RULE_SETS
from services.health_hubs.residents.models import Resident

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = "http://terminology.hl7.org/CodeSystem/observation-category"
RESIDENT_SYSTEM = "urn:aicity:health-hubs:resident"

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
BP_CLASSIFICATION_SYSTEM = "urn:aicity:health-hubs:bp-classification"  # grade and flags, readings/domain.py
OBSERVATION_NS = uuid.UUID("6f1c3f0e-6a43-5b8e-9a0a-9b1f0c2d7e11")  # uuid5 namespace: stable observation fullUrls
UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# LOINC code -> (display, UCUM unit or None for a panel): DOMAIN.md, from loinc.org. A kiosk glucose reading is a
# finger-stick, capillary blood by glucometer: 41653-7 "Glucose [Mass/volume] in Capillary blood by Glucometer"
# (random and after a meal), 1556-0 "Fasting glucose [Mass/volume] in Capillary blood" (Glucose^post CFst, BldC)
# when fasting; looked up at loinc.org/LG7967-5 and healthassure.in/codes/loinc-41653-7-..., .../loinc-1556-0-...
# 1558-6 is fasting glucose in serum or plasma (a laboratory specimen), never a kiosk reading; 2339-0 (blood,
# unspecified method) is kept for readings whose specimen is not known to be capillary.
GLUCOSE_CODES = {"fasting": "1556-0", "postprandial": "41653-7", "random": "41653-7"}
CODES = {
    "85354-9": ("Blood pressure panel with all children optional", None),
    "8480-6": ("Systolic blood pressure", "mm[Hg]"),
    "8462-4": ("Diastolic blood pressure", "mm[Hg]"),
    "8867-4": ("Heart rate", "/min"),
    "2339-0": ("Glucose [Mass/volume] in Blood", "mg/dL"),
    "41653-7": ("Glucose [Mass/volume] in Capillary blood by Glucometer", "mg/dL"),
    "1556-0": ("Fasting glucose [Mass/volume] in Capillary blood", "mg/dL"),
}
OBSERVATION_STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                      "entered-in-error", "unknown"}  # R4B value set observation-status (required binding)
GENDER = {"female": "female", "male": "male", "other": "other"}


class FhirCheckError(ValueError):
    pass


def _quantity(value: int, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _coding(code: str) -> dict:
    return {"coding": [{"system": LOINC, "code": code, "display": CODES[code][0]}], "text": CODES[code][0]}


def observation_url(reading_id, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(OBSERVATION_NS, f'{reading_id}/{part}')}"


def _interpretation(reading: Reading) -> list[dict]:
    """The stored category as text; for BP the guideline grade and each flag as codings, and H / HH (critical
    high: a crisis) from HL7 v3 ObservationInterpretation."""
    concept: dict = {"text": reading.category}
    if reading.kind == "bp":
        rules = RULE_SETS.get(reading.rule_version)
        if rules is not None:
            bp = classify_bp(reading.systolic, reading.diastolic, rules)
            codings = [{"system": BP_CLASSIFICATION_SYSTEM, "code": c} for c in (bp.grade, *bp.flags)]
            if bp.crisis:
                codings.append({"system": INTERPRETATION, "code": "HH", "display": "Critical high"})
            elif bp.grade.startswith("hypertension"):
                codings.append({"system": INTERPRETATION, "code": "H", "display": "High"})
            concept["coding"] = codings
    return [concept]


def _observation(reading: Reading, patient_ref: str) -> list[tuple[str, dict]]:
    """(fullUrl, resource) pairs of one reading."""
    base = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": VITAL_SIGNS, "code": "vital-signs", "display": "Vital Signs"}]}],
        "subject": {"reference": patient_ref},
        "effectiveDateTime": reading.measured_at.isoformat(),
        "identifier": [{"system": "urn:aicity:health-hubs:reading", "value": str(reading.id)}],
    }
    if reading.kind == "bp":
        bp_url = observation_url(reading.id, "bp")
        out = [(bp_url, {**base, "id": f"bp-{reading.id}", "code": _coding("85354-9"), "component": [
            {"code": _coding("8480-6"), "valueQuantity": _quantity(reading.systolic, "mm[Hg]")},
            {"code": _coding("8462-4"), "valueQuantity": _quantity(reading.diastolic, "mm[Hg]")},
        ], "interpretation": _interpretation(reading)})]
        if reading.pulse_bpm is not None:
            out.append((observation_url(reading.id, "hr"), {
                **base, "id": f"hr-{reading.id}", "code": _coding("8867-4"),
                "valueQuantity": _quantity(reading.pulse_bpm, "/min"),
                "derivedFrom": [{"reference": bp_url}]}))  # measured in the same sitting by the same cuff
        return out
    code = GLUCOSE_CODES.get(reading.meal_context or "random", "41653-7")
    return [(observation_url(reading.id, "glucose"), {
        **base, "id": f"glu-{reading.id}", "code": _coding(code),
        "valueQuantity": _quantity(reading.glucose_mg_dl, "mg/dL"),
        "interpretation": _interpretation(reading)})]


def resident_bundle(resident: Resident, readings: list[Reading]) -> dict:
    patient_id = str(resident.id)
    patient = {
        "resourceType": "Patient", "id": patient_id,
        "identifier": [{"system": RESIDENT_SYSTEM, "value": patient_id}],
        "name": [{"family": resident.family_name, "given": [resident.given_name],
                  "text": f"{resident.family_name}{resident.given_name}"}],
        "gender": GENDER.get(resident.sex, "unknown"), "birthDate": resident.birth_date.isoformat(),
        "active": resident.status == "active",
    }
    if resident.phone:
        patient["telecom"] = [{"system": "phone", "value": resident.phone}]
    patient_url = f"urn:uuid:{uuid.UUID(patient_id)}"
    entries = [{"fullUrl": patient_url, "resource": patient}]
    for reading in readings:
        for url, obs in _observation(reading, patient_url):
            entries.append({"fullUrl": url, "resource": obs})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    validate(bundle)
    return bundle


def references(node) -> list[str]:
    """Every Reference.reference anywhere in a resource (or bundle)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for item in node:
            found += references(item)
    return found


def check_references(bundle: dict) -> None:
    """Every entry has a unique urn:uuid fullUrl, and every reference is one of them (or an absolute URL)."""
    urls = [e.get("fullUrl") for e in bundle.get("entry", [])]
    for url in urls:
        if not isinstance(url, str) or not UUID_URN.match(url):
            raise FhirCheckError(f"fullUrl {url!r} is not urn:uuid:<uuid>")
    if len(set(urls)) != len(urls):
        raise FhirCheckError("two entries share a fullUrl")
    known = set(urls)
    for entry in bundle.get("entry", []):
        for ref in references(entry["resource"]):
            if ref not in known and not ref.startswith(("http://", "https://")):
                raise FhirCheckError(f"reference {ref!r} does not resolve inside the bundle")


def check_codes(bundle: dict) -> None:
    """Every Observation has a valid status, a known LOINC code, and quantities in that code's UCUM unit."""

    def check(code_concept: dict, quantity: dict | None) -> None:
        codings = code_concept.get("coding") or []
        if not codings or codings[0].get("system") != LOINC or codings[0].get("code") not in CODES:
            raise FhirCheckError(f"unknown or non-LOINC code {codings[:1]}")
        unit = CODES[codings[0]["code"]][1]
        if unit is None:
            if quantity is not None:
                raise FhirCheckError(f"panel {codings[0]['code']} must not carry a value")
            return
        if quantity is None or quantity.get("system") != UCUM or quantity.get("code") != unit:
            raise FhirCheckError(f"{codings[0]['code']} needs UCUM unit {unit}, got {quantity}")

    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        if resource.get("resourceType") != "Observation":
            continue
        if resource.get("status") not in OBSERVATION_STATUS:
            raise FhirCheckError(f"observation status {resource.get('status')!r} is not in the R4B value set")
        check(resource["code"], resource.get("valueQuantity"))
        for component in resource.get("component", []):
            check(component["code"], component.get("valueQuantity"))


def validate(bundle: dict) -> Bundle:
    """Structure by fhir.resources (raises pydantic.ValidationError), then codes and units by us."""
    model = Bundle.model_validate(bundle)
    check_codes(bundle)
    check_references(bundle)
    return model
