"""Build the default agency directory and the old-to-new unit table from packages.

    python -m triage.agencies.build [--out DIR]

Sources, none typed by hand:
- ``vietnam_provinces``: the 102 communes and wards of Đồng Tháp (code 82) after
  1 July 2025, with their official codes;
- underthesea's ``address`` mapping (from vietnamadminunits): every commune-level unit
  of old Đồng Tháp and old Tiền Giang and the new unit(s) it went into;
- ``vietnamadminunits`` when importable (a build-time extra): official old codes, and
  numbered wards merged into a neighbour before 2025 ("Phường 2" of Cao Lãnh).
Provincial bodies come from ``seed.py``; the country's place names from ``country.py``.

Writes data/agencies/{wards,old_districts,old_units,agencies,country}.csv.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from triage.agencies import seed
from triage.agencies.country import COUNTRY_FIELDS, build_country_rows
from triage.locations.tokens import fold, sig_words
from triage.settings import REPO_ROOT

PROVINCE_CODE = 82
OLD_PROVINCES = {"tinhdongthap": ("dongthap", "Tỉnh Đồng Tháp", "87"),
                 "tiengiang": ("tiengiang", "Tỉnh Tiền Giang", "82")}
OLD_PROVINCES["tinhtiengiang"] = OLD_PROVINCES.pop("tiengiang")
UNIT_PREFIXES = ("Thị trấn ", "Thành phố ", "Thị xã ", "Huyện ", "Phường ", "Xã ")

# The upstream table lists "Phường Cao Lãnh" as a second destination of numbered wards
# of Sa Đéc, Mỹ Tho and Cai Lậy: a key collision on "Phường N" upstream (those towns are
# 20-80 km from Cao Lãnh; Resolution 1663/NQ-UBTVQH15 merges each of them whole).
SPURIOUS_SPLITS = {
    ("thanhphosadec", "phuong3", "phuongcaolanh"),
    ("thanhphosadec", "phuong4", "phuongcaolanh"),
    ("thanhphomytho", "phuong4", "phuongcaolanh"),
    ("thanhphomytho", "phuong6", "phuongcaolanh"),
    ("thixacailay", "phuong3", "phuongcaolanh"),
    ("thixacailay", "phuong4", "phuongcaolanh"),
}

OLD_UNIT_FIELDS = [
    "old_province", "old_province_code", "old_province_key", "old_district", "old_district_code",
    "old_district_key", "old_ward", "old_ward_code", "old_ward_type", "new_ward_codes",
    "new_ward_names", "split", "default_ward_code", "source", "note",
]
AGENCY_FIELDS = ["code", "name", "level", "parent", "aliases", "email", "webhook_url",
                 "active_from", "active_to"]


def core_name(name: str) -> str:
    for prefix in UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def unit_type(name: str) -> str:
    two_words = name.startswith(("Thị", "Thành phố"))
    words = name.split()[:2] if two_words else name.split()[:1]
    return fold("".join(words))


def load_new_wards() -> list[dict[str, str]]:
    from vietnam_provinces import ProvinceCode, Ward

    wards = sorted(Ward.iter_by_province(ProvinceCode(PROVINCE_CODE)), key=lambda w: int(w.code))
    return [{"code": str(int(w.code)), "name": w.name, "type": w.division_type.name.lower(),
             "core": core_name(w.name), "codename": w.codename} for w in wards]


def load_upstream() -> list[dict[str, Any]]:
    import underthesea.address

    path = Path(underthesea.address.__file__).parent / "data" / "mapping.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [r for r in data["ward_mapping"] if r["old_province_key"] in OLD_PROVINCES]


def load_legacy() -> dict[str, Any] | None:
    # Only its data file is read; importing the package would pull in shapely and pandas.
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or spec.origin is None:
        print("vietnamadminunits not installed: old codes and pre-2025 merges left out")
        return None
    path = Path(spec.origin).parent / "data" / "parser_legacy.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class NewWardLookup:
    """Finds a new ward from the upstream's name or key (some keys kept their accents)."""

    def __init__(self, wards: list[dict[str, str]]) -> None:
        self.by_sig = {sig_words(w["name"]): w for w in wards}
        self.by_accented_key = {w["name"].lower().replace(" ", ""): w for w in wards}
        keys: dict[str, list[dict[str, str]]] = defaultdict(list)
        for w in wards:
            keys[w["codename"].replace("_", "")].append(w)
        self.by_key = {k: v[0] for k, v in keys.items() if len(v) == 1}

    def find(self, name: str, key: str) -> dict[str, str]:
        found = (self.by_sig.get(sig_words(name)) if name else None) \
            or self.by_accented_key.get(key) or self.by_key.get(key)
        if found is None:
            raise LookupError(f"new ward not found: {name!r} / {key!r}")
        return found


def legacy_ward(legacy: dict[str, Any] | None, prov: str, dist: str, ward: str) -> dict[str, Any]:
    if legacy is None:
        return {}
    wards = legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].get(prov, {}).get(dist, {})
    found: dict[str, Any] = wards.get(ward, {})
    return found


def legacy_district(legacy: dict[str, Any] | None, prov: str, dist: str) -> dict[str, Any]:
    if legacy is None:
        return {}
    found: dict[str, Any] = legacy["DICT_PROVINCE_DISTRICT"].get(prov, {}).get(dist, {})
    return found


def group_upstream(records: list[dict[str, Any]], lookup: NewWardLookup
                   ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """One entry per old unit with its destinations, spurious split options dropped."""
    units: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in records:
        key = (r["old_province_key"], r["old_district_key"], r["old_ward_key"])
        new = lookup.find(r["new_ward"], r["new_ward_key"])
        new_key = new["codename"].replace("_", "")
        if (r["old_district_key"], r["old_ward_key"], new_key) in SPURIOUS_SPLITS:
            continue
        unit = units.setdefault(key, {"record": r, "targets": [], "default": ""})
        if new["code"] not in unit["targets"]:
            unit["targets"].append(new["code"])
        if r.get("is_default"):
            unit["default"] = new["code"]
    return units


def old_unit_row(key: tuple[str, str, str], unit: dict[str, Any], names: dict[str, str],
                 legacy: dict[str, Any] | None) -> dict[str, str]:
    prov, dist, ward = key
    r = unit["record"]
    targets: list[str] = unit["targets"]
    split = len(targets) > 1
    return {
        "old_province": r["old_province"], "old_province_code": OLD_PROVINCES[prov][2],
        "old_province_key": OLD_PROVINCES[prov][0], "old_district": r["old_district"],
        "old_district_code": legacy_district(legacy, prov, dist).get("districtCode", ""),
        "old_district_key": dist, "old_ward": r["old_ward"],
        "old_ward_code": legacy_ward(legacy, prov, dist, ward).get("wardCode", ""),
        "old_ward_type": unit_type(r["old_ward"]),
        "new_ward_codes": " ".join(targets), "new_ward_names": "; ".join(names[c] for c in targets),
        "split": "1" if split else "0", "default_ward_code": unit["default"] if split else "",
        "source": "underthesea", "note": "chia cho nhiều đơn vị mới" if split else "",
    }


def earlier_merges(row: dict[str, str], prov: str, legacy: dict[str, Any] | None
                   ) -> list[dict[str, str]]:
    """Numbered wards merged into this one before 2025, known from upstream keywords."""
    info = legacy_ward(legacy, prov, row["old_district_key"], _ward_key(row["old_ward"]))
    if not info or row["split"] == "1":
        return []
    siblings = legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"][prov][row["old_district_key"]] \
        if legacy else {}
    numbers: list[str] = []
    for keyword in info.get("wardKeywords", []):
        match = re.fullmatch(r"phuong0*([1-9][0-9]*)", keyword)
        if match and f"phuong{match.group(1)}" not in siblings and match.group(1) not in numbers:
            numbers.append(match.group(1))
    extra = []
    for number in numbers:
        extra.append(row | {
            "old_ward": f"Phường {number}", "old_ward_code": "", "old_ward_type": "phuong",
            "source": "vietnamadminunits",
            "note": f"nhập vào {row['old_ward']} trước năm 2025",
        })
    return extra


def _ward_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name))


def build_old_units(wards: list[dict[str, str]], records: list[dict[str, Any]],
                    legacy: dict[str, Any] | None) -> list[dict[str, str]]:
    lookup = NewWardLookup(wards)
    names = {w["code"]: w["name"] for w in wards}
    rows: list[dict[str, str]] = []
    for key, unit in sorted(group_upstream(records, lookup).items()):
        row = old_unit_row(key, unit, names, legacy)
        rows.append(row)
        rows.extend(earlier_merges(row, key[0], legacy))
    return rows


def build_ward_rows(wards: list[dict[str, str]], old_units: list[dict[str, str]]
                    ) -> list[dict[str, str]]:
    regions: dict[str, set[str]] = defaultdict(set)
    districts: dict[str, set[str]] = defaultdict(set)
    for row in old_units:
        for code in row["new_ward_codes"].split():
            regions[code].add(row["old_province_key"])
            districts[code].add(f"{row['old_province_key']}:{row['old_district_key']}")
    return [{"code": w["code"], "name": w["name"], "type": w["type"], "core": w["core"],
             "region": "|".join(sorted(regions[w["code"]])),
             "old_districts": "|".join(sorted(districts[w["code"]]))} for w in wards]


def build_district_rows(old_units: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for row in old_units:
        key = (row["old_province_key"], row["old_district_key"])
        seen.setdefault(key, {
            "province_key": row["old_province_key"], "province": row["old_province"],
            "province_code": row["old_province_code"], "key": row["old_district_key"],
            "name": row["old_district"], "type": unit_type(row["old_district"]),
            "core": core_name(row["old_district"]), "code": row["old_district_code"],
        })
    return [seen[k] for k in sorted(seen)]


def aliases(name: str, extra: tuple[str, ...] | list[str] = ()) -> str:
    """Alias list for the CSV: the extras, then a no-diacritics spelling of each."""
    out: list[str] = []
    for alias in (*extra, name):
        for form in (alias, fold(alias)):
            if form not in out and form != name:
                out.append(form)
    return "|".join(out)


def commune_agencies(ward: dict[str, str]) -> list[dict[str, str]]:
    code = ward["code"]
    kind = "xã" if ward["type"] == "xa" else "phường"
    place = f"{kind} {ward['core']}"
    ubnd = f"ubnd-{code}"
    rows = [
        (ubnd, f"UBND {place}", "commune", "",
         [f"Ủy ban nhân dân {place}", f"UB {place}", f"UBND {ward['core']}",
          f"chính quyền {place}"]),
        (f"ca-{code}", f"Công an {place}", "police", "ca-tinh",
         [f"CA {place}", f"Công an {ward['core']}"]),
        (f"hcc-{code}", f"Trung tâm Phục vụ hành chính công {place}", "commune", ubnd,
         [f"Bộ phận một cửa {place}", f"một cửa {place}",
          f"Bộ phận tiếp nhận và trả kết quả {place}",
          f"Trung tâm hành chính công {place}"]),
    ]
    return [_agency_row(c, n, lv, p, aliases(n, a)) for c, n, lv, p, a in rows]


def _agency_row(code: str, name: str, level: str, parent: str, alias_text: str) -> dict[str, str]:
    return {"code": code, "name": name, "level": level, "parent": parent, "aliases": alias_text,
            "email": "", "webhook_url": "", "active_from": seed.ACTIVE_FROM, "active_to": ""}


def build_agencies(wards: list[dict[str, str]]) -> list[dict[str, str]]:
    rows = [_agency_row(s.code, s.name, s.level, s.parent, aliases(s.name, s.aliases))
            for s in seed.provincial_seeds()]
    for ward in wards:
        rows.extend(commune_agencies(ward))
    codes = [r["code"] for r in rows]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate agency codes")
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], fields: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(out: Path) -> dict[str, int]:
    wards = load_new_wards()
    old_units = build_old_units(wards, load_upstream(), load_legacy())
    ward_rows = build_ward_rows(wards, old_units)
    district_rows = build_district_rows(old_units)
    agencies = build_agencies(wards)
    country = build_country_rows()
    write_csv(out / "wards.csv", ward_rows, list(ward_rows[0]))
    write_csv(out / "country.csv", country, COUNTRY_FIELDS)
    write_csv(out / "old_districts.csv", district_rows, list(district_rows[0]))
    write_csv(out / "old_units.csv", old_units, OLD_UNIT_FIELDS)
    write_csv(out / "agencies.csv", agencies, AGENCY_FIELDS)
    return {"wards": len(ward_rows), "old_districts": len(district_rows),
            "old_units": len(old_units), "split": sum(r["split"] == "1" for r in old_units),
            "agencies": len(agencies), "country_places": len(country),
            "aliases": sum(len(r["aliases"].split("|")) for r in agencies if r["aliases"])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "agencies")
    args = parser.parse_args(argv)
    for name, count in build(args.out).items():
        print(f"{name}: {count}")


if __name__ == "__main__":
    main()
