"""Citizen screens served by the health_hubs service: the community-centre health kiosk (plain HTML/CSS/JS).

Pages and their assets are kept out of the OpenAPI schema: the API is everything under /v1.
The kiosk page learns its device key once (``?key=`` on first load, stored in the browser's localStorage
and removed from the address bar) and sends it as a bearer header on every API call.
"""

from pathlib import Path

from services.common.static_pages import screens_router

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = screens_router(STATIC_DIR, {"/health-kiosk": "kiosk.html"}, texts=("health_kiosk",))
