"""Citizen screens served by the health_hubs service: the community-centre health kiosk (plain HTML/CSS/JS).

Pages and their assets are kept out of the OpenAPI schema: the API is everything under /v1.
The kiosk page is paired once with a one-time code (typed at its set-up form, or ``#pair=CODE`` in the address's
fragment, which no server sees): it keeps the device key in the browser's localStorage and sends it as a bearer
header on every API call. A ``?key=`` in the address is ignored.
"""

from pathlib import Path

from services.common.static_pages import screens_router

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = screens_router(STATIC_DIR, {"/health-kiosk": "kiosk.html"}, texts=("health_kiosk",))
