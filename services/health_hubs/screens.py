"""Citizen screens served by the health_hubs service: the community-centre health kiosk (plain HTML/CSS/JS).

Pages and their assets are kept out of the OpenAPI schema: the API is everything under /v1.
The kiosk page learns its device key once (``?key=`` on first load, stored in the browser's localStorage
and removed from the address bar) and sends it as a bearer header on every API call.
"""

from pathlib import Path

from fastapi.responses import FileResponse

from services.common.errors import NotFound
from services.common.routing import APIRouter

STATIC_DIR = Path(__file__).resolve().parent / "static"
_MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
# Pages are never cached stale on a kiosk that stays up for months; assets are small.
_NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(prefix="/screens", tags=["screens"], include_in_schema=False)


def static_file(name: str) -> FileResponse:
    """The file `name` under static/, or 404; never a path outside static/."""
    path = (STATIC_DIR / name).resolve()
    if not path.is_file() or STATIC_DIR not in path.parents or path.suffix not in _MEDIA_TYPES:
        raise NotFound("no such screen file", code="screen_file_not_found")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=_NO_CACHE)


@router.get("/health-kiosk")
def health_kiosk_page() -> FileResponse:
    return static_file("kiosk.html")


@router.get("/static/{name:path}")
def screens_static(name: str) -> FileResponse:
    return static_file(name)
