"""One pass over the report feeding every requested format.

The summary is computed first (small aggregate tables); then each list is streamed once
from the database and each row handed to every sink, so producing XLSX, PDF and CSV
together reads the month once and holds one batch of rows at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.agencies.seed import PROVINCE_OFFICE
from triage.reports.service import LISTS, ListSpec, ReportRow, Scope, iter_list
from triage.reports.summary import Summary, build_summary
from triage.tickets.service import local_tz

HOTLINE = "Đường dây nóng 1022"


@dataclass(frozen=True)
class ReportMeta:
    scope: Scope
    agency_name: str | None
    office: str
    issuer_parent: str
    issuer: str
    place: str
    issued_on: date
    issued_at: datetime

    @property
    def title(self) -> str:
        return (f"Kết quả tiếp nhận, xử lý phản ánh, kiến nghị qua {HOTLINE} "
                f"{self.scope.period.label}")

    @property
    def section(self) -> str | None:
        return f"Phần của {self.agency_name}" if self.agency_name else None

    @property
    def date_line(self) -> str:
        day = self.issued_on
        prefix = f"{self.place}, " if self.place else ""
        return f"{prefix}ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"

    @property
    def as_of_line(self) -> str | None:
        """For a month still running when the report was made: when its numbers stop."""
        cut = self.scope.cutoff
        if cut >= self.scope.period.end:
            return None
        local = cut.astimezone(local_tz())
        return (f"Số liệu tính đến {local:%H:%M} ngày {local:%d/%m/%Y} (tháng chưa kết thúc; "
                f"chỉ tính các phiếu đã đến hạn)")

    @property
    def display_name(self) -> str:
        """Human file name: «Báo cáo 1022 tháng 10-2026 - Sở Y tế»."""
        period = self.scope.period
        base = f"Báo cáo 1022 tháng {period.month:02d}-{period.year}"
        return f"{base} - {self.agency_name}" if self.agency_name else f"{base} - toàn tỉnh"


class Sink(Protocol):
    def begin(self, meta: ReportMeta, summary: Summary) -> None: ...
    def start_list(self, spec: ListSpec) -> None: ...
    def row(self, number: int, row: ReportRow) -> None: ...
    def end_list(self, count: int) -> None: ...
    def finish(self) -> None: ...


def _issuer(office_name: str) -> tuple[str, str, str]:
    """("UBND TỈNH ĐỒNG THÁP", "VĂN PHÒNG", "Đồng Tháp") from the office's name."""
    prefix = "Văn phòng "
    place = office_name.rpartition("tỉnh ")[2] if "tỉnh " in office_name else ""
    if office_name.startswith(prefix):
        return office_name[len(prefix):].upper(), "VĂN PHÒNG", place
    return "", office_name.upper(), place


def report_meta(session: Session, scope: Scope) -> ReportMeta:
    rows = session.execute(
        select(AgencyRow.code, AgencyRow.name)
        .where(AgencyRow.code.in_([PROVINCE_OFFICE, scope.agency_code or PROVINCE_OFFICE])))
    names = {code: name for code, name in rows}
    office = names.get(PROVINCE_OFFICE, "Văn phòng UBND tỉnh Đồng Tháp")
    parent, issuer, place = _issuer(office)
    agency = None
    if scope.agency_code is not None:
        agency = names.get(scope.agency_code, scope.agency_code)
    return ReportMeta(scope, agency, office, parent, issuer, place, scope.period.issued_on,
                      scope.period.issued_at)


def render(session: Session, scope: Scope, sinks: list[Sink]) -> dict[str, int]:
    """Drive every sink through the whole report; return the row count of each list."""
    meta = report_meta(session, scope)
    summary = build_summary(session, scope)
    for sink in sinks:
        sink.begin(meta, summary)
    counts: dict[str, int] = {}
    for spec in LISTS:
        for sink in sinks:
            sink.start_list(spec)
        count = 0
        for row in iter_list(session, scope, spec.key):
            count += 1
            for sink in sinks:
                sink.row(count, row)
        for sink in sinks:
            sink.end_list(count)
        counts[spec.key] = count
    for sink in sinks:
        sink.finish()
    return counts
