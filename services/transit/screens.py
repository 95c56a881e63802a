"""Citizen screens served by the transit service: the face-enrolment kiosk and the bus door display.

Pages and their assets are kept out of the OpenAPI schema: the API is everything under /v1.
Each page is paired once with a one-time code (typed at its set-up form, or ``#pair=CODE`` in the address's
fragment, which no server sees): it keeps the device key in the browser's localStorage and sends it as a bearer
header on every API call. A ``?key=`` in the address is ignored. The door display is the bus's own
front end: it takes the door camera's frames, posts them to ``POST /v1/boardings`` and shows the answer.
"""

from pathlib import Path

from services.common.static_pages import screens_router

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = screens_router(STATIC_DIR, {"/enrol": "enrol.html", "/door": "door.html"},
                        texts=("transit_enrol", "transit_door"))
