"""/docs: Swagger UI from the pinned swagger-ui-bundle package, so that the API
documentation renders without internet (no CDN), with the Authorize button for the bearer
token declared in the OpenAPI description."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

SWAGGER_PREFIX = "/static/swagger"
router = APIRouter(include_in_schema=False)


def swagger_files() -> StaticFiles:
    return StaticFiles(directory=str(swagger_ui_path))


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="Đường dây 1022 — API",
        swagger_js_url=f"{SWAGGER_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_PREFIX}/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": False})
