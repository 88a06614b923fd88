"""Users and bearer tokens, and the actors of the access matrices."""

from __future__ import annotations

import uuid

from triage import db

ACTORS = ["operator", "supervisor", "admin", "staff_a", "staff_b", "integration", "anonymous"]


def issue_token(role: str, agency: str | None = None, name: str | None = None) -> dict[str, str]:
    """Create a user with `role` in the current database and return bearer headers."""
    from triage.auth import service

    with db.session_scope() as session:
        username = name or f"{role}-{agency or 'x'}-{uuid.uuid4().hex[:6]}"
        user = service.create_user(session, username, role, agency_code=agency)
        token = service.issue_token(session, user)
    return {"Authorization": f"Bearer {token}"}


def headers_for(actor: str, *, staff_a: str, staff_b: str) -> dict[str, str]:
    """Bearer headers for one actor of ACTORS; the staff of agencies `staff_a` and
    `staff_b`."""
    if actor == "anonymous":
        return {}
    if actor == "staff_a":
        return issue_token("agency_staff", agency=staff_a)
    if actor == "staff_b":
        return issue_token("agency_staff", agency=staff_b)
    return issue_token(actor)
