"""The web console: server-rendered pages for operators, agencies, the province office,
administrators and citizens, mounted at `/` beside the API."""

from __future__ import annotations

from pathlib import Path

from fastapi.staticfiles import StaticFiles

from triage.web.apidocs import router as docs_router
from triage.web.views import router

STATIC_DIR = Path(__file__).parent / "static"


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


__all__ = ["STATIC_DIR", "docs_router", "router", "static_files"]
