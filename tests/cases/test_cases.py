"""Repeat reports through the real pipeline (committed model, default routing rules), on
SQLite and PostgreSQL: one case for one event, re-raised complaints, unrelated reports
of the same street kept apart, answers shared by every report of a case."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from triage.agencies.models import AgencyRow
from triage.cases import service as cases_service
from triage.cases.models import Case, CaseKey, CaseReport
from triage.cases.service import case_of
from triage.cases.similarity import words as cases_words
from triage.db import session_scope, utcnow
from triage.inbox.service import resolve
from triage.intake import service as intake
from triage.intake.schemas import CallerIn, ComplaintIn
from triage.lookup.service import lookup_out
from triage.notify.models import Notification
from triage.outbox.models import OutboxMessage
from triage.pipeline import tasks
from triage.routing.models import Assignment
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent

FLOOD = [
    "Đường Nguyễn Huệ khóm 2 phường Mỹ Phú ngập sâu gần nửa mét sau cơn mưa, xe máy chết "
    "máy hàng loạt, cống thoát nước bị nghẹt.",
    "duong nguyen hue phuong my phu ngap nuoc qua troi sau con mua, xe may chet may, cong "
    "thoat nuoc bi nghet",
    "Mưa xong là nước ngập lênh láng trên đường Nguyễn Huệ phường Mỹ Phú, người dân lội "
    "nước đi làm, cống thoát nước nghẹt.",
    "Nuoc ngap lenh lang duong Nguyen Hue, phuong My Phu, xe may chet may, de nghi thong "
    "cong thoat nuoc gap",
    "Cống thoát nước trên đường Nguyễn Huệ (phường Mỹ Phú) bị nghẹt nên mưa là ngập, nước "
    "tràn vào cả nhà dân.",
]
PHONES = ["0912345601", "0912345602", "0912345603", "0912345604", "0912345605"]
# Another problem of the flood's street, ward and topic.
LID = ("Cống thoát nước trên đường Nguyễn Huệ phường Mỹ Phú bị mất nắp, để trống một lỗ sâu "
       "ngay lề đường, trẻ em dễ bị rơi xuống.")


def report(text: str, phone: str) -> int:
    with session_scope() as s:
        complaint = ComplaintIn(text=text, channel="phone", caller=CallerIn(phone=phone))
        return intake.submit(s, complaint, actor="test", now=utcnow()).ticket.id


def routed(text: str, phone: str) -> int:
    tid = report(text, phone)
    assert tasks.process_ticket(tid) == "routed"
    return tid


def test_five_reports_of_one_flood_make_one_case_and_one_notification(database: str) -> None:
    first = routed(FLOOD[0], PHONES[0])
    with session_scope() as s:
        agency = s.get_one(Ticket, first).agency_code
        assert agency is not None
        s.add(AgencyRow(code=agency, name=agency, level="commune", aliases=[],
                        email="phuong@example.vn"))
    ids = [first] + [routed(text, phone) for text, phone in zip(FLOOD[1:], PHONES[1:],
                                                                 strict=True)]
    # Every message the outbox holds for the agency, planned as the worker would.
    with session_scope() as s:
        payloads = [m.payload for m in s.scalars(select(OutboxMessage).where(
            OutboxMessage.task == "notify.assigned"))]
    for payload in payloads:
        with session_scope() as s:
            from triage.notify.service import plan
            plan(s, s.get_one(Assignment, payload["assignment_id"]), "assigned", utcnow())
    with session_scope() as s:
        case = s.scalars(select(Case)).one()
        assert case.report_count == 5 and case.primary_ticket_id == first
        assert {r.ticket_id for r in s.scalars(select(CaseReport))} == set(ids)
        tickets = [s.get_one(Ticket, i) for i in ids]
        assert {t.agency_code for t in tickets} == {agency}
        assert {t.due_at for t in tickets} == {tickets[0].due_at}
        assert s.scalar(select(func.count()).select_from(Assignment)) == 1
        assert s.scalar(select(func.count()).select_from(Notification)
                        .where(Notification.kind == "assigned")) == 1
    # The sweep does not rescue the repeats' notification: they have none to lose.
    from triage.notify.sweep import sweep_unplanned
    with session_scope() as s:
        assert sweep_unplanned(s, utcnow() + timedelta(minutes=30)) == 0


def test_answering_the_case_answers_every_caller(database: str) -> None:
    ids = [routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[2])]
    with session_scope() as s:
        first = s.get_one(Ticket, ids[0])
        first.answer = "Phường đã cho nạo vét cống, đường hết ngập."
        resolve(s, first, first.answer, actor="can-bo", agency_code=first.agency_code or "",
                now=utcnow())
    with session_scope() as s:
        second = s.get_one(Ticket, ids[1])
        assert second.status == "resolved"
        assert lookup_out(s, second).answer == "Phường đã cho nạo vét cống, đường hết ngập."
        case = case_of(s, second.id)
        assert case is not None and case.status == "resolved"


def test_a_report_on_a_case_answered_last_week_reraises_it(database: str) -> None:
    first = routed(FLOOD[0], PHONES[0])
    with session_scope() as s:
        ticket = s.get_one(Ticket, first)
        resolve(s, ticket, "Đã xử lý.", actor="can-bo", agency_code=ticket.agency_code or "",
                now=utcnow() - timedelta(days=7))
    again = routed(FLOOD[3], PHONES[3])
    with session_scope() as s:
        case = case_of(s, again)
        assert case is not None and case.reraised == 1 and case.status == "open"
        assert case.primary_ticket_id == again
        # Re-raised: the agency is told again, with an assignment of its own.
        assert s.scalars(select(Assignment).where(Assignment.ticket_id == again)).one()
        kinds = set(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == again)))
        assert "case_reraised" in kinds and "case_escalated" not in kinds


def test_reraised_twice_is_escalated_to_the_province_office(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage.settings import get_settings

    monkeypatch.setenv("TRIAGE_PROVINCE_OFFICE_EMAIL", "vanphong@example.vn")
    get_settings.cache_clear()
    last = None
    for text, phone in zip(FLOOD[:3], PHONES[:3], strict=True):
        last = routed(text, phone)
        with session_scope() as s:
            ticket = s.get_one(Ticket, last)
            resolve(s, ticket, "Đã xử lý.", actor="can-bo",
                    agency_code=ticket.agency_code or "", now=utcnow() - timedelta(days=3))
    with session_scope() as s:
        assert last is not None
        case = case_of(s, last)
        assert case is not None and case.reraised == 2 and case.escalated_at is not None
        rows = s.scalars(select(Notification).where(
            Notification.kind == "reraised_escalation")).all()
        assert [r.recipient for r in rows] == ["vanphong@example.vn"]
    get_settings.cache_clear()


def test_unrelated_complaints_on_the_same_street_are_not_linked(database: str) -> None:
    ids = [routed(FLOOD[0], PHONES[0]),
           routed("Quán cà phê trên đường Nguyễn Huệ phường Mỹ Phú lấn chiếm vỉa hè bày bàn "
                  "ghế, người đi bộ phải xuống lòng đường.", PHONES[1]),
           routed("Cống thoát nước trên đường Nguyễn Huệ phường Mỹ Phú bị mất nắp, để trống "
                  "một lỗ sâu ngay lề đường, trẻ em dễ bị rơi xuống.", PHONES[2])]
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(CaseReport)) == 0
        assert s.scalar(select(func.count()).select_from(Assignment)) == len(ids)
        assert s.scalar(select(func.count()).select_from(CaseKey)) == len(ids)


def test_a_retried_route_step_links_once(database: str) -> None:
    """The link is made inside the route step's transaction: a second delivery of the
    pipeline message finds the step done and links nothing more."""
    routed(FLOOD[0], PHONES[0])
    second = routed(FLOOD[1], PHONES[1])
    assert tasks.process_ticket(second) == "skipped"
    with session_scope() as s:
        assert s.scalars(select(Case)).one().report_count == 2
        assert s.scalar(select(func.count()).select_from(CaseReport)) == 2


def test_the_retention_purge_drops_the_repeat_index_row(database: str) -> None:
    from triage.retention import purge

    tid = routed(FLOOD[0], PHONES[0])
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        resolve(s, ticket, "Đã xử lý.", actor="can-bo", agency_code=ticket.agency_code or "",
                now=utcnow() - timedelta(days=800))
        assert s.get(CaseKey, tid) is not None
    assert purge(days=730).tickets == 1
    with session_scope() as s:
        assert s.get(CaseKey, tid) is None


def test_a_repeat_the_classifier_is_unsure_of_joins_the_case_without_review(
        database: str) -> None:
    first = routed(FLOOD[0], PHONES[0])
    unsure = report("ngap duong nguyen hue p my phu, xe ko chay dc", PHONES[1])
    assert tasks.process_ticket(unsure) == "routed"
    with session_scope() as s:
        ticket = s.get_one(Ticket, unsure)
        case = case_of(s, unsure)
        assert case is not None and case.primary_ticket_id == first
        assert ticket.agency_code == s.get_one(Ticket, first).agency_code
        assert [e.kind for e in s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == unsure).order_by(TicketEvent.id))] == [
            "received", "case_linked", "classified", "routed"]


def test_the_agency_inbox_lists_the_case_once_and_its_acknowledgement_is_shared(
        database: str) -> None:
    from triage.inbox.service import InboxFilter, acknowledge, list_inbox

    ids = [routed(text, phone) for text, phone in zip(FLOOD[:3], PHONES[:3], strict=True)]
    with session_scope() as s:
        first = s.get_one(Ticket, ids[0])
        agency = first.agency_code or ""
        items, total = list_inbox(s, Ticket.agency_code == agency, InboxFilter(),
                                  now=utcnow(), page=1, per_page=20)
        assert ([t.id for t in items], total) == ([ids[0]], 1)
        acknowledge(s, first, actor="can-bo", agency_code=agency, now=utcnow())
    with session_scope() as s:
        assert {s.get_one(Ticket, i).status for i in ids} == {"acknowledged"}


def test_a_complaint_routed_at_the_desk_is_found_by_its_repeats_and_the_desk_shows_them(
        database: str) -> None:
    from triage.intake import desk

    with session_scope() as s:
        complaint = ComplaintIn(text=FLOOD[0], channel="phone", caller=CallerIn(phone=PHONES[0]))
        choice = desk.Choice(topic="cap_thoat_nuoc", flags=(), agency_code="ubnd-29888")
        first = desk.submit(s, complaint, choice, actor="tdv", now=utcnow())
        first_id, first_code = first.id, first.code
    with session_scope() as s:
        suggestion = desk.suggest(FLOOD[3], session=s)
        assert suggestion.related and suggestion.related[0]["code"] == first_code
    again = routed(FLOOD[2], PHONES[2])
    with session_scope() as s:
        case = case_of(s, again)
        assert case is not None and case.primary_ticket_id == first_id


def test_repeats_handled_by_two_workers_at_once_make_one_case(pg: str) -> None:
    """Two reports of one flood routed at the same moment (PostgreSQL, two sessions):
    the per-ward lock makes the second wait for the first's case, so there is one."""
    from tests.conftest import run_together

    first = routed(FLOOD[0], PHONES[0])
    pending = [report(FLOOD[1], PHONES[1]), report(FLOOD[2], PHONES[2])]

    def work() -> None:
        tasks.process_ticket(pending.pop())

    assert run_together(work, 2, timeout=60) == []
    with session_scope() as s:
        case = s.scalars(select(Case)).one()
        assert case.primary_ticket_id == first and case.report_count == 3
        assert s.scalar(select(func.count()).select_from(Assignment)) == 1


def test_every_caller_of_the_case_is_asked_and_a_repeat_unsatisfied_goes_to_the_operators(
    database: str,
) -> None:
    from triage.survey import service as survey
    from triage.survey import tokens
    from triage.survey.models import Survey

    ids = [routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[2])]
    now = utcnow()
    with session_scope() as s:
        first = s.get_one(Ticket, ids[0])
        resolve(s, first, "Phường đã nạo vét cống.", actor="can-bo",
                agency_code=first.agency_code or "", now=now)
    with session_scope() as s:
        asked = {row.ticket_id: row for row in s.scalars(select(Survey))}
        assert set(asked) == set(ids)  # each caller gets the answer and the question
        repeat_survey = asked[ids[1]]
        token = tokens.make_token(ids[1], repeat_survey.round, repeat_survey.expires_at)
    with session_scope() as s:
        answered = survey.answer(s, token, satisfied=False, reason="Vẫn ngập.", now=utcnow())
        # The repeat has no assignment of its own: the agency's inbox would not show it
        # reopened, so the operators take it.
        assert answered.outcome == "review"
    with session_scope() as s:
        repeat = s.get_one(Ticket, ids[1])
        assert repeat.status == "needs_review"
        assert "citizen_unsatisfied" in (repeat.review_reasons or [])


def test_rerouting_the_primary_moves_its_repeats_with_it(database: str) -> None:
    """The operator hands a case's primary to another agency: the repeats routed only as
    part of the case go with it (agency, deadline), without an assignment of their own."""
    from triage.agencies.directory import load_directory
    from triage.review.service import Labels, reroute

    first, second = routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[2])
    with session_scope() as s:
        primary = s.get_one(Ticket, first)
        other = next(code for code in load_directory().agencies
                     if code != primary.agency_code)
        reroute(s, primary, Labels(agency_code=other), actor="tdv", now=utcnow())
    with session_scope() as s:
        primary, repeat = s.get_one(Ticket, first), s.get_one(Ticket, second)
        assert primary.agency_code == repeat.agency_code == other
        assert repeat.due_at == primary.due_at and repeat.status == "routed"
        assert s.scalars(select(Assignment).where(Assignment.ticket_id == second)).all() == []
        events = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == second,
                                                     TicketEvent.kind == "rerouted")).all()
        assert [e.data["agency_code"] for e in events] == [other]


def test_a_reraise_that_reaches_review_counts_towards_escalation(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The third report of a twice-answered flood, one the classifier is unsure of, goes to
    the operators; once they route it, the case is escalated as at intake."""
    from triage.review.service import Labels, route
    from triage.settings import get_settings

    monkeypatch.setenv("TRIAGE_PROVINCE_OFFICE_EMAIL", "vanphong@example.vn")
    get_settings.cache_clear()
    for text, phone in zip(FLOOD[:2], PHONES[:2], strict=True):
        done = routed(text, phone)
        with session_scope() as s:
            ticket = s.get_one(Ticket, done)
            agency = ticket.agency_code or ""
            resolve(s, ticket, "Đã xử lý.", actor="can-bo", agency_code=agency,
                    now=utcnow() - timedelta(days=3))
    unsure = report("ngap duong nguyen hue p my phu, xe ko chay dc", PHONES[2])
    assert tasks.process_ticket(unsure) == "needs_review"
    with session_scope() as s:
        case = case_of(s, unsure)
        assert case is not None and case.reraised == 2 and case.escalated_at is None
        route(s, s.get_one(Ticket, unsure), Labels(agency_code=agency), actor="tdv",
              now=utcnow())
    with session_scope() as s:
        case = case_of(s, unsure)
        assert case is not None and case.escalated_at is not None
        rows = s.scalars(select(Notification).where(
            Notification.kind == "reraised_escalation")).all()
        assert [r.recipient for r in rows] == ["vanphong@example.vn"]
    get_settings.cache_clear()


def test_reindexing_reads_old_index_rows_again_with_the_current_problem_list(
        database: str) -> None:
    """A ticket indexed by an older reader (its stored words name no problem, its row says
    another reader wrote it) is read again: its words, ward-and-problem rows and reader
    become today's; rows of today's reader are left alone, and a second run has nothing
    to do."""
    from typer.testing import CliRunner

    from triage.cases.models import CaseProblem
    from triage.cases.service import reader_version, reindex, stale
    from triage.cases.similarity import stored, words
    from triage.cli import app

    first, current = routed(FLOOD[0], PHONES[0]), routed(LID, PHONES[1])
    with session_scope() as s:
        key = s.get_one(CaseKey, first)
        key.words = " ".join(w for w in key.words.split() if not w.startswith("#"))
        key.reader = "an-older-reader"
        s.execute(delete(CaseProblem).where(CaseProblem.ticket_id == first))
    with session_scope() as s:
        assert s.get_one(CaseKey, current).reader == reader_version()
        assert stale(s) == [first]
        assert stale(s, everything=True) == [current, first]  # newest first
        assert reindex(s, stale(s)) == 1
    with session_scope() as s:
        ticket = s.get_one(Ticket, first)
        key = s.get_one(CaseKey, first)
        assert key.words == stored(words(ticket.text)) and key.reader == reader_version()
        problems = set(s.scalars(select(CaseProblem.problem).where(
            CaseProblem.ticket_id == first)))
        assert "#ngap" in problems
        assert stale(s) == []
    result = CliRunner().invoke(app, ["cases-reindex"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 phiếu được đọc lại")
    result = CliRunner().invoke(app, ["cases-reindex", "--all"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 phiếu được đọc lại, 0 phiếu thay đổi")


def test_the_hourly_refresh_reads_rows_of_an_older_reader_in_committed_batches(
        database: str) -> None:
    """After an upgrade (rows written by another reader, or before readers were recorded),
    the hourly job reads them again a batch at a time, newest first, and stops when none is
    left; it runs as a Celery task from beat and from the embedded relay."""
    from celery.schedules import crontab

    from triage.cases.service import reader_version, refresh
    from triage.outbox.tasks import CASES_REFRESH, TASKS
    from workers import tasks as celery_tasks
    from workers.beat import schedule
    from workers.celery_app import app

    ids = [routed(FLOOD[0], PHONES[0]), routed(LID, PHONES[1]), routed(FLOOD[2], PHONES[2])]
    with session_scope() as s:
        for tid in ids:
            s.get_one(CaseKey, tid).reader = None
    assert refresh(batch=2) == 3
    with session_scope() as s:
        assert {s.get_one(CaseKey, tid).reader for tid in ids} == {reader_version()}
    assert TASKS[CASES_REFRESH]() == 0
    assert celery_tasks.cases_refresh() == 0  # the Celery task, as the worker runs it
    entry = schedule()["cases-refresh"]
    assert entry["task"] == CASES_REFRESH and isinstance(entry["schedule"], crontab)
    assert CASES_REFRESH in app.tasks


def test_the_reader_fingerprint_follows_the_problem_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cue added to the problem list gives another fingerprint (so every row is read
    again); the same list gives the same one."""
    from triage.cases import service
    from triage.cases.similarity import CONCEPTS_PATH

    before = service.reader_version()
    copy = tmp_path / "concepts.csv"
    copy.write_bytes(CONCEPTS_PATH.read_bytes())
    monkeypatch.setattr(service, "CONCEPTS_PATH", copy)
    service.reader_version.cache_clear()
    try:
        assert service.reader_version() == before
        with copy.open("a", encoding="utf-8") as f:
            f.write(CONCEPTS_PATH.read_text(encoding="utf-8").splitlines()[-1] + "\n")
        service.reader_version.cache_clear()
        assert service.reader_version() != before
    finally:
        service.reader_version.cache_clear()


def flood_then_lid() -> tuple[int, int, dict[str, str | None], frozenset[str]]:
    """An older report of the flood and a newer one of a lid, on one ward and topic; the
    place to look them up by, and another flood report's words without the problems they
    name (only the ward-and-topic way is then read)."""
    older = routed(FLOOD[0], PHONES[0])
    newer = routed(LID, PHONES[1])
    with session_scope() as s:
        first, second = s.get_one(Ticket, older), s.get_one(Ticket, newer)
        assert (first.ward_code, first.topic) == (second.ward_code, second.topic)
        place = {"ward_code": first.ward_code, "topic": first.topic}
    return older, newer, place, frozenset(
        w for w in cases_words(FLOOD[1]) if not w.startswith("#"))


def found_for(plain: frozenset[str], place: dict[str, str | None]) -> list[int]:
    with session_scope() as s:
        return [c.ticket_id for c in cases_service.candidates(
            s, plain, ward_code=place["ward_code"], topic=place["topic"], phone=None,
            now=utcnow())]


def test_each_way_in_reads_only_its_newest_index_rows(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lookup reads at most WAY_LIMIT rows of each way in, the newest: an older match
    behind newer tickets of the same ward and topic is then not scored (the bound that
    keeps a lookup cheap in a ward with years of tickets)."""
    older, newer, place, plain = flood_then_lid()
    assert older in found_for(plain, place)
    monkeypatch.setattr(cases_service, "WAY_LIMIT", 1)
    assert found_for(plain, place) == [newer]


def test_over_the_limit_the_most_alike_are_scored(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the ways in find more tickets than CANDIDATE_LIMIT, those sharing the largest
    part of their words with the new text are scored, whatever their age and on either
    database: the older report of the flood before the newer one of a lid."""
    older, _, place, plain = flood_then_lid()
    monkeypatch.setattr(cases_service, "CANDIDATE_LIMIT", 1)
    assert found_for(plain, place) == [older]


def test_with_linking_turned_off_every_report_is_its_own_ticket(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """TRIAGE_CASE_LINKING=false: two reports of one flood are routed each on its own,
    nothing is indexed; turned back on, cases-reindex puts them in the index and the next
    report of the flood joins them."""
    monkeypatch.setenv("TRIAGE_CASE_LINKING", "false")
    get_settings.cache_clear()
    first, second = routed(FLOOD[0], PHONES[0]), routed(FLOOD[1], PHONES[1])
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(CaseKey)) == 0
        assert s.get_one(Ticket, second).routing_rule != "case"
    assert cases_service.refresh() == 0  # the hourly job indexes nothing while it is off
    monkeypatch.setenv("TRIAGE_CASE_LINKING", "true")
    get_settings.cache_clear()
    with session_scope() as s:
        assert cases_service.reindex(s, cases_service.stale(s)) == 2
    third = routed(FLOOD[2], PHONES[2])
    with session_scope() as s:
        case = case_of(s, third)
        assert case is not None and case.primary_ticket_id in (first, second)
