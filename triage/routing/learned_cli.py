"""``triage train-agency`` and ``triage agency-agreement``: the learned agency's commands.

    app.command("train-agency")(learned_cli.train_agency)
    app.command("agency-agreement")(learned_cli.agency_agreement)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from triage.db import session_scope, utcnow
from triage.settings import REPO_ROOT

REROUTES = REPO_ROOT / "data" / "routing" / "reroutes.jsonl"

HistoryOpt = Annotated[int, typer.Option(min=1, max=120, help="Số tháng lịch sử phân công "
                                         "đọc từ cơ sở dữ liệu.")]
ReroutesOpt = Annotated[Path, typer.Option(help="Tệp JSONL các lần chuyển lại do người viết.")]


def train_agency(
    months: HistoryOpt = 24,
    reroutes: ReroutesOpt = REROUTES,
    model_dir: Annotated[Path | None, typer.Option(help="Thư mục mô hình (mặc định: "
                                                   "TRIAGE_AGENCY_MODEL_DIR).")] = None,
    recipe: Annotated[str, typer.Option(help="Cách tạo dữ liệu huấn luyện (các lệnh), ghi vào "
                                        "thẻ mô hình để làm lại được.")] = "",
) -> None:
    """Huấn luyện mô hình học cơ quan xử lý từ lịch sử phân công và các lần chuyển lại; chỉ
    thay mô hình hiện tại nếu không kém hơn trên tháng gần nhất (giữ lại để kiểm tra)."""
    # Imported here: numpy and scikit-learn cost every other command half a second.
    from triage.routing.learned import reset_agency_model_cache
    from triage.routing.learned_train import gather, share
    from triage.routing.learned_train import train_agency as run_training
    from triage.settings import get_settings

    out = model_dir or get_settings().agency_model_dir
    with session_scope() as session:
        cases, router = gather(session, utcnow(), months, reroutes)
    try:
        metrics = run_training(cases, router, out, recipe=recipe)
    except ValueError as exc:
        typer.echo(f"Không huấn luyện được: {exc}", err=True)
        raise typer.Exit(1) from exc
    held = metrics["held_out"]["rules"]
    typer.echo(f"Mô hình {metrics['version']}: {metrics['train_cases']} trường hợp huấn luyện, "
               f"{metrics['held_out_cases']} trường hợp tháng {metrics['held_out_month']} để "
               "kiểm tra.")
    for key, label in (("(all)", "Tất cả"), ("(fallback)", "Quy tắc mặc định")):
        row = held.get(key)
        if row:
            typer.echo(f"  {label}: {row['n']} trường hợp, quy tắc đúng {share(row, 'rules'):.1%},"
                       f" mô hình đúng {share(row, 'model'):.1%}.")
    if metrics["promoted"]:
        reset_agency_model_cache()
        typer.echo(f"Đã lưu vào {out}.")
    else:
        typer.echo("Không thay mô hình hiện tại: mô hình mới kém hơn trên tháng kiểm tra.")


def agency_agreement(
    months: HistoryOpt = 24,
    reroutes: ReroutesOpt = REROUTES,
    every_month: Annotated[bool, typer.Option("--all-months", help="Đo trên mọi tháng, không "
                                              "chỉ tháng gần nhất.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """In bảng so khớp cơ quan xử lý cuối cùng: theo từng quy tắc, quy tắc và mô hình học
    đúng bao nhiêu, mô hình khác quy tắc bao nhiêu lần và bao nhiêu lần chuyển xem xét."""
    from triage.routing.learned import get_agency_model
    from triage.routing.learned_card import table
    from triage.routing.learned_train import agreement, gather, read_cases, split_month

    with session_scope() as session:
        cases, router = gather(session, utcnow(), months, reroutes)
    model = get_agency_model()
    if model is None:
        typer.echo("Chưa có mô hình học cơ quan xử lý (TRIAGE_AGENCY_MODEL_DIR).", err=True)
        raise typer.Exit(1)
    reads = read_cases(cases, router)
    month, _, held = split_month(reads) if reads else ("", [], [])
    result = agreement(model, reads if every_month else held, router)
    result = {"model_version": model.version, "month": "all" if every_month else month,
              **result}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    typer.echo(f"Mô hình {model.version}, tháng {result['month']}, {result['cases']} trường hợp.")
    typer.echo(table(result["rules"]))
