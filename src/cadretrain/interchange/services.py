"""Import and export of the interchange workbook (spec/interchange.md): the one entry point for
the commands, the web page and the background task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection

from cadretrain.core.audit import audit_record
from cadretrain.core.bulk import gc_paused
from cadretrain.core.models import JobRun
from cadretrain.core.retry import ATTEMPTS, is_retryable
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import NotAllowed
from cadretrain.interchange.importer import Importer, ImportReport, Progress
from cadretrain.interchange.readers import UnreadableWorkbook, open_workbook
from cadretrain.interchange.writers import write_workbook

IMPORT_JOB = "import_workbook"


def workbook_import(
    *, actor: Actor, path: str | Path, dry_run: bool = False, progress: Progress | None = None,
    job: JobRun | None = None,
) -> ImportReport:
    """Validate a workbook and, unless `dry_run` or any row is wrong, upsert all of it in one
    transaction; records one job and one audit event summarising the counts."""
    if not actor.can(Action.IMPORT):
        raise NotAllowed()
    with gc_paused():
        for attempt in range(1, ATTEMPTS + 1):
            report = _import_once(actor=actor, path=path, dry_run=dry_run, progress=progress, job=job,
                                  last_attempt=attempt == ATTEMPTS)
            if report is not None:
                return report
    raise AssertionError("unreachable")


def _import_once(
    *, actor: Actor, path: str | Path, dry_run: bool, progress: Progress | None, job: JobRun | None,
    last_attempt: bool,
) -> ImportReport | None:
    """One all-or-nothing attempt; None when PostgreSQL aborted it as a deadlock victim (nothing
    was written) and another attempt may run (core.retry says why writers can deadlock)."""
    importer = Importer(actor=actor, dry_run=dry_run, progress=progress)
    try:
        sheets = open_workbook(path)
    except UnreadableWorkbook as exc:
        importer.report.fatal = True
        importer.report.add_error(None, None, None, exc.code, **exc.params)
        return importer.report

    def record(report: ImportReport) -> None:
        run = job or JobRun(kind=IMPORT_JOB, owner_id=actor.user_id)
        # A web upload is stored under a random name; its job keeps the name the clerk uploaded.
        name = run.message or Path(path).name
        run.status = JobRun.Status.DONE
        run.total = run.done = report.rows
        run.message = name
        run.result = report.as_json()
        run.save()
        audit_record(actor=actor, obj=run, action="import", unit_path=actor.unit_path or "", changes={
            "file": name, "rows": report.rows, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged,
            "granted_credentials": report.granted_credentials,
        })

    try:
        return importer.run(sheets, on_commit=record)
    except DatabaseError as exc:  # a constraint the validation missed: nothing was written
        if is_retryable(exc) and not last_attempt and not connection.in_atomic_block:
            return None
        importer.report.add_error(None, None, None, "import_failed", detail=str(exc).splitlines()[0][:300])
        return importer.report


def workbook_export(*, actor: Actor, path: str | Path, unit_code: str | None = None) -> dict[str, Any]:
    """Write everything the actor may see (optionally one unit's subtree) to `path` in the
    interchange format; returns the rows written per sheet."""
    return write_workbook(path, actor=actor, unit_code=unit_code)
