"""``triage classify`` and ``triage train``: plain functions for the root typer app.

Register them with ``app.command("train")(train)`` and ``app.command("classify")(classify)``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer

from triage.classify.corrections import Correction
from triage.classify.model import Classifier, ModelNotTrained, get_classifier
from triage.understand.answer import InvalidText, result_for

__all__ = ["classify", "classify_lines", "train"]


def _line_result(raw: bytes, classifier: Classifier) -> dict[str, Any]:
    """One output object for one input line; problems become an "error" object."""
    passthrough: dict[str, Any] = {}
    try:
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise InvalidText("invalid_encoding") from exc
        text = line
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidText("invalid_json") from exc
            if isinstance(row, dict):
                passthrough = {k: v for k, v in row.items() if k != "text"}
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise InvalidText("missing_text")
            text = row["text"]
        return {**passthrough, **result_for(text, classifier)}
    except InvalidText as exc:
        return {**passthrough, "error": exc.to_dict()}


def classify_lines(lines: Iterable[bytes], classifier: Classifier) -> Iterator[dict[str, Any]]:
    for raw in lines:
        yield _line_result(raw, classifier)


def _open(file: Path | None) -> BinaryIO:
    return file.open("rb") if file is not None else sys.stdin.buffer


def classify(
    file: Annotated[
        Path | None,
        typer.Argument(help="Tệp JSONL (trường \"text\") hoặc văn bản thường, mỗi dòng một "
                            "phản ánh. Bỏ trống để đọc từ đầu vào chuẩn."),
    ] = None,
) -> None:
    """Phân loại lĩnh vực và dấu hiệu của từng phản ánh; in một dòng JSON cho mỗi dòng vào."""
    try:
        classifier = get_classifier()
    except ModelNotTrained as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    out = sys.stdout
    with _open(file) as fh:
        for result in classify_lines(fh, classifier):
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()


def train(
    with_corrections: Annotated[
        bool, typer.Option("--with-corrections",
                           help="Thêm các chỉnh sửa của điều phối viên; chỉ thay mô hình "
                                "hiện tại nếu mô hình mới không kém hơn trên tập kiểm tra."),
    ] = False,
    corrections_file: Annotated[
        Path | None, typer.Option(help="Tệp JSONL chỉnh sửa (mặc định: <data_dir>/"
                                       "corrections.jsonl).")
    ] = None,
    compare: Annotated[
        bool, typer.Option(help="So sánh các bộ đặc trưng trước khi huấn luyện.")
    ] = True,
) -> None:
    """Huấn luyện lại mô hình phân loại từ data/corpus (và các chỉnh sửa, nếu chọn)."""
    from triage.classify.corrections import load_corrections
    from triage.classify.fitting import TrainConfig
    from triage.classify.model import reset_classifier_cache
    from triage.classify.train import train as run_training
    from triage.understand.record import all_corrections

    use_corrections = with_corrections or corrections_file is not None
    extra: list[Correction] = []
    if corrections_file is not None:
        extra = load_corrections(corrections_file)
    elif with_corrections:
        extra = all_corrections()
    result = run_training(extra=extra, candidate=use_corrections,
                          config=TrainConfig(compare=compare))
    h = result.metrics["headline"]
    typer.echo(
        f"Mô hình {result.metrics['version']}: macro-F1 lĩnh vực {h['topic_macro_f1']:.3f} "
        f"(bỏ dấu {h['topic_macro_f1_stripped']:.3f}), F1 trễ hạn {h['tre_han_f1']:.3f}, "
        f"F1 thái độ {h['thai_do_f1']:.3f}; {len(extra)} chỉnh sửa; "
        f"{result.seconds:.0f} giây."
    )
    if result.promoted:
        reset_classifier_cache()
        typer.echo(f"Đã lưu vào {result.path}.")
    else:
        typer.echo(f"Không thay mô hình hiện tại: mô hình mới kém hơn ({result.reason}).")
