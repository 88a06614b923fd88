"""End to end in headless Chromium against a real server: the operator enters a
complaint and accepts the suggestion, the routed agency answers it, another agency sees
nothing, the citizen reads the answer, the supervisor downloads the monthly XLSX.
A screenshot of each page goes to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI, unavailable
from tests.factories.web import AGENCY_A, AGENCY_B, PASSWORD
from tests.procs import ROOT, free_port, kill_group, wait_for
from triage import db, migrate
from triage.auth import service as auth
from triage.settings import get_settings

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "test-artifacts" / "screenshots"
# Names the agency, so the rules pick it whatever topic the model suggests.
TEXT = ("Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư hơn một tuần nay, ban đêm tối om, đề nghị "
        "UBND xã Mỹ Hiệp cho người sửa giúp.")
ANSWER = "UBND xã Mỹ Hiệp đã thay bóng đèn đường ấp 3 ngày 28/11. Cảm ơn ông đã phản ánh."


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    model: bool
    users: dict[str, str] = field(default_factory=dict)


def _browser_or_skip() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _browser_or_skip()
    work = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{work / 'triage.sqlite3'}"
    env = {**os.environ, "TRIAGE_DATABASE_URL": url, "TRIAGE_DATA_DIR": str(work / "data")}
    env.pop("TRIAGE_BROKER_URL", None)
    migrate.upgrade(url)
    saved = os.environ.get("TRIAGE_DATABASE_URL")
    os.environ["TRIAGE_DATABASE_URL"] = url
    db.reset_caches()
    users = {"operator": "tongdai1", "staff_a": "myhiep1", "staff_b": "daothanh1",
             "supervisor": "lanhdao1", "admin": "quantri1"}
    try:
        with db.session_scope() as session:
            for key, name in users.items():
                role = "agency_staff" if key.startswith("staff") else key
                agency = AGENCY_A if key == "staff_a" else AGENCY_B if key == "staff_b" else None
                auth.create_user(session, name, role, agency_code=agency, password=PASSWORD)
        model = (Path(get_settings().model_dir) / "model.json").exists()
    finally:
        if saved is None:
            os.environ.pop("TRIAGE_DATABASE_URL", None)
        else:
            os.environ["TRIAGE_DATABASE_URL"] = saved
        db.reset_caches()
    port = free_port()
    log = work / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "triage.asgi:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), 60, "the web server")
        yield Server(base, proc, log, model, users)
    finally:
        kill_group(proc)
        proc.wait(timeout=10)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class Browser:
    """One Chromium for the module; pages fail the test on a dialog or a console error
    (a blocked inline script or style shows up as a CSP error in the console)."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self.chromium = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:
            self._pw.stop()
            if IN_CI:
                raise
            pytest.skip(f"Chromium does not start: {exc}")
        self.problems: list[str] = []

    def page(self, base: str, *, width: int = 1366, height: int = 900) -> Any:
        context = self.chromium.new_context(viewport={"width": width, "height": height},
                                            base_url=base, accept_downloads=True,
                                            locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        return page

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if message.type == "error" and "404" not in message.text:
            self.problems.append(f"console: {message.text}")

    def close(self) -> None:
        self.chromium.close()
        self._pw.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _browser_or_skip()
    b = Browser()
    yield b
    b.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(browser: Browser, server: Server, key: str, **size: int) -> Any:
    page = browser.page(server.url, **size)
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(server.users[key])
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/(tiep-nhan|hop-thu|tong-quan|quan-tri/nguoi-dung)$"))
    return page


def test_a_complaint_from_the_call_to_the_answer(browser: Browser, server: Server) -> None:
    login_page = browser.page(server.url)
    login_page.goto("/dang-nhap")
    shot(login_page, "01-dang-nhap")
    login_page.context.close()

    op = log_in(browser, server, "operator")
    op.locator("#phone").fill("0912 345 678")
    op.locator("#name").fill("Trần Văn Bình")
    op.locator("#text").fill(TEXT)
    reason = op.locator("#sg-reason")
    reason.filter(has_text=re.compile(r"\S")).wait_for()
    assert op.locator("#agency").input_value() == AGENCY_A
    assert "Mỹ Hiệp" in op.locator("#sg-place").inner_text()
    if server.model:
        assert op.locator("#topic").input_value() != ""
        assert "Độ tin cậy" in op.locator("#sg-topic").inner_text()
    else:  # without a trained model the topic is one select away
        op.locator("#topic").select_option("dien")
    shot(op, "02-tiep-nhan-goi-y")
    op.get_by_role("button", name="Chấp nhận và chuyển xử lý").click()
    op.wait_for_url(re.compile(r"ok=routed"))
    code = op.locator("p.notice a").inner_text()
    assert re.fullmatch(r"1022-\d{6}-\d{5}-[0-9A-Z]{4}", code)
    shot(op, "03-tiep-nhan-da-chuyen")
    op.locator("p.notice a").click()
    op.wait_for_url(f"**/phieu/{code}")
    assert "UBND xã Mỹ Hiệp" in op.locator("main").inner_text()
    assert "0912345678" in op.locator("main").inner_text()
    shot(op, "04-phieu-tong-dai-vien")

    # A case the system is unsure of goes to the review queue; its text stays text.
    op.goto("/tiep-nhan")
    op.locator("#text").fill("alo alo <img src=x onerror=alert(1)> {{7*7}}")
    op.get_by_role("button", name="Lưu, để hệ thống tự phân loại").click()
    op.wait_for_url(re.compile(r"ok=queued"))
    op.goto("/xem-xet")
    op.get_by_text("alo alo <img src=x onerror=alert(1)> {{7*7}}").wait_for()
    shot(op, "05-hang-cho-xem-xet")
    op.goto("/tim-kiem")
    op.locator("#q").fill("0912345678")
    op.get_by_role("button", name="Tìm").click()
    op.get_by_role("link", name=code).wait_for()
    shot(op, "06-tim-kiem")
    op.context.close()

    other = log_in(browser, server, "staff_b")
    assert code not in other.locator("main").inner_text()
    shot(other, "07-hop-thu-co-quan-khac")
    response = other.goto(f"/phieu/{code}")
    assert response is not None and response.status == 404
    assert "Đèn đường" not in other.content()
    shot(other, "08-phieu-co-quan-khac-404")
    other.context.close()

    staff = log_in(browser, server, "staff_a")
    staff.get_by_role("link", name=code).wait_for()
    shot(staff, "09-hop-thu-co-quan")
    staff.get_by_role("link", name=code).click()
    staff.get_by_role("button", name="Xác nhận đã nhận phiếu").click()
    staff.wait_for_url(re.compile(r"ok=acknowledged"))
    staff.locator("#answer").fill(ANSWER)
    shot(staff, "10-phieu-co-quan-tra-loi")
    staff.get_by_role("button", name="Gửi kết quả trả lời").click()
    staff.wait_for_url(re.compile(r"ok=resolved"))
    staff.goto("/hop-thu?tab=da-tra-loi")
    staff.get_by_role("link", name=code).wait_for()
    staff.context.close()

    citizen = browser.page(server.url, width=390, height=844)
    citizen.goto("/tra-cuu")
    citizen.get_by_label("Mã phiếu").fill(code)
    citizen.get_by_label("Bốn số cuối điện thoại").fill("5678")
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.get_by_text(ANSWER).wait_for()
    assert "Đã giải quyết" in citizen.locator("main").inner_text()
    shot(citizen, "11-tra-cuu-dien-thoai")
    citizen.context.close()
    assert browser.problems == []


def test_supervisor_downloads_the_monthly_xlsx(browser: Browser, server: Server,
                                               tmp_path: Path) -> None:
    sup = log_in(browser, server, "supervisor")
    shot(sup, "12-tong-quan")
    sup.goto("/xep-hang")
    shot(sup, "13-xep-hang")
    sup.goto("/bao-cao")
    sup.get_by_label("Tháng").select_option(index=0)
    month = sup.get_by_label("Tháng").input_value()
    sup.get_by_role("button", name="Tạo báo cáo").click()
    sup.get_by_text("Đã xong").wait_for(timeout=60_000)
    shot(sup, "14-tao-bao-cao")
    sup.goto("/bao-cao")
    row = sup.locator("tr", has_text="Toàn tỉnh").filter(has_text=month)
    with sup.expect_download() as info:
        row.get_by_role("link", name="XLSX").click()
    target = tmp_path / "bao-cao.xlsx"
    info.value.save_as(target)
    assert target.read_bytes()[:2] == b"PK"
    assert info.value.suggested_filename.endswith(".xlsx")
    shot(sup, "15-bao-cao-thang")
    sup.context.close()
    assert browser.problems == []


@pytest.mark.parametrize("path", ["/quan-tri/nguoi-dung", "/quan-tri/co-quan",
                                  "/quan-tri/dinh-tuyen", "/quan-tri/ngay-nghi",
                                  "/quan-tri/mo-hinh", "/nhap-tep"])
def test_admin_pages_render(browser: Browser, server: Server, path: str) -> None:
    page = log_in(browser, server, "admin")
    page.goto(path)
    page.locator("h1").wait_for()
    shot(page, "20-" + path.strip("/").replace("/", "-"))
    page.context.close()
    assert browser.problems == []


def test_entry_desk_on_a_phone(browser: Browser, server: Server) -> None:
    page = log_in(browser, server, "operator", width=390, height=844)
    page.locator("#text").fill(TEXT)
    page.locator("#sg-reason").filter(has_text=re.compile(r"\S")).wait_for()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 390, "the page scrolls sideways on a phone"
    shot(page, "21-tiep-nhan-dien-thoai")
    page.context.close()
    assert browser.problems == []
