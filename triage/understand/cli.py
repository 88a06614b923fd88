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

__all__ = ["classify", "classify_lines", "corpus_overlap", "evaluate", "train", "train_conduct",
           "train_urgency"]


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


def _labelled_or_exit(path: Path) -> list[Any]:
    from triage.classify.labelled import read_labelled
    from triage.errors import DomainError

    try:
        labelled = read_labelled(path)
    except DomainError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from exc
    for number, message in labelled.errors[:20]:
        typer.echo(f"{path.name}, dòng {number}: {message}", err=True)
    if not labelled.examples:
        typer.echo(f"Tệp {path} không có phản ánh có nhãn nào đọc được.", err=True)
        raise typer.Exit(1)
    return labelled.examples


def train(
    with_corrections: Annotated[
        bool, typer.Option("--with-corrections",
                           help="Thêm các chỉnh sửa của tổng đài viên và cơ quan xử lý; "
                                "chỉ thay mô hình hiện tại nếu mô hình mới không kém hơn "
                                "trên phản ánh thật.")
    ] = False,
    corrections_file: Annotated[
        Path | None, typer.Option(help="Tệp JSONL chỉnh sửa (mặc định: <data_dir>/"
                                       "corrections.jsonl).")
    ] = None,
    history: Annotated[
        Path | None, typer.Option(help="Lịch sử phản ánh có nhãn của tỉnh (JSONL, CSV, XLSX): "
                                       "thêm vào huấn luyện, báo kết quả kiểm định chéo, chỉ "
                                       "thay mô hình nếu không kém hơn trên phản ánh thật.")
    ] = None,
    calibrate_on: Annotated[
        Path | None, typer.Option(help="Tệp phản ánh thật có nhãn dùng để hiệu chỉnh xác suất "
                                       "và chọn ngưỡng xem xét (không dùng để huấn luyện).")
    ] = None,
    model_dir: Annotated[
        Path | None, typer.Option(help="Thư mục mô hình (mặc định: TRIAGE_MODEL_DIR).")
    ] = None,
    compare: Annotated[
        bool, typer.Option(help="So sánh các bộ đặc trưng trước khi huấn luyện.")
    ] = True,
) -> None:
    """Huấn luyện lại mô hình phân loại từ data/corpus (và chỉnh sửa, lịch sử, nếu chọn)."""
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
    past = _labelled_or_exit(history) if history is not None else []
    yardstick = _labelled_or_exit(calibrate_on) if calibrate_on is not None else []
    result = run_training(model_dir=model_dir, extra=extra, history=past, yardstick=yardstick,
                          candidate=use_corrections or bool(past),
                          config=TrainConfig(compare=compare))
    for line in _train_lines(result.metrics, len(extra), result.seconds):
        typer.echo(line)
    if result.promoted:
        reset_classifier_cache()
        typer.echo(f"Đã lưu vào {result.path}.")
    else:
        typer.echo(f"Không thay mô hình hiện tại: mô hình mới kém hơn ({result.reason}).")


def _train_lines(metrics: dict[str, Any], corrections: int, seconds: float) -> list[str]:
    h, real = metrics["headline"], metrics["real"]
    lines = [
        f"Mô hình {metrics['version']}: trên tập kiểm tra của dự án macro-F1 lĩnh vực "
        f"{_num(h['topic_macro_f1'])} (bỏ dấu {_num(h['topic_macro_f1_stripped'])}), F1 trễ "
        f"hạn {_num(h['tre_han_f1'])}, F1 thái độ {_num(h['thai_do_f1'])}; {corrections} chỉnh "
        f"sửa, {real['real_training_cases']} phản ánh thật trong huấn luyện; {seconds:.0f} giây.",
        f"Hiệu chỉnh xác suất và ngưỡng: {real['calibration_source']}.",
    ]
    for key, label in (("real_training", "Phản ánh thật trong huấn luyện (kiểm định chéo)"),
                       ("yardstick", "Tập đo phản ánh thật (hiệu chỉnh kiểm định chéo)")):
        if real.get(key):
            f = real[key]
            lines.append(
                f"{label}: {f['n']} phản ánh, macro-F1 {_num(f['topic']['macro_f1'])}, F1 trễ "
                f"hạn {_num(f['flags']['tre_han']['f1'])}, F1 thái độ "
                f"{_num(f['flags']['thai_do']['f1'])}, chuyển xem xét "
                f"{_pct(f['review']['share'])}, phần tự chuyển đúng hoàn toàn "
                f"{_pct(f['review']['auto_exact_precision'])}.")
    if real.get("judge"):
        j = real["judge"]
        current = "–" if j["current"] is None else _num(j["current"])
        lines.append(f"So với mô hình hiện tại trên phản ánh thật ({j['mode']}, {j['n']}): "
                     f"{_num(j['candidate'])} so với {current}.")
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %".replace(".", ",")


def _num(value: float) -> str:
    return f"{value:.3f}".replace(".", ",")


def _report_lines(metrics: dict[str, Any], skipped: int) -> list[str]:
    from triage.taxonomy import FLAGS, TOPICS

    aw, st = metrics["as_written"], metrics["stripped"]
    topic, review = aw["topic"], aw["review"]
    lines = [
        f"Mô hình {metrics['model_version']}: {aw['n']} phản ánh có nhãn"
        + (f" ({skipped} dòng bỏ qua vì lỗi)" if skipped else "") + ".",
        f"Lĩnh vực: macro-F1 {_num(topic['macro_f1'])}, độ chính xác "
        f"{_pct(topic['accuracy'])}; bỏ dấu: macro-F1 {_num(st['topic']['macro_f1'])} "
        f"(chênh {_num(metrics['stripped_gap'])}).",
    ]
    for flag, name in FLAGS.items():
        f = aw["flags"][flag]
        lines.append(f"Dấu hiệu {name} ({flag}): F1 {_num(f['f1'])} (P {_num(f['precision'])}, "
                     f"R {_num(f['recall'])}, {f['support']} phản ánh); bỏ dấu F1 "
                     f"{_num(st['flags'][flag]['f1'])}.")
    lines.append(f"Chuyển xem xét: {_pct(review['share'])} (riêng mô hình "
                 f"{_pct(review['model_share'])}); phần tự chuyển đúng hoàn toàn "
                 f"{_pct(review['auto_exact_precision'])}, đúng lĩnh vực "
                 f"{_pct(review['auto_topic_precision'])}.")
    if review.get("reasons"):
        lines.append("Lý do chuyển xem xét (số phản ánh; chỉ vì lý do này; trong đó đúng hoàn "
                     "toàn): " + ", ".join(f"{code} {r['n']} ({r['alone']}; {r['alone_exact']})"
                                         for code, r in review["reasons"].items()) + ".")
    places = ", ".join(f"{k} {v}" for k, v in sorted(aw["locations"].items()))
    lines.append(f"Địa bàn: {places}.")
    for style, s in metrics["by_style"].items():
        lines.append(f"Văn phong {style}: {s['n']} phản ánh, độ chính xác "
                     f"{_pct(s['accuracy'])}, macro-F1 {_num(s['macro_f1'])}.")
    lines.append("")
    lines.append(f"{'lĩnh vực':<26} {'P':>6} {'R':>6} {'F1':>6} {'số':>4}")
    for code, c in topic["per_class"].items():
        lines.append(f"{code:<26} {_num(c['precision']):>6} {_num(c['recall']):>6} "
                     f"{_num(c['f1']):>6} {c['support']:>4}")
    codes = list(TOPICS)
    pairs = sorted(((n, codes[i], codes[j]) for i, row in enumerate(topic["confusion"])
                    for j, n in enumerate(row) if i != j and n), reverse=True)
    if pairs:
        lines.append("")
        lines.append("Nhầm lẫn thường gặp (đúng → đoán):")
        lines += [f"  {n:>3}  {a} → {b}" for n, a, b in pairs[:12]]
    return lines


def evaluate(
    file: Annotated[Path, typer.Argument(help="Tệp JSONL, CSV hoặc XLSX có nhãn (nội dung, "
                                              "lĩnh vực, dấu hiệu).")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Đo mô hình hiện tại trên một tệp phản ánh có nhãn: macro-F1, F1 từng dấu hiệu, tỉ lệ
    chuyển xem xét và độ chính xác phần tự chuyển, chênh lệch khi bỏ dấu, bảng nhầm lẫn."""
    from triage.classify.labelled import read_labelled
    from triage.errors import DomainError
    from triage.understand.evaluate import evaluate_labelled

    try:
        labelled = read_labelled(file)
        classifier = get_classifier()
    except (DomainError, ModelNotTrained) as exc:
        typer.echo(getattr(exc, "message", str(exc)), err=True)
        raise typer.Exit(1) from exc
    for number, message in labelled.errors[:20]:
        typer.echo(f"Dòng {number}: {message}", err=True)
    if not labelled.examples:
        typer.echo("Không có phản ánh có nhãn nào đọc được.", err=True)
        raise typer.Exit(1)
    metrics = evaluate_labelled(classifier, labelled.examples)
    if as_json:
        typer.echo(json.dumps({**metrics, "skipped_rows": len(labelled.errors)},
                              ensure_ascii=False, indent=1))
        return
    typer.echo("\n".join(_report_lines(metrics, len(labelled.errors))))


def train_urgency(
    model_dir: Annotated[
        Path | None, typer.Option(help="Thư mục mô hình mức độ khẩn cấp (mặc định: "
                                       "TRIAGE_URGENCY_MODEL_DIR).")
    ] = None,
) -> None:
    """Huấn luyện lại mô hình mức độ khẩn cấp từ các dòng có nhãn `urgency` trong data/corpus."""
    from triage.classify.urgency import reset_urgency_cache
    from triage.classify.urgency_train import train_urgency as run_training
    from triage.settings import get_settings

    settings = get_settings()
    metrics = run_training(settings.corpus_dir, model_dir or settings.urgency_model_dir)
    reset_urgency_cache()
    typer.echo(f"Mô hình {metrics['version']}: {metrics['train_cases']} phản ánh huấn luyện, "
               f"{metrics['test_cases']} phản ánh kiểm tra.")
    for level in ("khan", "dong_nguoi", "thuong"):
        s = metrics["reader"][level]
        typer.echo(f"  {level}: độ chính xác {s['precision']}, độ phủ {s['recall']} "
                   f"({s['support']} phản ánh)")
    called_khan = metrics["reader"]["ordinary_called_khan"]
    typer.echo(f"  Phản ánh thường bị coi là khẩn: {_pct(called_khan)}")


def train_conduct(
    model_dir: Annotated[
        Path | None, typer.Option(help="Thư mục mô hình loại hành vi (mặc định: "
                                       "TRIAGE_CONDUCT_MODEL_DIR).")
    ] = None,
) -> None:
    """Huấn luyện lại mô hình loại hành vi (thái độ công chức) từ các dòng `thai_do` có nhãn
    `conduct_kinds` trong data/corpus, data/corpus-staged và data/conduct/train."""
    from triage.classify.conduct import KINDS, reset_conduct_cache
    from triage.classify.conduct_train import train_conduct as run_training
    from triage.settings import get_settings

    settings = get_settings()
    metrics = run_training(settings.corpus_dir, model_dir or settings.conduct_model_dir)
    reset_conduct_cache()
    typer.echo(f"Mô hình {metrics['version']}: {metrics['train_cases']} phản ánh huấn luyện, "
               f"{metrics['test_cases']} phản ánh kiểm tra.")
    for name, title in (("reader", "tập kiểm tra"), ("eval", "tập đánh giá viết tay"),
                        ("eval_stripped", "tập đánh giá, bỏ dấu")):
        if name in metrics:
            f1 = ", ".join(f"{k} {metrics[name][k]['f1']}" for k in KINDS)
            typer.echo(f"  F1 trên {title}: {f1}")


def evaluate_conduct(
    file: Annotated[Path, typer.Argument(help="Tệp JSONL có nhãn loại hành vi: mỗi dòng "
                                              "`text` và `kinds` (danh sách loại).")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Đo bộ đọc loại hành vi hiện tại (mô hình và cụm từ) trên một tệp phản ánh `thai_do`
    có nhãn: độ chính xác, độ phủ và F1 từng loại, như đã viết và khi bỏ dấu."""
    from triage.classify.conduct import KINDS, get_conduct_reader
    from triage.classify.conduct_train import read_eval, scores

    try:
        cases = read_eval(file)
    except (OSError, ValueError, KeyError) as exc:
        typer.echo(f"Không đọc được {file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    reader = get_conduct_reader()
    metrics = {"written": scores(reader, cases), "stripped": scores(reader, cases, stripped=True)}
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False, indent=1))
        return
    typer.echo(f"{len(cases)} phản ánh có nhãn.")
    for name, title in (("written", "như đã viết"), ("stripped", "bỏ dấu")):
        m = metrics[name]
        typer.echo(f"{title}: khớp hoàn toàn {_pct(m['exact'])}")
        typer.echo(f"  {'loại':<16} {'P':>6} {'R':>6} {'F1':>6} {'số':>4}")
        for k in KINDS:
            c = m[k]
            typer.echo(f"  {k:<16} {_num(c['precision']):>6} {_num(c['recall']):>6} "
                       f"{_num(c['f1']):>6} {c['support']:>4}")


def _texts_of(path: Path) -> list[tuple[str, str]]:
    """(where, text) for every text of a JSONL file: its `text`, or a pair's `a` and `b`."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        for key in ("text", "a", "b"):
            if isinstance(row, dict) and isinstance(row.get(key), str):
                where = f"{path}:{n}" + ("" if key == "text" else f" ({key})")
                out.append((str(row.get("id") or where) if key == "text" else where, row[key]))
    return out


def corpus_overlap(
    file: Annotated[Path, typer.Argument(help="Tệp JSONL các phản ánh thật (trường `text`, "
                                              "`id` nếu có) không được chép vào dữ liệu.")],
    data: Annotated[Path, typer.Option(help="Thư mục dữ liệu của dự án (mọi tệp *.jsonl bên "
                                            "trong).")] = Path("data"),
    share: Annotated[float, typer.Option(min=0.01, max=1.0, help="Tỉ lệ cụm 4 từ chung "
                                         "(bỏ dấu) tối thiểu để báo.")] = 0.2,
    min_shared: Annotated[int, typer.Option(min=1, help="Số cụm 4 từ chung tối thiểu.")] = 4,
    stock: Annotated[int, typer.Option(min=2, help="Cụm 4 từ có trong ít nhất chừng này dòng "
                                       "dữ liệu là cụm từ thông dụng, không tính.")] = 10,
) -> None:
    """Tìm các dòng dữ liệu của dự án chép hoặc sửa sơ qua từ một tệp phản ánh thật (dùng
    để đo, không được chép): in từng dòng và phản ánh thật trùng nhiều nhất (mã, không in
    nội dung), thoát mã 1 nếu có. Cụm từ thông dụng (có trong nhiều dòng dữ liệu, như "giấy
    chứng nhận quyền sử dụng đất") không tính."""
    from triage.classify.corpus import common_grams, overlaps

    try:
        real = _texts_of(file)
        ours = [item for path in sorted(data.rglob("*.jsonl")) for item in _texts_of(path)]
    except (OSError, ValueError) as exc:
        typer.echo(f"Không đọc được dữ liệu: {exc}", err=True)
        raise typer.Exit(2) from exc
    texts = [text for _, text in ours]
    found = overlaps(texts, [text for _, text in real], share, min_shared,
                     common_grams(set(texts), stock))
    for hit in sorted(found, key=lambda h: -h.share):
        typer.echo(f"{ours[hit.index][0]}: {_pct(hit.share)} cụm 4 từ chung với "
                   f"{real[hit.other][0]} ({hit.shared} cụm)")
    typer.echo(f"{len(found)} trong {len(ours)} dòng dữ liệu trùng với {len(real)} phản ánh "
               f"của {file}.")
    if found:
        raise typer.Exit(1)
