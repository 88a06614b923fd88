"""Open311 GeoReport v2 endpoints (JSON): /open311/v2/services.json, /services/{code}.json,
/requests.json (GET and POST) and /requests/{id}.json. Errors use the standard's shape,
[{"code": ..., "description": ...}].

Submitting is open to anyone, as the main intake is; an integration may identify itself
with a bearer token or with the standard's `api_key` form field (never in the URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth import service as auth
from triage.auth.deps import PrincipalDep
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.intake.views import SUBMITTERS
from triage.open311 import service
from triage.open311.service import Open311Error

router = APIRouter(prefix="/open311/v2", tags=["open311"])
FormField = Annotated[str | None, Form()]


def _answer(work: Callable[[], Any], session: Session | None = None) -> JSONResponse:
    """The standard's error shape for an Open311Error; the request's changes are then
    undone (the transaction commits only what a successful answer reports)."""
    try:
        return JSONResponse(work())
    except Open311Error as exc:
        if session is not None:
            session.rollback()
        return JSONResponse(exc.body(), status_code=exc.status)


@router.get("/services.json")
def list_services() -> JSONResponse:
    return _answer(service.services)


@router.get("/services/{service_code}.json")
def get_service(service_code: str) -> JSONResponse:
    return _answer(lambda: service.service_definition(service_code))


def _submitter(session: Session, principal: Principal, api_key: str | None) -> Principal:
    if api_key and principal.is_anonymous:
        found = auth.principal_for_token(session, api_key.strip())
        if found is None:
            raise Open311Error(403, "api_key không hợp lệ hoặc đã bị thu hồi.")
        principal = found
    if not principal.is_anonymous and principal.role not in SUBMITTERS:
        raise Open311Error(403, "Vai trò của bạn không được phép gửi phản ánh.")
    return principal


@router.post("/requests.json")
def create_request(
    session: SessionDep,
    principal: PrincipalDep,
    service_code: FormField = None,
    description: FormField = None,
    lat: FormField = None,
    long: FormField = None,
    address_string: FormField = None,
    address_id: FormField = None,
    first_name: FormField = None,
    last_name: FormField = None,
    phone: FormField = None,
    email: FormField = None,
    media_url: FormField = None,
    device_id: FormField = None,
    account_id: FormField = None,
    jurisdiction_id: FormField = None,
    api_key: FormField = None,
) -> JSONResponse:
    """Create a ticket; answers [{"service_request_id": <mã phiếu>}].

    `email`, `device_id` and `account_id` are accepted and not stored: the hotline keeps
    no e-mail addresses of callers."""
    form = {"service_code": service_code, "description": description, "lat": lat,
            "long": long, "address_string": address_string, "address_id": address_id,
            "first_name": first_name, "last_name": last_name, "phone": phone,
            "email": email, "media_url": media_url, "device_id": device_id,
            "account_id": account_id}

    def work() -> list[dict[str, Any]]:
        who = _submitter(session, principal, api_key)
        ticket = service.submit(session, form, actor=who.username, now=utcnow())
        return [{"service_request_id": ticket.code, "service_notice": service.NOTICE,
                 "account_id": None}]

    return _answer(work, session)


def _requests_out(session: Session, tickets: list[Any]) -> list[dict[str, Any]]:
    names = agency_names(session)
    requested = service.requested_services(session, [t.id for t in tickets])
    return [service.request_out(t, agency=names.get(t.agency_code or ""),
                                requested=requested.get(t.id)) for t in tickets]


@router.get("/requests.json")
def list_requests(
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> JSONResponse:
    def work() -> list[dict[str, Any]]:
        tickets = service.find_requests(session, ids=service_request_id,
                                        service_code=service_code, start=start_date,
                                        end=end_date, status=status, now=utcnow())
        return _requests_out(session, tickets)

    return _answer(work)


@router.get("/requests/{service_request_id}.json")
def get_request(service_request_id: str, session: SessionDep,
                jurisdiction_id: str | None = None) -> JSONResponse:
    def work() -> list[dict[str, Any]]:
        ticket = service.get_request(session, service_request_id)
        if ticket is None:
            raise Open311Error(404, f"Không tìm thấy yêu cầu {service_request_id}.")
        return _requests_out(session, [ticket])

    return _answer(work)
