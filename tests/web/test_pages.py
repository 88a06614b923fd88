"""Every page: who may open it, that user text is shown as text, the security headers,
and masking of the caller's personal data."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, select

from tests.factories.web import AGENCY_A, AGENCY_B, PASSWORD, UserFactory, enter, ticket_id
from triage import db
from triage.auth.models import AuditEntry
from triage.pipeline import tasks
from triage.web.templating import ENV, TEMPLATE_DIR

PAYLOAD = ('Bãi rác ấp 3 bốc mùi <script>alert(1)</script> <img src=x onerror=alert(1)> '
           '"><svg onload=alert(1)> </textarea><script>alert(3)</script> '
           'javascript:alert(1) {{7*7}} {% raw %}')
NAME_PAYLOAD = '"><svg onload=alert(2)>'
ADDRESS_PAYLOAD = "</textarea><script>alert(4)</script>"
NOTE_PAYLOAD = "<img src=x onerror=alert(5)> {{7*7}} tiến độ"

# path -> roles that may open it; everyone else logged in gets 403, anonymous a login.
PAGES: dict[str, set[str]] = {
    "/tiep-nhan": {"operator"},
    "/xem-xet": {"operator", "supervisor", "admin"},
    "/tim-kiem": {"operator", "agency_staff", "supervisor", "admin"},
    "/nhap-tep": {"operator", "admin"},
    "/hop-thu": {"agency_staff"},
    "/tong-quan": {"supervisor", "admin", "agency_staff"},
    "/xep-hang": {"supervisor", "admin"},
    "/bao-cao": {"supervisor", "admin", "agency_staff"},
    "/quan-tri/nguoi-dung": {"admin"},
    "/quan-tri/co-quan": {"admin"},
    "/quan-tri/dinh-tuyen": {"admin"},
    "/quan-tri/ngay-nghi": {"admin"},
    "/quan-tri/mo-hinh": {"admin"},
}
ROLES = ["operator", "agency_staff", "supervisor", "admin", "integration"]


class Audit(HTMLParser):
    """Elements and attributes that would run script if they came from a payload."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.findings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src"))
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.findings.append(f"<{tag} {name}=javascript:>")
        if tag == "img" and values.get("src") == "x":
            self.findings.append("<img src=x>")


def assert_inert(html: str) -> None:
    audit = Audit()
    audit.feed(html)
    assert audit.findings == []
    assert all(src in ("/static/entry.js", "/static/picker.js") for src in audit.scripts), \
        audit.scripts


def test_every_template_escapes() -> None:
    assert ENV.autoescape is True
    for name in ENV.list_templates():
        source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
        assert "autoescape false" not in source and "|safe" not in source, name
        assert ENV.get_template(name).environment.autoescape is True


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_pages_open_for_their_roles_only(user: UserFactory, role: str) -> None:
    if role == "anonymous":
        from fastapi.testclient import TestClient

        from triage.app import create_app
        client = TestClient(create_app(start_runtime=False))
        for path in PAGES:
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/dang-nhap?next=")
        for path in ("/tra-cuu", "/dang-nhap"):
            assert client.get(path).status_code == 200
        return
    me = user(role, agency=AGENCY_A if role == "agency_staff" else None)
    for path, allowed in PAGES.items():
        response = me.get(path, follow_redirects=False)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (path, response.text[:300])
        assert "<!doctype html>" in response.text.lower()


def test_ticket_page_is_for_staff_and_the_agency_that_holds_it(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.")
    for role, agency, status in [("operator", None, 200), ("supervisor", None, 200),
                                 ("admin", None, 200), ("agency_staff", AGENCY_A, 200),
                                 ("agency_staff", AGENCY_B, 404), ("integration", None, 403)]:
        response = user(role, agency=agency).get(f"/phieu/{code}")
        assert response.status_code == status, (role, agency)
        if status != 200:
            assert "Bãi rác" not in response.text
    assert user("operator").get("/phieu/1022-209901-99999").status_code == 404


def test_user_text_is_shown_as_text_on_every_page(user: UserFactory) -> None:
    op, staff = user("operator"), user("agency_staff", agency=AGENCY_A)
    sup, adm = user("supervisor"), user("admin")
    code = enter(op, PAYLOAD, name=NAME_PAYLOAD, address=ADDRESS_PAYLOAD)
    queued = enter(op, "Hỏi việc " + PAYLOAD, agency=None, name=NAME_PAYLOAD)
    tasks.process_ticket(ticket_id(queued))  # no model: the case goes to review
    assert staff.post(f"/phieu/{code}/tiep-nhan").status_code == 303
    assert staff.post(f"/phieu/{code}/ghi-chu", {"note": NOTE_PAYLOAD}).status_code == 303
    assert adm.post("/quan-tri/co-quan/nap").status_code == 303
    assert adm.post(f"/quan-tri/co-quan/{AGENCY_B}",
                    {"name": "UBND <script>alert(6)</script> {{7*7}}"}).status_code == 303
    assert adm.post("/quan-tri/nguoi-dung", {"username": "xss", "role": "operator",
                                             "display_name": NAME_PAYLOAD,
                                             "password": PASSWORD}).status_code == 303
    pages = [
        (op, f"/phieu/{code}"), (op, "/xem-xet"), (op, "/tiep-nhan"),
        (staff, "/hop-thu"), (staff, f"/phieu/{code}"),
        (sup, f"/phieu/{code}"), (sup, "/tong-quan"), (sup, "/xep-hang"), (sup, "/bao-cao"),
        (adm, f"/phieu/{code}"), (adm, "/quan-tri/nguoi-dung"), (adm, "/quan-tri/co-quan"),
    ]
    for who, path in pages:
        response = who.get(path)
        assert response.status_code == 200, path
        assert_inert(response.text)
    ticket_page = op.get(f"/phieu/{code}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ticket_page
    assert "{{7*7}}" in ticket_page and "{% raw %}" in ticket_page
    assert "{{7*7}} tiến độ" in staff.get(f"/phieu/{code}").text
    found = op.post("/tim-kiem", {"q": "alert(1)"})
    assert code in found.text
    assert_inert(found.text)
    # A refused form comes back with what was typed, still as text.
    again = op.post("/tiep-nhan", {"text": PAYLOAD, "channel": "phone", "phone": "12",
                                   "name": NAME_PAYLOAD, "address": ADDRESS_PAYLOAD,
                                   "action": "queue"})
    assert again.status_code == 422
    assert_inert(again.text)
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)" in again.text


def test_headers_on_pages_errors_and_static_files(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác tự phát ở ấp 3 bốc mùi hôi thối.")
    for path in ["/tiep-nhan", f"/phieu/{code}", "/xem-xet", "/tong-quan", "/dang-nhap",
                 "/tra-cuu", "/phieu/khong-co"]:
        response = op.get(path)
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert headers["x-frame-options"] == "DENY"
        assert "max-age" in headers["strict-transport-security"]
    static = op.get("/static/app.css")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in static.headers.get("cache-control", "")
    assert op.get("/static/../app.py").status_code == 404


def test_no_personal_data_in_urls(user: UserFactory) -> None:
    op = user("operator")
    response = op.post("/tiep-nhan", {"text": "Bãi rác ở ấp 3 bốc mùi.", "channel": "phone",
                                      "name": "Trần Thị Bé", "phone": "0987654321",
                                      "topic": "moi_truong", "agency": AGENCY_A,
                                      "action": "accept"})
    location = response.headers["location"]
    assert "0987654321" not in location and "Tr" not in location
    links = re.findall(r'(?:href|action)="([^"]*)"', op.get("/tiep-nhan").text)
    assert links and not any("0987654321" in link for link in links)


def test_caller_is_masked_unless_policy_allows(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác ở ấp 3 bốc mùi, gọi lại 0912345678 giúp tôi.",
                 name="Nguyễn Văn An", phone="0912345678", address="ấp 3 xã Mỹ Hiệp")
    secret = enter(op, "Cán bộ một cửa xã quát nạt người dân.", flags=["thai_do"],
                   name="Lê Thị Hoa", phone="0987654321")
    full = op.get(f"/phieu/{code}").text
    assert "Nguyễn Văn An" in full and "0912345678" in full
    with db.session_scope() as session:
        reads = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "read_caller", AuditEntry.ticket_id == ticket_id(code))).all()
        assert reads and "0912345678" not in str(reads[0].data)
    sup = user("supervisor").get(f"/phieu/{code}").text
    assert "09xx xxx 678" in sup and "N. V. A***" in sup
    assert "Nguyễn Văn An" not in sup and "ấp 3 xã Mỹ Hiệp" not in sup
    staff = user("agency_staff", agency=AGENCY_A)
    assert "Nguyễn Văn An" in staff.get(f"/phieu/{code}").text
    hidden = staff.get(f"/phieu/{secret}").text
    assert "Lê Thị Hoa" not in hidden and "0987654321" not in hidden and "L. T. H***" not in hidden
    assert "giữ kín" in hidden
    # Lists and aggregates never carry a full number or name.
    for who, path in [(staff, "/hop-thu"), (user("supervisor"), "/tong-quan")]:
        page = who.get(path).text
        assert "0912345678" not in page and "Nguyễn Văn An" not in page
    listed = op.post("/tim-kiem", {"q": "0912345678"})
    assert code in listed.text and listed.text.count("0912345678") == 1  # the search box


def test_phone_search_is_for_operators(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác ở ấp 3 bốc mùi.", phone="0912345678")
    assert code in op.post("/tim-kiem", {"q": "0912 345 678"}).text
    sup = user("supervisor")
    assert sup.post("/tim-kiem", {"q": "0912345678"}).status_code == 403
    assert code in sup.post("/tim-kiem", {"q": code}).text
    other = user("agency_staff", agency=AGENCY_B)
    assert code not in other.post("/tim-kiem", {"q": "Bãi rác"}).text
    assert f"/phieu/{code}" not in other.post("/tim-kiem", {"q": code}).text


def test_dashboard_of_an_agency_counts_only_its_own(user: UserFactory) -> None:
    op = user("operator")
    for _ in range(2):
        enter(op, "Bãi rác ở ấp 3 bốc mùi MARK-A.", agency=AGENCY_A)
    enter(op, "Đường hư MARK-B.", agency=AGENCY_B, topic="giao_thong")
    kpi = re.compile(r'Tiếp nhận [^<]*</span><span class="kpi-value">(\d+)<')
    staff = user("agency_staff", agency=AGENCY_A)
    for path in ("/tong-quan", f"/tong-quan?co_quan={AGENCY_B}"):
        page = staff.get(path).text
        found = kpi.search(page)
        assert found and found.group(1) == "2", path
        assert "Đạo Thạnh" not in page.split("</form>", 1)[1]
    everyone = kpi.search(user("supervisor").get("/tong-quan").text)
    assert everyone and everyone.group(1) == "3"
    only_b = kpi.search(user("supervisor").get(f"/tong-quan?co_quan={AGENCY_B}").text)
    assert only_b and only_b.group(1) == "1"


def test_search_results_hide_callers_names_and_load_callers_once(user: UserFactory) -> None:
    op = user("operator")
    names = ["Trần Văn Bình", "Phạm Thị Cúc", "Đỗ Minh Dũng"]
    for name in names:
        enter(op, f"Tôi là {name}, cống thoát nước ở ấp 5 bị nghẹt.", name=name,
              phone=f"09123400{len(name):02d}")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = op.post("/tim-kiem", {"q": "cong thoat nuoc"}).text
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.count("cống thoát nước ở ấp 5") == len(names)
    assert not any(name in page for name in names)  # the summary leaves them out
    assert sum("FROM callers" in s for s in statements) == 1
