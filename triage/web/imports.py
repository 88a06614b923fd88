"""Bulk import of complaints from a CSV or XLSX file, with a progress page."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import OperationalError
from starlette.datastructures import UploadFile

from triage.auth import audit
from triage.auth.deps import PrincipalDep, client_ip
from triage.db import lock_for_writing, session_scope, utcnow
from triage.deps import SessionDep
from triage.errors import DomainError, InvalidInput, NotFound
from triage.intake.importer import Row, import_rows, read_table
from triage.intake.schemas import ImportResult
from triage.settings import get_settings
from triage.web import jobs
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
IMPORTERS = ("operator", "admin")
CHUNK = 20
# SQLite has one writer: a chunk takes the lock first (db.lock_for_writing) and, if it
# could not get it in time (a worker busy for long), nothing of it was written, so it is
# simply tried again after a pause.
LOCKED_TRIES = 5


def _import_chunk(chunk: list[Row], actor: str) -> ImportResult:
    for attempt in range(1, LOCKED_TRIES + 1):
        try:
            with session_scope() as session:
                lock_for_writing(session)
                return import_rows(session, chunk, actor=actor, now=utcnow())
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig) or attempt == LOCKED_TRIES:
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


@router.get("/nhap-tep")
def import_form(request: Request, principal: PrincipalDep) -> Response:
    require(request, principal, *IMPORTERS)
    return render(request, "import.html", principal, error=None)


def _import_work(rows: list[Row], actor: str) -> jobs.Work:
    def work(job: jobs.Job) -> None:
        duplicates: set[int] = set()
        failed: set[int] = set()
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            result = _import_chunk(chunk, actor)
            job.results.extend(result.created)
            job.problems.extend(f"Dòng {e.row}: {e.message}" for e in result.errors)
            duplicates.update(e.row for e in result.errors if e.code == "duplicate_row")
            failed.update(e.row for e in result.errors)
            job.advance(len(chunk))
        if rows and len(duplicates) == len(rows):
            job.message = (f"Tệp này đã được nhập trước đó: cả {len(rows)} dòng trùng với "
                           "phiếu đã có, không nhập lại dòng nào.")
            return
        job.message = f"Đã nhập {len(job.results)} phản ánh, {len(failed)} dòng không nhập được"
        if duplicates:
            job.message += f" (trong đó {len(duplicates)} dòng đã nhập trước đó)"
        job.message += "."
    return work


@router.post("/nhap-tep")
async def import_submit(request: Request, principal: FormPrincipal, session: SessionDep
                        ) -> Response:
    require(request, principal, *IMPORTERS)
    upload = (await request.form()).get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Hãy chọn tệp CSV hoặc XLSX.", code="missing_file")
        data = await upload.read(get_settings().max_body_bytes + 1)
        if not data:
            raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
        rows = read_table(upload.filename or "", data)
    except DomainError as exc:
        return render(request, "import.html", principal, error=exc.message,
                      status_code=exc.status_code)
    audit.record(session, principal, "web.import", source_ip=client_ip(request),
                 data={"rows": len(rows)})
    job = jobs.start("import", "Nhập phản ánh từ tệp", owner_id=principal.user_id,
                     total=len(rows), back="/nhap-tep",
                     work=_import_work(rows, principal.username))
    return redirect(f"/viec/{job.id}")


@router.get("/viec/{job_id}")
def job_page(job_id: str, request: Request, principal: PrincipalDep) -> Response:
    """Progress of a long operation; refreshes itself until the job ends."""
    require(request, principal, "operator", "agency_staff", "supervisor", "admin")
    job = jobs.get(job_id)
    if job is None or (job.owner_id != principal.user_id and principal.role != "admin"):
        raise NotFound("Không tìm thấy công việc này (có thể máy chủ đã khởi động lại).")
    return render(request, "job.html", principal, job=job)
