"""API clients on the app as tests build it (no relay thread inside): one fixture
factory, so that a test package says what its client is, not how to build it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories.users import issue_token
from triage.auth import ratelimit


def clear_limiters() -> None:
    """Forget failed logins and lookups (in memory unless a test names a store)."""
    ratelimit.store().clear_all()


@contextmanager
def api_client(*, role: str | None = None,
               customize: Callable[[FastAPI], None] | None = None,
               raise_server_exceptions: bool = True) -> Iterator[TestClient]:
    """A client of a fresh app; with `role`, it sends a bearer token of a new user of
    that role on every request."""
    from triage.app import create_app  # the whole service: imported when a test needs it

    clear_limiters()
    app = create_app(start_runtime=False)
    if customize is not None:
        customize(app)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        if role is not None:
            client.headers.update(issue_token(role))
        yield client


def client_fixture(*, role: str | None = None, on: str = "database",
                   setup: Callable[[], None] | None = None,
                   customize: Callable[[FastAPI], None] | None = None,
                   warm_up: Callable[[TestClient], None] | None = None,
                   raise_server_exceptions: bool = True) -> Any:
    """A `client` fixture: the API on the `on` fixture's data (a database, or a fixture
    that fills one), after `setup`, with the app changed by `customize` and the client
    used once by `warm_up` (`raise_server_exceptions` as TestClient's)."""

    def client(**_: Any) -> Iterator[TestClient]:
        if setup is not None:
            setup()
        with api_client(role=role, customize=customize,
                        raise_server_exceptions=raise_server_exceptions) as c:
            if warm_up is not None:
                warm_up(c)
            yield c

    # pytest reads a fixture's dependencies from its signature; naming `on` there (not
    # asking for it at run time) keeps a parametrised `database` parametrising the test.
    client.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(on, inspect.Parameter.KEYWORD_ONLY)])
    return pytest.fixture(name="client")(client)
