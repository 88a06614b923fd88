"""The country's place names, so that a place outside Đồng Tháp is known as such.

    python -m triage.agencies.build   (writes data/agencies/country.csv with the rest)

A complaint that names "xã Mỹ Hòa, huyện Thanh Chương, tỉnh Nghệ An" must not go to the
Đồng Tháp commune that shares the name. To see that, the place resolver needs every
province (the 63 before 1 July 2025 and the 34 after), every old district and every
commune-level unit, old and new, with the province it lies in today. All of it comes from
packages, none typed by hand: underthesea's ``address`` mapping (every old unit and the new
unit it went into) and ``vietnam_provinces`` (the new units).

Rows of ``country.csv``: ``level`` (province, district, ward), ``province_key`` (today's
province, e.g. ``tinhnghean``; ``tinhdongthap`` is ours), ``province`` (its name),
``district_key`` (the old district, for old wards), ``name``, ``type`` and ``core`` (the
name without its unit word).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from triage.locations.tokens import fold

HOME_PROVINCE = "tinhdongthap"
COUNTRY_FIELDS = ["level", "province_key", "province", "district_key", "name", "type", "core"]

# Short forms people write for a province, beside its name ("TP.HCM", "Sài Gòn"). Keys are
# province keys, old or today's. Two-letter forms that could be words ("HN", "ĐN") are left
# out.
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "thanhphohochiminh": ("TPHCM", "TP HCM", "HCM", "Sài Gòn", "TP Sài Gòn", "TP Hồ Chí Minh"),
    "thanhphohanoi": ("Thủ đô Hà Nội",),
    "thanhphohue": ("Thừa Thiên Huế", "Thừa Thiên - Huế", "TT Huế", "TT-Huế"),
    "tinhbariavungtau": ("Bà Rịa Vũng Tàu", "Bà Rịa - Vũng Tàu", "BR-VT", "BRVT"),
}

_UNIT_WORDS = ("Thành phố ", "Thị trấn ", "Thị xã ", "Tỉnh ", "Huyện ", "Quận ", "Phường ",
               "Xã ", "Đặc khu ")


def _unit_word(name: str) -> str | None:
    """The unit word a name starts with, whatever its capitals ("Thành Phố Đồng Hới",
    "Thị Trấn Năm Căn" are written so in the sources)."""
    lowered = name.lower()
    return next((word for word in _UNIT_WORDS if lowered.startswith(word.lower())), None)


def _core(name: str) -> str:
    word = _unit_word(name)
    return name[len(word):] if word else name


def _type(name: str) -> str:
    word = _unit_word(name)
    return fold(word.strip()).replace(" ", "") if word else ""


def _mapping() -> dict[str, Any]:
    import underthesea.address

    path = Path(underthesea.address.__file__).parent / "data" / "mapping.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _row(level: str, province_key: str, province: str, name: str, district_key: str = "",
         core: str | None = None) -> dict[str, str]:
    return {"level": level, "province_key": province_key, "province": province,
            "district_key": district_key, "name": name, "type": _type(name),
            "core": core if core is not None else _core(name)}


def build_country_rows() -> list[dict[str, str]]:
    """Every province, old district and commune-level unit of the country (see module doc)."""
    from vietnam_provinces import Province, Ward

    data = _mapping()
    today = data["province_mapping"]  # old province key -> today's
    names = data["province_names"]
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, ...]] = set()

    def add(row: dict[str, str]) -> None:
        key = (row["level"], row["province_key"], row["district_key"], row["name"], row["core"])
        if key not in seen:
            seen.add(key)
            rows.append(row)

    for old_key, info in sorted(data["old_province_names"].items()):
        new_key = today[old_key]
        add(_row("province", new_key, names[new_key]["name"], info["name"], core=info["short"]))
    for key, info in sorted(names.items()):
        add(_row("province", key, info["name"], info["name"], core=info["short"]))
    for key, aliases in PROVINCE_ALIASES.items():
        new_key = today.get(key, key)
        for alias in aliases:
            add(_row("province", new_key, names[new_key]["name"], alias, core=alias))
    for r in sorted(data["ward_mapping"], key=lambda r: (r["old_province_key"],
                                                         r["old_district_key"], r["old_ward"])):
        new_key = today[r["old_province_key"]]
        province = names[new_key]["name"]
        district = f"{r['old_province_key']}:{r['old_district_key']}"
        add(_row("district", new_key, province, r["old_district"], district))
        add(_row("ward", new_key, province, r["old_ward"], district))
    by_code = {int(p.code): p for p in Province.iter_all()}
    for ward in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        province = by_code[int(ward.province_code)]
        key = next(k for k, v in names.items() if int(v["code"]) == int(province.code))
        add(_row("ward", key, names[key]["name"], ward.name))
    return rows
