"""The diacritics restorer: bare syllables get the accented forms our text writes, chosen
with the syllable before them; words typed with marks, and words never seen, are kept."""

from __future__ import annotations

from triage.text.diacritics import Restorer, bare_typed
from triage.text.normalize import strip_accents

# A few accented views (lower-case words, as the classifier's "acc" view holds them).
VIEWS = [
    "tôi nộp hồ sơ cấp sổ đỏ ở xã đã hai tháng mà chưa có kết quả",
    "cán bộ một cửa hẹn lần hẹn lữa hồ sơ vẫn trễ hẹn",
    "quán bán hàng lấn chiếm vỉa hè cả đoạn đường",
    "người bán hàng rong bày bán trên lòng đường",
    "cái bàn làm việc của cán bộ tiếp dân trống trơn",
    "cán bộ bàn giao hồ sơ cho phòng tài nguyên",
    "bạn tôi nộp hồ sơ cùng ngày",
    "xin cấp sổ đỏ cho mảnh đất của cha mẹ",
    "cái bàn ở bộ phận một cửa gãy chân",
    "quán bán cà phê kê bàn ghế ra vỉa hè",
]


def test_bare_words_get_their_marks_back_with_the_word_before_deciding() -> None:
    restorer = Restorer.fit(VIEWS)
    bare = strip_accents(VIEWS[0]).split()
    assert restorer.restore(bare) == VIEWS[0].split()  # "so" is sơ, but sổ after "cấp"
    # "ban" is bán after "quán" and "người", bàn after "cái", as our text writes them
    # (a pair of words seen once only is not kept: the first "cấp sổ" would not decide).
    assert restorer.restore(["quan", "ban", "hang"]) == ["quán", "bán", "hàng"]
    assert restorer.restore(["cai", "ban", "lam", "viec"]) == ["cái", "bàn", "làm", "việc"]


def test_marked_and_unknown_words_are_kept_as_typed() -> None:
    restorer = Restorer.fit(VIEWS)
    assert restorer.restore(["hồ", "so", "qqplace", "xyz"]) == ["hồ", "sơ", "qqplace", "xyz"]
    assert restorer.restore([]) == []


def test_only_text_typed_without_diacritics_is_restored() -> None:
    assert bare_typed(["ho", "so", "cua", "toi", "bi", "tre", "hen"])
    assert not bare_typed(VIEWS[1].split())
    assert bare_typed(["hồ", *strip_accents(" ".join(VIEWS[0:2])).split()])
    assert not bare_typed([])


def test_text_typed_without_diacritics_teaches_nothing() -> None:
    # The stripped copies a model trains on, with a word an abbreviation expanded to.
    copies = [strip_accents(v) + " không" for v in VIEWS]
    assert Restorer.fit([*VIEWS, *copies]).to_json() == Restorer.fit(VIEWS).to_json()


def test_the_file_round_trips_and_refitting_gives_the_same_bytes() -> None:
    a, b = Restorer.fit(VIEWS), Restorer.fit(list(VIEWS))
    assert a.to_json() == b.to_json()
    again = Restorer.from_json(a.to_json())
    words = strip_accents(" ".join(VIEWS)).split()
    assert again.restore(words) == a.restore(words)
