"""The urgency reader: the shipped model plus the cue file, with and without diacritics."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.classify.corpus import split
from triage.classify.model import Classifier
from triage.classify.urgency import UrgencyReader, get_urgency_reader, load_cues, match_cue
from triage.classify.urgency_train import labelled, scores
from triage.settings import get_settings
from triage.text.normalize import normalize, strip_accents

DANGER = [
    "dây điện đứt rơi xuống đường",
    "cháy nhà",
    "sạt lở bờ sông",
    "Nhà bên cạnh đang cháy lớn, khói bốc nghi ngút, đề nghị cứu hỏa đến ngay",
    "Nước ngập vào nhà dân cả khu phố, đồ đạc trôi hết",
    "Hơn 30 học sinh bị ngộ độc sau bữa trưa ở trường tiểu học",
    "Xe tải lật, chắn ngang đường, xe cộ không qua được",
    "Rò rỉ khí gas ở tầng trệt chung cư, mùi nồng nặc",
]

ORDINARY = [
    "Đèn đường hẻm 12 hư mấy tuần nay, tối đi lại khó",
    "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng 3 đến nay chưa có kết quả",
    "Quán karaoke hát đến khuya gây ồn ào",
    "Cán bộ một cửa phường nói chuyện thiếu tôn trọng với người dân",
    "Xin hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì",
    "Mặt đường có nhiều ổ gà, đề nghị sửa chữa",
    "Tiền điện tháng này tăng gấp đôi không rõ lý do",
    "Rác tồn đọng ở đầu hẻm nhiều ngày chưa được thu gom",
    "Trường thu thêm nhiều khoản ngoài quy định đầu năm học",
    "Chậm chi trả trợ cấp thất nghiệp đã ba tháng",
]


@pytest.mark.parametrize("text", DANGER)
@pytest.mark.parametrize("accents", [True, False])
def test_danger_now_is_urgent_with_or_without_diacritics(text: str, accents: bool) -> None:
    found = get_urgency_reader().read(text if accents else strip_accents(text))
    assert found.level == "khan", found
    assert found.reason


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_complaints_are_not_urgent(text: str) -> None:
    assert get_urgency_reader().read(text).level == "thuong"
    assert get_urgency_reader().read(strip_accents(text)).level == "thuong"


def test_a_group_petition_is_collective() -> None:
    text = ("Đơn tập thể của 45 hộ dân ấp Tân Hòa đề nghị xem xét lại việc bồi thường "
            "khi làm đường")
    assert get_urgency_reader().read(text).level == "dong_nguoi"


def test_cues_match_whole_words_accent_insensitively() -> None:
    cues = load_cues()
    assert match_cue(normalize("Day Dien DUT giua duong").stripped, cues) is not None
    # "cháy nhà" is a cue; a word that merely contains its letters is not.
    assert match_cue(normalize("xe chạy nhanh quá").stripped, cues) is None


def test_a_cue_raises_the_model_level_but_never_lowers_it() -> None:
    model = Classifier.load(Path(get_settings().urgency_model_dir))
    no_cues = UrgencyReader(model, ())
    with_cues = UrgencyReader(model, load_cues())
    text = "dây điện đứt"
    assert with_cues.read(text).level == "khan"
    assert with_cues.read(text).reason.startswith("Cụm từ")
    ordinary = ORDINARY[0]
    assert with_cues.read(ordinary) == no_cues.read(ordinary)


def test_without_an_artifact_the_cues_still_decide(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.classify.urgency import reset_urgency_cache

    monkeypatch.setenv("TRIAGE_URGENCY_MODEL_DIR", str(tmp_path))
    get_settings.cache_clear()
    reset_urgency_cache()
    try:
        reader = get_urgency_reader()
        assert reader.model is None
        assert reader.read("cháy nhà").level == "khan"
        assert reader.read(ORDINARY[0]).level == "thuong"
    finally:
        monkeypatch.delenv("TRIAGE_URGENCY_MODEL_DIR")
        get_settings.cache_clear()
        reset_urgency_cache()


def test_held_out_ordinary_complaints_are_rarely_called_urgent() -> None:
    """The issue's bar: false urgent at most 5% of ordinary complaints, on the corpus's
    fixed test split (never trained on), as written and accent-stripped."""
    _, test = split(labelled(get_settings().corpus_dir))
    ordinary = [e for e in test if e.urgency == "thuong"][:600]
    reader = get_urgency_reader()
    for stripped in (False, True):
        assert scores(reader, ordinary, stripped=stripped)["ordinary_called_khan"] <= 0.05
