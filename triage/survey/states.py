"""A survey's life, its display names and the figures' vocabulary on one page.

sent: the link went out (or waits on the lookup page) and may be answered;
answered: the citizen said "Hài lòng" or "Chưa hài lòng" (once: the link is single-use);
expired: not answered before its expiry, or a newer answer's survey replaced it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from triage.survey.models import Survey


class SurveyStatus(StrEnum):
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"


STATUS_NAMES = {
    SurveyStatus.SENT: "Đã gửi khảo sát, chờ công dân đánh giá",
    SurveyStatus.ANSWERED: "Công dân đã đánh giá",
    SurveyStatus.EXPIRED: "Khảo sát đã hết hạn",
}
CHOICES = {True: "Hài lòng", False: "Chưa hài lòng"}


def status_of(survey: Survey, now: datetime) -> SurveyStatus:
    if survey.answered_at is not None:
        return SurveyStatus.ANSWERED
    if survey.expires_at <= now:
        return SurveyStatus.EXPIRED
    return SurveyStatus.SENT
