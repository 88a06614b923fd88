"""What the load generator submits, and the deterministic stub classifier that matches it.

The battery's default classifier is a keyword stub (< 1 ms) so that every complaint goes
through classify → route → notify; the routing rules are the project's own. Every
complaint carries a seeded caller name and phone, which must never reach a log (B14)."""

from __future__ import annotations

import csv
import random
from functools import lru_cache
from typing import Any

from triage.settings import REPO_ROOT

TEMPLATES: list[tuple[str, str]] = [
    ("dien", "Đèn đường ở ấp {n} {ward} bị hư hơn một tuần nay, ban đêm tối om, "
             "đề nghị cho người sửa giúp."),
    ("moi_truong", "Rác thải đổ bừa bãi ở đầu hẻm {n} {ward} bốc mùi hôi thối mấy ngày nay, "
                   "đề nghị thu gom."),
    ("cap_thoat_nuoc", "Cống thoát nước trước nhà số {n} {ward} bị nghẹt, mưa xuống là ngập, "
                       "đề nghị nạo vét."),
    ("giao_duc", "Trường tiểu học ở {ward} thu thêm nhiều khoản ngoài quy định đầu năm học, "
                 "phụ huynh bức xúc (lớp {n})."),
    ("y_te", "Trạm y tế {ward} thường xuyên đóng cửa sớm, người dân đến khám lúc {n} giờ "
             "không có ai."),
]
# Keyword → topic, in order; what the stub classifier reads.
KEYWORDS: list[tuple[str, str]] = [
    ("đèn đường", "dien"), ("rác thải", "moi_truong"), ("cống thoát nước", "cap_thoat_nuoc"),
    ("trường tiểu học", "giao_duc"), ("trạm y tế", "y_te"),
]
# Seeded personal data: B14 greps every log of the battery for these.
CALLER_NAMES = ["Huỳnh Thị Kiều Diễm", "Võ Văn Thạch Sanh", "Lâm Ngọc Bích Trâm",
                "Đoàn Minh Khôi Nguyên", "Trương Thị Mỹ Xuyên", "Dương Quốc Bảo Long"]
PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035",
            "036", "037", "038", "039", "070", "076", "077", "078", "079", "081", "082",
            "083", "084", "085", "086", "088"]


@lru_cache
def ward_names() -> list[str]:
    with (REPO_ROOT / "data" / "agencies" / "wards.csv").open(encoding="utf-8") as f:
        return [row["name"] for row in csv.DictReader(f)]


def random_phone(rng: random.Random) -> str:
    """A valid Vietnamese mobile number in national form (0912345678)."""
    from triage.tickets.phones import InvalidPhone, canonical_phone

    while True:
        number = rng.choice(PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(7))
        try:
            canonical_phone(number)
            return number
        except InvalidPhone:
            continue


def complaint(i: int, rng: random.Random, *, text: str | None = None) -> dict[str, Any]:
    _, template = TEMPLATES[i % len(TEMPLATES)]
    body = text or template.format(n=rng.randrange(1, 40), ward=rng.choice(ward_names()))
    return {"text": body, "channel": rng.choice(["phone", "zalo", "web", "sms"]),
            "caller": {"name": rng.choice(CALLER_NAMES), "phone": random_phone(rng),
                       "address": f"Số {rng.randrange(1, 300)} ấp {rng.randrange(1, 9)}"}}


def stub_topic(text: str) -> str:
    lowered = text.lower()
    for keyword, topic in KEYWORDS:
        if keyword in lowered:
            return topic
    return "khac"
