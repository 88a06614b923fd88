# ruff: noqa: F811  (the fixtures of test_e2e, imported to share its server and browser)
"""The operator's and newcomer's walk in headless Chromium (issue 15): search that forgives,
Ctrl+Enter at once after typing, the agency picker and the candidates of an ambiguous
place, an import in the console's own words, /docs offline, a password changed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories.web import PASSWORD
from tests.web.test_e2e import Browser, Server, browser, log_in, server, shot  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser
TEXT = ("Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư hơn một tuần nay, ban đêm tối om, đề nghị "
        "UBND xã Mỹ Hiệp cho người sửa giúp.")


def _search(page: Any, term: str) -> str:
    page.goto("/tim-kiem")
    page.locator("#q").fill(term)
    page.get_by_role("button", name="Tìm").click()
    page.locator("#search-summary").wait_for()
    return str(page.locator("main").inner_text())


def test_ctrl_enter_at_once_files_the_case_and_search_finds_it(browser: Browser,
                                                               server: Server) -> None:
    op = log_in(browser, server, "operator")
    op.locator("#text").fill(TEXT)
    op.locator("#text").press("Control+Enter")  # before any suggestion has arrived
    op.wait_for_url(re.compile(r"ok=(routed|queued)"))
    notice = op.locator("#filed").inner_text()
    code = op.locator("#filed a").inner_text()
    assert re.fullmatch(r"1022-\d{6}-\d{5}-[0-9A-Z]{4}", code)
    if server.model:
        assert "UBND xã Mỹ Hiệp" in notice
        assert re.search(r"hạn xử lý \d{2}/\d{2}/\d{4}", notice)
    assert op.locator("p.notice").count() == 1
    shot(op, "30-ctrl-enter-ngay")
    for term in ("my hiep", "MỸ HIỆP", "Mỹ Hiệp"):
        assert code in _search(op, term), term
    prefix, period, number, _check = code.split("-")
    assert code in _search(op, f"{period}-{number[:-1]}")
    assert code in _search(op, f"{prefix} {period} {number}")
    shot(op, "31-tim-kiem-khong-dau")
    op.context.close()
    assert browser.problems == []


def test_agency_picker_by_keyboard_and_candidates_as_buttons(browser: Browser,
                                                             server: Server) -> None:
    op = log_in(browser, server, "operator")
    op.locator("#text").fill("Tôi ở Phường 1, đường bị ngập nước mấy ngày nay")
    buttons = op.locator("#sg-candidates button.candidate")
    buttons.first.wait_for()
    assert buttons.count() == 5
    buttons.nth(1).click()
    chosen = op.locator("#agency").input_value()
    assert chosen.startswith("ubnd-")
    shot(op, "32-ung-vien-dia-ban")
    picker = op.get_by_role("combobox", name=re.compile("Tìm cơ quan"))
    picker.focus()
    picker.fill("")
    op.keyboard.type("my hiep")
    op.get_by_role("listbox").get_by_role("option", name=re.compile("UBND xã Mỹ Hiệp")).wait_for()
    op.keyboard.press("Enter")
    assert op.locator("#agency").input_value() == "ubnd-30112"
    assert "ok=" not in op.url  # Enter chose; it did not send the form
    shot(op, "33-chon-co-quan")
    op.context.close()
    assert browser.problems == []


def test_import_in_the_consoles_words_and_again(browser: Browser, server: Server,
                                                 tmp_path: Path) -> None:
    # Dates of the last days (an import may declare a month back at most), written the
    # three ways the console accepts.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    day = [today - timedelta(days=n) for n in (4, 3, 2)]
    rows = ("Nội dung,Kênh,Ngày tiếp nhận\n"
            f"Rác ứ đọng ở chợ Mỹ Tho mấy ngày nay,Điện thoại,{day[0]:%d/%m/%Y}\n"
            f"Đường ấp 4 xã Tân Phước ngập,Zalo,{day[1]:%d/%m/%Y} 08:30\n"
            f"Cúp điện cả đêm ở phường 6,Tin nhắn SMS,{day[2].isoformat()}\n")
    path = tmp_path / "nhap.csv"
    path.write_text(rows, encoding="utf-8")
    op = log_in(browser, server, "operator")
    for expected in ("Đã nhập 3 phản ánh, 0 dòng không nhập được.",
                     "Tệp này đã được nhập trước đó"):
        op.goto("/nhap-tep")
        op.get_by_label("Tệp phản ánh").set_input_files(str(path))
        op.get_by_role("button", name="Nhập tệp").click()
        op.get_by_text(expected).wait_for(timeout=30_000)
    shot(op, "34-nhap-lai-tep")
    op.context.close()
    assert browser.problems == []


def test_docs_render_offline_with_an_authorize_button(browser: Browser, server: Server) -> None:
    page = browser.page(server.url)
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto("/docs")
    try:
        page.get_by_role("button", name=re.compile("Authorize")).wait_for()
    finally:
        shot(page, "35-docs-offline")
    page.get_by_text("/api/v1/complaints").first.wait_for()
    shot(page, "35-docs-offline")
    assert outside == []
    page.context.close()


def test_a_password_is_changed_and_then_used(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "supervisor")
    page.get_by_role("link", name="Đổi mật khẩu").click()
    assert "8 đến 256 ký tự" in page.locator("#pw-rules").inner_text()
    new = "Mat-khau-moi-e2e-2026"
    page.get_by_label("Mật khẩu hiện tại").fill(PASSWORD)
    page.get_by_label("Mật khẩu mới", exact=True).fill(new)
    page.get_by_label("Nhập lại mật khẩu mới").fill(new)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.get_by_text("Đã đổi mật khẩu").wait_for()
    shot(page, "36-doi-mat-khau")
    page.context.close()
    again = browser.page(server.url)
    again.goto("/dang-nhap")
    again.get_by_label("Tên đăng nhập").fill(server.users["supervisor"])
    again.get_by_label("Mật khẩu").fill(new)
    again.get_by_role("button", name="Đăng nhập").click()
    again.wait_for_url(re.compile(r"/tong-quan$"))
    again.context.close()
    assert browser.problems == []
