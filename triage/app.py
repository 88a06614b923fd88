"""The FastAPI application: API under /api/v1, OpenAPI at /docs."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from triage import __version__, api_errors, web
from triage.agencies import views as agencies_views
from triage.auth import views as auth_views
from triage.bodylimit import BodySizeLimit
from triage.db import get_engine
from triage.inbox import views as inbox_views
from triage.intake import views as intake_views
from triage.intake.fastpath import FastIntake
from triage.lookup import views as lookup_views
from triage.open311 import views as open311_views
from triage.reports import views as reports_views
from triage.review import views as review_views
from triage.runtime import Runtime
from triage.settings import get_settings
from triage.survey import views as survey_views
from triage.understand import views as understand_views
from triage.web.security import SecurityHeaders

log = logging.getLogger(__name__)

health = APIRouter(tags=["health"])


@health.get("/health")
def get_health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@health.get("/ready")
def get_ready() -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    settings = get_settings()
    checks["mode"] = "embedded" if settings.embedded else "celery"
    ok = checks["database"] == "ok"
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                        status_code=200 if ok else 503)


# Paths whose last part is a credential (a citizen's survey link): logged without it.
SECRET_PATH = re.compile(r"^(/khao-sat/|/api/v1/survey/)[^/]+")


class DropQueryString(logging.Filter):
    """Access-log lines keep the path only: a query string may carry a phone number or a
    name someone searched for, and logs must hold no personal data; a survey link's token
    (a credential, and whatever a caller typed in its place) is replaced by "…"."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = SECRET_PATH.sub(r"\1…", args[2].split("?", 1)[0])
            record.args = (*args[:2], path, *args[3:])
        return True


def _quiet_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryString) for f in access.filters):
        access.addFilter(DropQueryString())


def create_app(*, start_runtime: bool = True) -> FastAPI:
    settings = get_settings()
    _quiet_access_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = Runtime(start_relay=start_runtime)
        app.state.runtime = rt
        rt.start()
        fast = None
        if get_engine().dialect.name == "postgresql":
            fast = FastIntake(settings.effective_database_url, size=settings.intake_pool_size)
            await fast.open()
        app.state.fast_intake = fast
        try:
            yield
        finally:
            app.state.fast_intake = None
            if fast is not None:
                await fast.close()
            rt.stop()

    app = FastAPI(
        title="Đường dây 1022 — triage",
        version=__version__,
        description="Tiếp nhận, phân loại và chuyển xử lý phản ánh của Đường dây nóng 1022.",
        docs_url=None,  # served below, from the package's own Swagger UI files
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    api_errors.install(app)
    v1 = APIRouter(prefix="/api/v1")
    v1.include_router(health)
    v1.include_router(auth_views.router)
    v1.include_router(intake_views.router)
    v1.include_router(agencies_views.router)
    v1.include_router(review_views.router)
    v1.include_router(inbox_views.router)
    v1.include_router(lookup_views.router)
    v1.include_router(open311_views.router)
    v1.include_router(understand_views.router)
    v1.include_router(reports_views.router)
    v1.include_router(survey_views.router)
    app.include_router(v1)
    app.include_router(web.router)
    app.include_router(web.docs_router)
    app.mount("/static", web.static_files(), name="static")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
