"""Imports every ORM module so that Base.metadata knows all tables (Alembic, tests)."""

from triage.agencies import models as agencies_models
from triage.auth import models as auth_models
from triage.cases import models as cases_models
from triage.db import Base
from triage.notify import models as notify_models
from triage.outbox import models as outbox_models
from triage.pipeline import models as pipeline_models
from triage.reports import models as reports_models
from triage.routing import models as routing_models
from triage.survey import models as survey_models
from triage.tickets import models as tickets_models
from triage.understand import models as understand_models

__all__ = [
    "Base",
    "agencies_models",
    "auth_models",
    "cases_models",
    "notify_models",
    "outbox_models",
    "pipeline_models",
    "reports_models",
    "routing_models",
    "survey_models",
    "tickets_models",
    "understand_models",
]
