"""Every task by name, and the body that runs it: the one table the in-process worker and
the Celery tasks in workers/ both read.

Bodies are named by module path rather than imported: whoever enqueues needs the name
only, and the areas that enqueue (intake, routing, the sweepers) sit below the areas whose
bodies run (pipeline, notify, reports). A body's module is imported when it first runs,
as Celery itself loads tasks by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from importlib import import_module
from typing import Any

PROCESS_TICKET = "pipeline.process"
SWEEP = "outbox.sweep"
PING = "health.ping"
NOTIFY_ASSIGNED = "notify.assigned"
NOTIFY_DELIVER = "notify.deliver"
SCAN_DEADLINES = "notify.scan_deadlines"
RETRY_NOTIFICATIONS = "notify.retry_due"
MONTHLY_REPORTS = "reports.monthly"
BUILD_REPORT = "reports.build"
SEND_REPORT = "reports.send"
RETRAIN = "classify.retrain"
PURGE = "retention.purge"
SURVEY_DELIVER = "survey.deliver"
SURVEY_RETRY = "survey.retry_due"
CASES_REFRESH = "cases.refresh"

BODIES: dict[str, str] = {
    PROCESS_TICKET: "triage.pipeline.tasks:process_ticket",
    SWEEP: "triage.pipeline.tasks:sweep",
    PING: "triage.pipeline.tasks:ping",
    NOTIFY_ASSIGNED: "triage.notify.tasks:notify_assigned",
    NOTIFY_DELIVER: "triage.notify.tasks:deliver",
    SCAN_DEADLINES: "triage.notify.tasks:scan_deadlines",
    RETRY_NOTIFICATIONS: "triage.notify.tasks:retry_due",
    MONTHLY_REPORTS: "triage.reports.tasks:monthly_report",
    BUILD_REPORT: "triage.reports.tasks:build_report",
    SEND_REPORT: "triage.reports.tasks:send_report",
    RETRAIN: "triage.understand.tasks:retrain_with_corrections",
    PURGE: "triage.pipeline.tasks:purge_personal_data",
    SURVEY_DELIVER: "triage.survey.tasks:deliver",
    SURVEY_RETRY: "triage.survey.tasks:retry_due",
    CASES_REFRESH: "triage.cases.service:refresh",
}


class TaskTable(Mapping[str, Callable[..., Any]]):
    """Task name -> body, each body imported on first use."""

    def __init__(self, paths: Mapping[str, str]) -> None:
        self._paths = dict(paths)
        self._bodies: dict[str, Callable[..., Any]] = {}

    def __getitem__(self, name: str) -> Callable[..., Any]:
        body = self._bodies.get(name)
        if body is None:
            module, _, function = self._paths[name].partition(":")
            body = self._bodies[name] = getattr(import_module(module), function)
        return body

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


TASKS = TaskTable(BODIES)
