"""The text pipeline: Unicode repair, legacy encodings, masks, abbreviations, checks."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest

from triage.text import legacy
from triage.text.normalize import (
    FEATURE_CHAR_CAP,
    PROBLEMS,
    analyze,
    check_text,
    decode_legacy,
    mask,
    normalize,
    repair_unicode,
    strip_accents,
    vietnamese_share,
)


def acc(text: str) -> str:
    return normalize(text).accented


def test_nfd_input_normalises_like_nfc() -> None:
    text = "Đường ống nước ở ấp Mỹ Hiệp bị vỡ, người dân thiếu nước sinh hoạt"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert normalize(nfd) == normalize(text)


def test_combining_marks_in_the_wrong_order_are_repaired() -> None:
    # "a" + acute + circumflex cannot be composed by NFC alone
    assert repair_unicode("Nh\u0061\u0301\u0302t") == "Nhất"


def test_tone_mark_placement_follows_underthesea() -> None:
    assert acc("hoà giải thuỷ lợi") == acc("hòa giải thủy lợi")
    assert acc("ban nghành") == "ban ngành"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ko dc", "không được"),
        ("k đc gì hết", "không được gì hết"),
        ("hok biết, hông ai nghe", "không biết, không ai nghe"),
        ("SĐT liên hệ", "số điện thoại liên hệ"),
        ("sdt", "số điện thoại"),
        ("UBND xã", "ủy ban nhân dân xã"),
        ("CSGT bắn tốc độ", "cảnh sát giao thông bắn tốc độ"),
        ("tp. cao lãnh", "thành phố cao lãnh"),
        ("tp.cao lãnh", "thành phố cao lãnh"),
        ("p.5, tp mỹ tho", "phường qqnum , thành phố mỹ tho"),
        ("x. mỹ hiệp, h. cao lãnh", "xã mỹ hiệp, huyện cao lãnh"),
        ("cấp GCNQSDĐ", "cấp giấy chứng nhận quyền sử dụng đất"),
        ("sổ QSDĐ", "sổ quyền sử dụng đất"),
        ("BHXH, BHYT", "bảo hiểm xã hội, bảo hiểm y tế"),
        ("làm CCCD", "làm căn cước công dân"),
        ("VP ĐKĐĐ chi nhánh", "văn phòng đăng ký đất đai chi nhánh"),
        ("vp dkdd", "văn phòng đăng ký đất đai"),
        ("xin LLTP", "xin lý lịch tư pháp"),
        ("xin LLT P", "xin lý lịch tư pháp"),
        ("Sở TN&MT", "sở tài nguyên và môi trường"),
    ],
)
def test_abbreviations_and_teen_code_expand(raw: str, expected: str) -> None:
    assert acc(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TP. Cao Lãnh", "thành phố qqplace"),
        ("P.5, TP Mỹ Tho", "phường qqplace , thành phố qqplace"),
        ("Bạn đọc Trần Văn Lực ở xã Tùng Ảnh phản ánh", "bạn đọc qqname ở xã qqplace phản ánh"),
        ("Ông L.Đ.K bức xúc", "ông qqname bức xúc"),
        ("Công ty CP ĐTXD Thành Công làm chủ đầu tư", "công ty cp qqorg làm chủ đầu tư"),
        ("Karaoke hẻm 554 Cộng Hòa hát tới khuya", "karaoke hẻm qqplace hát tới khuya"),
    ],
)
def test_names_of_places_people_and_companies_are_masked(raw: str, expected: str) -> None:
    assert acc(raw) == expected


def test_words_of_the_matter_around_a_name_stay() -> None:
    text = acc("Chợ Mới ngập nặng, Bệnh viện Đa khoa quá tải, đường xuống cấp")
    assert text.startswith("chợ qqplace ngập nặng, bệnh viện đa khoa quá tải, đường xuống cấp")


def test_amounts_with_units_are_not_mistaken_for_teen_code() -> None:
    assert acc("đòi 500k bồi dưỡng") == "đòi qqnum bồi dưỡng"
    assert "không" not in acc("xe chở 30 tấn, 2tr một chuyến")


@pytest.mark.parametrize(
    ("raw", "token"),
    [
        ("gọi 0912345678 nhé", "qqphone"),
        ("gọi 0912 345 678 nhé", "qqphone"),
        ("gọi 0912.345.678 nhé", "qqphone"),
        ("gọi +84 912345678 nhé", "qqphone"),
        ("máy bàn 0277.3851.234", "qqphone"),
        ("mã 1022-202611-00042 chưa xử lý", "qqticket"),
        ("ngày 12/3/2026 nộp", "qqdate"),
        ("hẹn 28/3 trả", "qqdate"),
        ("hẹn 05-04-2026", "qqdate"),
        ("tháng 5/2026", "qqdate"),
        ("nợ 1.500.000 đồng", "qqnum"),
        ("thư gửi abc.def@gmail.com", "qqemail"),
        ("xem https://dichvucong.gov.vn/p/home", "qqurl"),
    ],
)
def test_masks(raw: str, token: str) -> None:
    masked = mask(raw.lower())
    assert token in masked
    assert not any(ch.isdigit() for ch in masked)


def test_ticket_code_is_one_mask_not_a_phone_or_date() -> None:
    assert mask("1022-202611-00042").split() == ["qqticket"]


def test_strip_accents() -> None:
    assert strip_accents("Đường Ủy ban Nhân dân xã Mỹ Hiệp") == "Duong Uy ban Nhan dan xa My Hiep"


def test_stripped_view_equals_typing_without_diacritics() -> None:
    text = "Cán bộ một cửa hẹn lần hẹn lữa, hồ sơ cấp sổ đỏ trễ hẹn 2 tháng"
    assert normalize(text).stripped == normalize(strip_accents(text)).accented


def _tcvn3(text: str) -> str:
    """Encode with glibc's TCVN 5712 table and read back as Latin-1, as a paste does."""
    raw = subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=text.encode(),
                         capture_output=True, check=True).stdout
    return raw.decode("latin-1")


def test_tcvn3_text_is_decoded() -> None:
    text = "phản ánh đường xuống cấp, ủy ban nhân dân xã không giải quyết hồ sơ"
    garbled = _tcvn3(text)
    assert garbled != text
    decoded, encoding = decode_legacy(garbled)
    assert (decoded, encoding) == (text, "tcvn3")
    assert check_text(garbled) is None
    assert normalize(garbled).accented == acc(text)


def test_vni_text_is_decoded() -> None:
    garbled = "Ñöôøng ôû aáp Myõ Hieäp bò hö hoûng naëng, UÛY BAN NHAÂN DAÂN xaõ khoâng söûa"
    decoded, encoding = decode_legacy(garbled)
    assert encoding == "vni"
    assert decoded == "Đường ở ấp Mỹ Hiệp bị hư hỏng nặng, ỦY BAN NHÂN DÂN xã không sửa"


def test_unicode_text_with_latin_letters_is_not_decoded() -> None:
    text = "Công ty Müller® bán hàng giả ở chợ Sa Đéc, đề nghị kiểm tra"
    assert decode_legacy(text) == (text, None)
    assert check_text(text) is None


def test_unreadable_legacy_text_is_rejected_clearly() -> None:
    assert check_text("µµµ ¸¸¸ ¶¶¶ ®®® ©©© ¨¨¨") == "legacy_encoding"


def test_icelandic_eth_is_read_as_d_stroke() -> None:
    assert acc("ÐƯỜNG hỏng") == "đường hỏng"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("123 456 !!! ???", "no_letters"),
        ("😡😡😡 !!!", "emoji_only"),
        ("👍", "emoji_only"),
        ("Hello, I want to report a broken street light near my house, please fix it",
         "not_vietnamese"),
        ("Le problème de l'eau potable dans notre quartier est grave depuis trois semaines",
         "not_vietnamese"),
        ("这是一个关于道路问题的投诉请尽快处理谢谢", "not_vietnamese"),
        ("Жалоба на плохую дорогу возле нашего дома", "not_vietnamese"),
        ("Đường vào ấp 3 xã Mỹ Hiệp hư hỏng nặng, đề nghị sửa chữa", None),
        ("duong vao ap 3 xa my hiep hu hong nang, de nghi sua chua", None),
        ("ubnd xa ko giai quyet ho so cua e 3 thang r, sdt 0912345678", None),
        ("alo", None),
        ("Đường hỏng 😡😡😡 !!!", None),
    ],
)
def test_check_text_gives_a_defined_answer(text: str, problem: str | None) -> None:
    assert check_text(text) == problem
    if problem:
        assert PROBLEMS[problem]


def test_vietnamese_share_separates_languages() -> None:
    assert vietnamese_share("nguoi dan phan anh duong hu hong") > 0.9
    assert vietnamese_share("people report that the road is broken") < 0.5


def test_a_long_text_is_cut_to_the_feature_cap() -> None:
    """What bounds the work on a long text is the cut, not a clock (timings live in
    bench/classify_bench.py)."""
    text = "Đường vào ấp 3 hư hỏng nặng, xe cộ đi lại khó khăn. " * 400  # ~20,000 chars
    assert len(text) >= 20_000
    norm, problem = analyze(text)
    assert problem is None
    assert norm.truncated
    assert len(norm.accented) < 2 * FEATURE_CHAR_CAP  # masks and expansions add a little


def test_legacy_tables_are_consistent() -> None:
    assert len(legacy.TCVN3_TABLE) == 74
    assert legacy.VNI_TABLE["aø"] == "à"
    assert legacy.VNI_TABLE["ôù"] == "ớ"
    assert legacy.VNI_TABLE["AÙ"] == "Á"
