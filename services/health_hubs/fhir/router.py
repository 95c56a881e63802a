"""FHIR export endpoint of a resident."""

import uuid

from fastapi.responses import JSONResponse

from services.common.db import SessionDep
from services.common.routing import APIRouter
from services.health_hubs.access import StaffOrNurse
from services.health_hubs.fhir.export import resident_bundle
from services.health_hubs.readings.service import list_readings
from services.health_hubs.residents.service import open_resident

router = APIRouter(tags=["fhir"])


@router.get("/residents/{resident_id}/fhir", response_class=JSONResponse,
            responses={200: {"content": {"application/fhir+json": {}}}})
def export_resident(resident_id: uuid.UUID, session: SessionDep, who: StaffOrNurse):
    """A FHIR R4B collection Bundle (Patient + Observations), validated before it leaves."""
    resident = open_resident(session, resident_id=resident_id, actor=who, purpose="fhir_export", action="export")
    readings = list_readings(session, resident_id=resident_id, since=None, include_deleted=False, limit=100000)
    return JSONResponse(resident_bundle(resident, readings), media_type="application/fhir+json")
