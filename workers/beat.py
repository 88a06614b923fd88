"""The beat schedule (times in Asia/Ho_Chi_Minh). Beat jobs fan out; they never do the work."""

from __future__ import annotations

from typing import Any

from triage.settings import get_settings


def schedule() -> dict[str, dict[str, Any]]:
    settings = get_settings()
    return {
        "outbox-sweep": {"task": "outbox.sweep", "schedule": settings.sweeper_interval_seconds},
    }
