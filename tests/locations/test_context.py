"""How an address is read around a name: what ends a name, what a bare word between two
names is, and when a commune's own district tells it apart from ours.

Each test is one cause found by probing the resolver from outside (issue 13, item 5):
another province's places read as ours, or ours lost beside another province's address.
"""

from __future__ import annotations

import pytest

from triage.locations import resolve_location
from triage.locations.tokens import fold


def _outside(text: str, province: str | None = None) -> None:
    match = resolve_location(text)
    assert match.status == "outside_province", match
    assert match.ward_code is None
    if province is not None:
        assert match.province == province, match


def _ours(text: str, ward: str) -> None:
    match = resolve_location(text)
    assert match.status == "resolved", match
    assert match.ward_name == ward, match


# -- a province written as one word without diacritics ----------------------------------

@pytest.mark.parametrize("text", [
    "Khu trọ ở phường Tân Phú, TPHCM bị cúp nước ba ngày liền.",
    "cong nhan o phuong tan phu tphcm bi no luong",
    "Quán nhậu ở phường Phú Thọ (HCM) mở nhạc tới khuya.",
])
def test_a_one_word_short_form_of_a_province_places_the_address(text: str) -> None:
    """"TPHCM", "HCM" have no diacritics to check, so unlike "Huế" they count as written."""
    _outside(text, "Thành phố Hồ Chí Minh")


def test_an_unaccented_word_that_folds_to_a_one_syllable_province_is_not_one() -> None:
    _ours("nha toi o xa My Hiep, canh tiem ban hoa hue", "Xã Mỹ Hiệp")


def test_our_commune_beside_a_numbered_ward_of_the_city_stays_ours() -> None:
    _ours("Con tôi làm ở F6, TPHCM, còn tôi ở xã Mỹ Thành, nhờ đường dây nóng xem giúp "
          "con đường ngập.", "Xã Mỹ Thành")


# -- what ends a name ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Tôi ở P Tân Hòa thành phố Biên Hòa Đồng Nai, xin hỏi về thủ tục cấp phép.",
    "toi o p tan hoa thanh pho bien hoa dong nai xin hoi thu tuc",
])
def test_a_name_does_not_swallow_the_next_unit_word(text: str) -> None:
    """"Tân Hòa Thành" is an old commune of ours; here "thành phố" opens the next name."""
    _outside(text, "Tỉnh Đồng Nai")


def test_the_unit_word_after_a_name_does_not_hide_our_place_in_a_mixed_text() -> None:
    _ours("Xe ben từ P Tân Hòa thành phố Biên Hòa chở cát về ấp 4 xã An Phong, làm lún "
          "đường dân sinh.", "Xã An Long")


def test_a_dash_ends_a_name_of_ours() -> None:
    """"Tân Hòa Tây" was a commune of ours; "xã Tân Hòa - Tây Ninh" is in Tây Ninh."""
    _outside("Đề nghị xử lý quán lấn vỉa hè ở xã Tân Hòa - Tây Ninh.", "Tỉnh Tây Ninh")


def test_names_the_country_writes_across_a_dash_still_read_across_it() -> None:
    _outside("Nhà tôi ở phường Long Hương - TP Bà Rịa - Bà Rịa - Vũng Tàu.",
             "Thành phố Hồ Chí Minh")


# -- a name of ours that is the other address's district or province -------------------

def test_our_commune_named_like_another_province_stays_ours() -> None:
    """Phú Thọ is a commune of ours and a province: "tỉnh Phú Thọ" in the other address
    is that province, not a second mention of our commune."""
    _ours("Hồ sơ nộp ở xã Phú Thọ trễ hẹn 20 ngày; trước tôi làm ở xã Nghĩa Hưng (huyện "
          "Vĩnh Tường, tỉnh Phú Thọ) chỉ mất một tuần.", "Xã Phú Thọ")
    text = ("ho so nop o x.Phu Tho tre hen, truoc toi lam o xa Nghia Hung, huyen Vinh "
            "Tuong, tinh Phu Tho nhanh hon")
    _ours(text, "Xã Phú Thọ")


# -- a district written bare and without diacritics inside an address -------------------

@pytest.mark.parametrize(("text", "province"), [
    ("Nhà tôi ở xa Tan Huong, Ninh Giang, tinh Hai Duong, đường ngập.",
     "Thành phố Hải Phòng"),
    ("nha toi o xa Tan Hoa, Chau Thanh A, Can Tho duong ngap", "Thành phố Cần Thơ"),
    ("ba con xa Dong Son thuoc Chuong My, TP Ha Noi phan anh mat dien",
     "Thành phố Hà Nội"),
])
def test_an_unaccented_district_between_a_commune_and_its_province_joins_them(
        text: str, province: str) -> None:
    _outside(text, province)


def test_unaccented_plain_words_between_our_commune_and_another_province_do_not_join(
) -> None:
    """Only a district of the province written after it bridges the gap."""
    _ours("toi o xa My Hiep, con toi lam cong nhan, Binh Duong", "Xã Mỹ Hiệp")


# -- a commune with its district: does our district have it? ---------------------------

@pytest.mark.parametrize("text", [
    "Người dân xã Đông Thạnh, huyện Châu Thành phản ánh đường đal bể nát.",
    "Người dân xã Vĩnh Thành, huyện Châu Thành phản ánh đường đal bể nát.",
])
def test_a_commune_our_district_of_that_name_never_had_is_not_ours(text: str) -> None:
    """Many provinces had a "huyện Châu Thành"; ours had no xã Đông Thạnh or Vĩnh Thành."""
    for variant in (text, fold(text)):
        match = resolve_location(variant)
        assert match.ward_code is None, match
        assert match.status == "outside_province", match


@pytest.mark.parametrize(("text", "ward"), [
    ("Người dân xã Tân Hương, huyện Châu Thành phản ánh đường hư.", "Xã Tân Hương"),
    ("Người dân xã Phong Hòa, huyện Lai Vung phản ánh đường hư.", "Xã Phong Hòa"),
    ("Người dân phường Mỹ Trà, TP Cao Lãnh phản ánh đường hư.", "Phường Mỹ Trà"),
])
def test_our_commune_with_its_own_old_district_stays_ours(text: str, ward: str) -> None:
    _ours(text, ward)
    _ours(fold(text), ward)


# -- legacy encodings ---------------------------------------------------------------------

def test_a_mixed_text_pasted_in_tcvn3_is_located_like_unicode() -> None:
    # "Tại xã Phú Hựu, tỉnh Đồng Tháp, có nhóm người từ xã Phước Thành TPHCM đến ..."
    tcvn3 = ("T¹i x· Phó Hùu, tØnh §ång Th¸p, cã nhãm ng\xadêi tõ x· Ph\xadíc Thµnh TPHCM "
             "®Õn thu mua lóa Ðp gi¸.")
    _ours(tcvn3, "Xã Phú Hựu")


# -- a name of ours beside another province's commune that looks like it -----------------

@pytest.mark.parametrize(("text", "ward"), [
    ("Hồ sơ nộp ở xã Phú Hựu đã quá hạn, hồi trước làm ở xã Phú Hữu, huyện Long Phú, "
     "tỉnh Sóc Trăng thì nhanh lắm.", "Xã Phú Hựu"),
    ("Má tôi ở xã Thanh Mỹ; em tôi ở thị trấn Thạnh Mỹ, huyện Đơn Dương, Lâm Đồng.",
     "Xã Thanh Mỹ"),
    ("Em tôi ở phường Long Khánh, tỉnh Đồng Nai mấy năm, nay về xã Long Khánh xin làm lại "
     "căn cước thì bị hẹn hoài.", "Xã Long Khánh"),
])
def test_other_diacritics_or_another_unit_word_make_another_name(text: str, ward: str
                                                                 ) -> None:
    """Only a mention that can be the same name takes the other address's province."""
    _ours(text, ward)


def test_the_same_name_written_again_still_means_the_other_province() -> None:
    _outside("Đường ở xã Hòa Bình xuống cấp nặng. Người dân xã Hòa Bình, huyện Chợ Mới, "
             "tỉnh An Giang đề nghị sửa.", "Tỉnh An Giang")


# -- the province said first: a dateline, or an address written large to small ---------

@pytest.mark.parametrize("text", [
    "NGHỆ AN - Người dân xã Tân Hương bức xúc vì đường làng sạt lở.",
    "Thanh Chương (Nghệ An): bà con xã Thanh Mỹ chờ sổ đỏ hai năm.",
    "Tại Nghệ An, người dân xã Tân Hương kêu cứu vì nước sông tràn vào nhà.",
])
def test_a_dateline_places_a_commune_that_province_has(text: str) -> None:
    _outside(text, "Tỉnh Nghệ An")


@pytest.mark.parametrize(("text", "ward"), [
    ("Tôi ở xã Tân Hương, con tôi làm ở Nghệ An: công ty nợ lương ba tháng.",
     "Xã Tân Hương"),
    ("BÌNH DƯƠNG - Quê tôi ở xã Mỹ Hiệp, nay làm công nhân ở đây.", "Xã Mỹ Hiệp"),
    ("Nghệ An - Tôi ở xã Tân Hương, tỉnh Đồng Tháp, con tôi làm thuê ngoài đó.",
     "Xã Tân Hương"),
    # The city has a "phường Tân Phú", no "xã Tân Phú".
    ("TP.HCM: con tôi làm ở đây, còn tôi ở xã Tân Phú, hồ sơ đất trễ hẹn.", "Xã Tân Phú"),
])
def test_a_province_said_first_does_not_take_a_commune_it_lacks_or_ours_by_name(
        text: str, ward: str) -> None:
    """Not a dateline (the province in passing), a commune that province never had, or
    a text that names our province too: our commune stays."""
    _ours(text, ward)


@pytest.mark.parametrize(("text", "province"), [
    ("TỈNH VĨNH LONG - TT Tam Bình: chợ tạm lấn ra quốc lộ.", "Tỉnh Vĩnh Long"),
    ("Tại Gia Lai, xã Mỹ Phong: điện chập chờn cả tuần.", "Tỉnh Gia Lai"),
])
def test_an_address_written_large_to_small_is_placed_by_its_province(
        text: str, province: str) -> None:
    _outside(text, province)


# -- words that block a bare name only when they stand right before it ------------------

def test_a_street_word_ending_the_previous_name_does_not_block_the_province() -> None:
    """"Song" (sông) and "Duong" (đường) end district names: after a comma they do not
    make the next name a river's or a street's."""
    _outside("cong ty o xa Truong Xuan, Dak Song, Dak Nong no luong cong nhan",
             "Tỉnh Lâm Đồng")
    _outside("toi ve que o Xa An Hoa, Tam Duong, Phu Tho thay cau sap", "Tỉnh Phú Thọ")
    _ours("Quán cà phê trên đường Hòa Bình, xã Mỹ Hiệp mở nhạc lớn.", "Xã Mỹ Hiệp")


def test_a_bare_district_that_starts_with_a_joining_word_still_bridges() -> None:
    """"Bến Cát" starts with "bến", a word that may join two names."""
    _ours("toi o xa Tan Phu Dong, Thanh pho Sa Dec, tinh Dong Thap, con toi lam o Xa Phu "
          "An, Ben Cat, Thanh pho Ho Chi Minh; ho so dat nop 3 thang", "Xã Tân Dương")


# -- the country's names whose unit word the sources write with a capital ---------------

@pytest.mark.parametrize(("text", "province"), [
    ("Tôi ở phường Đồng Sơn, TP Đồng Hới, đường ngập sau mưa.", "Tỉnh Quảng Trị"),
    ("ban doc o P Dong Son, Thanh Pho Dong Hoi phan anh", "Tỉnh Quảng Trị"),
])
def test_a_city_written_thanh_pho_with_a_capital_in_the_sources_is_known(
        text: str, province: str) -> None:
    """"Thành Phố Đồng Hới" in the sources: its unit word is one, whatever its capitals,
    so the city is found and our Đồng Sơn is not read."""
    _outside(text, province)


@pytest.mark.parametrize(("text", "province"), [
    ("Nắp cống ở góc Trần Quang Khải - Điện Biên Phủ (P.Đa Kao, Q.1) bị bể.",
     "Thành phố Hồ Chí Minh"),
    ("Anh Lê Thanh Sơn (P.Kỳ Bá, TP Thái Bình) phản ánh chợ lấn đất.", "Tỉnh Hưng Yên"),
])
def test_names_after_the_commune_place_it_before_names_written_ahead_of_it(
        text: str, province: str) -> None:
    """A street or a person named like a province or district ("Điện Biên Phủ", "Thanh
    Sơn") may stand right before the address: the units after the commune decide."""
    _outside(text, province)
