"""FHIR R4B export of one resident: a collection Bundle of a Patient and vital-sign Observations, validated by
fhir.resources.R4B and by our own LOINC / UCUM table (fhir.resources checks structure, not codes or units)."""

from fhir.resources.R4B.bundle import Bundle

from services.health_hubs.models import Reading, Resident

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = "http://terminology.hl7.org/CodeSystem/observation-category"
RESIDENT_SYSTEM = "urn:aicity:health-hubs:resident"

# LOINC code -> (display, UCUM unit or None for a panel): DOMAIN.md, from loinc.org
CODES = {
    "85354-9": ("Blood pressure panel with all children optional", None),
    "8480-6": ("Systolic blood pressure", "mm[Hg]"),
    "8462-4": ("Diastolic blood pressure", "mm[Hg]"),
    "8867-4": ("Heart rate", "/min"),
    "2339-0": ("Glucose [Mass/volume] in Blood", "mg/dL"),
    "41653-7": ("Glucose [Mass/volume] in Capillary blood by Glucometer", "mg/dL"),
    "1558-6": ("Fasting glucose [Mass/volume] in Serum or Plasma", "mg/dL"),
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


def _observation(reading: Reading, patient_ref: str) -> list[dict]:
    base = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": VITAL_SIGNS, "code": "vital-signs", "display": "Vital Signs"}]}],
        "subject": {"reference": patient_ref},
        "effectiveDateTime": reading.measured_at.isoformat(),
        "identifier": [{"system": "urn:aicity:health-hubs:reading", "value": str(reading.id)}],
    }
    if reading.kind == "bp":
        out = [{**base, "id": f"bp-{reading.id}", "code": _coding("85354-9"), "component": [
            {"code": _coding("8480-6"), "valueQuantity": _quantity(reading.systolic, "mm[Hg]")},
            {"code": _coding("8462-4"), "valueQuantity": _quantity(reading.diastolic, "mm[Hg]")},
        ], "interpretation": [{"text": reading.category}]}]
        if reading.pulse_bpm is not None:
            out.append({**base, "id": f"hr-{reading.id}", "code": _coding("8867-4"),
                        "valueQuantity": _quantity(reading.pulse_bpm, "/min")})
        return out
    code = "1558-6" if reading.meal_context == "fasting" else "41653-7"
    return [{**base, "id": f"glu-{reading.id}", "code": _coding(code),
             "valueQuantity": _quantity(reading.glucose_mg_dl, "mg/dL"),
             "interpretation": [{"text": reading.category}]}]


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
    ref = f"Patient/{patient_id}"
    entries = [{"fullUrl": f"urn:uuid:{patient_id}", "resource": patient}]
    for reading in readings:
        for obs in _observation(reading, ref):
            entries.append({"fullUrl": f"urn:aicity:observation:{obs['id']}", "resource": obs})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    validate(bundle)
    return bundle


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
    return model
