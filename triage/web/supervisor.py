"""Province office: the dashboard (counts, on-time rate, backlog per agency, trends) and
the ranking of agencies by answers given on time. The numbers are those of the reports
API (triage.reports.dashboard); no caller data appears on these pages. Agency staff see
the dashboard of their own agency only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth.deps import PrincipalDep
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.reports import lateness, summary
from triage.reports.dashboard import Filters, dashboard
from triage.reports.ranking import min_due
from triage.reports.service import Scope
from triage.survey import figures as satisfaction
from triage.taxonomy import TOPICS
from triage.tickets.models import Ticket
from triage.tickets.period import Period
from triage.tickets.service import local_tz
from triage.web.charts import Chart, bar_chart
from triage.web.operator import agency_groups
from triage.web.pages import PageRoute, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OVERSIGHT = ("supervisor", "admin")
DAYS = 30
BACKLOG_ROWS = 25
RANKING_ROWS = 10


def daily(session: Session, f: Filters, now: datetime) -> tuple[list[str], list[int], list[int]]:
    """Received and answered per local day over the last DAYS days, counted by the
    database (a day's rows are never fetched)."""
    tz = local_tz()
    first = (now.astimezone(tz) - timedelta(days=DAYS - 1)).date()
    days = [first + timedelta(days=i) for i in range(DAYS)]
    ends = [datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=tz)
            for d in days]
    since = ends[0] - timedelta(days=1)
    where: list[Any] = []
    if f.agency_code:
        where.append(Ticket.agency_code == f.agency_code)
    if f.topic:
        where.append(Ticket.topic == f.topic)

    def per_day(column: Any) -> list[int]:
        day = summary.bucket_of(column, ends)
        found = {int(i): int(n) for i, n in session.execute(select(day, func.count()).where(
            column >= since, column < ends[-1], *where).group_by(day))}
        return [found.get(i, 0) for i in range(DAYS)]

    return ([d.strftime("%d/%m") for d in days], per_day(Ticket.received_at),
            per_day(Ticket.resolved_at))


def _period(value: str, now: datetime) -> Period:
    """The month asked for; by default the current one, so far."""
    try:
        return Period.parse(value[:7]) if value else Period.containing(now)
    except ValueError:
        return Period.containing(now)


def _filters(principal: Principal, period: Period, agency: str, topic: str) -> Filters:
    if principal.role == "agency_staff":
        agency = principal.agency_code or ""
    return Filters(period, agency[:64] or None, topic if topic in TOPICS else None)


def _charts(data: dict[str, Any], days: tuple[list[str], list[int], list[int]]
            ) -> list[Chart]:
    trend = data["trend"]
    labels, received, answered = days
    return [
        bar_chart("daily", f"Tiếp nhận và đã trả lời trong {DAYS} ngày qua", labels,
                  [("Tiếp nhận", received, "s1"), ("Đã trả lời", answered, "s2")],
                  label_every=5),
        bar_chart("monthly", "Tiếp nhận và phiếu trễ hạn theo tháng",
                  [f"{t['period'][5:]}/{t['period'][2:4]}" for t in trend],
                  [("Tiếp nhận", [t["received"] for t in trend], "s1"),
                   ("Trễ hạn", [t["late"] for t in trend], "s3")]),
    ]


@router.get("/tong-quan")
def dashboard_page(request: Request, principal: PrincipalDep, session: SessionDep,
                   thang: str = "", co_quan: str = "", linh_vuc: str = "") -> Response:
    require(request, principal, *OVERSIGHT, "agency_staff")
    now = utcnow()
    f = _filters(principal, _period(thang, now), co_quan, linh_vuc)
    data = dashboard(session, f, now, for_agency=principal.role == "agency_staff")
    days = daily(session, f, now)
    previous = data["trend"][-2] if len(data["trend"]) > 1 else None
    cutoff = lateness.cutoff(f.period, now)
    return render(request, "dashboard.html", principal, data=data, f=f, previous=previous,
                  charts=_charts(data, days), daily_rows=list(zip(*days, strict=True)),
                  backlog=data["backlog"][:BACKLOG_ROWS], cutoff=cutoff,
                  running=cutoff < f.period.end, ranking=data["ranking"][:RANKING_ROWS],
                  months=Period.containing(now).months_back(13)[::-1],
                  agency_groups=agency_groups(), agency_names=agency_names(session),
                  fixed_agency=principal.role == "agency_staff")


@router.get("/xep-hang")
def ranking(request: Request, principal: PrincipalDep, session: SessionDep,
            thang: str = "") -> Response:
    """Agencies by the share of assignments due in the month that were answered on time."""
    require(request, principal, *OVERSIGHT)
    now = utcnow()
    period = _period(thang, now)
    names = agency_names(session)
    scope = Scope(period, as_of=now)
    rows = summary.on_time_table(session, scope, names)
    months = Period.containing(now).months_back(13)[::-1]
    judged = {r.key: r for r in satisfaction.by_agency(session, period.start, period.end)}
    return render(request, "ranking.html", principal, rows=rows, period=period,
                  satisfaction=judged,
                  months=months, agency_names=names, min_due=min_due(),
                  cutoff=scope.cutoff, running=scope.cutoff < period.end)
