"""In headless Chromium against a real server (the embedded default), the supervisor's
and the admin's side: the dashboard and the ranking of the running month count only
what is due, the ranking shares ranks and sets small agencies apart; the report list
filters by month and agency and its XLSX (with charts) and PDF download; an admin
changes a routing rule and declares a day off, and the operator's desk and the open
tickets' deadlines follow. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tests.factories import reports as f
from tests.factories.web import AGENCY_A, AGENCY_B
from tests.web.test_e2e import Browser, Server, browser, log_in, server, shot
from triage import db
from triage.auth.models import AuditEntry
from triage.routing import overlay
from triage.routing.deadlines import TZ, get_calendar
from triage.routing.service import assign
from triage.tickets.models import Ticket
from triage.tickets.period import Period

pytestmark = pytest.mark.browser
__all__ = ["browser", "server"]  # the module's fixtures, shared with test_e2e


@contextmanager
def server_db(server: Server) -> Iterator[None]:
    """Write straight into the server's database (its SQLite file)."""
    saved = os.environ.get("TRIAGE_DATABASE_URL")
    os.environ["TRIAGE_DATABASE_URL"] = f"sqlite:///{server.log.parent / 'triage.sqlite3'}"
    db.reset_caches()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TRIAGE_DATABASE_URL", None)
        else:
            os.environ["TRIAGE_DATABASE_URL"] = saved
        db.reset_caches()


def _running_month() -> tuple[Period, datetime]:
    """This month and now, at least ten minutes before the month ends (else wait for
    the next one), so the month cannot turn while the test looks at it."""
    now = db.utcnow()
    period = Period.containing(now)
    if period.end - now < timedelta(minutes=10):
        time.sleep((period.end - now).total_seconds() + 1)
        now = db.utcnow()
        period = Period.containing(now)
    return period, now


def _seed_running_month(server: Server) -> None:
    """so-yt and so-xd: 6 answered on time and 1 past its deadline each; so-yt also 3
    entered minutes ago, due later this month; UBND phường Đạo Thạnh 1 on time."""
    period, now = _running_month()
    passed = now - min(timedelta(hours=2), (now - period.start) / 2)
    ahead = now + min(timedelta(days=2), (period.end - now) / 2)
    received = max(period.start, passed - timedelta(minutes=30))
    with server_db(server), db.session_scope() as s:
        f.agencies(s)
        for agency, good, late, fresh in (("so-yt", 6, 1, 3), ("so-xd", 6, 1, 0),
                                          (AGENCY_B, 1, 0, 0)):
            for i in range(good + late):
                t = f.ticket(s, received, agency=agency)
                f.assign(s, t, agency, received, passed,
                         answered=received + (passed - received) / 2 if i < good else None)
            for _ in range(fresh):
                t = f.ticket(s, now - timedelta(seconds=30), agency=agency)
                f.assign(s, t, agency, now - timedelta(seconds=20), ahead)


def _row(page: Any, name: str) -> list[str]:
    row = page.locator("table.ranking tr", has=page.get_by_role("cell", name=name, exact=True))
    return [c.strip() for c in row.first.locator("td").all_inner_texts()]


def test_dashboard_and_ranking_count_only_what_is_due(browser: Browser, server: Server) -> None:
    _seed_running_month(server)
    sup = log_in(browser, server, "supervisor")
    sup.goto("/tong-quan")
    kpis = sup.locator("section.kpis")
    late = kpis.locator(".kpi", has_text="Phiếu trễ hạn").locator(".kpi-value").inner_text()
    rate = kpis.locator(".kpi", has_text="Trả lời đúng hạn")
    assert late == "2"  # not 5: three tickets are not due yet
    assert rate.locator(".kpi-value").inner_text() == "86,7 %"  # 13 of the 15 due
    assert "13 / 15 phiếu đã đến hạn tính đến" in rate.inner_text()
    shot(sup, "30-tong-quan-thang-dang-chay")
    sup.goto("/xep-hang")
    yt, xd = _row(sup, "Sở Y tế"), _row(sup, "Sở Xây dựng")
    assert yt[:5] == ["1", "Sở Y tế", "7", "6", "1"]  # due so far: 7, not 10
    assert xd[:5] == ["1", "Sở Xây dựng", "7", "6", "1"]  # the same score: the same rank
    assert _row(sup, "UBND phường Đạo Thạnh")[0] == "Chưa đủ số phiếu để xếp hạng"
    shot(sup, "31-xep-hang-thang-dang-chay")
    sup.context.close()
    assert browser.problems == []


def _seed_last_month(server: Server) -> Period:
    last = Period.containing(db.utcnow()).shift(-1)
    day = last.start + timedelta(days=3)
    with server_db(server), db.session_scope() as s:
        f.agencies(s)
        for agency, topic in (("so-yt", "y_te"), ("so-xd", "giao_thong"), ("so-xd", "dien")):
            t = f.ticket(s, day, agency=agency, topic=topic, flags=("tre_han",))
            f.assign(s, t, agency, day, day + timedelta(days=4),
                     answered=day + timedelta(days=6))
    return last


def test_report_list_filters_and_downloads_xlsx_with_charts_and_pdf(
        browser: Browser, server: Server, tmp_path: Path) -> None:
    last = _seed_last_month(server)
    sup = log_in(browser, server, "supervisor")
    sup.goto("/bao-cao")
    sup.get_by_label("Tháng").select_option(str(last))
    sup.get_by_role("button", name="Tạo báo cáo").click()
    sup.get_by_text("Đã xong").wait_for(timeout=120_000)
    sup.goto("/bao-cao")
    sup.get_by_label("Phạm vi").select_option("so-yt")
    sup.get_by_role("button", name="Lọc").click()
    sup.wait_for_url(re.compile(r"co_quan=so-yt"))
    scopes = sup.locator("main table tbody tr td:nth-child(2)").all_inner_texts()
    assert scopes == ["Sở Y tế"]
    sup.get_by_label("Kỳ báo cáo").select_option(str(last))
    sup.get_by_label("Phạm vi").select_option("")
    sup.get_by_role("button", name="Lọc").click()
    sup.wait_for_url(re.compile(rf"thang={last}"))
    scopes = sup.locator("main table tbody tr td:nth-child(2)").all_inner_texts()
    assert scopes == ["Toàn tỉnh", "Sở Xây dựng", "Sở Y tế"]  # the province first
    shot(sup, "32-bao-cao-loc")
    row = sup.locator("main table tbody tr").first
    with sup.expect_download() as xlsx:
        row.get_by_role("link", name="XLSX").click()
    workbook = tmp_path / "bao-cao.xlsx"
    xlsx.value.save_as(workbook)
    wb = openpyxl.load_workbook(workbook)
    charts = wb["Biểu đồ"]._charts
    assert len(charts) == 3
    refs = {s.val.numRef.f for c in charts for s in c.series}
    assert all(ref.startswith("'Tổng hợp'!$B$") for ref in refs)
    with sup.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    target = tmp_path / "bao-cao.pdf"
    pdf.value.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"
    sup.context.close()
    assert browser.problems == []


def test_admin_changes_a_rule_and_declares_a_day_off(browser: Browser, server: Server) -> None:
    adm = log_in(browser, server, "admin")
    adm.goto("/quan-tri/dinh-tuyen")
    form = adm.locator("#form-quy-tac")
    form.get_by_label("Mã quy tắc").fill("R0-cau-khi")
    form.get_by_label("Bước").fill("1")
    form.get_by_label("Có các cụm từ").fill("cầu khỉ")
    form.get_by_label("Chuyển tới").select_option("so-xd")
    form.get_by_label("Đặt trước quy tắc").select_option("R2-desk")
    form.get_by_label("Lý do chuyển").fill("Cầu khỉ, cầu tạm: chuyển {agency}.")
    shot(adm, "33-quan-tri-quy-tac")
    form.get_by_role("button", name="Lưu quy tắc").click()
    adm.get_by_text("Đã lưu thay đổi quy tắc phân luồng").wait_for()
    assert adm.locator("table.rules tbody tr").first.locator("td").first.inner_text() \
        == "R0-cau-khi"

    op = log_in(browser, server, "operator")
    op.locator("#text").fill("Cầu khỉ ở ấp 3 xã Mỹ Hiệp bị gãy, học sinh đi học rất nguy "
                             "hiểm.")
    op.locator("#sg-reason").filter(has_text="Cầu khỉ, cầu tạm").wait_for()
    assert op.locator("#agency").input_value() == "so-xd"
    shot(op, "34-tiep-nhan-quy-tac-moi")
    op.context.close()

    # An open ticket; its deadline day becomes a day off (a storm), recomputed on request.
    now = db.utcnow()
    with server_db(server), db.session_scope() as s:
        t = f.ticket(s, now - timedelta(minutes=5), status="classified", agency=None)
        assign(s, t, AGENCY_A, rule="test", reason="thử", actor="test", now=now)
        code, received, due = t.code, t.received_at, t.due_at
    assert due is not None
    storm = due.astimezone(TZ).date()
    adm.goto("/quan-tri/ngay-nghi")
    declare = adm.locator("section", has_text="Khai báo ngày nghỉ")
    declare.get_by_label("Ngày", exact=True).fill(storm.isoformat())
    declare.get_by_label("Loại").select_option("off")
    declare.get_by_label("Lý do").fill("Nghỉ do bão số 15 theo công điện của tỉnh")
    declare.get_by_label("Tính lại hạn xử lý").check()
    declare.get_by_role("button", name="Lưu thay đổi").click()
    adm.get_by_text("Đã lưu thay đổi ngày nghỉ").wait_for()
    history = adm.locator("table", has=adm.get_by_role("columnheader",
                                                        name="Phiếu tính lại hạn"))
    # Every open ticket whose deadline the new calendar changes (the other tests' too).
    recomputed = int(history.locator("tbody tr").first.locator("td").last.inner_text())
    shot(adm, "35-quan-tri-ngay-nghi")
    adm.context.close()
    with server_db(server), db.session_scope() as s:
        moved = s.scalars(select(Ticket.due_at).where(Ticket.code == code)).one()
        expected = overlay.calendar(s, db.utcnow())
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "routing.deadlines.recompute")).one()
    assert entry.data["moved"] == recomputed >= 1
    assert code in {t["code"] for t in entry.data["tickets"]}
    assert moved is not None and moved > due
    assert not expected.is_working_day(storm) and get_calendar().is_working_day(storm)
    assert moved.astimezone(TZ).date() == expected.add_working_days(
        received.astimezone(TZ).date(), 5)
    assert browser.problems == []
