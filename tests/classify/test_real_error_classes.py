"""The error classes seen on real complaints, each written again in our own words.

On real text the first model took address words for the topic, missed conduct in a
hospital, confused land, building and money in long letters, and sent lawsuits to civil
status, often with high confidence. The shipped model must read these as a careful
operator would.
"""

from __future__ import annotations

import pytest

from triage.classify.model import get_classifier
from triage.text.normalize import strip_accents

ADDRESS_HEAVY_ORDER = [
    "Hộ gia đình ở hẻm 47 đường Trần Phú, khu phố 3, phường 2 cũ, TP Sa Đéc tổ chức sòng bạc, "
    "người lạ ra vào đông, gây mất trật tự",
    "Căn nhà số 12 ngõ 5 phố Lạc Trung, phường Vĩnh Tuy, quận Hai Bà Trưng có người bán ma túy, "
    "thanh niên tụ tập chích hút suốt đêm",
    "Tại tổ 9, khu phố Bình Đức, phường Bình Hòa, nhà ông T. cho mở điểm đá gà ăn tiền mỗi "
    "chiều, xe đậu kín lối đi",
    "Nhà cuối hẻm 21 đường Lê Lợi, khóm 4 có người bán ma túy, kẻ nghiện ra vào suốt",
]

HOSPITAL_CONDUCT = [
    "Mẹ tôi 78 tuổi nằm khoa nội Bệnh viện đa khoa huyện, bị y tá mắng chỉ vì đi vệ sinh "
    "không kịp, bà về khóc cả buổi",
    "Điều dưỡng trực đêm ở bệnh viện tỉnh quát bệnh nhân già, bảo 'già rồi còn đòi hỏi', "
    "người nhà xin thêm cái chăn cũng bị nạt",
]

LONG_LETTERS = [
    ("dat_dai",
     "Kính gửi đường dây nóng. Gia đình tôi nhận chuyển nhượng 120 m2 đất ở từ năm 2019, đã "
     "nộp đủ thuế thu nhập cá nhân, lệ phí trước bạ theo thông báo của chi cục thuế. Hồ sơ "
     "đăng ký biến động nộp tại bộ phận một cửa từ tháng 4, phiếu hẹn 15 ngày, vậy mà đến nay "
     "đã 6 tháng văn phòng đăng ký đất đai vẫn chưa cập nhật sang tên giấy chứng nhận, tôi "
     "muốn xin phép xây nhà cũng không được vì sổ chưa đứng tên mình."),
    ("xay_dung_do_thi",
     "Tôi có mảnh đất đã được cấp giấy chứng nhận quyền sử dụng đất, nộp hồ sơ xin giấy phép "
     "xây dựng nhà ở riêng lẻ hai tầng. Phòng quản lý đô thị trả hồ sơ với lý do bản vẽ sai "
     "khoảng lùi, sửa lại thì nhà bên cạnh vẫn xây lấn ra hẻm, đổ vật liệu chắn lối đi mà "
     "không ai xử lý. Đề nghị kiểm tra công trình xây dựng sai phép này."),
    ("tai_chinh_doanh_nghiep",
     "Công ty chúng tôi nộp hồ sơ hoàn thuế giá trị gia tăng cho hàng xuất khẩu từ tháng 3, "
     "đã bổ sung chứng từ theo yêu cầu hai lần, cơ quan thuế hẹn 6 ngày làm việc nhưng tới "
     "giờ chưa có quyết định hoàn, trong khi doanh nghiệp vẫn phải vay ngân hàng trả lương."),
]

COURTS = [
    "Tôi nộp đơn khởi kiện đòi nợ ra tòa án nhân dân huyện từ tháng 5, tòa vẫn chưa thụ lý, "
    "hỏi thì bảo chờ, xin cho biết tôi phải làm sao",
    "Bản án ly hôn có hiệu lực đã hai năm nhưng chồng cũ không giao con, cơ quan thi hành án "
    "dân sự chưa cưỡng chế thi hành",
]


@pytest.mark.parametrize("text", ADDRESS_HEAVY_ORDER)
def test_an_address_does_not_make_gambling_or_drugs_a_building_matter(text: str) -> None:
    for variant in (text, strip_accents(text)):
        assert get_classifier().classify(variant).topic == "an_ninh_trat_tu"


@pytest.mark.parametrize("text", HOSPITAL_CONDUCT)
def test_a_nurse_scolding_a_patient_is_conduct(text: str) -> None:
    result = get_classifier().classify(text)
    assert result.topic == "y_te"
    assert "thai_do" in result.flags


@pytest.mark.parametrize(("topic", "text"), LONG_LETTERS)
def test_long_letters_that_quote_procedures_keep_their_matter(topic: str, text: str) -> None:
    assert get_classifier().classify(text).topic == topic


@pytest.mark.parametrize("text", COURTS)
def test_lawsuits_and_judgments_are_not_civil_status(text: str) -> None:
    assert get_classifier().classify(text).topic == "khac"


def test_the_late_land_letter_is_flagged_late() -> None:
    assert "tre_han" in get_classifier().classify(LONG_LETTERS[0][1]).flags
