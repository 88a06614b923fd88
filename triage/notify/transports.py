"""Delivery over SMTP and signed webhooks. Transient failures raise TransientError
(retried with backoff); a refusal that will not change raises PermanentError."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import uuid
from email.message import EmailMessage
from typing import Any

import httpx

from triage.settings import get_settings


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


def send_email(to: str, subject: str, body: str) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        raise PermanentError("SMTP is not configured (TRIAGE_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"recipient refused: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300,
           now: float | None = None) -> bool:
    """What a receiver checks: a fresh timestamp and a matching signature. Receivers also
    keep the delivery ids they have seen, so a replayed request is dropped."""
    timestamp = headers.get("x-triage-timestamp", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return hmac.compare_digest(expected, headers.get("x-triage-signature", ""))


def post_webhook(url: str, payload: dict[str, Any], delivery_id: str | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/json; charset=utf-8",
        "x-triage-timestamp": timestamp,
        "x-triage-signature": sign(get_settings().webhook_secret, timestamp, body),
        "x-triage-delivery": delivery_id or uuid.uuid4().hex,
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"HTTP {response.status_code}")


def send_sms(to: str, text: str, delivery_id: str | None = None) -> None:
    """A text message through the SMS gateway (TRIAGE_SMS_GATEWAY_URL): POST JSON
    {to, text}, signed as webhooks are, so that any provider's adapter can check it."""
    url = get_settings().sms_gateway_url
    if not url:
        raise PermanentError("no SMS gateway is configured (TRIAGE_SMS_GATEWAY_URL)")
    post_webhook(url, {"to": to, "text": text}, delivery_id=delivery_id)


def send_zalo(to: str, text: str, delivery_id: str | None = None) -> None:
    """A Zalo message through the province's Zalo webhook (TRIAGE_ZALO_WEBHOOK_URL), which
    sends by phone number: POST JSON {to, text}, signed."""
    url = get_settings().zalo_webhook_url
    if not url:
        raise PermanentError("no Zalo webhook is configured (TRIAGE_ZALO_WEBHOOK_URL)")
    post_webhook(url, {"to": to, "text": text}, delivery_id=delivery_id)
