"""The web console for the desk tests: the app with the shipped model (tests/web)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.web.conftest import page_app, user  # noqa: F401


@pytest.fixture
def app(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    yield from page_app(tmp_path, monkeypatch, model=True)
