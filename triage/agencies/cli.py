"""`triage agencies import|export|load`: plain functions the main CLI registers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from triage.settings import get_settings


def _bootstrap() -> None:
    if not get_settings().database_url:
        from triage import migrate

        migrate.upgrade()


def _fail(message: str) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(2)


def agencies_load() -> None:
    """Nạp danh bạ cơ quan mặc định (data/agencies/agencies.csv) vào cơ sở dữ liệu."""
    from triage.agencies import service
    from triage.db import session_scope

    _bootstrap()
    with session_scope() as session:
        result = service.load_default(session)
    typer.echo(f"Danh bạ cơ quan: thêm {len(result.created)}, cập nhật {len(result.updated)}, "
               f"giữ nguyên {result.unchanged}.")


def agencies_import(
    file: Annotated[Path, typer.Argument(help="Tệp CSV cùng cột với data/agencies/agencies.csv")],
) -> None:
    """Nhập danh bạ cơ quan từ tệp CSV (kiểm tra từng dòng; có lỗi thì không ghi gì)."""
    from triage.agencies import service
    from triage.db import session_scope

    _bootstrap()
    if not file.is_file():
        _fail(f"Không tìm thấy tệp {file}.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail("Tệp phải được lưu với mã hóa UTF-8.")
    with session_scope() as session:
        result = service.import_csv(session, text)
    if result.errors:
        for error in result.errors:
            typer.echo(f"Dòng {error.row}, cột {error.field}: {error.message}", err=True)
        typer.echo(f"Không nhập: {len(result.errors)} lỗi.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Đã nhập: thêm {len(result.created)}, cập nhật {len(result.updated)}, "
               f"giữ nguyên {result.unchanged}.")


def agencies_export(
    out: Annotated[Path | None, typer.Argument(help="Tệp CSV đích; bỏ trống để in ra")] = None,
) -> None:
    """Xuất danh bạ cơ quan trong cơ sở dữ liệu ra CSV."""
    from triage.agencies import service
    from triage.db import session_scope

    _bootstrap()
    with session_scope() as session:
        if out is None:
            count = service.export_csv(session, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = service.export_csv(session, handle)
    if out is not None:
        typer.echo(f"Đã xuất {count} cơ quan ra {out}.")
