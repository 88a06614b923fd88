"""GET or POST /lookup: a citizen follows a ticket with its code and the last four digits
of the phone it was made from. Unknown code and wrong digits get the same answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from triage.api_errors import error_body
from triage.auth.deps import client_ip
from triage.deps import SessionDep
from triage.lookup import guard, service
from triage.lookup.schemas import LookupIn, LookupOut

router = APIRouter(prefix="/lookup", tags=["lookup"])
NOT_FOUND = "Không tìm thấy phiếu khớp với mã phiếu và bốn số cuối điện thoại đã nhập."
RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": NOT_FOUND},
    429: {"description": "Tra cứu sai quá nhiều lần từ một địa chỉ."},
}


def _lookup(session: Session, request: Request, code: str, last4: str
            ) -> LookupOut | JSONResponse:
    guard.check(client_ip(request))
    ticket = service.find(session, code, last4)
    if ticket is None:
        guard.missed(client_ip(request))
        return JSONResponse(error_body("lookup_not_found", NOT_FOUND), status_code=404)
    return service.lookup_out(session, ticket)


@router.get("", response_model=LookupOut, responses=RESPONSES)
def lookup_get(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Query(min_length=1, max_length=32)],
    phone_last4: Annotated[str, Query(pattern=r"^\d{4}$")],
) -> LookupOut | JSONResponse:
    return _lookup(session, request, code, phone_last4)


@router.post("", response_model=LookupOut, responses=RESPONSES)
def lookup_post(body: LookupIn, request: Request, session: SessionDep
                ) -> LookupOut | JSONResponse:
    """The same as GET, without the digits in the address (and so in access logs)."""
    return _lookup(session, request, body.code, body.phone_last4)
