"""Imports every ORM module so that Base.metadata knows all tables (Alembic, tests)."""

from triage.agencies import models as agencies_models
from triage.auth import models as auth_models
from triage.db import Base
from triage.intake import models as intake_models
from triage.notify import models as notify_models
from triage.outbox import models as outbox_models
from triage.reports import models as reports_models

__all__ = [
    "Base",
    "agencies_models",
    "auth_models",
    "intake_models",
    "notify_models",
    "outbox_models",
    "reports_models",
]
