"""The generated directory data and explicit agency mentions."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from triage.agencies.directory import (
    DEFAULT_PATH,
    find_agency_mentions,
    load_directory,
    read_agencies,
)
from triage.locations.resolve import DATA_DIR


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_directory_has_every_commune_with_its_police_and_desk() -> None:
    wards = _rows("wards.csv")
    assert len(wards) == 102
    assert Counter(w["type"] for w in wards) == {"xa": 82, "phuong": 20}
    directory = load_directory()
    for ward in wards:
        for kind in ("ubnd", "ca", "hcc"):
            agency = directory.commune_unit(kind, ward["code"])
            assert agency is not None and agency.ward_code == ward["code"]
            assert agency.active_on(date(2025, 7, 1)) and not agency.active_on(date(2025, 6, 30))


def test_codes_unique_and_parents_exist() -> None:
    agencies = read_agencies(DEFAULT_PATH)
    codes = [a.code for a in agencies]
    assert len(codes) == len(set(codes))
    assert all(a.parent in set(codes) for a in agencies if a.parent)
    assert {a.level for a in agencies} == {"province", "commune", "utility", "police", "vertical"}
    for code in ("so-nnmt", "so-xd", "so-yt", "so-gddt", "so-nv", "bhxh-tinh", "so-tp", "so-tc",
                 "thue-tinh", "so-ct", "so-khcn", "so-vhttdl", "ca-tinh", "pc-dongthap",
                 "pc-tiengiang", "cn-dongthap", "cn-tiengiang", "vp-ubnd-tinh"):
        assert code in codes


def test_old_units_cover_both_old_provinces() -> None:
    rows = _rows("old_units.csv")
    by_province = Counter(r["old_province_key"] for r in rows if r["source"] == "underthesea")
    assert by_province["dongthap"] == 141 and by_province["tiengiang"] == 164
    ward_codes = {w["code"] for w in _rows("wards.csv")}
    assert all(set(r["new_ward_codes"].split()) <= ward_codes for r in rows)
    assert ward_codes == {c for r in rows for c in r["new_ward_codes"].split()}
    split = {r["old_ward"] for r in rows if r["split"] == "1"}
    assert split == {"Xã Gáo Giồng", "Xã Phú Thuận B", "Xã Tân Thạnh"}


@pytest.mark.parametrize(("text", "code"), [
    ("Bệnh viện Đa khoa Sa Đéc thu tiền sai", "bv-dk-sadec"),
    ("benh vien da khoa sa dec", "bv-dk-sadec"),
    ("BVĐK Hồng Ngự", "bv-dk-hongngu"),
    ("Điện lực Cao Lãnh cắt điện", "dl-caolanh"),
    ("dien luc hong ngu", "dl-hongngu"),
    ("công an xã Mỹ Hiệp", "ca-30112"),
    ("cong an xa my long huyen cao lanh", "ca-30112"),
    ("Sở Y tế", "so-yt"),
    ("So Tai nguyen va Moi truong", "so-nnmt"),
    ("UBND phường 1 thành phố Mỹ Tho", "ubnd-28261"),
    ("Ủy ban nhân dân xã Phú Hựu", "ubnd-30244"),
    ("UBND P. Sơn Qui", "ubnd-28729"),
    ("bộ phận một cửa của UBND xã Mỹ Long huyện Cao Lãnh", "hcc-30112"),
    ("Trung tâm Phục vụ hành chính công phường Mỹ Tho", "hcc-28261"),
    ("Kính gửi UBND xã Tân Thạnh", "ubnd-30157"),
    ("Điện lực Châu Thành, xã Tân Hương", "dl-chauthanh-tg"),
])
def test_mentions(text: str, code: str) -> None:
    mentions = find_agency_mentions(text)
    assert mentions and mentions[0].code == code
    assert mentions[0].matched in text


def test_mentions_in_order_and_ambiguous_ones_are_not_guessed() -> None:
    codes = [m.code for m in find_agency_mentions("Công an tỉnh và Sở Tư pháp")]
    assert codes == ["ca-tinh", "so-tp"]
    (twin,) = find_agency_mentions("Điện lực Châu Thành")
    assert twin.code is None and set(twin.candidates) == {"dl-chauthanh-dt", "dl-chauthanh-tg"}
    assert find_agency_mentions("UBND xã Tân Bình") == []  # three old communes of that name
    assert find_agency_mentions("ở xã Mỹ Hiệp có nhiều rác") == []  # a place is not an agency
