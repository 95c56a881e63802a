"""HTTP API of the talent_academy service under /v1: the subdomain routers in one."""


from services.common.routing import APIRouter
from services.talent_academy.applicants.router import pages as applicant_pages
from services.talent_academy.applicants.router import router as applicants_router
from services.talent_academy.catalogue.router import router as catalogue_router
from services.talent_academy.enrolment.router import router as enrolment_router
from services.talent_academy.outcomes.router import router as outcomes_router
from services.talent_academy.partners.router import router as partners_router

router = APIRouter()
for part in (catalogue_router, enrolment_router, outcomes_router, partners_router, applicants_router, applicant_pages):
    router.include_router(part)
