"""A readable cue raises a flag that the topic model left just under its threshold, and
the complaint goes to review (triage.understand.service.with_flag_cues): conduct cues
(data/conduct/cues.csv) for thai_do, lateness cues (data/lateness/cues.csv) for tre_han."""

from __future__ import annotations

import pytest

from triage.classify.model import REVIEW_REASONS, Classification
from triage.settings import get_settings
from triage.text.normalize import analyze
from triage.understand.service import FLAG_CUES, with_flag_cues


def classified(thai_do: float = 0.02, tre_han: float = 0.02, flags: list[str] | None = None
               ) -> Classification:
    return Classification(
        topic="y_te", topic_confidence=0.97, topic_scores={"y_te": 0.97},
        flags=list(flags or []), flag_scores={"tre_han": tre_han, "thai_do": thai_do},
        needs_review=False, review_reasons=[], explanation=[], model_version="test")


BRIBE = ("Nằm viện ba ngày không có giường, người ta mách phải dúi tiền cho điều dưỡng, "
         "tôi đưa 500 nghìn thì một tiếng sau cha tôi có chỗ nằm.")
LATE = ("Tôi nộp hồ sơ tách thửa ở bộ phận một cửa từ đầu năm, cán bộ cứ hẹn lần hẹn lữa, "
        "tới giờ đã gần bốn tháng mà chưa biết bao giờ mới xong.")


def test_a_conduct_cue_raises_the_flag_the_model_nearly_gave_and_asks_an_operator() -> None:
    raised = with_flag_cues(classified(thai_do=0.3), analyze(BRIBE))
    assert raised.flags == ["thai_do"] and raised.needs_review
    assert raised.review_reasons == ["conduct_cue"]
    assert raised.flag_scores["thai_do"] == 0.3  # the model's own score is kept
    # Typed without diacritics, the cue still counts.
    plain = with_flag_cues(classified(thai_do=0.3), analyze(
        "nam vien 3 ngay ko co giuong, phai dui tien cho dieu duong moi co cho nam"))
    assert plain.flags == ["thai_do"]


def test_a_lateness_cue_raises_tre_han_as_written_and_without_diacritics() -> None:
    raised = with_flag_cues(classified(tre_han=0.2), analyze(LATE))
    assert raised.flags == ["tre_han"] and raised.review_reasons == ["lateness_cue"]
    plain = with_flag_cues(classified(tre_han=0.2), analyze(
        "nop ho so cap lai so do tu thang 5, phieu hen ghi 15 ngay ma gio van tre hen, "
        "len hoi thi bao cho tiep"))
    assert plain.flags == ["tre_han"] and plain.needs_review


def test_both_cues_in_one_complaint_raise_both_flags_in_the_models_order() -> None:
    both = with_flag_cues(classified(thai_do=0.2, tre_han=0.2),
                          analyze(LATE + " Muốn nhanh thì phải dúi tiền cho cán bộ."))
    assert both.flags == ["tre_han", "thai_do"]
    assert sorted(both.review_reasons) == ["conduct_cue", "lateness_cue"]


@pytest.mark.parametrize("scores, text", [
    ({"thai_do": 0.05}, BRIBE),  # the model saw no conduct at all: a cue alone does not decide
    ({"tre_han": 0.05}, LATE),
    ({"thai_do": 0.3}, "Bệnh viện huyện thiếu giường, bệnh nhân nằm ghép hai người một giường."),
    ({"thai_do": 0.3}, "Cán bộ một cửa phường rất nhiệt tình, không hề hạch sách người dân."),
    ({"tre_han": 0.3}, "Hồ sơ đất của tôi được trả đúng ngày, không hề trễ hẹn, cảm ơn xã."),
    ({"tre_han": 0.3}, "Đường liên ấp thi công kéo dài hai năm, bụi mù mịt, xe qua lại khó."),
])
def test_no_cue_a_negated_cue_or_a_model_far_below_changes_nothing(
        scores: dict[str, float], text: str) -> None:
    before = classified(**scores)
    assert with_flag_cues(before, analyze(text)) == before


def test_a_flag_already_raised_is_left_as_it_is_and_the_floor_is_a_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sure = classified(thai_do=0.9, flags=["thai_do"])
    assert with_flag_cues(sure, analyze(BRIBE)) == sure
    monkeypatch.setenv("TRIAGE_FLAG_CUE_FLOOR", "1.0")
    get_settings.cache_clear()
    try:
        assert with_flag_cues(classified(thai_do=0.3), analyze(BRIBE)).flags == []
        assert with_flag_cues(classified(tre_han=0.3), analyze(LATE)).flags == []
    finally:
        monkeypatch.delenv("TRIAGE_FLAG_CUE_FLOOR")
        get_settings.cache_clear()


def test_every_cue_reason_is_explained_to_the_operator() -> None:
    for _, reason in FLAG_CUES.values():
        assert REVIEW_REASONS[reason]
