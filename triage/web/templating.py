"""One Jinja2 environment for every page, autoescape on whatever the file extension."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from triage.auth.service import ROLES, Principal
from triage.classify.conduct import LABELS as CONDUCT_LABELS
from triage.classify.model import REVIEW_REASONS
from triage.classify.urgency import LABELS as URGENCY_NAMES
from triage.db import utcnow
from triage.inbox.service import DUE_SOON
from triage.reports.cells import summary
from triage.routing.service import agency_name
from triage.taxonomy import CHANNELS, FLAGS, TOPICS, flag_name, topic_name
from triage.tickets.service import local_tz
from triage.tickets.states import STATUS_NAMES, Status

TEMPLATE_DIR = Path(__file__).parent / "templates"

# Navigation per role: (path, label). The first entry is the role's home page.
NAV: dict[str, list[tuple[str, str]]] = {
    "operator": [("/tiep-nhan", "Tiếp nhận"), ("/xem-xet", "Hàng chờ xem xét"),
                 ("/tim-kiem", "Tìm kiếm"), ("/nhap-tep", "Nhập tệp")],
    "agency_staff": [("/hop-thu", "Hộp thư phản ánh"), ("/tim-kiem", "Tìm kiếm"),
                     ("/tong-quan", "Tổng quan"), ("/bao-cao", "Báo cáo tháng")],
    "supervisor": [("/tong-quan", "Tổng quan"), ("/bao-cao", "Báo cáo tháng"),
                   ("/xep-hang", "Xếp hạng cơ quan"), ("/xem-xet", "Hàng chờ xem xét"),
                   ("/tim-kiem", "Tìm kiếm")],
    "admin": [("/quan-tri/nguoi-dung", "Người dùng"), ("/quan-tri/co-quan", "Cơ quan"),
              ("/quan-tri/dinh-tuyen", "Định tuyến, thời hạn"),
              ("/quan-tri/ngay-nghi", "Ngày nghỉ"), ("/quan-tri/mo-hinh", "Mô hình"),
              ("/tong-quan", "Tổng quan"),
              ("/bao-cao", "Báo cáo tháng"), ("/tim-kiem", "Tìm kiếm"),
              ("/nhap-tep", "Nhập tệp")],
}

# Fixed confirmation messages, chosen by a short key in the redirect URL so that no
# user text ever travels in a URL.
NOTICES = {
    "routed": "Đã chuyển phiếu tới cơ quan xử lý.",
    "case_linked": "Đã gộp phiếu vào vụ việc.",
    "case_unlinked": "Đã tách phiếu khỏi vụ việc.",
    "queued": "Đã lưu phiếu; hệ thống sẽ phân loại và chuyển xử lý.",
    "acknowledged": "Đã xác nhận tiếp nhận phiếu.",
    "noted": "Đã ghi tiến độ xử lý.",
    "resolved": "Đã gửi kết quả trả lời.",
    "sent_back": "Đã đề nghị chuyển lại phiếu.",
    "user_saved": "Đã lưu người dùng.",
    "closed": "Đã đóng phiếu.",
    "kinds_saved": "Đã lưu loại hành vi.",
    "logged_out": "Đã đăng xuất.",
    "password_changed": "Đã đổi mật khẩu; các phiên đăng nhập khác đã kết thúc.",
    "password_reset": "Đã đặt lại mật khẩu; các phiên đăng nhập của người này đã kết thúc.",
    "calendar_saved": "Đã lưu thay đổi ngày nghỉ, ngày làm bù (một phiên bản mới).",
    "rules_saved": "Đã lưu thay đổi quy tắc phân luồng (một phiên bản mới).",
}


EVENT_NAMES = {
    "received": "Tiếp nhận", "classified": "Phân loại", "needs_review": "Chờ xem xét",
    "routed": "Chuyển cơ quan xử lý", "rerouted": "Chuyển lại cơ quan khác",
    "acknowledged": "Cơ quan xác nhận đã nhận", "note": "Ghi tiến độ",
    "urgent_unacknowledged": "Phiếu khẩn chưa được xác nhận: đã báo Văn phòng UBND tỉnh",
    "resolved": "Trả lời công dân", "reassign_requested": "Cơ quan đề nghị chuyển lại",
    "closed": "Đóng phiếu", "labels_changed": "Sửa lĩnh vực, dấu hiệu",
    "conduct_kinds_changed": "Sửa loại hành vi (thái độ công chức)",
    "poison": "Xử lý tự động lỗi nhiều lần", "reminder": "Nhắc hạn",
    "escalated": "Báo cáo vượt cấp",
    "deadline_changed": "Tính lại hạn xử lý theo lịch làm việc mới",
    "survey_reopened": "Công dân chưa hài lòng: chuyển lại cơ quan xử lý",
    "survey_unsatisfied": "Công dân chưa hài lòng: chuyển tổng đài viên xem xét",
}
REASONS = {
    **REVIEW_REASONS,
    "classifier_unavailable": "Chưa có mô hình phân loại.",
    "routing_unsure": "Chưa xác định chắc chắn cơ quan xử lý.",
    "agency_model_disagrees": "Mô hình học từ các lần chuyển lại gợi ý cơ quan khác quy tắc.",
    "agency_reassign": "Cơ quan đề nghị chuyển lại.",
    "citizen_unsatisfied": "Công dân chưa hài lòng với kết quả trả lời.",
    "too_many_attempts": "Xử lý tự động lỗi nhiều lần.",
}


def home_of(role: str) -> str:
    entries = NAV.get(role)
    return entries[0][0] if entries else "/"


def fmt_dt(value: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(local_tz()).strftime(pattern)


def fmt_date(value: datetime | None) -> str:
    return fmt_dt(value, "%d/%m/%Y")


def fmt_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def fmt_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")


def status_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return STATUS_NAMES[Status(code)]
    except ValueError:
        return code


@pass_context
def _agency(ctx: Context, code: str | None) -> str:
    """Names as edited in the database when the page passed them, else the file's."""
    if not code:
        return ""
    names = ctx.get("agency_names") or {}
    return str(names.get(code) or agency_name(code) or code)


def _build_env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dt=fmt_dt, date=fmt_date, pct=fmt_pct, num=fmt_int,
                       topic=lambda c: topic_name(c) if c else "", flag=flag_name,
                       channel=lambda c: CHANNELS.get(c, c), status=status_name,
                       agency=_agency, role=lambda r: ROLES.get(r, r), summary=summary,
                       event=lambda k: EVENT_NAMES.get(k, k),
                       reason=lambda r: REASONS.get(r, r),
                       urgency=lambda lv: URGENCY_NAMES.get(lv, lv),
                       kind=lambda k: CONDUCT_LABELS.get(k, k))
    env.globals.update(TOPICS=TOPICS, FLAGS=FLAGS, CONDUCT_KINDS=CONDUCT_LABELS,
                       CHANNELS=CHANNELS, ROLES=ROLES,
                       STATUS_NAMES={s.value: n for s, n in STATUS_NAMES.items()},
                       now_utc=utcnow, soon_utc=lambda: utcnow() + DUE_SOON)
    return env


ENV = _build_env()


def nav_for(principal: Principal | None, path: str) -> list[dict[str, Any]]:
    if principal is None:
        return []
    return [{"href": href, "label": label,
             "active": path == href or path.startswith(href + "/")}
            for href, label in NAV.get(principal.role, [])]


def render(request: Request, template: str, principal: Principal | None = None, *,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    me = principal if principal is not None and not principal.is_anonymous else None
    notice = NOTICES.get(request.query_params.get("ok", ""))
    html = ENV.get_template(template).render(
        me=me, csrf=me.csrf_token if me else None, nav=nav_for(me, request.url.path),
        home=home_of(me.role) if me else "/", notice=notice, path=request.url.path,
        **context)
    return HTMLResponse(html, status_code=status_code)
