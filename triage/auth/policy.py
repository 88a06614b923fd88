"""Object-level authorisation in one place: which tickets a principal may see, and
whether it may see the caller's personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true

from triage.auth.service import Principal
from triage.errors import Forbidden, NotFound, Unauthorized
from triage.tickets.models import Ticket

STAFF_ROLES = frozenset({"operator", "supervisor", "admin"})
# Cases where the caller denounces a public servant: the agency complained about must
# never learn who called (Luật Tố cáo).
CONFIDENTIAL_FLAGS = frozenset({"thai_do", "to_cao"})


def require_role(principal: Principal, *roles: str) -> None:
    if principal.is_anonymous:
        raise Unauthorized("Cần đăng nhập để thực hiện thao tác này.")
    if principal.role not in roles:
        raise Forbidden("Vai trò của bạn không được phép thực hiện thao tác này.")


def ticket_scope(principal: Principal) -> Any:
    """A SQL condition selecting exactly the tickets `principal` may list or count."""
    if principal.role in STAFF_ROLES:
        return true()
    if principal.role == "agency_staff" and principal.agency_code:
        return Ticket.agency_code == principal.agency_code
    return false()


def can_view(principal: Principal, ticket: Ticket) -> bool:
    if principal.role in STAFF_ROLES:
        return True
    return (principal.role == "agency_staff" and principal.agency_code is not None
            and ticket.agency_code == principal.agency_code)


def check_view(principal: Principal, ticket: Ticket) -> None:
    """Deny without saying whether the ticket exists: 404, never its content."""
    if not can_view(principal, ticket):
        raise NotFound(f"Không tìm thấy phiếu {ticket.code}.", code="ticket_not_found")


def can_see_caller(principal: Principal, ticket: Ticket) -> bool:
    if principal.role == "operator":
        return True
    if principal.role == "agency_staff":
        confidential = bool(CONFIDENTIAL_FLAGS.intersection(ticket.flags or []))
        return can_view(principal, ticket) and not confidential
    return False


def is_confidential(ticket: Ticket) -> bool:
    return bool(CONFIDENTIAL_FLAGS.intersection(ticket.flags or []))


def holds_ticket(principal: Principal, ticket: Ticket) -> bool:
    """Agency staff whose agency the ticket is currently assigned to."""
    return (principal.role == "agency_staff" and principal.agency_code is not None
            and ticket.agency_code == principal.agency_code)

