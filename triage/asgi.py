"""ASGI entry point for servers started outside `triage serve` (uvicorn/gunicorn workers)."""

from triage.app import create_app

app = create_app()
