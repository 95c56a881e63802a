"""Serving a service's citizen screens: plain pages and their assets under /screens, outside the OpenAPI schema.

Assets every screen shares (the page helpers `common.js`, the large-type `screens.css`) live once in
services/common/static/; a service's own folder is looked in first."""

from pathlib import Path

from fastapi.responses import FileResponse, Response

from services.common import i18n
from services.common.errors import NotFound
from services.common.routing import APIRouter

MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
# Pages are never cached stale on a kiosk that stays up for months; assets are small.
NO_CACHE = {"Cache-Control": "no-cache"}
SHARED_STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()


# The names our screens use: letters, digits, '-', '_', '.' in path parts, one known suffix. Anything else (a NUL,
# a backslash, '..', a control character, an absolute path, an over-long name) is 404 before the file system
# sees it: `%00.html` once made Path.resolve() raise and answer 500.
MAX_NAME_CHARS = 200


def safe_name(name: str) -> bool:
    if not name or len(name) > MAX_NAME_CHARS or name.startswith("/"):
        return False
    parts = name.split("/")
    return all(part and part not in (".", "..") and all(c.isascii() and (c.isalnum() or c in "-_.") for c in part)
               for part in parts)


def static_file(static_dir: Path, name: str) -> FileResponse:
    """The file `name` under `static_dir` (else the shared folder), or 404; never a path outside those folders,
    never an unknown file type, never a 500 for a malformed name."""
    if safe_name(name):
        for folder in (static_dir, SHARED_STATIC_DIR):
            try:
                path = (folder / name).resolve()
                found = path.is_file()
            except (OSError, ValueError):
                found = False
            if found and folder in path.parents and path.suffix in MEDIA_TYPES:
                return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=NO_CACHE)
    raise NotFound("no such screen file", code="screen_file_not_found")


def screens_router(static_dir: Path, pages: dict[str, str], texts: tuple[str, ...] = ()) -> APIRouter:
    """`pages` maps a path under /screens to its HTML file; every file under `static_dir` is at /screens/static/;
    each catalogue surface in `texts` is at /screens/static/texts/<surface>.js (a script defining `TEXTS`, loaded
    with the page like any asset, so a screen that lost its network keeps its words)."""
    router = APIRouter(prefix="/screens", tags=["screens"], include_in_schema=False)
    static_dir = static_dir.resolve()
    scripts = {f"texts/{surface}.js": i18n.screen_script(surface) for surface in texts}

    for path, file_name in pages.items():
        def page(file_name: str = file_name) -> FileResponse:
            return static_file(static_dir, file_name)

        router.add_api_route(path, page, methods=["GET"], name=file_name.removesuffix(".html"))

    @router.get("/static/{name:path}")
    def screens_static(name: str) -> Response:
        if name in scripts:
            return Response(scripts[name], media_type=MEDIA_TYPES[".js"], headers=NO_CACHE)
        return static_file(static_dir, name)

    return router
