"""Location resolution over every current and old commune of the province.

The sweep tests print their rates (run with ``-s`` to see them)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from triage.locations import resolve_location
from triage.locations.resolve import DATA_DIR
from triage.locations.tokens import fold, sig_words

CURRENT_TEMPLATES = (
    "Tôi ở {unit}, tỉnh Đồng Tháp, phản ánh đường vào ấp bị ngập nước.",
    "Người dân {unit} phản ánh rác thải không được thu gom mấy tuần nay.",
    "Kính gửi đường dây nóng: hồ sơ của tôi nộp tại {unit} đã quá hạn mà chưa có kết quả.",
)
OLD_TEMPLATES = (
    "Nhà tôi ở {unit}, {district}, tỉnh {province} cũ, đường xuống cấp nghiêm trọng.",
    "Tôi thường trú tại ấp 2, {unit}, {district} ({province}), xin phản ánh việc cấp sổ đỏ chậm.",
)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _unit(name: str) -> str:
    kind, _, rest = name.partition(" ")
    if kind == "Thị":
        kind2, _, rest = rest.partition(" ")
        return f"thị {kind2} {rest}"
    return f"{kind.lower()} {rest}"


def _current_cases() -> list[tuple[str, str | None]]:
    """Without diacritics two names fold together ("Tân Thành", "Tân Thạnh"): ambiguous."""
    wards = _rows("wards.csv")
    folded = Counter(fold(w["name"]) for w in wards)
    cases: list[tuple[str, str | None]] = []
    for ward in wards:
        plain = ward["code"] if folded[fold(ward["name"])] == 1 else None
        for template in CURRENT_TEMPLATES:
            text = template.format(unit=_unit(ward["name"]))
            cases += [(text, ward["code"]), (fold(text), plain)]
    return cases


def _old_cases() -> list[tuple[str, str | None]]:
    cases: list[tuple[str, str | None]] = []
    for row in _rows("old_units.csv"):
        expected = None if row["split"] == "1" else row["new_ward_codes"]
        province = row["old_province"].removeprefix("Tỉnh ")
        for template in OLD_TEMPLATES:
            text = template.format(unit=_unit(row["old_ward"]), district=row["old_district"],
                                   province=province)
            cases += [(text, expected), (fold(text), expected)]
    return cases


def _score(cases: list[tuple[str, str | None]]) -> Counter[str]:
    outcome: Counter[str] = Counter()
    for text, expected in cases:
        match = resolve_location(text)
        if expected is None:
            outcome["ambiguous_total"] += 1
            if match.status == "resolved":
                outcome["wrong_guess_on_ambiguous"] += 1
            else:
                outcome["right"] += 1
        elif match.status == "resolved" and match.ward_code == expected:
            outcome["right"] += 1
        elif match.status == "resolved":
            outcome["wrong"] += 1
        else:
            outcome["unresolved"] += 1
    outcome["total"] = len(cases)
    return outcome


def test_every_current_commune_resolves_with_and_without_diacritics() -> None:
    score = _score(_current_cases())
    rate = score["right"] / score["total"]
    print(f"\ncurrent communes: {dict(score)} rate={rate:.4f}")
    assert score["total"] == 102 * 3 * 2
    assert rate >= 0.98
    assert score["wrong"] == score["wrong_guess_on_ambiguous"] == 0


def test_every_old_commune_resolves_and_splits_are_never_guessed() -> None:
    score = _score(_old_cases())
    rate = score["right"] / score["total"]
    print(f"\nold communes: {dict(score)} rate={rate:.4f}")
    assert rate >= 0.98
    assert score["wrong_guess_on_ambiguous"] == 0
    assert score["ambiguous_total"] > 0


@pytest.mark.parametrize(("text", "code", "old_name"), [
    ("xa my hiep bi ngap", "30112", None),
    ("x. Mỹ Hiệp, huyện Cao Lãnh", "30112", None),
    ("P.1 TP Sa Đéc", "29905", "Phường 1"),
    ("p1 thi xa cai lay", "28435", "Phường 1"),
    ("phường 01, thành phố Mỹ Tho", "28261", "Phường 1"),
    ("tt. Cái Bè", "28360", "Thị trấn Cái Bè"),
    ("thị trấn Mỹ An, h. Tháp Mười", "30037", "Thị trấn Mỹ An"),
    ("Phường 2 thành phố Cao Lãnh (sáp nhập từ năm 2025)", "29869", "Phường 2"),
    ("ấp 3 Mỹ Long, Cao Lãnh", "30112", "Xã Mỹ Long"),
    ("xã Mỹ Quý, huyện Tháp Mười", "30055", "Xã Mỹ Quý"),
    ("phuong son quy", "28729", None),
    ("phường Hoà Thuận TP Cao Lãnh", "29869", "Phường Hòa Thuận"),
    ("tx Hồng Ngự, phường An Lộc", "29954", "Phường An Lộc"),
])
def test_abbreviations_old_names_and_spelling_variants(
        text: str, code: str, old_name: str | None) -> None:
    match = resolve_location(text)
    assert (match.status, match.ward_code, match.old_name) == ("resolved", code, old_name)
    assert match.matched and match.matched in text


def test_diacritics_tell_my_tho_from_my_tho() -> None:
    assert resolve_location("đường ở phường Mỹ Tho").ward_code == "28261"
    assert resolve_location("đường ở xã Mỹ Thọ").ward_code == "30076"


def test_old_district_disambiguates_a_repeated_name() -> None:
    assert resolve_location("xã Tân Phú, huyện Thanh Bình").ward_code == "30130"
    assert resolve_location("xã Tân Phú, huyện Châu Thành, Đồng Tháp").ward_code == "30259"
    assert resolve_location("xã Tân Phú, thị xã Cai Lậy").ward_code == "28468"
    match = resolve_location("phường 1 thành phố Gò Công")
    assert (match.ward_code, match.district) == ("28306", "Thành phố Gò Công")


def test_repeated_name_without_district_is_ambiguous() -> None:
    match = resolve_location("Tôi ở Phường 1, đường bị ngập")
    assert match.status == "ambiguous"
    assert len(match.candidates) == 5
    assert resolve_location("xã Tân Bình có bãi rác").status == "ambiguous"


def test_split_commune_is_reported_with_its_candidates() -> None:
    match = resolve_location("xã Gáo Giồng, huyện Cao Lãnh")
    assert match.status == "ambiguous"
    assert {c.code for c in match.candidates} == {"30088", "30025"}
    assert match.old_name == "Xã Gáo Giồng"


def test_old_district_alone_is_ambiguous_not_guessed() -> None:
    match = resolve_location("Ở huyện Lấp Vò có nhiều ổ gà")
    assert match.status == "ambiguous"
    assert match.district == "Huyện Lấp Vò"
    assert {c.code for c in match.candidates} >= {"30169", "30178"}


def test_no_place_is_not_found() -> None:
    for text in ("Cho tôi hỏi thủ tục cấp lại căn cước", "ap 3 bi mat dien", ""):
        assert resolve_location(text).status == "not_found"


def test_hamlet_or_street_of_the_same_name_is_not_a_commune() -> None:
    assert resolve_location("đường Mỹ Hiệp bị hư").status == "not_found"
    assert resolve_location("ấp Tân Bình bị ngập").status == "not_found"


def _old_cases_without_district() -> list[tuple[str, str | None]]:
    """An old name alone: expected unit only where the name cannot mean anything else.

    A current unit of the same name is what such a text means (the names in force win);
    otherwise every old unit of that name must lead to one and the same new unit. Names
    are compared as written: with diacritics, and again folded for the plain text."""
    olds = _rows("old_units.csv")
    cases: list[tuple[str, str | None]] = []
    for key_of, plain in ((lambda n: sig_words(n), False), (lambda n: (fold(n),), True)):
        current: dict[tuple[str, ...], set[str]] = {}
        for ward in _rows("wards.csv"):
            current.setdefault(key_of(ward["name"]), set()).add(ward["code"])
        targets: dict[tuple[str, ...], set[str]] = {}
        for row in olds:
            targets.setdefault(key_of(row["old_ward"]), set()).add(row["new_ward_codes"])
        for row in olds:
            key = key_of(row["old_ward"])
            now = current.get(key, set())
            expected = next(iter(now)) if len(now) == 1 else None
            if not now and len(targets[key]) == 1 and row["split"] == "0":
                expected = row["new_ward_codes"]
            text = f"Tôi ở {_unit(row['old_ward'])}, phản ánh đèn đường hư đã lâu."
            cases.append((fold(text) if plain else text, expected))
    return cases


def test_old_commune_without_district_is_resolved_only_when_unique() -> None:
    score = _score(_old_cases_without_district())
    rate = score["right"] / score["total"]
    print(f"\nold communes, no district: {dict(score)} rate={rate:.4f}")
    assert score["wrong_guess_on_ambiguous"] == 0
    assert rate >= 0.95
