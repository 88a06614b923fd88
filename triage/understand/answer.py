"""What the CLI and POST /classify answer for one text: ``result_for``, the one place
where an understanding becomes output."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from triage.cases.service import related_for
from triage.classify.model import Classifier, get_classifier
from triage.routing.rules import Router
from triage.settings import get_settings
from triage.understand.service import understand

ERRORS: dict[str, str] = {
    "empty": "Nội dung phản ánh trống.",
    "too_long": "Nội dung phản ánh dài quá {limit} ký tự.",
    "invalid_json": "Dòng bắt đầu bằng '{{' nhưng không phải JSON hợp lệ.",
    "missing_text": "Dòng JSON phải có trường \"text\" là một chuỗi.",
    "invalid_encoding": "Dòng không đọc được dưới dạng UTF-8.",
}


class InvalidText(Exception):
    """A text that is not classified at all; carries a code and a Vietnamese message."""

    status_code = 422

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = ERRORS[code].format(limit=get_settings().max_text_chars)
        super().__init__(self.message)

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def validate_text(text: str) -> None:
    if not text.strip():
        raise InvalidText("empty")
    if len(text) > get_settings().max_text_chars:
        raise InvalidText("too_long")


def result_for(text: str, classifier: Classifier | None = None,
               router: Router | None = None, session: Session | None = None
               ) -> dict[str, Any]:
    """The answer for one complaint text (raises InvalidText, ModelNotTrained), routed
    on `router` (the rules in force; the shipped ones when None); `related` lists the
    cases it would join, read in `session`'s database (none without one)."""
    validate_text(text)
    seen = understand(text, classifier or get_classifier(), router=router)
    c = seen.classification
    assert c is not None
    agency = seen.decision.as_dict()
    review_reasons = seen.review_reasons
    return {
        "topic": c.topic,
        "topic_confidence": c.topic_confidence,
        "flags": c.flags,
        "flag_scores": c.flag_scores,
        "needs_review": bool(review_reasons) or not agency["confident"],
        "review_reasons": review_reasons,
        "explanation": c.explanation,
        "model_version": c.model_version,
        "location": seen.location.as_dict(),
        "agency": agency,
        "urgency": seen.urgency.to_dict() if seen.urgency else None,
        "agency_model": seen.agency_model.to_dict() if seen.agency_model else None,
        "conduct_kinds": [k.to_dict() for k in seen.conduct_kinds],
        "related": related_for(session, text, seen) if session is not None else [],
    }
