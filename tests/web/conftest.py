"""Page tests: users with passwords who log in through the form, each with its own
cookie jar, against one app on the `database` fixture (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories.api import clear_limiters
from tests.factories.web import META_CSRF, PASSWORD, User, UserFactory, login
from triage import db
from triage.app import create_app
from triage.auth import service as auth
from triage.classify.model import reset_classifier_cache
from triage.settings import get_settings


def page_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, model: bool
             ) -> Iterator[FastAPI]:
    """The app with a private data directory for report files and, unless `model`, no
    trained model (the pipeline then sends every case to review, which makes routing
    depend only on what the pages send)."""
    if not model:
        monkeypatch.setenv("TRIAGE_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    reset_classifier_cache()
    clear_limiters()
    yield create_app(start_runtime=False)
    reset_classifier_cache()


@pytest.fixture
def app(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The app with no trained model (see page_app)."""
    yield from page_app(tmp_path, monkeypatch, model=False)


@pytest.fixture
def user(app: FastAPI) -> UserFactory:
    def make(role: str, agency: str | None = None, name: str | None = None) -> User:
        username = name or f"{role}-{uuid.uuid4().hex[:6]}"
        with db.session_scope() as session:
            auth.create_user(session, username, role, agency_code=agency, password=PASSWORD,
                             display_name=username)
        client = TestClient(app)
        response = login(client, username)
        assert response.status_code == 303, response.text
        home = client.get(response.headers["location"])
        found = META_CSRF.search(home.text)
        return User(client, username, role, found.group(1) if found else "")
    return make
