"""`GET /v1/centres`: the community-centre directory, for people who read aggregates and for kiosks.

The directory is fixed data (centres/domain.py), so there is no session and no service layer in between."""

from services.common.routing import APIRouter
from services.health_hubs.access import OfficialStaffNurseOrKiosk
from services.health_hubs.centres.domain import centres_in
from services.health_hubs.centres.schemas import CentreRead

router = APIRouter()


@router.get("/centres", response_model=list[CentreRead])
def list_centres(_: OfficialStaffNurseOrKiosk,
                 district: str | None = None) -> list[CentreRead]:
    return [CentreRead(**vars(c)) for c in centres_in(district)]
