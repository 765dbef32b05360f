"""The officers' import page (upload → dry-run preview → confirm → import), job progress polled
with htmx, the scoped export download and the template download."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadretrain.core.models import JobRun
from cadretrain.core.web import actor_of, actor_required
from cadretrain.domain.access import Action
from cadretrain.interchange import schema
from cadretrain.interchange.services import IMPORT_JOB, workbook_export
from cadretrain.interchange.tasks import import_job, read_progress, upload_dir
from cadretrain.interchange.writers import template_workbook
from cadretrain.reports.exports import table_csv

ACCEPTED = (".xlsx", ".zip", ".csv")
MAX_UPLOAD = 200 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _jobs(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Import jobs the user may see: their own (the city administrators see every job)."""
    actor = actor_of(request)
    jobs = JobRun.objects.filter(kind=IMPORT_JOB)
    return jobs if actor.is_city_wide else jobs.filter(owner_id=actor.user_id)


def _job(request: HttpRequest, pk: int) -> JobRun:
    job = _jobs(request).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _start(request: HttpRequest, *, path: str, name: str, dry_run: bool) -> JobRun:
    job = JobRun.objects.create(kind=IMPORT_JOB, owner_id=actor_of(request).user_id, message=name,
                                result={"path": path, "file": name, "dry_run": dry_run})
    import_job.enqueue(job.pk)
    return job


@actor_required(Action.IMPORT)
def import_page(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        suffix = Path(upload.name).suffix.lower() if upload else ""
        if upload is None:
            error = _("Chọn tệp cần nhập.")
        elif suffix not in ACCEPTED:
            error = _("Chỉ nhận tệp .xlsx, .zip (các tệp CSV) hoặc .csv.")
        elif upload.size > MAX_UPLOAD:
            error = _("Tệp quá lớn (tối đa 200 MB).")
        else:
            target = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
            with target.open("wb") as fh:
                for part in upload.chunks():
                    fh.write(part)
            job = _start(request, path=str(target), name=upload.name, dry_run=True)
            return redirect("interchange:job", pk=job.pk)
    return render(request, "interchange/import.html", {
        "error": error,
        "jobs": _jobs(request).order_by("-created_at")[:10],
    })


def _column_label(sheet: str | None, column: str | None) -> str:
    """An error's column as the clerk sees it in the template: its Vietnamese header, with the
    key the report carries ("Ngày sinh (birth_date)")."""
    spec = schema.SHEET_BY_NAME.get(sheet or "")
    if spec is None or not column or column not in spec.keys:
        return column or ""
    return f"{spec.column(column).vi} ({column})"


def _job_context(request: HttpRequest, job: JobRun) -> dict:
    result = job.result or {}
    # The sheets the file held rows on; none when it has errors (nothing is written, and the
    # counts would leave out the very rows the clerk has to fix).
    counts = [(name, n, result.get("updated", {}).get(name, 0), result.get("unchanged", {}).get(name, 0))
              for name, n in (result.get("created") or {}).items()]
    sheets = [] if result.get("errors") else [
        {"name": name, "title": schema.SHEET_BY_NAME[name].title if name in schema.SHEET_BY_NAME else name,
         "created": created, "updated": updated, "unchanged": unchanged}
        for name, created, updated, unchanged in counts if created or updated or unchanged
    ]
    errors = [{**e, "column_label": _column_label(e.get("sheet"), e.get("column"))}
              for e in (result.get("errors") or [])[:1000]]
    finished = job.status in (JobRun.Status.DONE, JobRun.Status.FAILED)
    return {
        "job": job, "result": result, "sheets": sheets, "errors": errors, "finished": finished,
        "progress": read_progress(job.pk) if not finished else {},
        "can_confirm": finished and result.get("dry_run") and result.get("ok")
        and Path(result.get("path", "")).exists(),
        "status_url": reverse("interchange:job-status", args=[job.pk]),
    }


@actor_required(Action.IMPORT)
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "interchange/job.html", _job_context(request, _job(request, pk)))


@actor_required(Action.IMPORT)
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "interchange/_job_status.html", _job_context(request, _job(request, pk)))


@require_POST
@actor_required(Action.IMPORT)
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    result = job.result or {}
    if not (result.get("dry_run") and result.get("ok") and Path(result.get("path", "")).exists()):
        raise Http404
    new = _start(request, path=result["path"], name=result.get("file", ""), dry_run=False)
    return redirect("interchange:job", pk=new.pk)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text_cell(value: object) -> object:
    """A cell of the errors CSV that a spreadsheet program shows as text: errors echo the uploaded
    file's headers and values, and one starting with "=" would otherwise run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@actor_required(Action.IMPORT)
def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every error of a job as CSV (the page shows the first 1,000), one line per error as on the
    page; the reports' CSV writer puts the byte-order mark that makes Excel read it as UTF-8."""
    job = _job(request, pk)
    rows = ([_as_text_cell(cell) for cell in (
        e.get("sheet") or "", e.get("row") or "", _column_label(e.get("sheet"), e.get("column")),
        e.get("code", ""), e.get("message", ""))] for e in (job.result or {}).get("errors") or [])
    response = HttpResponse(table_csv([_("Trang"), _("Dòng"), _("Cột"), _("Mã lỗi"), _("Cách sửa")], rows),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="loi-nhap-{job.pk}.csv"'
    return response


@actor_required(Action.EXPORT)
def export_download(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    unit = request.GET.get("unit", "").strip() or None
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    workbook_export(actor=actor, path=handle.name, unit_code=unit)
    stream = open(handle.name, "rb")  # noqa: SIM115 - FileResponse closes it
    Path(handle.name).unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(stream, as_attachment=True, filename=f"cadretrain-{unit or 'xuat'}.xlsx",
                        content_type=XLSX)


@actor_required()
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-du-lieu.xlsx"'
    return response
