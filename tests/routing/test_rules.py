"""Routing rules: accuracy on the routed test set and one test per rule of the guideline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from triage.routing.rules import DEFAULT_RULES, decide, read_rules
from triage.settings import REPO_ROOT

TEST_SET = REPO_ROOT / "data" / "routing" / "routed_test.jsonl"


def _cases() -> list[dict[str, object]]:
    with TEST_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _run() -> tuple[float, Counter[str], list[str]]:
    fired: Counter[str] = Counter()
    misses = []
    cases = _cases()
    for case in cases:
        decision = decide(case["topic"], case["flags"], case["text"])  # type: ignore[arg-type]
        got = decision.agency_code if decision.confident else "review"
        fired[decision.rule] += 1
        if got != case["expected"]:
            misses.append(f"{case['expected']} != {got} ({decision.rule}): {case['text']}")
    return 1 - len(misses) / len(cases), fired, misses


def test_routed_test_set_accuracy_and_every_rule_fires() -> None:
    accuracy, fired, misses = _run()
    print(f"\nrouting accuracy {accuracy:.4f} on {len(_cases())} cases; misses: {misses}")
    assert len(_cases()) >= 200
    assert accuracy >= 0.95
    assert {r.id for r in read_rules(DEFAULT_RULES)} == set(fired)


@pytest.mark.parametrize(("rule", "topic", "flags", "text", "expected"), [
    ("R1-named", "y_te", [], "Bệnh viện Đa khoa Sa Đéc thu tiền sai", "bv-dk-sadec"),
    ("R1-named", "dien", [], "Điện lực Hồng Ngự cắt điện không báo", "dl-hongngu"),
    ("R1-named", "an_ninh_trat_tu", [], "công an xã Mỹ Hiệp chưa xử lý", "ca-30112"),
    ("R1-named", "giao_duc", [], "Sở GD&ĐT và Văn phòng UBND tỉnh chưa trả lời", "so-gddt"),
    ("R2-desk", "dat_dai", ["tre_han"],
     "Bộ phận một cửa phường Mỹ Tho trễ hẹn, Sở Nông nghiệp và Môi trường không trả lời",
     "hcc-28261"),
    ("R2-commune", "tu_phap_ho_tich", ["thai_do"], "Cán bộ xã Mỹ Long, huyện Cao Lãnh hách dịch",
     "ubnd-30112"),
    ("R3-trat-tu-do-thi", "xay_dung_do_thi", [], "Lấn chiếm vỉa hè ở phường Sa Đéc", "ubnd-29905"),
    ("R3-rac-ve-sinh", "moi_truong", [], "Rác không thu gom ở xã Tân Hộ Cơ", "ubnd-29929"),
    ("R3-ho-tich", "tu_phap_ho_tich", [], "Đăng ký khai sinh ở xã Phú Hựu", "ubnd-30244"),
    ("R3-dat-dai", "dat_dai", [], "Tranh chấp ranh đất ở xã Mỹ Hiệp", "ubnd-30112"),
    ("R3-an-ninh", "an_ninh_trat_tu", [], "Karaoke hát khuya ở phường Mỹ Tho", "ubnd-28261"),
    ("R3-duong-hem", "giao_thong", [], "Đường đan trong ấp xã Hội Cư bị sụp", "ubnd-28393"),
    ("R3-den-duong", "dien", [], "Đèn đường hẻm 5 phường Cao Lãnh hư", "ubnd-29869"),
    ("R3-ngap-cuc-bo", "cap_thoat_nuoc", [], "Hẻm ở phường Đạo Thạnh ngập sâu", "ubnd-28249"),
    ("R4-bhxh", "lao_dong_an_sinh", [], "Chưa nhận lương hưu tháng này", "bhxh-tinh"),
    ("R4-thue", "tai_chinh_doanh_nghiep", [], "Bị tính thuế sai khi sang tên", "thue-tinh"),
    ("R4-nong-nghiep-moi-truong", "nong_nghiep", [], "Dịch bệnh trên đàn vịt", "so-nnmt"),
    ("R4-xay-dung-giao-thong", "giao_thong", [], "Quốc lộ 30 có ổ gà lớn", "so-xd"),
    ("R4-y-te", "y_te", [], "Thiếu thuốc ở trạm y tế", "so-yt"),
    ("R4-giao-duc", "giao_duc", [], "Trường thu quá nhiều khoản", "so-gddt"),
    ("R4-lao-dong", "lao_dong_an_sinh", [], "Công ty nợ lương công nhân", "so-nv"),
    ("R4-tu-phap", "tu_phap_ho_tich", [], "Xin cấp lý lịch tư pháp", "so-tp"),
    ("R4-tai-chinh", "tai_chinh_doanh_nghiep", [], "Đăng ký kinh doanh bị trả hồ sơ", "so-tc"),
    ("R4-cong-thuong", "cong_thuong", [], "Cây xăng bán thiếu", "so-ct"),
    ("R4-vien-thong", "vien_thong_cntt", [], "Cổng dịch vụ công bị lỗi", "so-khcn"),
    ("R4-van-hoa", "van_hoa_the_thao_du_lich", [], "Lễ hội bị chèo kéo khách", "so-vhttdl"),
    ("R4-an-ninh", "an_ninh_trat_tu", [], "Làm căn cước bị hẹn nhiều lần", "ca-tinh"),
    ("R4-dien", "dien", [], "Mất điện ở phường Mỹ Tho", "pc-tiengiang"),
    ("R4-dien", "dien", [], "Mất điện cả ngày", "pc-dongthap"),
    ("R4-nuoc", "cap_thoat_nuoc", [], "Mất nước ở xã Cái Bè", "cn-tiengiang"),
    ("R4-khac", "khac", [], "Cảm ơn tổng đài", "vp-ubnd-tinh"),
])
def test_each_rule(rule: str, topic: str, flags: list[str], text: str, expected: str) -> None:
    decision = decide(topic, flags, text)
    assert (decision.rule, decision.agency_code, decision.confident) == (rule, expected, True)
    assert decision.agency_name and decision.reason


def test_ambiguous_place_goes_to_review_with_candidates() -> None:
    decision = decide("moi_truong", [], "Rác thải ở Phường 1 không được thu gom")
    assert (decision.rule, decision.agency_code, decision.confident) == (
        "R5-ambiguous-place", None, False)
    assert "Phường Mỹ Tho" in decision.reason and "Phường Sa Đéc" in decision.reason


def test_no_topic_goes_to_review() -> None:
    decision = decide(None, [], "alo")
    assert (decision.rule, decision.agency_code, decision.confident) == ("R5-review", None, False)


def test_two_units_named_equally_is_not_confident() -> None:
    text = "Bệnh viện Đa khoa Sa Đéc chuyển tôi sang Bệnh viện Đa khoa Đồng Tháp"
    decision = decide("y_te", [], text)
    assert decision.rule == "R1-named" and not decision.confident


def test_rules_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "rules.csv"
    rules = DEFAULT_RULES.read_text(encoding="utf-8")
    bad.write_text(rules.replace("R4-y-te,4,y_te", "R4-y-te,4,yte"), encoding="utf-8")
    with pytest.raises(ValueError):
        read_rules(bad)


def test_decision_serialises_for_classify_output() -> None:
    decision = decide("y_te", [], "Sở Y tế")
    assert decision.as_dict() == {"code": "so-yt", "name": "Sở Y tế", "rule": "R1-named",
                                  "reason": decision.reason, "confident": True}
