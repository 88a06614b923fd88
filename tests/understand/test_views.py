"""``POST /api/v1/classify``: the CLI's answer, validation in Vietnamese. The route
is decided on the rules in force, read from the database."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from triage.understand.views import router

app = FastAPI()
app.include_router(router, prefix="/api/v1")
client = TestClient(app)


@pytest.fixture(autouse=True)
def _rules_in_force(database: str) -> None:
    """The admins' changes to the rules live in the database."""


def test_classify_returns_the_cli_result() -> None:
    response = client.post("/api/v1/classify", json={"text": "Cúp điện cả ngày không báo trước"})
    assert response.status_code == 200
    body = response.json()
    assert body["topic"] == "dien"
    assert {"topic_confidence", "flags", "flag_scores", "needs_review", "explanation",
            "model_version"} <= set(body)


def test_empty_text_is_422_in_vietnamese() -> None:
    response = client.post("/api/v1/classify", json={"text": "   "})
    assert response.status_code == 422
    assert "không được để trống" in response.text


def test_extra_fields_are_refused() -> None:
    response = client.post("/api/v1/classify", json={"text": "Đường hỏng", "topic": "dien"})
    assert response.status_code == 422


def test_too_long_text_is_422() -> None:
    response = client.post("/api/v1/classify", json={"text": "a" * 20_001})
    assert response.status_code == 422
    assert "dài quá" in response.text


def test_unclassifiable_text_is_answered_for_review() -> None:
    response = client.post("/api/v1/classify", json={"text": "👍👍"})
    assert response.status_code == 200
    assert response.json()["needs_review"] is True


@pytest.mark.parametrize("text", ["dây điện đứt rơi xuống đường", "day dien dut roi xuong duong"])
def test_classify_says_a_fallen_live_wire_is_urgent(text: str) -> None:
    body = client.post("/api/v1/classify", json={"text": text}).json()
    assert body["urgency"]["level"] == "khan"
    assert 0 < body["urgency"]["score"] <= 1 and "dây điện" in body["urgency"]["reason"]


def test_classify_says_a_broken_street_light_is_ordinary() -> None:
    body = client.post("/api/v1/classify",
                       json={"text": "Đèn đường hẻm 12 hư mấy tuần nay, tối đi lại khó"}).json()
    assert body["urgency"]["level"] == "thuong"
