"""/docs: Swagger UI 5 vendored under static/swagger (swagger-ui-dist 5.36.0, see
VERSION there; version 4 of the Python packages cannot read OpenAPI 3.1), so that the API
documentation renders without internet (no CDN), with the Authorize button for the bearer
token declared in the OpenAPI description."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_PREFIX = "/static/swagger"
router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="Đường dây 1022 — API",
        swagger_js_url=f"{SWAGGER_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_PREFIX}/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": False})
