"""`triage corpus-overlap`: lines of our data copied or lightly edited from real complaints
are found (by their id, never printing the real text), stock phrases are not counted."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from triage.cli import app

REAL = ("Ông Hai kể: nộp đơn xin trợ cấp từ tháng ba mà tới giờ hỏi thì cán bộ cũng không "
        "giải thích nổi vì sao, còn bảo ông tự đi lên sở mà hỏi, làm việc kiểu gì kỳ vậy.")
STOCK = "xin cấp giấy chứng nhận quyền sử dụng đất cho hộ"


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def run(real: Path, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["corpus-overlap", str(real), "--data", str(data),
                                      "--stock", "3"])
    return result.exit_code, result.output


def test_a_lightly_edited_line_is_found_by_id(tmp_path: Path) -> None:
    real = write(tmp_path / "real.jsonl", [{"id": "r1", "text": REAL},
                                           {"id": "r2", "text": f"Bà Ba {STOCK} bị chậm."}])
    data = tmp_path / "data"
    write(data / "corpus" / "a.jsonl", [
        {"id": "ours-1", "text": "Nộp đơn hơn một năm, hỏi thì cán bộ cũng không giải thích "
                                 "nổi vì sao, còn bảo tôi tự đi lên sở mà hỏi."},
        {"id": "ours-2", "text": "Đèn đường ấp Tân Hòa tắt cả tuần, tối đi học con nít sợ."},
    ])
    # A phrase every writer uses, in three of our lines and in a real complaint.
    write(data / "cases" / "pairs.jsonl", [
        {"a": f"Anh Tư {STOCK} ở ấp {n}, chờ mãi.", "b": "Đường ấp ngập nước."}
        for n in ("Mỹ An", "Tân Lợi", "Bình Thạnh")])
    code, out = run(real, data)
    assert code == 1, out
    assert "ours-1" in out and "r1" in out
    assert "ours-2" not in out and "pairs.jsonl" not in out
    assert "làm việc kiểu gì" not in out  # the real text is never printed
    assert out.strip().endswith(f"1 trong 8 dòng dữ liệu trùng với 2 phản ánh của {real}.")


def test_no_overlap_exits_zero_and_bad_input_is_refused(tmp_path: Path) -> None:
    real = write(tmp_path / "real.jsonl", [{"id": "r1", "text": REAL}])
    data = tmp_path / "data"
    write(data / "a.jsonl", [{"id": "x", "text": "Cống ấp Mỹ Phú bị nghẹt, nước tràn vô nhà."}])
    assert run(real, data)[0] == 0
    (data / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    code, out = run(real, data)
    assert code == 2 and "Không đọc được dữ liệu" in out
    assert run(tmp_path / "missing.jsonl", data)[0] == 2
