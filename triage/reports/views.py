"""Reports API (mounted under /api/v1): list, download, generate on demand, dashboard.

Downloads are looked up by report id in the database and authorised there: agency staff
see only their own agency's section, and a report they may not see is answered like one
that does not exist."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.auth import policy
from triage.auth.deps import PrincipalDep
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import Conflict, Forbidden, InvalidInput, NotFound
from triage.reports import build, dashboard, store, tasks
from triage.reports.models import FORMATS, MonthlyReport
from triage.reports.schemas import Dashboard, GenerateIn, ReportFile, ReportOut
from triage.reports.service import Scope
from triage.taxonomy import TOPICS
from triage.tickets.period import Period

router = APIRouter(tags=["reports"])

READERS = ("supervisor", "admin", "agency_staff")
MANAGERS = ("supervisor", "admin")
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
PeriodQuery = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


def _visible(principal: Principal, report: MonthlyReport) -> bool:
    if principal.role in MANAGERS:
        return True
    return (principal.role == "agency_staff" and principal.agency_code is not None
            and report.agency_code == principal.agency_code)


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    rows = session.execute(select(AgencyRow.code, AgencyRow.name)
                           .where(AgencyRow.code.in_(codes)))
    return {code: name for code, name in rows}


def report_out(report: MonthlyReport, names: dict[str, str]) -> ReportOut:
    files = []
    for fmt in FORMATS:
        path, size, sha = report.file_info(fmt)
        if path and size is not None and sha:
            files.append(ReportFile(format=fmt, size=size, sha256=sha,
                                    url=f"/api/v1/reports/{report.id}/files/{fmt}"))
    name = names.get(report.agency_code, report.agency_code) if report.agency_code else None
    return ReportOut(id=report.id, period=report.period, agency_code=report.agency_code,
                     agency_name=name, status=report.status, generated_at=report.generated_at,
                     sent_at=report.sent_at, delivery=report.delivery, files=files)


@router.get("/reports", response_model=list[ReportOut])
def list_reports(session: SessionDep, principal: PrincipalDep,
                 period: PeriodQuery = None,
                 agency: Annotated[str | None, Query(
                     pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="An agency's code, "
                     "or `province` for the province-wide reports only.")] = None
                 ) -> list[ReportOut]:
    """Newest month first; in each month the province-wide report first."""
    policy.require_role(principal, *READERS)
    stmt = select(MonthlyReport).order_by(MonthlyReport.period.desc(),
                                          MonthlyReport.agency_code.is_not(None),
                                          MonthlyReport.agency_code)
    if period:
        stmt = stmt.where(MonthlyReport.period == period)
    if agency == "province":
        stmt = stmt.where(MonthlyReport.agency_code.is_(None))
    elif agency:
        stmt = stmt.where(MonthlyReport.agency_code == agency)
    if principal.role not in MANAGERS:
        stmt = stmt.where(MonthlyReport.agency_code == principal.agency_code)
    reports = list(session.scalars(stmt.limit(1000)))
    names = _names(session, {r.agency_code for r in reports if r.agency_code})
    return [report_out(r, names) for r in reports]


def content_disposition(display: str, fallback: str) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 name; never CR, LF or quotes."""
    ascii_name = "".join(c for c in fallback if c.isascii() and c.isprintable() and c not in '"\\')
    clean = "".join(c for c in display if c.isprintable() and c not in "/\\")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


@router.get("/reports/{report_id}/files/{fmt}")
def download_report(report_id: int, fmt: Literal["xlsx", "pdf", "csv"], session: SessionDep,
                    principal: PrincipalDep) -> FileResponse:
    policy.require_role(principal, *READERS)
    report = session.get(MonthlyReport, report_id)
    missing = NotFound("Không tìm thấy báo cáo.", code="report_not_found")
    if report is None or not _visible(principal, report):
        raise missing
    relative, _size, _sha = report.file_info(fmt)
    path = build.resolve(relative) if relative else None
    if path is None:
        raise missing
    names = _names(session, {report.agency_code} if report.agency_code else set())
    scope = store.scope_of(report, utcnow())
    part = names.get(report.agency_code, report.agency_code) if report.agency_code \
        else "toàn tỉnh"
    display = f"Báo cáo 1022 tháng {scope.period.month:02d}-{scope.period.year} - {part}.{fmt}"
    return FileResponse(path, media_type=MEDIA[fmt], headers={
        "Content-Disposition": content_disposition(display, build.file_name(scope, fmt)),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.post("/reports/generate", response_model=ReportOut)
def generate_report(body: GenerateIn, session: SessionDep,
                    principal: PrincipalDep) -> ReportOut:
    """Build (or with force, rebuild) one report now; it is not e-mailed."""
    policy.require_role(principal, *MANAGERS)
    now = utcnow()
    period = Period.parse(body.period)
    if period.start > now:
        raise InvalidInput("Không thể lập báo cáo cho tháng chưa bắt đầu.", code="future_period")
    if body.agency_code and session.get(AgencyRow, body.agency_code) is None:
        raise InvalidInput(f"Không có cơ quan mã {body.agency_code}.", code="unknown_agency")
    report_id, outcome = tasks.generate_report(Scope(period, body.agency_code, now), now=now,
                                               force=body.force)
    if outcome == "skipped":
        raise Conflict("Báo cáo đang được lập, vui lòng thử lại sau.", code="report_busy")
    built = session.get(MonthlyReport, report_id)
    assert built is not None
    return _out_with_names(session, built)


def _out_with_names(session: Session, report: MonthlyReport) -> ReportOut:
    names = _names(session, {report.agency_code} if report.agency_code else set())
    return report_out(report, names)


@router.get("/reports/dashboard", response_model=Dashboard)
def get_dashboard(session: SessionDep, principal: PrincipalDep, month: PeriodQuery = None,
                  agency: Annotated[str | None, Query(max_length=64)] = None,
                  topic: Annotated[str | None, Query(max_length=40)] = None) -> Dashboard:
    policy.require_role(principal, *READERS)
    if principal.role == "agency_staff":
        if agency and agency != principal.agency_code:
            raise Forbidden("Bạn chỉ xem được số liệu của cơ quan mình.", code="other_agency")
        agency = principal.agency_code
    if topic and topic not in TOPICS:
        raise InvalidInput(f"Lĩnh vực không hợp lệ: {topic}.", code="unknown_topic")
    now = utcnow()
    period = Period.parse(month) if month else Period.containing(now)
    data = dashboard.dashboard(session, dashboard.Filters(period, agency, topic), now,
                               for_agency=principal.role == "agency_staff")
    return Dashboard(**data)
