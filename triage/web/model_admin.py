"""The classifier as the administrator sees it: which model runs, how many corrections
people made since, and retraining with them (a candidate, promoted only if not worse),
with a progress page."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from triage.auth import audit
from triage.auth.deps import PrincipalDep, client_ip
from triage.classify.model import reset_classifier_cache
from triage.deps import SessionDep
from triage.settings import get_settings
from triage.understand.record import correction_counts, export_corrections
from triage.web import jobs
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADMIN = "admin"
# The child process; tests replace it with something quick.
COMMAND = [sys.executable, "-m", "triage.web.retrain"]
DEFAULT_SECONDS = 180.0


def current_metrics() -> dict[str, Any] | None:
    path = Path(get_settings().model_dir) / "metrics.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


@router.get("/quan-tri/mo-hinh")
def model_page(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    require(request, principal, ADMIN)
    counts = correction_counts(session)
    return render(request, "admin_model.html", principal, metrics=current_metrics(),
                  counts=counts, total=sum(counts.values()))


def _retrain_work(expected: float) -> jobs.Work:
    def work(job: jobs.Job) -> None:
        folder = Path(get_settings().data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        # The file holds complaint texts: kept outside the web root, removed afterwards.
        path = folder / f"web-retrain-{job.id}.jsonl"
        try:
            count = export_corrections(path)
            started = time.monotonic()
            proc = subprocess.Popen([*COMMAND, str(path)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            while proc.poll() is None:
                # Progress is estimated from how long the last training took.
                job.done = min(job.total - 1, int(100 * (time.monotonic() - started)
                                                  / expected))
                time.sleep(0.5)
            out, err = proc.communicate()
        finally:
            path.unlink(missing_ok=True)
        if proc.returncode != 0:
            raise RuntimeError(f"huấn luyện lỗi: {(err or '').strip()[-300:]}")
        result = json.loads(out.strip().splitlines()[-1])
        if result["promoted"]:
            reset_classifier_cache()
        job.results.append(f"Phiên bản {result['version']}, {count} chỉnh sửa, "
                           f"{result['seconds']:.0f} giây.")
        job.message = ("Đã thay mô hình mới." if result["promoted"] else
                       f"Giữ mô hình hiện tại: mô hình mới kém hơn ({result['reason']}).")
    return work


@router.post("/quan-tri/mo-hinh/huan-luyen")
def retrain(request: Request, principal: FormPrincipal, session: SessionDep) -> Response:
    require(request, principal, ADMIN)
    audit.record(session, principal, "model.retrain", source_ip=client_ip(request))
    metrics = current_metrics() or {}
    expected = float(metrics.get("training_seconds") or DEFAULT_SECONDS)
    job = jobs.start("retrain", "Huấn luyện lại mô hình phân loại",
                     owner_id=principal.user_id, total=100, back="/quan-tri/mo-hinh",
                     work=_retrain_work(max(expected, 1.0)))
    return redirect(f"/viec/{job.id}")
