"""`triage classify` output carries the place and the agency the routing rules choose."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from triage.cli import app


def test_classify_output_has_location_and_agency() -> None:
    lines = "\n".join([
        json.dumps({"id": "a", "text": "Đèn đường ở ấp 3 xã Mỹ Hiệp hư cả tuần nay"}),
        "khong co dien tu sang toi gio o phuong 1 sa dec, nha co nguoi gia",
    ])
    result = CliRunner().invoke(app, ["classify"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.strip().splitlines())
    assert first["id"] == "a"
    assert first["location"]["ward_name"] == "Xã Mỹ Hiệp"
    assert first["agency"]["code"] == "ubnd-30112" and first["agency"]["rule"]
    # An old ward name resolves to the current unit and names what it matched.
    assert second["location"]["old_name"] == "Phường 1"
    assert second["location"]["ward_name"] == "Phường Sa Đéc"
    assert second["topic"] == "dien"
