"""Background import through Django's tasks API. The default ImmediateBackend runs it inline
(development, tests); production points TASKS at a worker backend and nothing here changes.

Progress is written beside the uploaded file rather than to the JobRun row: the import holds
the database's write transaction (SQLite allows one writer), so a progress UPDATE from the same
job would have to wait for the import to finish. The file lives under MEDIA_ROOT, which the
web processes and the worker already share for the upload itself."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.tasks import task

from cadretrain.core.models import JobRun

UPLOAD_DIR = "imports"


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def progress_path(job_id: int) -> Path:
    return upload_dir() / f"job-{job_id}.progress.json"


def read_progress(job_id: int) -> dict[str, Any]:
    try:
        return json.loads(progress_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_progress(job_id: int, done: int, sheet: str) -> None:
    target = progress_path(job_id)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"done": done, "sheet": sheet}), encoding="utf-8")
    os.replace(tmp, target)


@task
def import_job(job_id: int) -> dict[str, Any]:
    """Run the import (or dry run) a JobRun describes; the JobRun gets the report."""
    from cadretrain.interchange.services import workbook_import

    job = JobRun.objects.select_related("owner", "owner__unit").get(pk=job_id)
    spec = dict(job.result)
    job.status = JobRun.Status.RUNNING
    job.save(update_fields=["status", "updated_at"])
    try:
        actor = job.owner.to_actor()  # type: ignore[union-attr]
        report = workbook_import(
            actor=actor, path=spec["path"], dry_run=bool(spec.get("dry_run")),
            progress=lambda done, sheet: _write_progress(job_id, done, sheet),
            job=None if spec.get("dry_run") else job,
        )
    except Exception as exc:
        job.refresh_from_db()
        job.status = JobRun.Status.FAILED
        job.result = {**spec, "ok": False, "errors": [{"sheet": None, "row": None, "column": None,
                                                       "code": "import_failed", "message": str(exc)[:300]}]}
        job.save()
        raise
    job.refresh_from_db()
    job.status = JobRun.Status.DONE
    job.done = job.total = report.rows
    job.result = {**spec, **report.as_json(), "fatal": report.fatal, "error_count": report.error_count}
    job.save()
    progress_path(job_id).unlink(missing_ok=True)
    if not spec.get("dry_run") and report.ok:
        Path(spec["path"]).unlink(missing_ok=True)
    return {"ok": report.ok}
