"""The agency directory in the database: load the default file, import and export CSV,
list and edit. The CSV layout is the one of data/agencies/agencies.csv."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies.directory import DEFAULT_PATH, Agency, load_directory, read_agencies
from triage.agencies.models import AgencyRow
from triage.errors import InvalidInput, NotFound

COLUMNS = ("code", "name", "level", "parent", "aliases", "email", "webhook_url",
           "active_from", "active_to")
LEVELS = ("province", "commune", "utility", "police", "vertical")
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
EDITABLE = ("name", "aliases", "email", "webhook_url", "active_from", "active_to")


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult(LoadResult):
    errors: list[RowError] = field(default_factory=list)


def _values(agency: Agency) -> dict[str, Any]:
    return {"name": agency.name, "level": agency.level, "parent_code": agency.parent,
            "aliases": list(agency.aliases), "email": agency.email,
            "webhook_url": agency.webhook_url, "active_from": agency.active_from,
            "active_to": agency.active_to}


def upsert(session: Session, agencies: Iterable[Agency]) -> LoadResult:
    """Insert new codes, update changed ones; rows already equal are left alone, so a
    second run changes nothing (not even updated_at)."""
    result = LoadResult()
    existing = {row.code: row for row in session.scalars(select(AgencyRow))}
    for agency in agencies:
        values = _values(agency)
        row = existing.get(agency.code)
        if row is None:
            session.add(AgencyRow(code=agency.code, **values))
            result.created.append(agency.code)
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            result.updated.append(agency.code)
        else:
            result.unchanged += 1
    session.flush()
    return result


def load_default(session: Session, path: Path = DEFAULT_PATH) -> LoadResult:
    return upsert(session, read_agencies(path))


def to_agency(row: AgencyRow) -> Agency:
    return Agency(code=row.code, name=row.name, level=row.level, parent=row.parent_code,
                  aliases=tuple(row.aliases or ()), email=row.email, webhook_url=row.webhook_url,
                  active_from=row.active_from, active_to=row.active_to)


def export_csv(session: Session, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = list(session.scalars(select(AgencyRow).order_by(AgencyRow.code)))
    for row in rows:
        writer.writerow([row.code, row.name, row.level, row.parent_code or "",
                         "|".join(row.aliases or []), row.email or "", row.webhook_url or "",
                         row.active_from.isoformat() if row.active_from else "",
                         row.active_to.isoformat() if row.active_to else ""])
    return len(rows)


def _parse_date(value: str, column: str, line: int, errors: list[RowError]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(line, column, f"Ngày «{value}» không đúng dạng YYYY-MM-DD."))
        return None


def _check_contacts(email: str, webhook: str, line: int, errors: list[RowError]) -> None:
    if email and not EMAIL_PATTERN.match(email):
        errors.append(RowError(line, "email", f"Địa chỉ thư điện tử «{email}» không hợp lệ."))
    if webhook and not URL_PATTERN.match(webhook):
        errors.append(RowError(line, "webhook_url",
                               "Địa chỉ webhook phải bắt đầu bằng http:// hoặc https://."))


def _parse_row(raw: dict[str, str | None], line: int, errors: list[RowError]) -> Agency | None:
    row = {key: (raw.get(key) or "").strip() for key in COLUMNS}
    before = len(errors)
    code = row["code"]
    if not CODE_PATTERN.match(code):
        errors.append(RowError(line, "code", "Mã cơ quan chỉ gồm chữ thường không dấu, chữ số "
                                             "và dấu gạch ngang (tối đa 64 ký tự)."))
    if not row["name"]:
        errors.append(RowError(line, "name", "Thiếu tên cơ quan."))
    elif len(row["name"]) > 300:
        errors.append(RowError(line, "name", "Tên cơ quan dài quá 300 ký tự."))
    if row["level"] not in LEVELS:
        errors.append(RowError(line, "level",
                               f"Cấp «{row['level']}» không hợp lệ; chọn một trong: "
                               f"{', '.join(LEVELS)}."))
    _check_contacts(row["email"], row["webhook_url"], line, errors)
    start = _parse_date(row["active_from"], "active_from", line, errors)
    end = _parse_date(row["active_to"], "active_to", line, errors)
    if start and end and end < start:
        errors.append(RowError(line, "active_to", "Ngày hết hiệu lực trước ngày bắt đầu."))
    if len(errors) > before:
        return None
    return Agency(code=code, name=row["name"], level=row["level"], parent=row["parent"] or None,
                  aliases=tuple(a.strip() for a in row["aliases"].split("|") if a.strip()),
                  email=row["email"] or None, webhook_url=row["webhook_url"] or None,
                  active_from=start, active_to=end)


def parse_csv(text: str, known_codes: Iterable[str] = ()) -> tuple[list[Agency], list[RowError]]:
    """Validate every row; line numbers count the header as line 1."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [RowError(1, ",".join(missing), "Tệp thiếu cột: " + ", ".join(missing) + ".")]
    agencies: list[Agency] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        agency = _parse_row(raw, line, errors)
        if agency is None:
            continue
        if agency.code in seen:
            errors.append(RowError(line, "code", f"Mã {agency.code} trùng với dòng "
                                                 f"{seen[agency.code]}."))
            continue
        seen[agency.code] = line
        agencies.append(agency)
    codes = set(known_codes) | set(seen)
    for agency in agencies:
        if agency.parent and agency.parent not in codes:
            errors.append(RowError(seen[agency.code], "parent",
                                   f"Cơ quan cấp trên {agency.parent} không có trong danh bạ."))
    return agencies, sorted(errors, key=lambda e: e.row)


def import_csv(session: Session, text: str) -> ImportResult:
    """All or nothing: with any row error nothing is written, so that a half-read file
    never leaves the directory with parents missing."""
    known = session.scalars(select(AgencyRow.code)).all()
    agencies, errors = parse_csv(text, known)
    if errors:
        return ImportResult(errors=errors)
    loaded = upsert(session, agencies)
    return ImportResult(created=loaded.created, updated=loaded.updated,
                        unchanged=loaded.unchanged)


def list_agencies(session: Session, *, level: str | None = None, q: str | None = None,
                  active_on: date | None = None) -> list[AgencyRow]:
    stmt = select(AgencyRow).order_by(AgencyRow.code)
    if level:
        stmt = stmt.where(AgencyRow.level == level)
    if active_on is not None:
        stmt = stmt.where((AgencyRow.active_from.is_(None)) | (AgencyRow.active_from <= active_on),
                          (AgencyRow.active_to.is_(None)) | (AgencyRow.active_to >= active_on))
    rows = list(session.scalars(stmt))
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in r.code or needle in r.name.casefold()
                or any(needle in a.casefold() for a in r.aliases or [])]
    return rows


def get_agency(session: Session, code: str) -> AgencyRow:
    row = session.get(AgencyRow, code)
    if row is None:
        raise NotFound(f"Không tìm thấy cơ quan mã {code}.", code="agency_not_found")
    return row


def update_agency(session: Session, code: str, changes: dict[str, Any]) -> AgencyRow:
    """Apply the editable fields given; others are kept."""
    row = get_agency(session, code)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput("Không được sửa các trường: " + ", ".join(sorted(unknown)) + ".",
                           code="unknown_field")
    start = changes.get("active_from", row.active_from)
    end = changes.get("active_to", row.active_to)
    if start and end and end < start:
        raise InvalidInput("Ngày hết hiệu lực trước ngày bắt đầu.", code="invalid_dates")
    for key, value in changes.items():
        setattr(row, key, value)
    session.flush()
    return row


def agency_name(session: Session, code: str | None) -> str | None:
    """The name as edited in the database, else as in the directory file."""
    if code is None:
        return None
    row = session.get(AgencyRow, code)
    if row is not None:
        return row.name
    agency = load_directory().get(code)
    return agency.name if agency is not None else None


def agency_names(session: Session) -> dict[str, str]:
    """Every known code and its name, database edits winning over the directory file."""
    names = {code: agency.name for code, agency in load_directory().agencies.items()}
    rows = session.execute(select(AgencyRow.code, AgencyRow.name))
    names.update({row.code: row.name for row in rows})
    return names
