"""The monthly conduct list grouped by kind, and nhung_nhieu listed apart for the
inspectorate (triage.reports.conduct), in the lists and in every format."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from tests.factories import reports as f
from triage.db import session_scope
from triage.reports import conduct
from triage.reports.build import write_formats
from triage.reports.service import LISTS, Scope, iter_list
from triage.tickets.period import Period

OCT = Period(2026, 10)


def _kinds(*kinds: str) -> list[dict[str, object]]:
    return [{"kind": k, "score": 0.9, "cue": "Mô hình"} for k in kinds]


def _october(database: str) -> dict[str, str]:
    """Conduct complaints of each kind (one of two kinds, one with none read) and praise."""
    cases = {
        "rude": ("Cán bộ quát tháo người dân.", _kinds("thieu_ton_trong")),
        "bribe": ("Cán bộ gợi ý bồi dưỡng mới ký.", _kinds("nhung_nhieu")),
        "both": ("Bắt bổ sung nhiều lần rồi đòi tiền cà phê.",
                 _kinds("gay_kho_de", "nhung_nhieu")),
        "absent": ("Phòng một cửa khóa cửa trong giờ làm việc.", _kinds("vo_trach_nhiem")),
        "unread": ("Cán bộ có thái độ không đúng mực.", None),
        "praise": ("Xin khen ngợi cán bộ một cửa đã hướng dẫn tận tình.", None),
    }
    codes: dict[str, str] = {}
    with session_scope() as s:
        f.agencies(s)
        for day, (name, (text, kinds)) in enumerate(cases.items(), start=3):
            t = f.ticket(s, f.local(2026, 10, day, 9, 0), flags=("thai_do",), text=text)
            t.conduct_kinds = kinds
            codes[name] = t.code
        late = f.ticket(s, f.local(2026, 10, 20, 9, 0), flags=("tre_han",),
                        text="Hồ sơ đất đai trễ hạn, cán bộ đòi tiền cà phê.")
        codes["late"] = late.code
    return codes


def _list(key: str) -> list[str]:
    with session_scope() as s:
        return [r.code for r in iter_list(s, Scope(OCT), key)]


def test_conduct_complaints_are_grouped_by_kind_and_nhung_nhieu_listed_apart(
        database: str) -> None:
    c = _october(database)
    assert _list("thai_do:thieu_ton_trong") == [c["rude"]]
    assert _list("thai_do:gay_kho_de") == [c["both"]]
    assert _list("thai_do:vo_trach_nhiem") == [c["absent"]]
    assert _list("thai_do:chua_phan_loai") == [c["unread"]]
    # For the inspectorate: every complaint with nhung_nhieu, one of several kinds or alone;
    # never a lateness complaint, whatever its text says.
    assert _list("thai_do:nhung_nhieu") == [c["bribe"], c["both"]]
    assert _list("khen") == [c["praise"]]


def test_the_report_lists_are_the_kinds_then_praise_then_the_inspectorate() -> None:
    keys = [spec.key for spec in LISTS]
    assert keys == ["tre_han", "thai_do:thieu_ton_trong", "thai_do:gay_kho_de",
                    "thai_do:vo_trach_nhiem", "thai_do:chua_phan_loai", "khen",
                    "thai_do:nhung_nhieu", "tre_xu_ly", "tai_phan_anh", "dong_nguoi"]
    assert all(len(spec.sheet) <= 31 for spec in LISTS)  # Excel's limit for a sheet name
    assert conduct.group_keys(_kinds("gay_kho_de", "nhung_nhieu")) == [
        "thai_do:gay_kho_de", "thai_do:nhung_nhieu"]
    assert conduct.group_keys(None) == conduct.group_keys([]) == ["thai_do:chua_phan_loai"]


def test_every_format_has_the_inspectorate_list_of_its_own(database: str,
                                                           tmp_path: Path) -> None:
    c = _october(database)
    targets = {fmt: tmp_path / f"r.{fmt}" for fmt in ("xlsx", "pdf", "csv")}
    with session_scope() as s:
        counts = write_formats(s, Scope(OCT), targets)
    assert counts["thai_do:nhung_nhieu"] == 2 and counts["thai_do:thieu_ton_trong"] == 1
    wb = openpyxl.load_workbook(targets["xlsx"])
    sheet = wb["2c. Nhũng nhiễu - Thanh tra"]
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == [c["bribe"], c["both"]]
    assert [row[2].value for row in wb["2a.1 Thái độ - thiếu tôn trọng"].iter_rows(
        min_row=2)] == [c["rude"]]
    with targets["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    inspectorate = [r[3] for r in rows if r[0].startswith("2c. ")]
    assert inspectorate == [c["bribe"], c["both"]]
    assert targets["pdf"].read_bytes().startswith(b"%PDF")
