"""Commands the `triage` group registers: `triage report` and `triage demo-data`.

    app.command("report")(reports_cli.report)
    app.command("demo-data")(reports_cli.demo_data)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from triage.db import session_scope, utcnow
from triage.reports.models import FORMATS
from triage.reports.service import Scope
from triage.tickets.period import Period


def _period(month: str) -> Period:
    try:
        return Period.parse(month)
    except ValueError as exc:
        raise typer.BadParameter(f"Tháng phải có dạng YYYY-MM, ví dụ 2026-10 (nhận {month!r}).",
                                 param_hint="--month") from exc


def report(
    month: Annotated[str, typer.Option(help="Tháng báo cáo, dạng YYYY-MM.")],
    format: Annotated[str, typer.Option("--format", help="xlsx, pdf, csv hoặc all.")] = "xlsx",
    out: Annotated[Path, typer.Option(help="Thư mục ghi tệp báo cáo.")] = Path("."),
    agency: Annotated[str | None, typer.Option(help="Mã cơ quan: chỉ phần của cơ quan "
                                               "đó.")] = None,
) -> None:
    """Lập báo cáo chấn chỉnh hằng tháng (XLSX, PDF, CSV) vào thư mục --out."""
    from triage.reports.build import file_name, write_formats

    period = _period(month)
    formats = FORMATS if format == "all" else (format,)
    if any(f not in FORMATS for f in formats):
        raise typer.BadParameter("Định dạng phải là xlsx, pdf, csv hoặc all.",
                                 param_hint="--format")
    scope = Scope(period, agency, utcnow())
    out.mkdir(parents=True, exist_ok=True)
    targets = {fmt: out / file_name(scope, fmt) for fmt in formats}
    with session_scope() as session:
        counts = write_formats(session, scope, targets, workers=2)
    for path in targets.values():
        typer.echo(f"Đã ghi {path}")
    typer.echo("Số dòng: " + ", ".join(f"danh sách {k}: {n}" for k, n in counts.items()))


def demo_data(
    months: Annotated[int, typer.Option(min=1, max=120, help="Số tháng lịch sử.")] = 12,
    per_month: Annotated[int, typer.Option(min=1, max=1_000_000,
                                           help="Số phản ánh mỗi tháng.")] = 500,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên.")] = 1022,
    review: Annotated[int, typer.Option(min=0, max=10_000, help="Số phiếu hệ thống chưa chắc "
                                        "chắn, chờ tổng đài viên xem xét.")] = 25,
) -> None:
    """Sinh dữ liệu mẫu (phản ánh, người gọi, phân công, lịch sử, phiếu chờ xem xét) cho
    trình diễn và đo hiệu năng."""
    from triage.reports.demo import demo_data as generate

    total = months * per_month + review
    columns = (TextColumn("[bold]Sinh dữ liệu mẫu"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns) as progress, session_scope() as session:
        task = progress.add_task("demo", total=total)
        made = generate(session, months, per_month, seed=seed, review=review,
                        progress=lambda n: progress.advance(task, n))
    typer.echo(f"Đã tạo {made - review} phản ánh mẫu trong {months} tháng và {review} phiếu "
               "chờ tổng đài viên xem xét.")
