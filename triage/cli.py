"""The `triage` command: one small command per action."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from triage.agencies import cli as agency_cli
from triage.cases import cli as cases_cli
from triage.reports import cli as reports_cli
from triage.routing import learned_cli
from triage.settings import DEV_SECRET, get_settings
from triage.understand import cli as understand_cli

# The Celery application of `triage worker` and `triage beat` (tasks and beat schedule).
WORKER_APP = "workers.celery_app"
app = typer.Typer(help="Đường dây 1022 — triage: tiếp nhận, phân loại, chuyển xử lý phản ánh.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _setup_logging() -> None:
    # force: underthesea calls basicConfig when it is imported, which would otherwise
    # leave the relay and the worker logging warnings only, without time stamps.
    logging.basicConfig(level=get_settings().log_level, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _embedded_bootstrap() -> None:
    from triage.migrate import prepare_embedded

    prepare_embedded()


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: int = typer.Option(1, min=1, help="Số tiến trình API (chỉ chế độ Celery).")
          ) -> None:
    """Chạy API và trang web (mặc định nhúng: kèm bộ xử lý trong tiến trình)."""
    import uvicorn

    from triage.app import create_app

    settings = get_settings()
    if settings.embedded and workers > 1:
        # One SQLite writer and one in-process worker: a second process would only contend.
        raise typer.BadParameter("Chế độ nhúng chỉ chạy một tiến trình; hãy đặt "
                                 "TRIAGE_DATABASE_URL và TRIAGE_BROKER_URL để dùng --workers.")
    _setup_logging()
    _embedded_bootstrap()
    mode = "nhúng (SQLite + xử lý trong tiến trình)" if settings.embedded else "Celery/Redis"
    typer.echo(f"Đường dây 1022 — triage: http://{host}:{port}/docs — chế độ {mode}")
    if not settings.embedded and settings.secret_key == DEV_SECRET:
        # Anyone who reads this repository knows the default, and with it every code's
        # check part: the codes could be walked again.
        typer.echo("CẢNH BÁO: TRIAGE_SECRET_KEY đang là giá trị mặc định; hãy đặt một khóa bí "
                   "mật riêng trước khi phục vụ người dân.", err=True)
    # X-Forwarded-For is believed only from the proxies configured; with none, the
    # client is whoever opened the connection (uvicorn alone would trust any local peer,
    # and a local client could then pick the address the login and lookup limits count).
    proxies = settings.trusted_proxies
    app_or_path = "triage.asgi:app" if workers > 1 else create_app()
    # With workers, each process has its own outbox relay; they share the rows (SKIP LOCKED).
    uvicorn.run(app_or_path, host=host, port=port, workers=workers, log_level="info",
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


@app.command()
def migrate(revision: str = "head", down: bool = False) -> None:
    """Nâng (hoặc hạ với --down) lược đồ cơ sở dữ liệu."""
    from triage import migrate as m

    if down:
        m.downgrade(revision=revision if revision != "head" else "base")
    else:
        m.upgrade(revision=revision)
    typer.echo("Đã cập nhật lược đồ cơ sở dữ liệu.")


@app.command()
def worker(concurrency: int = 2, loglevel: str = "INFO") -> None:
    """Chạy bộ xử lý (Celery khi có TRIAGE_BROKER_URL, nếu không thì xử lý trong tiến trình)."""
    _setup_logging()
    if get_settings().embedded:
        _embedded_bootstrap()
        _run_embedded_worker()
        return
    from triage.outbox.broker import QUEUE

    _celery(["worker", f"--loglevel={loglevel}", "-P", "prefork",
             f"--concurrency={concurrency}", "--without-mingle", "--without-gossip",
             "-Q", QUEUE])


def _run_embedded_worker() -> None:
    from triage.runtime import Runtime

    rt = Runtime()
    rt.start()
    typer.echo("Bộ xử lý trong tiến trình đang chạy (Ctrl+C để dừng).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        rt.stop()


@app.command()
def relay() -> None:
    """Chạy riêng tiến trình chuyển hàng đợi (outbox relay) và quét việc tồn đọng."""
    from triage.runtime import Runtime

    _setup_logging()
    rt = Runtime()
    rt.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        rt.stop()


@app.command()
def beat(loglevel: str = "INFO") -> None:
    """Chạy lịch định kỳ Celery beat (cần TRIAGE_BROKER_URL)."""
    if get_settings().embedded:
        typer.echo("Lỗi: beat cần TRIAGE_BROKER_URL (Redis).", err=True)
        raise typer.Exit(2)
    schedule_file = get_settings().data_dir / "celerybeat-schedule"
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    _celery(["beat", f"--loglevel={loglevel}", f"--schedule={schedule_file}"])


def _celery(argv: list[str]) -> None:
    """Celery's own command line, in this process, on the worker's app (loaded by name,
    as `celery -A` does: the service never imports workers/)."""
    from celery.bin.celery import celery
    from click.exceptions import Exit

    with contextlib.suppress(Exit):  # what Celery.start does too
        celery.main(args=["-A", WORKER_APP, *argv], standalone_mode=False)


@app.command()
def submit(
    text: Annotated[str | None, typer.Argument(help="Nội dung; bỏ trống để đọc từ stdin")] = None,
    channel: str = "phone",
    name: str | None = None,
    phone: str | None = None,
    address: str | None = None,
) -> None:
    """Tiếp nhận một phản ánh và in mã phiếu."""
    from pydantic import ValidationError

    from triage.db import session_scope, utcnow
    from triage.errors import DomainError
    from triage.intake import service
    from triage.intake.schemas import ComplaintIn
    from triage.validation import describe

    _embedded_bootstrap()
    body = text if text is not None else sys.stdin.read()
    caller = {k: v for k, v in {"name": name, "phone": phone, "address": address}.items() if v}
    try:
        complaint = ComplaintIn.model_validate(
            {"text": body, "channel": channel, **({"caller": caller} if caller else {})})
        with session_scope() as session:
            code = service.submit(session, complaint, actor="cli", now=utcnow()).ticket.code
    except ValidationError as exc:
        _fail(describe(dict(exc.errors()[0]))["message"])
    except DomainError as exc:
        _fail(exc.message)
    _process_now()
    typer.echo(code)


@app.command("import")
def import_file(file: Path) -> None:
    """Nhập hàng loạt phản ánh từ tệp CSV hoặc XLSX."""
    from triage.db import session_scope, utcnow
    from triage.errors import DomainError
    from triage.intake.importer import import_rows, read_table

    _embedded_bootstrap()
    if not file.is_file():
        _fail(f"Không tìm thấy tệp {file}.")
    try:
        rows = read_table(file.name, file.read_bytes())
        with session_scope() as session:
            result = import_rows(session, rows, actor="cli:import", now=utcnow())
    except DomainError as exc:
        _fail(exc.message)
    _process_now()
    typer.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    if result.errors:
        raise typer.Exit(1)


@app.command()
def status(code: str) -> None:
    """In trạng thái của một phiếu."""
    from triage.db import session_scope
    from triage.errors import NotFound
    from triage.tickets.present import ticket_out
    from triage.tickets.service import get_by_code

    _embedded_bootstrap()
    try:
        with session_scope() as session:
            out = ticket_out(get_by_code(session, code))
    except NotFound as exc:
        _fail(exc.message)
    typer.echo(out.model_dump_json(indent=2, exclude={"caller"}))


users_app = typer.Typer(help="Quản lý người dùng.", no_args_is_help=True)
tokens_app = typer.Typer(help="Mã truy cập (bearer token) cho tích hợp.", no_args_is_help=True)
agencies_app = typer.Typer(help="Danh bạ cơ quan xử lý.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(agencies_app, name="agencies")
app.command("classify")(understand_cli.classify)
app.command("train")(understand_cli.train)
app.command("evaluate")(understand_cli.evaluate)
app.command("train-urgency")(understand_cli.train_urgency)
app.command("train-agency")(learned_cli.train_agency)
app.command("agency-agreement")(learned_cli.agency_agreement)
app.command("train-conduct")(understand_cli.train_conduct)
app.command("evaluate-conduct")(understand_cli.evaluate_conduct)
app.command("corpus-overlap")(understand_cli.corpus_overlap)
app.command("report")(reports_cli.report)
app.command("demo-data")(reports_cli.demo_data)
app.command("cases-eval")(cases_cli.cases_eval)
app.command("cases-idf")(cases_cli.cases_idf)
app.command("cases-reindex")(cases_cli.cases_reindex)
agencies_app.command("load")(agency_cli.agencies_load)
agencies_app.command("import")(agency_cli.agencies_import)
agencies_app.command("export")(agency_cli.agencies_export)


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="operator | agency_staff | supervisor | admin")],
    agency: Annotated[str | None, typer.Option(help="Mã cơ quan (bắt buộc với agency_staff)")]
    = None,
    password: Annotated[str | None, typer.Option(help="Bỏ trống để nhập ẩn")] = None,
    display_name: str | None = None,
) -> None:
    """Tạo người dùng đăng nhập trang web."""
    from triage.auth import service
    from triage.db import session_scope
    from triage.errors import DomainError

    _embedded_bootstrap()
    if password is None:
        from triage.auth.passwords import RULES

        typer.echo(RULES)
    secret = password or typer.prompt("Mật khẩu", hide_input=True,
                                      confirmation_prompt="Nhập lại mật khẩu")
    try:
        with session_scope() as session:
            service.create_user(session, name, role, agency_code=agency, password=secret,
                                display_name=display_name)
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(f"Đã tạo người dùng {name} ({service.ROLES[role]}).")


@users_app.command("passwd")
def users_passwd(name: str) -> None:
    """Đặt mật khẩu mới cho người dùng (nhập ẩn, hai lần); các phiên đăng nhập của người đó
    kết thúc."""
    from triage.auth import service
    from triage.auth.models import AuditEntry
    from triage.auth.passwords import RULES, check_strength
    from triage.db import session_scope, utcnow
    from triage.errors import DomainError

    _embedded_bootstrap()
    typer.echo(RULES)
    secret = typer.prompt("Mật khẩu mới", hide_input=True,
                          confirmation_prompt="Nhập lại mật khẩu mới")
    try:
        check_strength(secret)
        with session_scope() as session:
            user = service.get_user(session, name)
            now = utcnow()
            service.set_password(session, user, secret, now)
            session.add(AuditEntry(at=now, actor="cli", role="admin", action="user.password_reset",
                                   data={"user_id": user.id, "username": name, "via": "cli"}))
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(f"Đã đặt mật khẩu mới cho {name}; các phiên đăng nhập của người này đã kết thúc.")


@tokens_app.command("issue")
def tokens_issue(
    name: str,
    role: Annotated[str, typer.Option(help="operator | agency_staff | supervisor | admin | "
                                          "integration")],
    agency: str | None = None,
    label: str = "",
) -> None:
    """In ra một mã truy cập mới (tạo người dùng dịch vụ NAME nếu chưa có)."""
    from sqlalchemy import select

    from triage.auth import service
    from triage.auth.models import User
    from triage.db import session_scope
    from triage.errors import DomainError

    _embedded_bootstrap()
    try:
        with session_scope() as session:
            user = session.scalars(select(User).where(User.username == name)).first()
            if user is None:
                user = service.create_user(session, name, role, agency_code=agency)
            elif user.role != role:
                _fail(f"Người dùng {name} đã có vai trò {user.role}.")
            token = service.issue_token(session, user, label)
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(token)


@app.command()
def purge(
    days: Annotated[int | None, typer.Option(
        min=1, help="Số ngày lưu giữ (mặc định TRIAGE_RETENTION_DAYS)")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Chỉ đếm số phiếu sẽ bị xoá dữ liệu, không thay đổi gì")] = False,
) -> None:
    """Xoá dữ liệu cá nhân người phản ánh của các phiếu đã kết thúc quá thời hạn lưu giữ."""
    from triage.retention import purge as run_purge

    _setup_logging()
    _embedded_bootstrap()
    result = run_purge(days=days, dry_run=dry_run)
    before = result.cutoff.date().strftime("%d/%m/%Y")
    if dry_run:
        typer.echo(f"Sẽ xoá dữ liệu cá nhân của {result.tickets} phiếu đã kết thúc trước "
                   f"ngày {before} (chưa thay đổi gì).")
    else:
        typer.echo(f"Đã xoá dữ liệu cá nhân của {result.tickets} phiếu đã kết thúc trước ngày "
                   f"{before}; phiếu và số liệu thống kê được giữ nguyên.")


def _process_now() -> None:
    """One-shot commands publish what they wrote; on the embedded default they process it."""
    from triage.db import session_scope, utcnow
    from triage.outbox.service import relay_batch
    from triage.runtime import make_dispatcher

    dispatcher = make_dispatcher(workers=0)
    try:
        with session_scope() as session:
            relay_batch(session, dispatcher, utcnow(), limit=10_000)
    except Exception as exc:  # the relay or sweeper will publish it later
        typer.echo(f"Cảnh báo: chưa chuyển được vào hàng đợi ({exc}).", err=True)


def _fail(message: str) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(2)


if __name__ == "__main__":
    app()
