"""The web pages' own files (scripts, styles, sounds, pictures) from ``assets/web``.

Served by name from one folder, never a path: ``/web/staff.js``. Pages load nothing from
elsewhere (the CSP is ``WEB_PAGE_POLICY``), so a display on a closed hospital network works.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from kiosk.api.models import ErrorCode
from kiosk.assets import assets_dir
from kiosk.server.errors import ApiError

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".wav": "audio/wav",
}
CACHE_SECONDS = 300  # short: a new release's pages pick up new scripts within minutes

router = APIRouter(include_in_schema=False)


@router.get("/web/{name}")
def web_file(
    name: Annotated[str, PathParam(max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")],
) -> FileResponse:
    path = assets_dir() / "web" / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if media_type is None or ".." in name or not path.is_file():
        raise ApiError(404, ErrorCode.not_found, f"No file {name!r}.")
    return FileResponse(
        path, media_type=media_type, headers={"cache-control": f"max-age={CACHE_SECONDS}"}
    )
