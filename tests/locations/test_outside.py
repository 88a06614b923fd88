"""Places of other provinces: never read as a Đồng Tháp unit, even when the name is shared.

The sweeps write every commune of the country whose name a Đồng Tháp unit also bears with
its district and province, and every Đồng Tháp commune beside another province's address.
"""

from __future__ import annotations

import csv
import random

import pytest

from triage.locations import resolve_location
from triage.locations.resolve import DATA_DIR
from triage.locations.tokens import fold
from triage.routing.rules import decide

_UNIT_WORDS = ("Xã", "Phường", "Thị trấn", "Huyện", "Quận", "Thị xã", "Thành phố", "Tỉnh")


def _lower_unit(name: str) -> str:
    for word in _UNIT_WORDS:
        if name.startswith(word + " "):
            return word.lower() + name[len(word):]
    return name


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _namesakes() -> list[tuple[str, str, str]]:
    """(commune, district, province) elsewhere in the country named like a unit of ours."""
    rows = _rows("country.csv")
    ours = {fold(r["core"]) for r in rows if r["level"] == "ward"
            and r["province_key"] == "tinhdongthap"}
    districts = {r["district_key"]: r["name"] for r in rows if r["level"] == "district"}
    return [(_lower_unit(r["name"]), _lower_unit(districts[r["district_key"]]),
             _lower_unit(r["province"])) for r in rows
            if r["level"] == "ward" and r["province_key"] != "tinhdongthap"
            and r["district_key"] and fold(r["core"]) in ours]


OUTSIDE_TEMPLATES = (
    "Người dân {w}, {d}, {p} phản ánh đường hư hỏng nặng.",
    "Bạn đọc ở {w} ({d}, {p}) cho biết rác không được thu gom.",
    "{w} thuộc {d}, {p}: mất điện liên tục mấy ngày nay",
    "Tại {w}, {p}, nhiều hộ chưa có nước sạch.",
)


def test_a_namesake_commune_written_with_its_province_is_never_ours() -> None:
    namesakes = _namesakes()
    assert len(namesakes) > 500
    wrong = []
    for ward, district, province in namesakes:
        for template in OUTSIDE_TEMPLATES:
            text = template.format(w=ward, d=district, p=province)
            for variant in (text, fold(text)):
                match = resolve_location(variant)
                if match.status != "outside_province":
                    wrong.append((variant, match.status, match.ward_name))
    assert not wrong, f"{len(wrong)} read as ours, e.g. {wrong[:5]}"


def test_the_province_of_an_outside_place_is_given() -> None:
    match = resolve_location("Bạn đọc ở xã Mỹ Hòa, huyện Thanh Chương, tỉnh Nghệ An phản ánh")
    assert match.status == "outside_province"
    assert match.province == "Tỉnh Nghệ An"
    assert match.ward_code is None


@pytest.mark.parametrize("text", [
    "Đường Hòa Bình (P.5, Q.11) bị rải đá dăm lổn nhổn",
    "Hẻm 12 đường số 7, phường 1, quận 5 ngập sau mưa",
    "Bãi giữ xe ở P.7, Q.Phú Nhuận chiếm lòng đường",
    "Tại phường Hạ Đình thuộc quận Thanh Xuân, Hà Nội, vỉa hè bị chiếm",
])
def test_numbered_wards_and_city_districts_elsewhere_are_not_ours(text: str) -> None:
    match = resolve_location(text)
    assert match.status == "outside_province", match


def test_a_name_written_once_with_another_province_keeps_that_meaning() -> None:
    text = ("Ông Lộc ngụ xã Hòa Bình (Chợ Mới, tỉnh An Giang) cho biết đường chạy qua ấp An "
            "Thuận thuộc xã Hòa Bình hư hỏng nặng.")
    assert resolve_location(text).status == "outside_province"


def test_lower_case_words_in_cased_text_are_not_bare_place_names() -> None:
    text = "Gia đình tôi được bố trí vào khu tái định cư an cư lạc nghiệp từ năm ngoái."
    assert resolve_location(text).status == "not_found"


MIXED_TEMPLATES = (
    "Tôi ở {h}, tỉnh Đồng Tháp, con tôi làm ở {o}; hồ sơ đất của tôi nộp đã 3 tháng.",
    "Con tôi làm công nhân ở {o}, còn tôi ở {h} (Đồng Tháp), đường vào nhà ngập.",
    "Bà con {h} phản ánh: xe tải chở hàng từ {o} về chạy quá tải làm hư đường.",
)


def test_a_home_place_wins_over_another_province_named_in_passing() -> None:
    rows = _rows("country.csv")
    districts = {r["district_key"]: r["name"] for r in rows if r["level"] == "district"}
    elsewhere = [r for r in rows if r["level"] == "ward" and r["district_key"]
                 and r["province_key"] != "tinhdongthap"]
    pick = random.Random(7)
    wrong = []
    for ward in _rows("wards.csv"):
        for template in MIXED_TEMPLATES:
            other = pick.choice(elsewhere)
            address = ", ".join(_lower_unit(n) for n in (
                other["name"], districts[other["district_key"]], other["province"]))
            text = template.format(h=_lower_unit(ward["name"]), o=address)
            match = resolve_location(text)
            if match.ward_code != ward["code"]:
                wrong.append((text, match.status))
    assert not wrong, f"{len(wrong)} wrong, e.g. {wrong[:3]}"


def test_an_outside_place_routes_by_topic_with_the_reason_given() -> None:
    text = "Công an xã Mỹ Hiệp, huyện Thanh Chương, tỉnh Nghệ An đánh người tại trụ sở"
    decision = decide("an_ninh_trat_tu", [], text)
    assert decision.agency_code == "ca-tinh"
    assert "tỉnh Nghệ An" in decision.reason and "ngoài tỉnh Đồng Tháp" in decision.reason
    home = decide("an_ninh_trat_tu", [], "Công an xã Mỹ Hiệp đánh người tại trụ sở")
    assert home.agency_code == "ca-30112"
