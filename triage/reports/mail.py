"""The e-mail that carries a monthly report, and where it goes.

The province-wide report goes to the province office; each agency's section to that
agency. Delivery is behind a small protocol: the default drops an .eml file per report
(named by report id, so a repeated delivery overwrites rather than duplicates); a
production mailer (SMTP) plugs in with the same interface."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.agencies.seed import PROVINCE_OFFICE
from triage.reports import build
from triage.reports.models import FORMATS, MonthlyReport
from triage.settings import get_settings
from triage.tickets.period import Period

SENDER = "Đường dây nóng 1022 <khong-tra-loi@1022.invalid>"
MIME = {"xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "pdf": ("application", "pdf"), "csv": ("text", "csv")}

BODY = """Kính gửi {recipient_name},

Đường dây nóng 1022 gửi báo cáo kết quả tiếp nhận, xử lý phản ánh, kiến nghị {label}{part}.
Báo cáo gồm: danh sách phản ánh về giải quyết thủ tục hành chính trễ hạn, quá hạn; danh sách
phản ánh về thái độ, tác phong của công chức, viên chức; danh sách phiếu chuyển xử lý trễ hạn
và các bảng tổng hợp (tệp PDF, XLSX và CSV đính kèm).

Đề nghị quý cơ quan rà soát, chấn chỉnh các trường hợp trễ hạn.

Trân trọng.
(Thư gửi tự động, vui lòng không trả lời thư này.)
"""


class Mailer(Protocol):
    def deliver(self, message: EmailMessage, key: str) -> None: ...


class FileMailer:
    """Writes each message to <data_dir>/mail/outbox/<key>.eml (atomically)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or get_settings().data_dir / "mail" / "outbox"

    def deliver(self, message: EmailMessage, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{key}.eml"
        temp = target.with_suffix(f".{os.getpid()}.tmp")
        temp.write_bytes(message.as_bytes())
        os.replace(temp, target)


def recipient_of(session: Session, report: MonthlyReport) -> tuple[str | None, str]:
    """(address, name) of whoever receives this report; address None when unknown."""
    agency = session.get(AgencyRow, report.agency_code or PROVINCE_OFFICE)
    if agency is None:
        return None, report.agency_code or PROVINCE_OFFICE
    return agency.email, agency.name


def report_message(report: MonthlyReport, address: str, name: str) -> EmailMessage:
    period = Period.parse(report.period)
    part = f" (phần của {name})" if report.agency_code else ""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = address
    message["Subject"] = f"Báo cáo Đường dây nóng 1022 {period.label}{part}"
    message["Date"] = format_datetime(period.issued_at)
    message["Message-ID"] = f"<bao-cao-{report.id}-{report.period}@1022.invalid>"
    message.set_content(BODY.format(recipient_name=name, label=period.label, part=part))
    for fmt in FORMATS:
        relative, _size, _sha = report.file_info(fmt)
        path = build.resolve(relative) if relative else None
        if path is None:
            continue
        maintype, subtype = MIME[fmt]
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=path.name)
    return message
