"""The monthly conduct list grouped by kind (triage.classify.conduct), and the cases of
harassment or money asked (``nhung_nhieu``) listed apart for the provincial inspectorate.

The report's list 2a (conduct complaints, praise apart) becomes one list per kind, plus
one for complaints with no kind read (older tickets, or none recognised); a complaint of
several kinds is listed under each. The ``nhung_nhieu`` list is list 2c, a sheet (and a
PDF appendix) of its own that can be sent to Thanh tra tỉnh as it is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, func

from triage.classify.conduct import KINDS, LABELS
from triage.tickets.models import Ticket

PREFIX = "thai_do:"
UNSORTED = "chua_phan_loai"
INSPECTORATE = "nhung_nhieu"

_TITLE = "Danh sách phản ánh về thái độ, tác phong của công chức, viên chức"
# (key, number, title, sheet): the lists in the order they appear, 2a by kind first.
GROUPED: tuple[tuple[str, str, str, str], ...] = (
    (PREFIX + "thieu_ton_trong", "2a.1", f"{_TITLE}: thiếu tôn trọng, hách dịch",
     "2a.1 Thái độ - thiếu tôn trọng"),
    (PREFIX + "gay_kho_de", "2a.2", f"{_TITLE}: gây khó dễ, phiền hà",
     "2a.2 Thái độ - gây khó dễ"),
    (PREFIX + "vo_trach_nhiem", "2a.3", f"{_TITLE}: vô trách nhiệm, vắng mặt, chậm trễ",
     "2a.3 Thái độ - vô trách nhiệm"),
    (PREFIX + UNSORTED, "2a.4", f"{_TITLE}: chưa phân loại", "2a.4 Thái độ - chưa phân loại"),
)
SEPARATE: tuple[str, str, str, str] = (
    PREFIX + INSPECTORATE, "2c",
    "Danh sách phản ánh nhũng nhiễu, đòi hoặc gợi ý tiền của công chức, viên chức "
    "(chuyển Thanh tra tỉnh)", "2c. Nhũng nhiễu - Thanh tra")
APPENDIX = {"2a.1": "II.a.1", "2a.2": "II.a.2", "2a.3": "II.a.3", "2a.4": "II.a.4",
            "2c": "II.c"}
GROUP_NAMES = {**LABELS, UNSORTED: "Chưa phân loại"}


def kind_of(key: str) -> str | None:
    """The kind a list key stands for (None: not a conduct-by-kind list)."""
    return key[len(PREFIX):] if key.startswith(PREFIX) else None


def kind_condition(kind: str) -> Any:
    """Tickets whose stored kinds include `kind` (UNSORTED: none of them). The kinds are a
    JSON list whose text form holds each quoted code on both backends, as flags do."""
    text = func.coalesce(cast(Ticket.conduct_kinds, String), "")
    if kind == UNSORTED:
        return and_(*[~text.like(f'%"{k}"%') for k in KINDS])
    return text.like(f'%"{kind}"%')


def group_keys(kinds: list[dict[str, Any]] | None) -> list[str]:
    """The lists a complaint with these stored kinds appears in (the grouping the
    conditions above compute in SQL)."""
    found = [k for k in KINDS if any(d.get("kind") == k for d in kinds or [])]
    return [PREFIX + k for k in found] or [PREFIX + UNSORTED]
