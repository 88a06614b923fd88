"""The beat schedule (times in Asia/Ho_Chi_Minh). Beat jobs fan out; they never do the work."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from triage.outbox import tasks
from triage.settings import get_settings


def schedule() -> dict[str, dict[str, Any]]:
    settings = get_settings()
    return {
        # The sweep also enqueues the retry of notifications due again (a dead sender's
        # expired claim, a backoff over): within one interval, not a separate minute.
        "outbox-sweep": {"task": tasks.SWEEP, "schedule": settings.sweeper_interval_seconds},
        # Celery's timezone is Asia/Ho_Chi_Minh, so crontab hours are local hours.
        "deadline-scan": {"task": tasks.SCAN_DEADLINES,
                          "schedule": crontab(hour=7, minute=30)},
        # The previous month's report at 07:00 local on the 1st. The job is idempotent
        # (one report per period and agency, sent once), so it also runs daily at 07:00:
        # if beat was down on the 1st, the next morning catches up.
        "monthly-report": {"task": tasks.MONTHLY_REPORTS, "schedule": crontab(hour=7, minute=0)},
        # Personal data of long-closed tickets; idempotent, so a missed night is caught
        # up the next one.
        "retention-purge": {"task": tasks.PURGE, "schedule": crontab(hour=2, minute=30)},
        # Survey messages whose send failed for a while (SMS gateway, SMTP, Zalo away).
        "survey-retry": {"task": tasks.SURVEY_RETRY, "schedule": 300.0},
        # The repeat index read again where an upgrade changed how words are read
        # (idempotent: nothing to do once every row is current).
        "cases-refresh": {"task": tasks.CASES_REFRESH, "schedule": crontab(minute=17)},
        "retrain": {"task": tasks.RETRAIN,
                    "schedule": crontab(day_of_month=2, hour=2, minute=0)},
    }
