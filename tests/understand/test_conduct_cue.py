"""A readable conduct cue raises thai_do that the topic model left just under its
threshold, and the complaint goes to review (triage.understand.service.with_conduct_cue)."""

from __future__ import annotations

import pytest

from triage.classify.model import Classification
from triage.settings import get_settings
from triage.text.normalize import analyze
from triage.understand.service import with_conduct_cue


def classified(thai_do: float, flags: list[str] | None = None) -> Classification:
    return Classification(
        topic="y_te", topic_confidence=0.97, topic_scores={"y_te": 0.97},
        flags=list(flags or []), flag_scores={"tre_han": 0.02, "thai_do": thai_do},
        needs_review=False, review_reasons=[], explanation=[], model_version="test")


BRIBE = ("Nằm viện ba ngày không có giường, người ta mách phải dúi tiền cho điều dưỡng, "
         "tôi đưa 500 nghìn thì một tiếng sau cha tôi có chỗ nằm.")


def test_a_cue_raises_the_flag_the_model_nearly_gave_and_asks_an_operator() -> None:
    raised = with_conduct_cue(classified(0.3), analyze(BRIBE))
    assert raised.flags == ["thai_do"] and raised.needs_review
    assert raised.review_reasons == ["conduct_cue"]
    assert raised.flag_scores["thai_do"] == 0.3  # the model's own score is kept
    # Typed without diacritics, the cue still counts.
    plain = with_conduct_cue(classified(0.3), analyze(
        "nam vien 3 ngay ko co giuong, phai dui tien cho dieu duong moi co cho nam"))
    assert plain.flags == ["thai_do"]


@pytest.mark.parametrize("score, text", [
    (0.05, BRIBE),  # the model saw no conduct at all: a cue alone does not decide
    (0.3, "Bệnh viện huyện thiếu giường, bệnh nhân nằm ghép hai người một giường."),
    (0.3, "Cán bộ một cửa phường rất nhiệt tình, không hề hạch sách người dân."),
])
def test_no_cue_a_negated_cue_or_a_model_far_below_changes_nothing(score: float,
                                                                   text: str) -> None:
    before = classified(score)
    assert with_conduct_cue(before, analyze(text)) == before


def test_a_flag_already_raised_is_left_as_it_is_and_the_floor_is_a_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sure = classified(0.9, ["thai_do"])
    assert with_conduct_cue(sure, analyze(BRIBE)) == sure
    monkeypatch.setenv("TRIAGE_CONDUCT_CUE_FLOOR", "1.0")
    get_settings.cache_clear()
    try:
        assert with_conduct_cue(classified(0.3), analyze(BRIBE)).flags == []
    finally:
        monkeypatch.delenv("TRIAGE_CONDUCT_CUE_FLOOR")
        get_settings.cache_clear()
