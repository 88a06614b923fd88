"""``triage cases-eval`` (precision and recall of automatic links on a labelled set of
paired texts), ``triage cases-idf`` (the word weights, from the complaint corpus) and
``triage cases-reindex`` (the repeat index read again after the problem list changed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from triage.cases import evaluate as ev
from triage.cases.similarity import IDF_PATH, build_idf

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def cases_eval(
    pairs: Annotated[Path, typer.Option(help="Tệp JSONL các cặp {a, b, same}.")] = ev.PAIRS_PATH,
    threshold: Annotated[float | None, typer.Option(
        help="Ngưỡng gộp tự động (mặc định: TRIAGE_CASE_LINK_THRESHOLD).")] = None,
) -> None:
    """Đo độ chính xác và độ bao phủ của việc tự động gộp phản ánh trùng."""
    rows = ev.load_pairs(pairs)
    scored = ev.scores(rows)
    m = ev.measure(scored, threshold)
    by_kind: dict[str, list[tuple[float, bool]]] = {}
    for row, item in zip(rows, scored, strict=True):
        by_kind.setdefault(row.get("kind", "-"), []).append(item)
    kinds = {kind: {"pairs": len(items),
                    "linked": sum(value >= m.threshold for value, _ in items)}
             for kind, items in sorted(by_kind.items())}
    typer.echo(json.dumps({"threshold": m.threshold, "pairs": m.pairs,
                           "positives": m.positives, "linked": m.linked,
                           "correct": m.correct, "precision": round(m.precision, 4),
                           "recall": round(m.recall, 4), "by_kind": kinds},
                          ensure_ascii=False, indent=2))


def cases_idf(
    corpus: Annotated[Path, typer.Option(help="Thư mục các tệp JSONL (trường \"text\").")] = CORPUS,
) -> None:
    """Tính lại trọng số từ (IDF) cho việc so sánh phản ánh trùng."""
    texts = (json.loads(line)["text"] for path in sorted(corpus.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    count = build_idf(texts)
    typer.echo(f"{count} từ -> {IDF_PATH}")


def cases_reindex(
    everything: Annotated[bool, typer.Option(
        "--all", help="Đọc lại mọi phiếu trong chỉ mục, không chỉ những phiếu đọc bằng "
                      "danh sách vấn đề cũ.")] = False,
) -> None:
    """Đọc lại chỉ mục phản ánh trùng sau khi danh sách vấn đề hoặc cách so sánh thay đổi
    (và lập chỉ mục các phiếu tiếp nhận khi tắt gộp phản ánh trùng). Việc này cũng chạy
    tự động mỗi giờ."""
    from triage.cases.service import reindex, stale
    from triage.db import session_scope
    from triage.migrate import prepare_embedded

    prepare_embedded()
    with session_scope() as session:
        ids = stale(session, everything=everything)
        changed = reindex(session, ids)
    typer.echo(f"{len(ids)} phiếu được đọc lại, {changed} phiếu thay đổi từ khóa")
