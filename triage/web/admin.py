"""Administration: users and roles, and the agency directory (the routing data has its
own pages, triage.web.routing_admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies import service as agencies
from triage.agencies.directory import load_directory
from triage.agencies.views import AgencyUpdate
from triage.auth import audit
from triage.auth import service as auth
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.models import User
from triage.auth.passwords import RULES
from triage.auth.service import Principal
from triage.deps import SessionDep
from triage.errors import Conflict, InvalidInput, NotFound
from triage.validation import describe
from triage.web.operator import agency_groups
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADMIN = "admin"
LEVEL_NAMES = {"province": "Cấp tỉnh", "commune": "Cấp xã", "police": "Công an",
               "utility": "Dịch vụ công ích", "vertical": "Ngành dọc"}


def _users_page(request: Request, principal: Principal, session: Session, *,
                error: str | None = None, form: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    return render(request, "admin_users.html", principal, status_code=status_code, users=users,
                  error=error, form=form or {}, agency_groups=agency_groups(),
                  agency_names=agencies.agency_names(session), password_rules=RULES)


@router.get("/quan-tri/nguoi-dung")
def users_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    require(request, principal, ADMIN)
    return _users_page(request, principal, session)


@router.post("/quan-tri/nguoi-dung")
def create_user(
    request: Request, principal: FormPrincipal, session: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=24)] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    require(request, principal, ADMIN)
    form = {"username": username, "display_name": display_name, "role": role,
            "agency_code": agency_code}
    try:
        if not username.strip() or not password:
            raise InvalidInput("Hãy nhập tên đăng nhập và mật khẩu.", code="missing_field")
        if agency_code and load_directory().get(agency_code) is None:
            raise InvalidInput("Cơ quan không có trong danh bạ.", code="unknown_agency")
        user = auth.create_user(session, username.strip(), role, agency_code=agency_code or None,
                                password=password, display_name=display_name.strip() or None)
    except InvalidInput as exc:
        session.rollback()
        return _users_page(request, principal, session, error=exc.message, form=form,
                           status_code=exc.status_code)
    except Conflict as exc:
        session.rollback()
        return _users_page(request, principal, session, error=exc.message, form=form,
                           status_code=409)
    audit.record(session, principal, "user.create", source_ip=client_ip(request),
                 data={"user_id": user.id, "role": role})
    return redirect("/quan-tri/nguoi-dung", "user_saved")


@router.post("/quan-tri/nguoi-dung/{user_id}")
def update_user(
    user_id: int, request: Request, principal: FormPrincipal, session: SessionDep,
    role: Annotated[str, Form(max_length=24)] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Role, agency and access take effect on the user's next request (read from the DB)."""
    require(request, principal, ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.", code="user_not_found")
    if role not in auth.ROLES:
        raise InvalidInput("Vai trò không hợp lệ.", code="invalid_role")
    if role == "agency_staff" and load_directory().get(agency_code) is None:
        raise InvalidInput("Cán bộ cơ quan cần gắn với một cơ quan trong danh bạ.",
                           code="agency_required")
    if user.id == principal.user_id and (role != ADMIN or not active):
        raise InvalidInput("Không thể tự bỏ quyền quản trị hoặc tự khóa tài khoản của mình.",
                           code="self_lockout")
    before = {"role": user.role, "agency_code": user.agency_code, "active": user.active}
    user.role = role
    user.agency_code = agency_code if role == "agency_staff" else None
    user.active = bool(active)
    audit.record(session, principal, "user.update", source_ip=client_ip(request),
                 data={"user_id": user.id, "before": before,
                       "after": {"role": user.role, "agency_code": user.agency_code,
                                 "active": user.active}})
    return redirect("/quan-tri/nguoi-dung", "user_saved")


@router.get("/quan-tri/co-quan")
def agencies_page(request: Request, principal: PrincipalDep, session: SessionDep,
                  q: str = "", level: str = "") -> Response:
    require(request, principal, ADMIN)
    q, level = q[:100], level if level in LEVEL_NAMES else ""
    rows = agencies.list_agencies(session, level=level or None, q=q or None)
    loaded = bool(rows) or bool(agencies.list_agencies(session))
    return render(request, "admin_agencies.html", principal, rows=rows, loaded=loaded, q=q,
                  level=level, levels=LEVEL_NAMES, file_count=len(load_directory().agencies))


@router.post("/quan-tri/co-quan/nap")
def load_agencies(request: Request, principal: FormPrincipal, session: SessionDep) -> Response:
    require(request, principal, ADMIN)
    result = agencies.load_default(session)
    audit.record(session, principal, "agency.load", source_ip=client_ip(request),
                 data={"created": len(result.created), "updated": len(result.updated)})
    return redirect("/quan-tri/co-quan", "user_saved")


@router.post("/quan-tri/co-quan/{code}")
def edit_agency(
    code: str, request: Request, principal: FormPrincipal, session: SessionDep,
    name: Annotated[str, Form(max_length=300)] = "",
    email: Annotated[str, Form(max_length=200)] = "",
    webhook_url: Annotated[str, Form(max_length=500)] = "",
    active_to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(request, principal, ADMIN)
    try:
        body = AgencyUpdate.model_validate({"name": name, "email": email,
                                            "webhook_url": webhook_url,
                                            "active_to": active_to or None})
    except ValidationError as exc:
        raise InvalidInput(describe(dict(exc.errors()[0]))["message"]) from None
    changes: dict[str, Any] = {key: getattr(body, key) for key in body.model_fields_set}
    agencies.update_agency(session, code, changes)
    audit.record(session, principal, "agency.update", source_ip=client_ip(request),
                 data={"code": code, "fields": sorted(changes)})
    return redirect("/quan-tri/co-quan", "user_saved", q=code)
