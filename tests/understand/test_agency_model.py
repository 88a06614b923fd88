"""``agency_model`` in what ``triage classify`` and ``POST /api/v1/classify`` answer: the
learned agency's pick next to the rules', and its disagreement as a review reason."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from triage.routing.learned import REASON, reset_agency_model_cache
from triage.understand.answer import result_for
from triage.understand.views import router

CARD = "Thẻ bảo hiểm y tế của ba tôi ghi sai năm sinh nên đi khám không được hưởng."
RUBBISH = "Rác thải tập kết ở xã Hội Cư không được thu gom, bốc mùi hôi."


@pytest.fixture(autouse=True)
def _shipped_model() -> None:
    reset_agency_model_cache()


def test_a_disagreement_with_a_default_department_is_shown_and_reviewed() -> None:
    answer = result_for(CARD)
    assert answer["agency"]["code"] == "so-yt" and answer["agency"]["rule"] == "R4-y-te"
    assert answer["agency_model"]["code"] == "bhxh-tinh"
    assert 0.5 <= answer["agency_model"]["score"] <= 1.0
    assert answer["agency_model"]["disagrees"] is True
    assert REASON in answer["review_reasons"] and answer["needs_review"]


def test_agreement_adds_nothing() -> None:
    answer = result_for(RUBBISH)
    assert answer["agency_model"]["code"] == answer["agency"]["code"] == "ubnd-28393"
    assert answer["agency_model"]["disagrees"] is False
    assert REASON not in answer["review_reasons"]


def test_the_api_answers_the_same(database: str) -> None:
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    body = TestClient(app).post("/api/v1/classify", json={"text": CARD}).json()
    assert body["agency_model"] == result_for(CARD)["agency_model"]
    assert REASON in body["review_reasons"]
