"""``triage evaluate FILE`` and the labelled files it (and training) reads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import typer
from openpyxl import Workbook
from typer.testing import CliRunner

from triage.classify.labelled import read_labelled
from triage.understand.answer import result_for
from triage.understand.cli import evaluate

CASES = [
    ("Cúp điện hoài không báo trước, tủ lạnh hư hết đồ", "dien", []),
    ("Trường thu thêm nhiều khoản tiền ngoài học phí, phụ huynh bức xúc", "giao_duc", []),
    ("Nộp hồ sơ tách thửa từ tháng 3, giấy hẹn 30 ngày mà 5 tháng chưa có kết quả",
     "dat_dai", ["tre_han"]),
    ("Nước máy đục ngầu, có mùi hôi mấy ngày nay", "cap_thoat_nuoc", []),
]


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(evaluate)
    app.command("noop")(lambda: None)
    return app


def test_a_sheet_with_vietnamese_headers_and_names_is_read(tmp_path: Path) -> None:
    path = tmp_path / "lich-su.csv"
    path.write_text(
        "Mã phiếu,Nội dung,Lĩnh vực,Trễ hạn,Thái độ,Ngày tiếp nhận\n"
        "A1,Hồ sơ đất quá hẹn,Đất đai,x,,15/03/2025\n"
        "A2,Cán bộ quát nạt người dân,khac,,có,2025-04-02\n"
        "A3,Không rõ lĩnh vực,Lĩnh vực lạ,,,\n"
        "A4,,dien,,,\n", encoding="utf-8")
    labelled = read_labelled(path)
    assert [(e.id, e.topic, e.flags) for e in labelled.examples] == [
        ("A1", "dat_dai", ("tre_han",)), ("A2", "khac", ("thai_do",))]
    assert labelled.examples[0].when is not None and labelled.examples[0].when.month == 3
    assert [row for row, _ in labelled.errors] == [4, 5]
    assert "Lĩnh vực lạ" in labelled.errors[0][1]


def test_a_workbook_with_flag_names_in_one_column_is_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["noi dung", "linh vuc", "dau hieu"])
    sheet.append(["Hồ sơ trễ hẹn, cán bộ hách dịch", "Tư pháp – hộ tịch – chứng thực",
                  "Giải quyết TTHC trễ hạn; Thái độ, tác phong công chức"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "history.xlsx"
    path.write_bytes(buffer.getvalue())
    labelled = read_labelled(path)
    assert labelled.errors == []
    assert labelled.examples[0].topic == "tu_phap_ho_tich"
    assert labelled.examples[0].flags == ("thai_do", "tre_han")


def test_evaluate_reports_the_figures_of_what_classify_answers(tmp_path: Path) -> None:
    path = tmp_path / "real.jsonl"
    rows = [{"id": f"x{i}", "text": t, "topic": topic, "flags": flags, "style": "press"}
            for i, (t, topic, flags) in enumerate(CASES)]
    rows.append({"text": "thiếu lĩnh vực"})
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = CliRunner().invoke(_app(), ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    answers = [result_for(t) for t, _, _ in CASES]
    right = sum(a["topic"] == topic for a, (_, topic, _) in zip(answers, CASES, strict=True))
    review = sum(a["needs_review"] for a in answers)
    assert metrics["as_written"]["n"] == len(CASES)
    assert metrics["as_written"]["topic"]["accuracy"] == round(right / len(CASES), 4)
    assert metrics["as_written"]["review"]["share"] == round(review / len(CASES), 4)
    assert metrics["by_style"]["press"]["n"] == len(CASES)
    assert metrics["skipped_rows"] == 1


def test_evaluate_prints_a_readable_report(tmp_path: Path) -> None:
    path = tmp_path / "real.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "topic": topic, "flags": flags},
                                         ensure_ascii=False) for t, topic, flags in CASES),
                    "utf-8")
    result = CliRunner().invoke(_app(), ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "Chuyển xem xét" in result.stdout
    assert "tre_han" in result.stdout


def test_evaluate_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["evaluate", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1
    assert "Không tìm thấy tệp" in result.output


def test_evaluate_counts_what_each_review_reason_costs(tmp_path: Path) -> None:
    """Per reason: the complaints it sends to review, those it alone sends there, and of
    these the ones answered right: the same reasons ``triage classify`` gives."""
    cases = [*CASES,
             ("Thẻ bảo hiểm y tế của mẹ tôi ghi sai ngày sinh, đi khám không được thanh toán.",
              "y_te", []),
             ("Cán bộ xã hẹn lần hẹn lữa, hồ sơ chứng thực nộp hai tuần chưa trả.",
              "tu_phap_ho_tich", ["tre_han"])]
    path = tmp_path / "real.jsonl"
    path.write_text("\n".join(json.dumps({"text": t, "topic": topic, "flags": flags},
                                         ensure_ascii=False) for t, topic, flags in cases),
                    "utf-8")
    result = CliRunner().invoke(_app(), ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    counted = json.loads(result.stdout)["as_written"]["review"]["reasons"]
    expected: dict[str, dict[str, int]] = {}
    for text, topic, flags in cases:
        answer = result_for(text)
        why = [r for r in answer["review_reasons"] if not r.startswith("uncertain_")]
        assert answer["needs_review"] == bool(why)
        for reason in why:
            row = expected.setdefault(reason, {"n": 0, "alone": 0, "alone_exact": 0})
            row["n"] += 1
            if len(why) == 1:
                row["alone"] += 1
                row["alone_exact"] += int(answer["topic"] == topic
                                          and set(answer["flags"]) == set(flags))
    assert counted == expected and counted
    printed = CliRunner().invoke(_app(), ["evaluate", str(path)]).stdout
    assert "Lý do chuyển xem xét" in printed and next(iter(counted)) in printed
