"""Open311 GeoReport v2 endpoints, in JSON and in XML (the standard's baseline format):
/open311/v2/services.{json,xml}, /services/{code}.{json,xml}, /requests.{json,xml} (GET and
POST) and /requests/{id}.{json,xml}. Errors use the standard's shape: in JSON
[{"code": ..., "description": ...}], in XML <errors><error><code/><description/></error>.

Submitting is open to anyone, as the main intake is; an integration may identify itself
with a bearer token or with the standard's `api_key` form field (never in the URL)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth import service as auth
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.intake.views import SUBMITTERS
from triage.lookup import guard
from triage.open311 import service
from triage.open311.render import FORMATS, XML_MEDIA_TYPE, Format, to_xml
from triage.open311.service import Open311Error

router = APIRouter(prefix="/open311/v2", tags=["open311"])
FormField = Annotated[str | None, Form()]


def answer(value: Any, fmt: Format, root: str, status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status_code,
                        media_type=XML_MEDIA_TYPE)
    return JSONResponse(value, status_code=status_code)


def _answer(work: Callable[[], Any], fmt: Format, root: str,
            session: Session | None = None) -> Response:
    """The standard's error shape for an Open311Error; the request's changes are then
    undone (the transaction commits only what a successful answer reports)."""
    try:
        return answer(work(), fmt, root)
    except Open311Error as exc:
        if session is not None:
            session.rollback()
        response = answer(exc.body(), fmt, "errors", exc.status)
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response


def _docs(fmt: Format, description: str) -> dict[str, Any]:
    """The route's options for `fmt`: the XML routes document an XML body."""
    if fmt == "json":
        return {"description": description}
    return {"description": description, "response_class": Response,
            "responses": {200: {"content": {XML_MEDIA_TYPE: {"schema": {"type": "string"}}},
                                "description": "Tài liệu XML theo GeoReport v2."}}}


def list_services(fmt: Format) -> Response:
    return _answer(service.services, fmt, "services")


def get_service(fmt: Format, service_code: str) -> Response:
    return _answer(lambda: service.service_definition(service_code), fmt,
                   "service_definition")


def _submitter(session: Session, principal: Principal, api_key: str | None) -> Principal:
    if api_key and principal.is_anonymous:
        found = auth.principal_for_token(session, api_key.strip())
        if found is None:
            raise Open311Error(403, "api_key không hợp lệ hoặc đã bị thu hồi.")
        principal = found
    if not principal.is_anonymous and principal.role not in SUBMITTERS:
        raise Open311Error(403, "Vai trò của bạn không được phép gửi phản ánh.")
    return principal


def create_request(
    fmt: Format,
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
) -> Response:
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

    return _answer(work, fmt, "service_requests", session)


def _requests_out(session: Session, tickets: list[Any]) -> list[dict[str, Any]]:
    names = agency_names(session)
    requested = service.requested_services(session, [t.id for t in tickets])
    return [service.request_out(t, agency=names.get(t.agency_code or ""),
                                requested=requested.get(t.id)) for t in tickets]


def _guard(request: Request) -> None:
    """A code given without login is counted like a lookup's (lookup/guard)."""
    seconds = guard.wait_seconds(client_ip(request))
    if seconds:
        raise Open311Error(429, guard.TOO_MANY.format(seconds=seconds), retry_after=seconds)


def list_requests(
    fmt: Format,
    request: Request,
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> Response:
    def work() -> list[dict[str, Any]]:
        if service_request_id:
            _guard(request)
        tickets = service.find_requests(session, ids=service_request_id,
                                        service_code=service_code, start=start_date,
                                        end=end_date, status=status, now=utcnow())
        if service_request_id:
            guard.missed(client_ip(request), service.asked_ids(service_request_id) - len(tickets))
        return _requests_out(session, tickets)

    return _answer(work, fmt, "service_requests")


def get_request(fmt: Format, service_request_id: str, request: Request, session: SessionDep,
                jurisdiction_id: str | None = None) -> Response:
    def work() -> list[dict[str, Any]]:
        _guard(request)
        ticket = service.get_request(session, service_request_id)
        if ticket is None:
            guard.missed(client_ip(request))
            raise Open311Error(404, f"Không tìm thấy yêu cầu {service_request_id}.")
        return _requests_out(session, [ticket])

    return _answer(work, fmt, "service_requests")


ROUTES: tuple[tuple[str, str, Callable[..., Response], str], ...] = (
    ("GET", "/services", list_services, "Danh sách dịch vụ (lĩnh vực phản ánh)."),
    ("GET", "/services/{service_code}", get_service, "Định nghĩa một dịch vụ."),
    ("POST", "/requests", create_request, "Gửi một phản ánh."),
    ("GET", "/requests", list_requests,
     "Các phản ánh gần đây: tình trạng và ghi chú công khai, không có nội dung hay người "
     "phản ánh; phản ánh về thái độ công chức và tố cáo không có trong danh sách."),
    ("GET", "/requests/{service_request_id}", get_request,
     "Một phản ánh theo mã phiếu đầy đủ (có phần kiểm tra)."),
)


def _bind(endpoint: Callable[..., Response], fmt: Format) -> Callable[..., Response]:
    """`endpoint` with its format fixed, keeping its other parameters (their annotations
    resolved, as this module's names are not the partial's) for FastAPI."""
    bound = functools.partial(endpoint, fmt)
    signature = inspect.signature(endpoint, eval_str=True)
    params = [p for name, p in signature.parameters.items() if name != "fmt"]
    functools.update_wrapper(bound, endpoint)
    bound.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return bound


for _method, _path, _endpoint, _summary in ROUTES:
    for _fmt in FORMATS:
        router.add_api_route(f"{_path}.{_fmt}", _bind(_endpoint, _fmt), methods=[_method],
                             name=f"{_endpoint.__name__}_{_fmt}", **_docs(_fmt, _summary))
