"""``triage classify``: one JSON line per input line, errors as objects, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from triage.classify.model import get_classifier
from triage.understand.answer import result_for
from triage.understand.cli import classify, classify_lines

KEYS = {"topic", "topic_confidence", "flags", "flag_scores", "needs_review", "explanation",
        "model_version"}


def test_lines_of_every_kind_get_one_answer_each() -> None:
    lines = [
        json.dumps({"id": "a1", "text": "Mất điện cả ngày không báo trước"},
                   ensure_ascii=False).encode(),
        b"duong vao ap 3 bi o ga nhieu qua",
        b'{"id": "a3", "text": ',
        b'{"id": "a4", "noi_dung": "x"}',
        b"",
        "Đường hỏng".encode("utf-16"),
        "😡😡😡".encode(),
    ]
    out = list(classify_lines(lines, get_classifier()))
    assert len(out) == len(lines)
    assert out[0]["id"] == "a1" and set(out[0]) >= KEYS and out[0]["topic"] == "dien"
    assert out[1]["topic"] == "giao_thong"
    assert out[2]["error"]["code"] == "invalid_json"
    assert out[3] == {"id": "a4", "noi_dung": "x", "error": out[3]["error"]}
    assert out[3]["error"]["code"] == "missing_text"
    assert out[4]["error"]["code"] == "empty"
    assert out[5]["error"]["code"] == "invalid_encoding"
    assert out[6]["needs_review"] and out[6]["review_reasons"] == ["emoji_only"]
    for row in out:
        if "error" in row:
            assert row["error"]["message"]
        json.dumps(row, ensure_ascii=False)


def test_result_for_is_the_one_place_output_is_built() -> None:
    result = result_for("Trường thu thêm nhiều khoản tiền ngoài học phí")
    assert set(result) >= KEYS
    assert result["topic"] == "giao_duc"


def test_cli_reads_a_file_and_writes_json_lines(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(classify)
    app.command("noop")(lambda: None)
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 7, "text": "Nước máy đục ngầu, có mùi hôi"}\nxin chào\n',
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2
    assert rows[0]["id"] == 7 and rows[0]["topic"] == "cap_thoat_nuoc"


def test_cli_reads_stdin() -> None:
    app = typer.Typer()
    app.command()(classify)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["classify"], input="Cúp điện hoài không báo\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["topic"] == "dien"


def test_cli_without_a_model_says_so_in_vietnamese(monkeypatch) -> None:
    from triage.classify.model import ModelNotTrained
    from triage.understand import cli

    def missing() -> None:
        raise ModelNotTrained(Path("models/nothing"))

    monkeypatch.setattr(cli, "get_classifier", missing)
    app = typer.Typer()
    app.command()(classify)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["classify"], input="Đường hỏng\n")
    assert result.exit_code == 1
    assert "Chưa có mô hình phân loại" in result.output
