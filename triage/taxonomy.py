"""The default label set of ../shared/taxonomy.md: stable ASCII codes and Vietnamese names.

Codes are what the models, the routing rules and every evaluation use; the names are
what people see. This is the one table of display names.
"""

from __future__ import annotations

TOPICS: dict[str, str] = {
    "dat_dai": "Đất đai",
    "xay_dung_do_thi": "Xây dựng – trật tự đô thị",
    "giao_thong": "Giao thông – vận tải",
    "moi_truong": "Môi trường",
    "dien": "Điện – chiếu sáng",
    "cap_thoat_nuoc": "Cấp thoát nước",
    "y_te": "Y tế",
    "giao_duc": "Giáo dục – đào tạo",
    "an_ninh_trat_tu": "An ninh – trật tự – cư trú",
    "lao_dong_an_sinh": "Lao động – an sinh xã hội",
    "tu_phap_ho_tich": "Tư pháp – hộ tịch – chứng thực",
    "tai_chinh_doanh_nghiep": "Tài chính – thuế – đầu tư – doanh nghiệp",
    "cong_thuong": "Công thương – thị trường",
    "nong_nghiep": "Nông nghiệp – thủy lợi",
    "vien_thong_cntt": "Viễn thông – CNTT – dịch vụ công trực tuyến",
    "van_hoa_the_thao_du_lich": "Văn hóa – thể thao – du lịch",
    "khac": "Khác",
}

FLAGS: dict[str, str] = {
    "tre_han": "Giải quyết TTHC trễ hạn",
    "thai_do": "Thái độ, tác phong công chức",
}

CHANNELS: dict[str, str] = {
    "phone": "Điện thoại",
    "zalo": "Zalo",
    "web": "Cổng thông tin",
    "email": "Thư điện tử",
    "sms": "Tin nhắn SMS",
    "walk-in": "Trực tiếp",
}


def topic_name(code: str) -> str:
    return TOPICS.get(code, code)


def flag_name(code: str) -> str:
    return FLAGS.get(code, code)
