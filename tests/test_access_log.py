"""The access log keeps paths without their query string and without a survey link's token
(a credential): what uvicorn's access logger is given is rewritten by the app's filter."""

from __future__ import annotations

import logging

from triage.app import DropQueryString


def _logged(path: str) -> str:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5000", "GET", path, "1.1",
                                                           200), None)
    assert DropQueryString().filter(record)
    assert isinstance(record.args, tuple)
    return str(record.args[2])


def test_the_query_string_is_dropped() -> None:
    assert _logged("/tim-kiem?q=0912345678") == "/tim-kiem"


def test_a_survey_token_never_reaches_the_log() -> None:
    assert _logged("/khao-sat/1.1.1797825013.abcDEF") == "/khao-sat/…"
    assert _logged("/api/v1/survey/0912345678?x=1") == "/api/v1/survey/…"
    assert _logged("/api/v1/complaints/1022-202612-00001-Z083") == \
        "/api/v1/complaints/1022-202612-00001-Z083"
