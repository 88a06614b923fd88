"""Monthly reports: the list with downloads, and building a month's reports on demand
with a progress page. Files are looked up by report id, never by a path from the user."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select

from triage.agencies.service import agency_names
from triage.auth import audit
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.service import Principal
from triage.db import session_scope, utcnow
from triage.deps import SessionDep
from triage.errors import InvalidInput, NotFound
from triage.reports import build, store, tasks
from triage.reports.models import FORMATS, MonthlyReport
from triage.tickets.period import PERIOD, Period
from triage.web import jobs
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
READERS = ("supervisor", "admin", "agency_staff")
BUILDERS = ("supervisor", "admin")
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
STATUS = {"pending": "Chờ tạo", "generating": "Đang tạo", "ready": "Đã tạo",
          "failed": "Lỗi khi tạo"}


def _visible(principal: Principal, report: MonthlyReport) -> bool:
    """The province office sees every report; an agency only its own section."""
    if principal.role in BUILDERS:
        return True
    return principal.role == "agency_staff" and principal.agency_code is not None \
        and report.agency_code == principal.agency_code


PROVINCE = "toan-tinh"  # the filter value of the province-wide report


@router.get("/bao-cao")
def reports_page(request: Request, principal: PrincipalDep, session: SessionDep,
                 thang: str = "", co_quan: str = "") -> Response:
    """The reports, newest month first and in each month the province's report first,
    then the agencies' sections by name; filtered by month and by agency."""
    require(request, principal, *READERS)
    month = thang[:7] if PERIOD.match(thang[:7]) else ""
    scope = co_quan[:64]
    stmt = select(MonthlyReport)
    if principal.role == "agency_staff":
        stmt = stmt.where(MonthlyReport.agency_code == principal.agency_code)
    elif scope == PROVINCE:
        stmt = stmt.where(MonthlyReport.agency_code.is_(None))
    elif scope:
        stmt = stmt.where(MonthlyReport.agency_code == scope)
    if month:
        stmt = stmt.where(MonthlyReport.period == month)
    names = agency_names(session)
    reports = session.scalars(stmt.order_by(MonthlyReport.period.desc()).limit(2000))
    rows = sorted(reports, key=lambda r: (_descending(r.period), r.agency_code is not None,
                                          names.get(r.agency_code or "", r.agency_code or "")))
    stored = session.execute(select(MonthlyReport.period, MonthlyReport.agency_code)
                             .distinct()).all()
    agencies = sorted({code for _p, code in stored if code}, key=lambda c: names.get(c, c))
    months = Period.containing(utcnow()).months_back(13)[::-1][1:]
    return render(request, "reports.html", principal, rows=rows[:500], total=len(rows),
                  formats=FORMATS, status_names=STATUS, months=months,
                  can_build=principal.role in BUILDERS, agency_names=names,
                  periods=sorted({p for p, _c in stored}, reverse=True), agencies=agencies,
                  month=month, scope=scope, province=PROVINCE,
                  fixed_agency=principal.role == "agency_staff")


def _descending(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return -int(year), -int(month)


@router.get("/bao-cao/{report_id}/{fmt}")
def download(report_id: int, fmt: str, request: Request, principal: PrincipalDep,
             session: SessionDep) -> Response:
    require(request, principal, *READERS)
    report = session.get(MonthlyReport, report_id)
    if fmt not in FORMATS or report is None or not _visible(principal, report):
        raise NotFound("Không tìm thấy tệp báo cáo.", code="report_not_found")
    relative, _, _ = report.file_info(fmt)
    path = build.resolve(relative) if relative else None
    if path is None:
        raise NotFound("Báo cáo chưa được tạo ở định dạng này.", code="report_not_found")
    audit.record(session, principal, "report.download", source_ip=client_ip(request),
                 data={"report_id": report.id, "format": fmt})
    name = build.file_name(store.scope_of(report, utcnow()), fmt)
    return FileResponse(path, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


def _build_work(period: Period, force: bool) -> jobs.Work:
    def work(job: jobs.Job) -> None:
        with session_scope() as session:
            ids = store.ensure_reports(session, period, utcnow())
            names = agency_names(session)
            scopes = {r.id: r.agency_code for r in session.scalars(
                select(MonthlyReport).where(MonthlyReport.id.in_(ids)))}
        job.total = max(1, len(ids))
        for report_id in ids:
            code = scopes.get(report_id)
            label = names.get(code, code) if code else "Toàn tỉnh"
            try:
                outcome = tasks.build_report(report_id, force=force)
            except Exception as exc:  # one failed section must not stop the others
                job.problems.append(f"{label}: lỗi khi tạo ({type(exc).__name__})")
            else:
                job.results.append(f"{label}: {'đã tạo' if outcome == 'built' else 'đã có'}")
            job.advance()
        job.message = f"{len(job.results)} báo cáo sẵn sàng, {len(job.problems)} lỗi."
    return work


@router.post("/bao-cao/tao")
def build_month(request: Request, principal: FormPrincipal, session: SessionDep,
                thang: Annotated[str, Form(max_length=7)] = "",
                tao_lai: Annotated[str, Form(max_length=4)] = "") -> Response:
    require(request, principal, *BUILDERS)
    try:
        period = Period.parse(thang)
    except ValueError:
        raise InvalidInput("Tháng phải có dạng YYYY-MM.", code="invalid_period") from None
    audit.record(session, principal, "report.build", source_ip=client_ip(request),
                 data={"period": str(period), "force": bool(tao_lai)})
    job = jobs.start("reports", f"Tạo báo cáo {period.label}", owner_id=principal.user_id,
                     total=1, back="/bao-cao", work=_build_work(period, bool(tao_lai)))
    return redirect(f"/viec/{job.id}")
