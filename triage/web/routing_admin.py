"""Administration of the routing data: the province's days off and make-up days, and the
routing rules, edited over the shipped files (data/routing/) in versions effective from
a date (triage.routing.overlay). Every saved version, and every recomputation of open
tickets' deadlines (only when the admin ticks the box), is written to the audit log."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth import audit
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.routing import overlay
from triage.routing.changes import ACTIONS, DAY_KINDS, REQUIRES, ChangeError
from triage.routing.deadlines import DATA_DIR, get_deadlines
from triage.routing.rules import DEFAULT_RULES, read_rules, rule_as_row
from triage.web.operator import agency_groups
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADMIN = "admin"
MOVED_IN_AUDIT = 500  # recomputed deadlines listed one by one in the audit entry
Text = Annotated[str, Form(max_length=1000)]
Day = Annotated[str, Form(max_length=10)]


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ChangeError(f"{what} phải là một ngày (năm-tháng-ngày).") from None


@dataclass(frozen=True)
class Edit:
    """What a form asks: the entries of the new version, said in words."""

    entries: list[dict[str, Any]]
    summary: str


def _save(request: Request, principal: Principal, session: Session, kind: str, edit: Edit,
          effective: str, recompute: bool, now: datetime) -> overlay.RoutingOverlay:
    """Save a version; with `recompute`, move open tickets' deadlines to it (audited)."""
    start = _date(effective, "Ngày có hiệu lực") if effective else overlay.local_day(now)
    if recompute and start != overlay.local_day(now):
        raise ChangeError("Chỉ tính lại hạn xử lý khi thay đổi có hiệu lực từ hôm nay.")
    version = overlay.save(session, kind, edit.entries, effective_from=start,
                           summary=edit.summary, actor=principal.username, now=now)
    ip = client_ip(request)
    audit.record(session, principal, f"routing.{kind}.save", source_ip=ip, data={
        "version": version.version, "effective_from": start.isoformat(),
        "summary": version.summary, "entries": len(version.entries)})
    if recompute:
        moved = overlay.recompute_deadlines(session, overlay.calendar_of(version),
                                            actor=principal.username, now=now,
                                            version=version.version)
        version.recomputed = len(moved)
        audit.record(session, principal, "routing.deadlines.recompute", source_ip=ip, data={
            "version": version.version, "moved": len(moved),
            "tickets": [{"code": m.code, "old": m.old.isoformat() if m.old else None,
                         "new": m.new.isoformat()} for m in moved[:MOVED_IN_AUDIT]]})
    return version


def _attempt(request: Request, principal: Principal, session: Session, kind: str,
             build: Callable[[list[dict[str, Any]]], Edit], effective: str, recompute: bool,
             page: Callable[[str], Response], target: str) -> Response:
    """Build the new version from the latest one and save it, or show the page again
    with the reason it was refused."""
    now = utcnow()
    try:
        edit = build(overlay.current_entries(session, kind))
        _save(request, principal, session, kind, edit, effective, recompute, now)
    except ChangeError as exc:
        session.rollback()
        return page(str(exc))
    except IntegrityError:  # two admins saved the same version number at once
        session.rollback()
        return page("Vừa có người khác lưu thay đổi; hãy xem lại rồi lưu lần nữa.")
    return redirect(target, f"{kind}_saved")


# -- days off ---------------------------------------------------------------------------
def _year_days(cal: Any, year: int, declared: dict[date, str]) -> list[dict[str, Any]]:
    """The year's days off and make-up days on `cal`; `declared`: the admins' days and
    their reasons."""
    days = []
    for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
        day = date.fromordinal(ordinal)
        name = declared.get(day) or cal.holiday_name(day)
        extra = day in cal.extra_off or day in cal.extra_work
        if extra or (name and not cal.is_working_day(day)):
            days.append({"day": day, "name": name, "working": cal.is_working_day(day),
                         "extra": extra, "admin": day in declared})
    return days


def _holidays_page(request: Request, principal: Principal, session: Session, year: int = 0,
                   error: str | None = None, form: dict[str, str] | None = None) -> Response:
    now = utcnow()
    today = overlay.local_day(now)
    year = year if 2020 <= year <= 2100 else today.year
    current = overlay.in_force(session, "calendar", today)
    latest = overlay.latest(session, "calendar")
    entries = list(current.entries) if current else []
    with (DATA_DIR / "calendar.csv").open(encoding="utf-8", newline="") as handle:
        province = list(csv.DictReader(handle))
    return render(request, "admin_holidays.html", principal,
                  status_code=422 if error else 200, error=error, form=form or {},
                  year=year, today=today, current=current, entries=entries,
                  pending=latest if latest and latest is not current else None,
                  days=_year_days(overlay.calendar_of(current), year,
                                  {date.fromisoformat(e["date"]): e["note"] for e in entries}),
                  province=province, kinds=DAY_KINDS,
                  history=overlay.history(session, "calendar"))


@router.get("/quan-tri/ngay-nghi")
def holidays_page(request: Request, principal: PrincipalDep, session: SessionDep,
                  year: int = 0) -> Response:
    require(request, principal, ADMIN)
    return _holidays_page(request, principal, session, year)


@router.post("/quan-tri/ngay-nghi")
def save_day(request: Request, principal: FormPrincipal, session: SessionDep,
             ngay: Day = "", loai: Annotated[str, Form(max_length=8)] = "",
             ly_do: Text = "", hieu_luc: Day = "",
             tinh_lai: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Declare a day off or a make-up working day (replacing what was declared for it)."""
    require(request, principal, ADMIN)

    def build(entries: list[dict[str, Any]]) -> Edit:
        day = _date(ngay, "Ngày")
        kept = [e for e in entries if e["date"] != day.isoformat()]
        name = DAY_KINDS.get(loai, loai).lower()
        return Edit([*kept, {"date": day.isoformat(), "kind": loai, "note": ly_do}],
                    f"Khai báo ngày {name} {day:%d/%m/%Y}: {' '.join(ly_do.split())}")

    form = {"ngay": ngay, "loai": loai, "ly_do": ly_do, "hieu_luc": hieu_luc}
    return _attempt(request, principal, session, "calendar", build, hieu_luc, bool(tinh_lai),
                    lambda e: _holidays_page(request, principal, session, error=e, form=form),
                    "/quan-tri/ngay-nghi")


@router.post("/quan-tri/ngay-nghi/bo")
def remove_day(request: Request, principal: FormPrincipal, session: SessionDep,
               ngay: Day = "", hieu_luc: Day = "",
               tinh_lai: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Withdraw a declared day: the shipped calendar decides that day again."""
    require(request, principal, ADMIN)

    def build(entries: list[dict[str, Any]]) -> Edit:
        day = _date(ngay, "Ngày")
        kept = [e for e in entries if e["date"] != day.isoformat()]
        if len(kept) == len(entries):
            raise ChangeError(f"Ngày {day:%d/%m/%Y} chưa được khai báo.")
        return Edit(kept, f"Bỏ khai báo ngày {day:%d/%m/%Y}")

    return _attempt(request, principal, session, "calendar", build, hieu_luc, bool(tinh_lai),
                    lambda e: _holidays_page(request, principal, session, error=e),
                    "/quan-tri/ngay-nghi")


# -- routing rules ----------------------------------------------------------------------
def _routing_page(request: Request, principal: Principal, session: Session, *,
                  edit_id: str = "", error: str | None = None,
                  form: dict[str, Any] | None = None) -> Response:
    now = utcnow()
    today = overlay.local_day(now)
    current = overlay.in_force(session, "rules", today)
    latest = overlay.latest(session, "rules")
    layered = overlay.layered_of(current)
    changes = {e["id"]: e for e in (current.entries if current else [])}
    if form is None:
        found = next((r for r in layered.rules if r.id == edit_id), None)
        form = {**rule_as_row(found), "action": "replace"} if found else {"action": "add"}
    table = get_deadlines()
    with (DATA_DIR / "deadlines.csv").open(encoding="utf-8", newline="") as handle:
        notes = {(r["kind"], r["code"]): r["note"] for r in csv.DictReader(handle)}
    return render(request, "admin_routing.html", principal, status_code=422 if error else 200,
                  error=error, form=form, rules=layered.rules, origin=layered.origin,
                  disabled=layered.disabled, orphans=layered.orphans, changes=changes,
                  current=current, pending=latest if latest and latest is not current else None,
                  history=overlay.history(session, "rules"), today=today,
                  shipped={r.id for r in read_rules(DEFAULT_RULES)}, requires=REQUIRES,
                  deadlines=table, notes=notes, agency_groups=agency_groups(),
                  agency_names=agency_names(session))


@router.get("/quan-tri/dinh-tuyen")
def routing_page(request: Request, principal: PrincipalDep, session: SessionDep,
                 sua: str = "") -> Response:
    require(request, principal, ADMIN)
    return _routing_page(request, principal, session, edit_id=sua[:64])


@router.post("/quan-tri/dinh-tuyen")
def save_rule(request: Request, principal: FormPrincipal, session: SessionDep,
              action: Annotated[str, Form(max_length=8)] = "add",
              id: Annotated[str, Form(max_length=64)] = "",
              step: Annotated[str, Form(max_length=2)] = "",
              topics: Annotated[list[str] | None, Form(max_length=40)] = None,
              flags: Annotated[str, Form(max_length=16)] = "",
              requires: Annotated[str, Form(max_length=20)] = "",
              cues: Text = "", exclude: Text = "",
              target: Annotated[str, Form(max_length=64)] = "",
              confident: Annotated[str, Form(max_length=4)] = "",
              reason: Text = "", before: Annotated[str, Form(max_length=64)] = "",
              hieu_luc: Day = "") -> Response:
    """Change a rule in place, or add one before another."""
    require(request, principal, ADMIN)
    row = {"id": id.strip(), "step": step, "topics": "|".join(topics or []) or "*",
           "flags": flags, "requires": requires, "cues": cues, "exclude": exclude,
           "target": target, "confident": "1" if confident else "0", "reason": reason}

    def build(entries: list[dict[str, Any]]) -> Edit:
        if action not in ("add", "replace"):
            raise ChangeError("Thao tác không hợp lệ.")
        kept = [e for e in entries if e["id"] != row["id"]]
        shipped = {r.id for r in read_rules(DEFAULT_RULES)}
        kind = "replace" if row["id"] in shipped else "add"
        if action == "add" and row["id"] in shipped:
            raise ChangeError(f"Đã có quy tắc mã {row['id']}; hãy chọn mã khác.")
        entry: dict[str, Any] = {"action": kind, "id": row["id"], "rule": row}
        if kind == "add" and before:
            entry["before"] = before
        verb = "Sửa" if kind == "replace" else "Thêm"
        return Edit([*kept, entry], f"{verb} quy tắc {row['id']}")

    form = {**row, "action": action, "before": before, "hieu_luc": hieu_luc}
    return _attempt(request, principal, session, "rules", build, hieu_luc, False,
                    lambda e: _routing_page(request, principal, session, error=e, form=form),
                    "/quan-tri/dinh-tuyen")


@router.post("/quan-tri/dinh-tuyen/{rule_id}/{what}")
def toggle_rule(rule_id: str, what: str, request: Request, principal: FormPrincipal,
                session: SessionDep, hieu_luc: Day = "") -> Response:
    """`tat`: turn a shipped rule off; `bo`: drop the admins' change to a rule (the
    shipped rule applies again, an added one goes)."""
    require(request, principal, ADMIN)

    def build(entries: list[dict[str, Any]]) -> Edit:
        kept = [e for e in entries if e["id"] != rule_id]
        if what == "tat" and rule_id not in {r.id for r in read_rules(DEFAULT_RULES)}:
            raise ChangeError("Chỉ tắt được quy tắc có trong tệp; quy tắc thêm mới thì bỏ đi.")
        if what == "tat":
            return Edit([*kept, {"action": "disable", "id": rule_id}],
                        f"{ACTIONS['disable']} quy tắc {rule_id}")
        if what == "bo" and len(kept) < len(entries):
            return Edit(kept, f"Bỏ thay đổi quy tắc {rule_id}")
        raise ChangeError("Không có thay đổi nào của quy tắc này để bỏ.")

    return _attempt(request, principal, session, "rules", build, hieu_luc, False,
                    lambda e: _routing_page(request, principal, session, error=e),
                    "/quan-tri/dinh-tuyen")
