"""Swagger UI at ``/docs``, served from this server's own files.

FastAPI's default page loads Swagger UI from a CDN, which a hospital's closed network (and
these tests) cannot reach: the page stayed blank. The script and style here are the copy of
Swagger UI 5 that the ``fastapi-offline`` package ships; the page starts it with a script
file of its own, so the page's policy allows scripts from this server only
(``DOCS_CONTENT_SECURITY_POLICY``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response

from kiosk.api.models import ErrorCode
from kiosk.server.errors import ApiError

DOCS_PATH = "/docs"
_ASSETS = f"{DOCS_PATH}/assets"
_SWAGGER_UI = Path(str(resources.files("fastapi_offline") / "static"))
_MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
CACHE_SECONDS = 3600

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hospital Kiosk API</title>
<link rel="icon" href="{_ASSETS}/favicon.png">
<link rel="stylesheet" href="{_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{_ASSETS}/start.js"></script>
</body>
</html>
"""
_START = """SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  displayOperationId: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH)
def docs_page() -> HTMLResponse:
    return HTMLResponse(_PAGE)


@router.get(f"{_ASSETS}/start.js")
def docs_start() -> Response:
    return Response(
        _START,
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": f"max-age={CACHE_SECONDS}"},
    )


@router.get(f"{_ASSETS}/{{name}}")
def docs_asset(name: Annotated[str, PathParam(max_length=64)]) -> Response:
    if name not in _MEDIA_TYPES:
        raise ApiError(404, ErrorCode.not_found, f"No file {name!r}.")
    return FileResponse(
        _SWAGGER_UI / name,
        media_type=_MEDIA_TYPES[name],
        headers={"cache-control": f"max-age={CACHE_SECONDS}"},
    )
