"""What the forms do, and that none of them can be forged: no token, another session's
token or a cross-site origin is refused with 403 and changes nothing."""

from __future__ import annotations

import io
import re
import sys
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.web import (
    AGENCY_A,
    AGENCY_B,
    PASSWORD,
    User,
    UserFactory,
    enter,
    login,
    ticket_id,
)
from triage import db
from triage.auth.models import AuditEntry
from triage.auth.models import User as UserRow
from triage.pipeline import tasks
from triage.settings import get_settings
from triage.tickets.models import Ticket

FORGERIES: list[tuple[str, dict[str, str]]] = [
    ("none", {}),
    ("other", {}),
    ("session", {"Origin": "https://evil.example"}),
    ("session", {"Sec-Fetch-Site": "cross-site"}),
]


def status_of(code: str) -> tuple[str, str | None]:
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        return ticket.status, ticket.agency_code


def forged(who: User, other: User, path: str, data: dict[str, Any]) -> None:
    for token, headers in FORGERIES:
        value = None if token == "none" else other.csrf if token == "other" else "session"
        response = who.post(path, data, token=value, headers=headers)
        assert response.status_code == 403, (path, token, headers)


def test_every_form_refuses_forgeries(user: UserFactory) -> None:
    op, op2 = user("operator"), user("operator")
    staff, staff2 = user("agency_staff", agency=AGENCY_A), user("agency_staff", agency=AGENCY_A)
    sup, adm, adm2 = user("supervisor"), user("admin"), user("admin")
    code = enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.")
    queued = enter(op, "alo alo", agency=None)
    tasks.process_ticket(ticket_id(queued))
    with db.session_scope() as session:
        target = session.scalars(select(UserRow.id).where(UserRow.username == op.username)).one()
    forms = [
        (op, op2, "/tiep-nhan", {"text": "Đường hư", "channel": "phone", "action": "queue"}),
        (op, op2, "/tim-kiem", {"q": "rác"}),
        (op, op2, f"/xem-xet/{queued}", {"action": "route", "agency": AGENCY_B}),
        (op, op2, "/dang-xuat", {}),
        (staff, staff2, f"/phieu/{code}/tiep-nhan", {}),
        (staff, staff2, f"/phieu/{code}/ghi-chu", {"note": "Đang xử lý"}),
        (staff, staff2, f"/phieu/{code}/tra-loi", {"answer": "Đã dọn xong"}),
        (staff, staff2, f"/phieu/{code}/tra-lai", {"reason": "Không thuộc thẩm quyền"}),
        (adm, adm2, "/quan-tri/nguoi-dung", {"username": "moi", "role": "operator",
                                             "password": PASSWORD}),
        (adm, adm2, f"/quan-tri/nguoi-dung/{target}", {"role": "admin", "active": "1"}),
        (adm, adm2, "/quan-tri/co-quan/nap", {}),
        (adm, adm2, "/quan-tri/mo-hinh/huan-luyen", {}),
        (adm, adm2, "/bao-cao/tao", {"thang": "2026-10"}),
        (sup, adm2, "/bao-cao/tao", {"thang": "2026-10"}),
        (sup, adm2, f"/phieu/{code}/nguoi-phan-anh", {"reason": "Xác minh theo yêu cầu"}),
    ]
    for who, other, path, data in forms:
        forged(who, other, path, data)
    assert status_of(code) == ("routed", AGENCY_A)
    assert status_of(queued) == ("needs_review", None)
    with db.session_scope() as session:
        assert session.get_one(UserRow, target).role == "operator"
        assert session.scalars(select(UserRow).where(UserRow.username == "moi")).first() is None
    upload = {"file": ("a.csv", "text\nĐèn hư\n".encode(), "text/csv")}
    for token, headers in FORGERIES:
        value = None if token == "none" else op2.csrf if token == "other" else op.csrf
        data = {} if value is None else {"csrf_token": value}
        response = op.client.post("/nhap-tep", data=data, files=upload, headers=headers,
                                  follow_redirects=False)
        assert response.status_code == 403
    assert op.get("/tiep-nhan").status_code == 200  # the logout was refused too


def reveals(code: str) -> list[dict[str, Any]]:
    with db.session_scope() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "reveal_caller")
        return [dict(e.data, actor=e.actor) for e in session.scalars(stmt)
                if e.ticket_id == ticket_id(code)]


def test_supervisor_sees_a_masked_caller_only_after_giving_a_reason(user: UserFactory) -> None:
    op, sup = user("operator"), user("supervisor")
    staff = user("agency_staff", agency=AGENCY_A)
    code = enter(op, "Cán bộ địa chính xã gây khó dễ, đòi tiền khi làm sổ đỏ.",
                 flags=["thai_do"], name="Trần Thị Bích", phone="0912345678")
    page = sup.get(f"/phieu/{code}").text
    assert "Trần Thị Bích" not in page and "0912345678" not in page
    assert 'action="/phieu/' + code + '/nguoi-phan-anh"' in page
    short = sup.post(f"/phieu/{code}/nguoi-phan-anh", {"reason": "  xem  "})
    assert short.status_code == 200 and 'role="alert"' in short.text
    assert "Trần Thị Bích" not in short.text and reveals(code) == []
    reason = "Xác minh đơn tố cáo theo yêu cầu của Chánh Văn phòng"
    shown = sup.post(f"/phieu/{code}/nguoi-phan-anh", {"reason": reason})
    assert shown.status_code == 200
    assert "Trần Thị Bích" in shown.text and "0912345678" in shown.text
    assert reveals(code) == [{"reason": reason, "actor": sup.username}]
    # Nobody else may use the form: the operator already sees the caller, and the agency
    # complained about must never learn who the denouncer is.
    for other in (op, staff):
        answer = other.post(f"/phieu/{code}/nguoi-phan-anh", {"reason": reason})
        assert answer.status_code in (403, 404)
        assert "Trần Thị Bích" not in answer.text
    assert len(reveals(code)) == 1
    assert "Trần Thị Bích" not in sup.get(f"/phieu/{code}").text  # shown once, not kept


def test_the_suggestion_needs_the_header_token(user: UserFactory) -> None:
    op, sup = user("operator"), user("supervisor")
    body = {"text": "Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư hơn một tuần nay."}
    assert op.client.post("/tiep-nhan/goi-y", json=body).status_code == 403
    assert op.client.post("/tiep-nhan/goi-y", json=body,
                          headers={"X-CSRF-Token": sup.csrf}).status_code == 403
    assert op.client.post("/tiep-nhan/goi-y", json=body, headers={
        "X-CSRF-Token": op.csrf, "Origin": "https://evil.example"}).status_code == 403
    assert sup.client.post("/tiep-nhan/goi-y", json=body,
                           headers={"X-CSRF-Token": sup.csrf}).status_code == 403
    answer = op.client.post("/tiep-nhan/goi-y", json=body, headers={"X-CSRF-Token": op.csrf})
    assert answer.status_code == 200
    assert answer.json()["place"] == "Xã Mỹ Hiệp"


def test_login_logout_and_redirects(app: FastAPI, user: UserFactory) -> None:
    op = user("operator")
    client = TestClient(app)
    page = client.get("/dang-nhap")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"username": op.username, "password": PASSWORD}
    assert client.post("/dang-nhap", data=form).status_code == 403
    assert client.post("/dang-nhap", data={**form, "csrf_token": token.group(1)},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    wrong = client.post("/dang-nhap", data={**form, "password": "sai-mat-khau-roi",
                                            "csrf_token": token.group(1)})
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    nowhere = client.post("/dang-nhap", follow_redirects=False, data={
        **form, "csrf_token": token.group(1), "next": "//evil.example/x"})
    assert nowhere.headers["location"] == "/tiep-nhan"
    assert client.get("/dang-xuat").status_code == 405  # no GET changes state
    ticket = enter(op, "Bãi rác ở ấp 3.")
    back = TestClient(app)
    response = login(back, op.username)
    assert response.status_code == 303
    deep = TestClient(app)
    first = deep.get(f"/phieu/{ticket}", follow_redirects=False)
    assert first.headers["location"] == f"/dang-nhap?next=/phieu/{ticket}"
    assert op.post("/dang-xuat").status_code == 303
    assert op.get("/tiep-nhan", follow_redirects=False).status_code == 303
    assert back.get("/tiep-nhan").status_code == 200  # other sessions stay open


def test_agency_works_a_ticket_and_the_citizen_reads_the_answer(
        app: FastAPI, user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.", phone="0912345678")
    mine, other = user("agency_staff", agency=AGENCY_A), user("agency_staff", agency=AGENCY_B)
    assert code in mine.get("/hop-thu").text and code in mine.get("/hop-thu?tab=moi").text
    assert code not in other.get("/hop-thu").text
    for path, data in [(f"/phieu/{code}", None), (f"/phieu/{code}/tiep-nhan", {}),
                       (f"/phieu/{code}/tra-loi", {"answer": "Xong"})]:
        response = other.get(path) if data is None else other.post(path, data)
        assert response.status_code == 404 and "Bãi rác" not in response.text
    assert mine.post(f"/phieu/{code}/tiep-nhan").status_code == 303
    assert status_of(code)[0] == "acknowledged"
    assert mine.post(f"/phieu/{code}/ghi-chu", {"note": "Đã cử người kiểm tra"}
                     ).status_code == 303
    assert mine.post(f"/phieu/{code}/tra-loi", {"answer": "  "}).status_code == 422
    done = mine.post(f"/phieu/{code}/tra-loi", {"answer": "Xã đã thu gom rác ngày 28/11."})
    assert done.status_code == 303 and status_of(code)[0] == "resolved"
    history = op.get(f"/phieu/{code}").text
    assert "Đã cử người kiểm tra" in history and "Xã đã thu gom rác" in history
    citizen = TestClient(app)
    page = citizen.get("/tra-cuu")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    wrong = citizen.post("/tra-cuu", data={"csrf_token": token.group(1), "code": code,
                                           "phone_last4": "0000"})
    assert wrong.status_code == 404 and "Xã đã thu gom" not in wrong.text
    right = citizen.post("/tra-cuu", data={"csrf_token": token.group(1), "code": code,
                                           "phone_last4": "5678"})
    assert right.status_code == 200 and "Xã đã thu gom rác ngày 28/11." in right.text
    assert "Bãi rác" not in right.text and "0912345678" not in right.text
    [row] = citizen.get(f"/api/v1/open311/v2/requests/{code}.json").json()
    assert "thu gom" not in row["status_notes"]  # the box was not ticked


def test_agency_may_let_its_answer_be_published_scrubbed(user: UserFactory) -> None:
    op, staff = user("operator"), user("agency_staff", agency=AGENCY_A)
    code = enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.", phone="0912345678")
    assert 'name="public"' in staff.get(f"/phieu/{code}").text
    done = staff.post(f"/phieu/{code}/tra-loi", {
        "answer": "Xã đã thu gom rác; ông Nguyễn Văn An gọi 0912 345 678 nếu còn.",
        "public": "true"})
    assert done.status_code == 303
    [row] = staff.get(f"/api/v1/open311/v2/requests/{code}.json").json()
    assert "Xã đã thu gom rác" in row["status_notes"]
    assert "Nguyễn Văn An" not in row["status_notes"] and "345" not in row["status_notes"]
    conduct = enter(op, "Cán bộ một cửa xã quát nạt người dân.", flags=["thai_do"])
    assert 'name="public"' not in staff.get(f"/phieu/{conduct}").text


def test_review_queue_and_sending_back(user: UserFactory) -> None:
    op, staff = user("operator"), user("agency_staff", agency=AGENCY_A)
    queued = enter(op, "Đường ở ấp 3 hư hỏng nặng.", agency=None)
    tasks.process_ticket(ticket_id(queued))
    assert queued in op.get("/xem-xet").text
    routed = op.post(f"/xem-xet/{queued}", {"action": "route", "topic": "giao_thong",
                                            "agency": AGENCY_A, "note": "Gọi lại xác nhận"})
    assert routed.status_code == 303 and status_of(queued) == ("routed", AGENCY_A)
    back = staff.post(f"/phieu/{queued}/tra-lai", {"reason": "Đường tỉnh, không thuộc xã",
                                                   "suggested_agency": AGENCY_B})
    assert back.status_code == 303 and status_of(queued)[0] == "reassign_requested"
    queue = op.get("/xem-xet").text
    assert queued in queue and "Đường tỉnh, không thuộc xã" in queue
    again = op.post(f"/xem-xet/{queued}", {"action": "route", "agency": AGENCY_B,
                                           "back": "ticket"})
    assert again.headers["location"].startswith(f"/phieu/{queued}")
    assert status_of(queued) == ("routed", AGENCY_B)
    assert staff.get(f"/phieu/{queued}").status_code == 404  # re-routing revokes at once
    empty = enter(op, "alo alo", agency=None)
    tasks.process_ticket(ticket_id(empty))
    assert op.post(f"/xem-xet/{empty}", {"action": "close"}).status_code == 422
    assert op.post(f"/xem-xet/{empty}", {"action": "close", "note": "Gọi nhầm"}
                   ).status_code == 303
    assert status_of(empty)[0] == "closed"


def test_admin_manages_users(user: UserFactory) -> None:
    adm = user("admin")
    made = adm.post("/quan-tri/nguoi-dung", {"username": "canbo-a", "role": "agency_staff",
                                             "agency_code": AGENCY_A, "password": PASSWORD})
    assert made.status_code == 303
    weak = adm.post("/quan-tri/nguoi-dung", {"username": "yeu", "role": "operator",
                                             "password": "123456"})
    assert weak.status_code == 422 and "Mật khẩu" in weak.text
    with db.session_scope() as session:
        row = session.scalars(select(UserRow).where(UserRow.username == "canbo-a")).one()
        me = session.scalars(select(UserRow).where(UserRow.username == adm.username)).one()
        row_id, me_id = row.id, me.id
    assert adm.post(f"/quan-tri/nguoi-dung/{row_id}", {"role": "supervisor", "active": ""}
                    ).status_code == 303
    with db.session_scope() as session:
        row = session.get_one(UserRow, row_id)
        assert (row.role, row.agency_code, row.active) == ("supervisor", None, False)
    lockout = adm.post(f"/quan-tri/nguoi-dung/{me_id}", {"role": "operator", "active": "1"})
    assert lockout.status_code == 422


def wait_for_job(who: User, location: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = who.get(location).text
        if "Đang thực hiện" not in page:
            return page
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def test_bulk_import_shows_progress(user: UserFactory) -> None:
    op = user("operator")
    rows = "\n".join(f"Đèn đường ấp {i} xã Mỹ Hiệp bị hư,phone" for i in range(45))
    data = f"Nội dung,Kênh\n{rows}\n,\nThiếu kênh,fax\n".encode()
    response = op.client.post("/nhap-tep", data={"csrf_token": op.csrf}, follow_redirects=False,
                              files={"file": ("phan-anh.csv", io.BytesIO(data), "text/csv")})
    assert response.status_code == 303 and response.headers["location"].startswith("/viec/")
    page = wait_for_job(op, response.headers["location"])
    assert "Đã nhập 45 phản ánh, 1 dòng không nhập được." in page and "<progress" in page
    again = op.client.post("/nhap-tep", data={"csrf_token": op.csrf}, follow_redirects=False,
                           files={"file": ("phan-anh.csv", io.BytesIO(data), "text/csv")})
    page = wait_for_job(op, again.headers["location"])
    assert ("Đã nhập 0 phản ánh, 46 dòng không nhập được (trong đó 45 dòng đã nhập trước đó)"
            in page)
    assert user("operator").get(response.headers["location"]).status_code == 404
    bad = op.client.post("/nhap-tep", data={"csrf_token": op.csrf},
                         files={"file": ("x.txt", b"abc", "text/plain")})
    assert bad.status_code == 422 and "CSV" in bad.text


@pytest.mark.parametrize("path", ["/bao-cao/999999/xlsx", "/bao-cao/1/..%2f..%2fetc%2fpasswd",
                                  "/bao-cao/1/%2e%2e", "/bao-cao/abc/xlsx"])
def test_report_downloads_refuse_unknown_ids_and_paths(user: UserFactory, path: str) -> None:
    response = user("supervisor").get(path)
    assert response.status_code in (404, 422) and "root:" not in response.text


def test_supervisor_builds_and_downloads_a_monthly_report(user: UserFactory) -> None:
    op, sup = user("operator"), user("supervisor")
    enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.")
    month = time.strftime("%Y-%m")
    response = sup.post("/bao-cao/tao", {"thang": month})
    assert response.status_code == 303
    page = wait_for_job(sup, response.headers["location"])
    assert "Đã xong" in page, page
    listing = sup.get("/bao-cao").text
    link = re.search(r'href="(/bao-cao/\d+/xlsx)"', listing)
    assert link, listing
    download = sup.get(link.group(1))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-store"
    other = user("agency_staff", agency=AGENCY_B)
    assert other.get(link.group(1)).status_code == 404
    assert link.group(1) not in other.get("/bao-cao").text


def test_retraining_runs_apart_and_shows_progress(user: UserFactory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The training itself is the classifier's business; here a stand-in child process
    checks what the page hands it and answers like the real one."""
    from triage.web import model_admin

    script = ("import json, sys, time; rows = open(sys.argv[1], encoding='utf-8').readlines(); "
              "time.sleep(1); print(json.dumps({'promoted': False, 'reason': 'kém hơn', "
              "'version': 'tf-test', 'headline': {}, 'corrections': len(rows), "
              "'seconds': 1.0}))")
    monkeypatch.setattr(model_admin, "COMMAND", [sys.executable, "-c", script])
    op, adm = user("operator"), user("admin")
    queued = enter(op, "Đường ở ấp 3 hư hỏng nặng.", agency=None)
    tasks.process_ticket(ticket_id(queued))
    op.post(f"/xem-xet/{queued}", {"action": "route", "topic": "giao_thong", "agency": AGENCY_A})
    assert "1" in adm.get("/quan-tri/mo-hinh").text
    response = adm.post("/quan-tri/mo-hinh/huan-luyen")
    assert response.status_code == 303
    page = wait_for_job(adm, response.headers["location"])
    assert "Giữ mô hình hiện tại" in page and "tf-test, 1 chỉnh sửa" in page
    assert not list(get_settings().data_dir.glob("web-retrain-*"))


def test_the_desk_corrects_the_kind_of_a_conduct_complaint(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Cán bộ một cửa xã quát nạt người dân, bắt về bổ sung giấy tờ nhiều lần.",
                 flags=["thai_do"])
    page = op.get(f"/phieu/{code}").text
    assert 'name="kinds" value="nhung_nhieu"' in page and 'value="kinds"' in page
    saved = op.post(f"/xem-xet/{code}", {"action": "kinds", "kinds": ["nhung_nhieu"],
                                         "back": "ticket"})
    assert saved.status_code == 303 and "kinds_saved" in saved.headers["location"]
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert [k["kind"] for k in ticket.conduct_kinds] == ["nhung_nhieu"]
    shown = op.get(f"/phieu/{code}").text
    assert "Nhũng nhiễu, đòi hoặc gợi ý tiền" in shown and "Sửa loại hành vi" in shown
    assert op.post(f"/xem-xet/{code}", {"action": "kinds", "kinds": ["hoi_lo"]}
                   ).status_code == 422


def test_the_desk_takes_the_callers_email_and_refuses_a_wrong_one(user: UserFactory) -> None:
    op = user("operator")
    page = op.get("/tiep-nhan").text
    assert 'type="email" name="email"' in page
    data = {"text": "Rác ứ đọng ở đầu hẻm 5 phường Mỹ Phú cả tuần.", "channel": "web",
            "name": "Lê Thị Hoa", "phone": "0912345670", "email": "hoa.le@example.vn",
            "address": "", "topic": "moi_truong", "agency": AGENCY_A, "action": "accept",
            "idem": "e-mail-1"}
    filed = op.post("/tiep-nhan", data)
    assert filed.status_code == 303, filed.text
    code = re.search(r"code=([0-9A-Z-]+)", filed.headers["location"])
    assert code
    with db.session_scope() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code.group(1))).one()
        assert ticket.caller is not None and ticket.caller.email == "hoa.le@example.vn"
    wrong = op.post("/tiep-nhan", {**data, "email": "hoa.le@", "idem": "e-mail-2"})
    assert wrong.status_code == 422 and "e-mail không hợp lệ" in wrong.text
    assert 'value="hoa.le@"' in wrong.text  # nothing typed is lost
