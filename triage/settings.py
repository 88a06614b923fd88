"""All configuration, read once from the environment (prefix TRIAGE_).

With nothing set the service runs on the embedded default: a SQLite file under
``./var`` and an in-process worker. Setting TRIAGE_DATABASE_URL and TRIAGE_BROKER_URL
switches to PostgreSQL and Celery on Redis; nothing else in the code changes.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
RATELIMIT_SCHEMES = ("memory://", "redis://", "rediss://", "redis+unix://")
# The secret of a deployment that set none: fine on a laptop, public knowledge anywhere else.
DEV_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    database_url: str = ""
    broker_url: str = ""
    data_dir: Path = Path("var")
    model_dir: Path = REPO_ROOT / "models" / "topic-flags"
    urgency_model_dir: Path = REPO_ROOT / "models" / "urgency"
    # The learned agency (triage.routing.learned): no artifact there, no suggestion. A
    # ticket goes to review when the model names another agency than the rules with at
    # least the first score where the rules fell back, the second against a rule's choice.
    agency_model_dir: Path = REPO_ROOT / "models" / "agency"
    agency_model_fallback_score: float = Field(0.5, ge=0.0, le=1.0)
    agency_model_disagree_score: float = Field(0.9, ge=0.0, le=1.0)
    conduct_model_dir: Path = REPO_ROOT / "models" / "conduct"
    # A readable flag cue (data/conduct/cues.csv for thai_do: "dúi tiền", "ăn chặn";
    # data/lateness/cues.csv for tre_han: "trễ hẹn", "hẹn lần hẹn lữa") raises the flag the
    # topic model gave at least this probability, and sends the complaint to review
    # (triage.understand.service.with_flag_cues). Chosen on the real-complaint yardstick;
    # 1.0 turns it off.
    flag_cue_floor: float = Field(0.1, ge=0.0, le=1.0)
    corpus_dir: Path = REPO_ROOT / "data" / "corpus"
    timezone: str = "Asia/Ho_Chi_Minh"
    code_prefix: str = "1022"

    max_text_chars: int = Field(20_000, ge=100)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Connections of each API process's submission pool on PostgreSQL (the event-loop
    # hot path; other requests use the SQLAlchemy pool).
    intake_pool_size: int = Field(10, ge=1, le=100)
    future_tolerance_seconds: int = Field(300, ge=0)
    # A time received declared by an operator or an integration may lie this far back;
    # the bulk import (operators' paper logs) has a window of its own. Anonymous callers
    # declare nothing: their complaint is received when the server gets it.
    received_at_max_past_days: int = Field(3, ge=0, le=366)
    import_max_past_days: int = Field(31, ge=0, le=366)
    # A declared time within this of the server's counts as is (the call being typed);
    # further back, the deadline counts from when the service got the ticket.
    received_at_grace_minutes: int = Field(60, ge=0, le=24 * 60)
    # Nothing is declared before the service's own data: the merged province's units,
    # directory and routing rules start on 1 July 2025.
    received_at_floor: date = date(2025, 7, 1)

    # Pipeline completeness: the sweeper re-publishes work not advanced within this time.
    sweeper_interval_seconds: float = Field(30.0, gt=0)
    sweeper_stale_seconds: float = Field(60.0, gt=0)
    relay_interval_seconds: float = Field(1.0, gt=0)
    # Off only for the battery's negative controls (the fault must bite without it).
    sweeper_enabled: bool = True
    # While more messages than this wait in the broker's queue, stale tickets are most
    # likely waiting in it too: the sweeper holds off instead of adding duplicates.
    sweeper_max_backlog: int = Field(500, ge=0)
    max_attempts: int = Field(5, ge=1)
    visibility_timeout: int = Field(900, ge=1)
    # Kept on in production; the battery turns it off once (A3) to show that the sweeper,
    # not Celery's redelivery, is what guarantees completeness.
    task_reject_on_worker_lost: bool = True
    # Fault injection for tests and benchmarks only: a pause inside each pipeline task,
    # after its attempt is counted, so that a test can kill a worker mid-task.
    pipeline_delay_seconds: float = Field(0.0, ge=0)

    # Retention purge: the caller's name, phone and address of tickets finished longer ago
    # than this are erased (the ticket and its statistics stay). See README, Configuration.
    retention_days: int = Field(730, ge=1)

    # Agencies with fewer assignments due in a month are listed without a rank.
    ranking_min_due: int = Field(5, ge=1)

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "duongday1022@localhost"
    webhook_secret: str = "dev-only-webhook-secret"
    province_office_email: str = ""
    reminder_hours_before: int = Field(24, ge=1)
    # An urgent ticket its agency has not acknowledged this long after assignment is
    # escalated to the province office (clock minutes, working hours or not).
    urgent_ack_minutes: int = Field(30, ge=1)
    notify_max_attempts: int = Field(8, ge=1)

    # The citizen satisfaction survey (triage.survey): where its links point, how long
    # a link works, where a "chưa hài lòng" sends the ticket (back to the agency once, or
    # to the operators' review queue), and the citizen-facing transports: an SMS gateway
    # and a Zalo webhook, each POSTed JSON {to, text}; unset, that channel is not used.
    public_url: str = "http://localhost:8000"
    survey_days: int = Field(14, ge=1, le=365)
    survey_unsatisfied_to: Literal["agency", "review"] = "agency"
    # An agency sees how many of its surveys were answered "Hài lòng" (and the rate) only
    # from this many answers on (triage.survey.figures).
    survey_min_answers: int = Field(5, ge=1)
    sms_gateway_url: str = ""
    zalo_webhook_url: str = ""
    # Repeat reports (triage.cases): a candidate scoring at least the link threshold is
    # linked into its case at intake; one at least the propose threshold is shown to the
    # operator. Finished tickets are looked for this many days back; a report on a case
    # answered within that window re-raises it: "reopen" the case, or open a "follow_up".
    # False: the pipeline neither keeps the repeat index nor links repeats (every report
    # is its own ticket; the lookup's cost is measured against this). After turning it
    # back on, `triage cases-reindex` puts the tickets routed meanwhile in the index.
    case_linking: bool = True
    case_link_threshold: float = Field(0.5, gt=0, le=1)
    case_propose_threshold: float = Field(0.25, gt=0, le=1)
    case_window_days: int = Field(30, ge=1)
    case_reraise_mode: Literal["reopen", "follow_up"] = "reopen"
    # A case re-raised this many times is escalated to the province office.
    case_escalate_reraised: int = Field(2, ge=1)

    # Failed logins and lookups are counted in a store every API process shares:
    # `redis://…` (default: the broker's Redis), or `memory://` (the embedded default,
    # one process). Keys start with the prefix, so that deployments can share a Redis.
    ratelimit_url: str = ""
    ratelimit_prefix: str = Field("triage-limits", min_length=1, max_length=100)
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated,
    # or "*"); none by default, so the address that opened the connection is the client's.
    trusted_proxies: str = ""

    secret_key: str = DEV_SECRET
    # Set to true behind HTTPS so that the session cookie is only sent over TLS.
    secure_cookies: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url", "broker_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("ratelimit_url")
    @classmethod
    def _ratelimit_store(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(RATELIMIT_SCHEMES):
            raise ValueError(f"the rate-limit store must be one of {RATELIMIT_SCHEMES}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        """Fail at start on a value uvicorn would quietly take as a host name (and so
        never match): each entry an IP address or network, or the lone "*"."""
        entries = [e.strip() for e in value.split(",") if e.strip()]
        if entries == ["*"]:
            return "*"
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
        return ",".join(entries)

    @property
    def effective_ratelimit_url(self) -> str:
        if self.ratelimit_url.strip():
            return self.ratelimit_url.strip()
        if self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return "memory://"

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: tasks run in-process."""
        return not self.broker_url

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'triage.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
