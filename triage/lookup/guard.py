"""Codes given without login: every miss counts against the asker's address, at every door
that takes one (the lookup with the phone's last digits, a ticket's public view, Open311's
item and its ``ids`` list), so that a code's check part cannot be guessed a thousand at a
time. One counter for all doors: a walker cannot spread guesses over them. The doors pass
the address (``auth.deps.client_ip``): this module stays out of the HTTP face."""

from __future__ import annotations

import math

from triage.auth import ratelimit
from triage.errors import TooManyAttempts

TOO_MANY = "Tra cứu sai quá nhiều lần, vui lòng thử lại sau {seconds} giây."


def wait_seconds(address: str | None) -> int:
    """Whole seconds this address must wait before giving another code (0: it may now)."""
    wait = ratelimit.LOOKUP.blocked_for(address or "?")
    return math.ceil(wait) if wait else 0


def check(address: str | None) -> None:
    """Refuse (429 with Retry-After) an address that guessed wrong too often."""
    seconds = wait_seconds(address)
    if seconds:
        raise TooManyAttempts(TOO_MANY.format(seconds=seconds), retry_after=seconds)


def missed(address: str | None, count: int = 1) -> None:
    """`count` codes from this address named no ticket it may see."""
    if count > 0:
        ratelimit.LOOKUP.fail(address or "?", count=count)
