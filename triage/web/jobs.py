"""Long operations started from a page (bulk import, report generation) run on a
background thread; the page that started them polls their progress.

The registry is in memory, per process: a job belongs to the process that runs it, and
its page is only a view of it. The work itself commits as it goes, so nothing is lost if
the process stops; only the progress display is."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from triage.db import utcnow

log = logging.getLogger(__name__)
KEEP = 200


@dataclass
class Job:
    id: str
    kind: str
    title: str
    owner_id: int | None
    total: int
    back: str
    done: int = 0
    status: str = "running"  # running, done, failed
    message: str = ""
    results: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    def advance(self, n: int = 1) -> None:
        with _lock:
            self.done = min(self.total, self.done + n)


Work = Callable[[Job], None]
_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def start(kind: str, title: str, *, owner_id: int | None, total: int, back: str,
          work: Work) -> Job:
    job = Job(id=secrets.token_urlsafe(12), kind=kind, title=title, owner_id=owner_id,
              total=max(total, 1), back=back)
    with _lock:
        _jobs[job.id] = job
        for old in sorted(_jobs.values(), key=lambda j: j.started_at)[:-KEEP]:
            _jobs.pop(old.id, None)
    threading.Thread(target=_run, args=(job, work), name=f"job-{kind}", daemon=True).start()
    return job


def _run(job: Job, work: Work) -> None:
    try:
        work(job)
    except Exception as exc:
        log.exception("job %s (%s) failed", job.id, job.kind)
        job.status, job.message = "failed", getattr(exc, "message", "") or type(exc).__name__
    else:
        job.status = "done"
        job.done = job.total
    finally:
        job.finished_at = utcnow()


def get(job_id: str) -> Job | None:
    with _lock:
        return _jobs.get(job_id)
