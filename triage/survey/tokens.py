"""Survey links: signed, expiring, single-use, no login.

A token names its survey (ticket id and round) and its expiry, signed with an HMAC under a
key derived from the deployment's secret (as ticket codes' check parts are,
triage.tickets.codes). It is a pure function of those: the messages are built from it at
send time, and the database keeps only its SHA-256, so a copy of the database gives no
working link. Single use is the survey row's business (answered once)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from triage.settings import get_settings

_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,3})\.(\d{9,11})\.([A-Za-z0-9_-]{24})$")


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"survey-link", hashlib.sha256).digest()


def _signature(payload: str) -> str:
    digest = hmac.new(_key(get_settings().secret_key), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def make_token(ticket_id: int, round_: int, expires_at: datetime) -> str:
    payload = f"{ticket_id}.{round_}.{int(expires_at.timestamp())}"
    return f"{payload}.{_signature(payload)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ParsedToken:
    ticket_id: int
    round: int
    expires_at: datetime


def parse_token(token: str) -> ParsedToken | None:
    """The token's content if it is well formed and its signature right, else None."""
    match = _TOKEN.match(token.strip())
    if match is None:
        return None
    ticket_id, round_, expires, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(f"{ticket_id}.{round_}.{expires}")):
        return None
    return ParsedToken(int(ticket_id), int(round_), datetime.fromtimestamp(int(expires), UTC))


def link(token: str) -> str:
    """The address a citizen opens (the survey page, triage.survey.views)."""
    return f"{get_settings().public_url.rstrip('/')}/khao-sat/{token}"
