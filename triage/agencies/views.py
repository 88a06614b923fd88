"""Agency directory API: anyone logged in may read it, only an admin may edit it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.agencies import service
from triage.agencies.models import AgencyRow
from triage.auth import audit, policy
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.service import Principal
from triage.deps import SessionDep
from triage.sanitize import clean_text

router = APIRouter(prefix="/agencies", tags=["agencies"])
LOGGED_IN = ("operator", "agency_staff", "supervisor", "admin", "integration")


class AgencyOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    aliases: list[str]
    email: str | None
    # Webhook URLs often carry a secret path; only admins see them.
    webhook_url: str | None = None
    active_from: date | None
    active_to: date | None
    updated_at: datetime


class AgencyList(BaseModel):
    items: list[AgencyOut]
    total: int


class AgencyUpdate(BaseModel):
    """Fields sent replace the stored ones; fields left out are kept."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    aliases: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=200)
    webhook_url: str | None = Field(None, max_length=500)
    active_from: date | None = None
    active_to: date | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str:
        cleaned = clean_text(value or "")
        if not cleaned:
            raise ValueError("Tên cơ quan không được để trống.")
        return cleaned

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str] | None) -> list[str]:
        cleaned = [clean_text(a) for a in value or []]
        return list(dict.fromkeys(a for a in cleaned if a))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not service.EMAIL_PATTERN.match(value):
            raise ValueError("Địa chỉ thư điện tử không hợp lệ.")
        return value or None

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not service.URL_PATTERN.match(value):
            raise ValueError("Địa chỉ webhook phải bắt đầu bằng http:// hoặc https://.")
        return value or None


def agency_out(row: AgencyRow, principal: Principal) -> AgencyOut:
    return AgencyOut(code=row.code, name=row.name, level=row.level, parent_code=row.parent_code,
                     aliases=list(row.aliases or []), email=row.email,
                     webhook_url=row.webhook_url if principal.role == "admin" else None,
                     active_from=row.active_from, active_to=row.active_to,
                     updated_at=row.updated_at)


@router.get("", response_model=AgencyList)
def list_agencies(
    session: SessionDep,
    principal: PrincipalDep,
    level: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    active_on: date | None = None,
) -> AgencyList:
    policy.require_role(principal, *LOGGED_IN)
    rows = service.list_agencies(session, level=level, q=q, active_on=active_on)
    return AgencyList(items=[agency_out(r, principal) for r in rows], total=len(rows))


@router.get("/{code}", response_model=AgencyOut)
def get_agency(code: str, session: SessionDep, principal: PrincipalDep) -> AgencyOut:
    policy.require_role(principal, *LOGGED_IN)
    return agency_out(service.get_agency(session, code), principal)


@router.put("/{code}", response_model=AgencyOut)
def update_agency(
    code: str, body: AgencyUpdate, request: Request, session: SessionDep, principal: PrincipalDep
) -> AgencyOut:
    policy.require_role(principal, "admin")
    changes: dict[str, Any] = {key: getattr(body, key) for key in body.model_fields_set}
    row = service.update_agency(session, code, changes)
    audit.record(session, principal, "agency.update", source_ip=client_ip(request),
                 data={"code": code, "fields": sorted(changes)})
    return agency_out(row, principal)
