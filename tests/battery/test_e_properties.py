"""Property-based tests: E1 (the boundary normaliser), E2 (exports never carry a formula),
E6 (phone canonicalisation). Hypothesis, seeded by the derandomize profile in CI."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.sanitize import TEXT_PATTERN, UnsafeText, clean_text
from triage.tickets.phones import InvalidPhone, canonical_phone, mask_phone

PROPS = settings(max_examples=2000, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])
VIETNAMESE = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrst"
              "uùủũúụưừửữứựvxyỳỷỹýỵ")
LETTERS = VIETNAMESE + VIETNAMESE.upper()
TRICKY = ("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u200b\u200c\u200d\u2060\ufeff"
          "\u00ad\x01\x07\x1b\x7f\t\n\r \u00a0\u2028😀👨👩👧🙏")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
texts = st.one_of(st.text(), st.text(alphabet=LETTERS + " .,"),
                  st.text(alphabet=LETTERS + TRICKY))


def norm(value: str) -> str | None:
    try:
        return clean_text(value)
    except UnsafeText:
        return None


# E1 -------------------------------------------------------------------------------------

@PROPS
@given(texts)
def test_e1_normaliser_properties(x: str) -> None:
    y = norm(x)
    if y is None:  # refused: NUL, lone surrogate or bidi control present
        assert "\x00" in x or BIDI.search(x) or re.search("[\ud800-\udfff]", x)
        return
    assert norm(y) == y  # idempotent
    assert unicodedata.is_normalized("NFC", y)
    assert not C0.search(y) and not BIDI.search(y)
    assert not re.search("[\ud800-\udfff]", y)
    assert norm(unicodedata.normalize("NFD", x)) == norm(unicodedata.normalize("NFC", x)) == y
    assert len(y) <= len(unicodedata.normalize("NFC", x))
    assert bool(re.search(TEXT_PATTERN, x)) == bool(y)  # the documented pattern says so too


@PROPS
@given(st.text(alphabet=LETTERS + " ", min_size=1))
def test_e1_vietnamese_letters_are_preserved(x: str) -> None:
    assert norm(x) == unicodedata.normalize("NFC", x).strip()
    assert norm(unicodedata.normalize("NFD", x)) == unicodedata.normalize("NFC", x).strip()


# E2 -------------------------------------------------------------------------------------

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
cells = st.one_of(st.text(max_size=60),
                  st.tuples(st.sampled_from(TRIGGERS), st.text(max_size=40)).map("".join),
                  st.sampled_from(['=HYPERLINK("http://x?"&A1,"bấm")', "- đường hư", "@SUM(1)",
                                   "+84912345678", "=1+1", "😡🙏 =cmd|' /C calc'!A0",
                                   "\x01=1+1", " =1+1", "#N/A", "TRUE"]))


@dataclass
class _Meta:
    issued_at: datetime = datetime(2026, 11, 1, tzinfo=UTC)
    display_name: str = "Báo cáo thử"


def _row(values: list[str]) -> Any:
    from triage.reports.service import ReportRow

    when = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    return ReportRow(agency_code="ubnd-30112", agency_name=values[0], code="1022-202610-00001",
                     received_at=when, summary=values[1], place=values[2], channel=values[3],
                     phone=values[4], due_at=when, answered_at=None, status=values[5],
                     days_late=0)


def _export(values: list[str]) -> tuple[bytes, bytes]:
    from triage.reports.csv_export import CsvSink
    from triage.reports.service import LISTS
    from triage.reports.xlsx import XlsxSink

    xlsx, text = io.BytesIO(), io.BytesIO()
    sheet = XlsxSink(xlsx)
    sheet.meta = _Meta()  # type: ignore[assignment]
    sheet.start_list(LISTS[0])
    sheet.row(1, _row(values))
    sheet.end_list(1)
    sheet.finish()
    sink = CsvSink(text)
    sink.start_list(LISTS[0])
    sink.row(1, _row(values))
    sink.finish()
    return xlsx.getvalue(), text.getvalue()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(cells, min_size=6, max_size=6))
def test_e2_exports_never_carry_a_formula(values: list[str]) -> None:
    """Text as it reaches an export: through the intake boundary (clean_text) first."""
    assert_no_formula([norm(v) or "" for v in values])


def test_e2_raw_control_characters_before_a_trigger_are_neutralised() -> None:
    assert_no_formula(["\x01=1+1", "\x0b@SUM(1)", "\x1f-2", "ok", "ok", "ok"])


def assert_no_formula(values: list[str]) -> None:
    xlsx, raw = _export(values)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                assert not cell.value.startswith(TRIGGERS), cell.value
    text = raw.decode("utf-8-sig")
    for record in csv.reader(io.StringIO(text, newline="")):
        for field in record:
            assert not field.startswith(TRIGGERS), field


# E6 -------------------------------------------------------------------------------------

PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37",
            "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85", "86", "88"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def renderings(draw: Any) -> tuple[str, str]:
    national = draw(st.sampled_from(PREFIXES)) + "".join(
        draw(st.sampled_from("0123456789")) for _ in range(7))
    digits = draw(st.sampled_from(["0" + national, "84" + national, "+84" + national]))
    separator = draw(st.sampled_from(["", " ", ".", "-", "\u200b"]))
    groups = [digits[:-6], digits[-6:-3], digits[-3:]] if draw(st.booleans()) else [digits]
    text = separator.join(groups)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return "+84" + national, text


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(renderings())
def test_e6_every_rendering_canonicalises_to_one_number(case: tuple[str, str]) -> None:
    expected, rendering = case
    assert canonical_phone(rendering) == expected
    assert mask_phone(canonical_phone(rendering)) == mask_phone(expected)
    assert mask_phone(expected).endswith(expected[-3:]) and expected[-7:-3] not in \
        mask_phone(expected)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=30), st.text(alphabet="0123456789 +-.", max_size=25)))
def test_e6_invalid_strings_are_refused_with_invalid_phone(raw: str) -> None:
    try:
        canonical_phone(raw)
    except InvalidPhone:
        return
    assert re.sub(r"\D", "", unicodedata.normalize("NFKC", raw))  # accepted: it had digits


def test_e6_invalid_phone_through_the_api_is_422(pg: str) -> None:
    from fastapi.testclient import TestClient

    from triage.app import create_app

    rng = random.Random(7)
    bad = ["12345", "0912abc", "+1 202 555 0100", "09" + "1" * 12, "０", "ＡＢＣ"] + [
        "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 6))) for _ in range(5)]
    with TestClient(create_app(start_runtime=False)) as client:
        for raw in bad:
            r = client.post("/api/v1/complaints", json={
                "text": "Mất nước", "channel": "phone", "caller": {"phone": raw}})
            assert r.status_code == 422, (raw, r.text)
            assert r.json()["error"]["code"] == "invalid_phone"


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
