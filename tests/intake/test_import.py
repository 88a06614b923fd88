"""Bulk import: good rows are kept, bad rows reported by row number."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook

CSV = (
    "Nội dung,Kênh,Số điện thoại,Ngày tiếp nhận\n"
    "Rác ứ đọng ở chợ Mỹ Tho mấy ngày nay,phone,0912345678,2026-11-02T08:30:00\n"
    ",zalo,,\n"
    "Đường ấp 4 xã Tân Phước ngập,fax,,\n"
    "Xin hỏi thủ tục cấp lại CCCD,web,123,\n"
    "Cúp điện cả đêm ở phường 6,sms,,\n"
)




def test_csv_import_keeps_good_rows_and_reports_bad_ones(client: TestClient) -> None:
    files = {"file": ("dot1.csv", CSV.encode("utf-8-sig"), "text/csv")}
    r = client.post("/api/v1/complaints/import", files=files)
    assert r.status_code == 200, r.text
    result = r.json()
    assert len(result["created"]) == 2
    assert {(e["row"], e["code"]) for e in result["errors"]} == {
        (3, "empty_text"), (4, "invalid_channel"), (5, "invalid_phone")}
    listed = client.get("/api/v1/complaints").json()
    assert listed["total"] == 2


def test_xlsx_import(client: TestClient) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["text", "channel", "caller_name"])
    sheet.append(["Nước máy đục ngầu ở khu phố 2", "email", "Trần Thị Bé"])
    sheet.append(["Kẹt xe ở cầu Rạch Miễu", "walk-in", None])
    sheet.append([None, "phone", "Ai đó"])
    buf = io.BytesIO()
    book.save(buf)
    files = {"file": ("dot2.xlsx", buf.getvalue(), "application/octet-stream")}
    result = client.post("/api/v1/complaints/import", files=files).json()
    assert len(result["created"]) == 2
    assert [(e["row"], e["code"]) for e in result["errors"]] == [(4, "empty_text")]


def test_file_without_text_column_is_refused(client: TestClient) -> None:
    files = {"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    r = client.post("/api/v1/complaints/import", files=files)
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_column"


def test_broken_xlsx_and_wrong_type(client: TestClient) -> None:
    r = client.post("/api/v1/complaints/import", files={"file": ("x.xlsx", b"PK\x03\x04zz")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_xlsx"
    r = client.post("/api/v1/complaints/import", files={"file": ("x.pdf", b"%PDF")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unsupported_file_type"
