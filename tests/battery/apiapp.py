"""The API as the battery runs it: uvicorn, one process, no relay thread inside (the relay
runs as its own process, so the API process never talks to Redis)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from triage.app import create_app
from triage.settings import get_settings


def make() -> FastAPI:
    logging.basicConfig(level=get_settings().log_level, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(start_runtime=False)
