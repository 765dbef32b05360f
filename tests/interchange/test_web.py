"""The import page: upload → dry-run preview → confirm → import, progress polled with htmx;
export and template downloads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from cadretrain.core.models import JobRun
from cadretrain.people.models import Person
from tests.interchange.conftest import good_rows, with_keys, write_csv_zip, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, tmp_path: Path, rows) -> object:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "up.xlsx", with_keys(rows))
    return client.post(reverse("interchange:import"),
                       {"file": SimpleUploadedFile("đơn vị.xlsx", path.read_bytes())})


def officer_rows() -> dict:
    rows = good_rows()
    del rows["positions"], rows["programmes"], rows["classes"], rows["enrolments"]
    rows["people"][0]["position_code"] = "CV"
    return rows


def test_officer_uploads_sees_a_preview_confirms_and_the_data_is_imported(world, client_for, tmp_path):
    client = client_for("officer_a")
    response = upload(client, tmp_path, officer_rows())
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Tệp hợp lệ" in html and "people" in html
    assert not Person.objects.filter(code="P-N1").exists()  # a preview writes nothing
    job = JobRun.objects.get(kind="import_workbook")
    confirmed = client.post(reverse("interchange:job-confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    assert Person.objects.get(code="P-N1").unit.code == "00004.TC"
    assert "Đã nhập xong" in client.get(confirmed["Location"]).content.decode()
    # The job and its audit event name the file the clerk uploaded, not the name it is stored under.
    from cadretrain.core.models import AuditEvent

    imported = JobRun.objects.filter(kind="import_workbook").exclude(pk=job.pk).get()
    assert imported.message == "đơn vị.xlsx"
    assert AuditEvent.objects.get(action="import").changes["file"] == "đơn vị.xlsx"


def test_the_preview_lists_every_error_with_row_column_and_message(world, client_for, tmp_path):
    client = client_for("officer_a")
    rows = officer_rows()
    rows["people"][1]["unit_code"] = "00008"
    html = client.get(upload(client, tmp_path, rows)["Location"]).content.decode()
    assert "out_of_scope" in html and "nằm ngoài phạm vi" in html
    assert "Xác nhận nhập dữ liệu" not in html
    job = JobRun.objects.get(kind="import_workbook")
    assert client.post(reverse("interchange:job-confirm", args=[job.pk])).status_code == 404


def test_the_preview_names_columns_by_their_template_header_and_hides_counts_when_nothing_will_be_written(
        world, client_for, tmp_path):
    client = client_for("officer_a")
    rows = officer_rows()
    rows["people"][1]["unit_code"] = "00008"
    html = client.get(upload(client, tmp_path, rows)["Location"]).content.decode()
    assert "<td>Mã đơn vị (unit_code)</td>" in html
    assert "Sẽ thay đổi" not in html  # no per-sheet counts beside a refusal


def test_the_preview_lists_only_the_sheets_the_file_has_rows_on_with_their_titles(world, client_for, tmp_path):
    client = client_for("officer_a")
    html = client.get(upload(client, tmp_path, officer_rows())["Location"]).content.decode()
    assert "<td>Cán bộ, công chức, viên chức (people)</td><td>2</td>" in html
    assert "(standards)" not in html and "(enrolments)" not in html


def test_every_error_downloads_as_csv_for_a_spreadsheet_program_and_only_for_the_jobs_owner(
        world, client_for, tmp_path):
    import csv

    client = client_for("officer_a")
    rows = officer_rows()
    rows["people"][1]["unit_code"] = "00008"
    rows["people"][0]["birth_date"] = "31/02/1990"
    client.get(upload(client, tmp_path, rows)["Location"])
    job = JobRun.objects.get(kind="import_workbook")
    assert f'href="/interchange/jobs/{job.pk}/errors.csv"' in client.get(
        reverse("interchange:job", args=[job.pk])).content.decode()

    response = client.get(reverse("interchange:job-errors", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # the byte-order mark: Excel reads the file as UTF-8
    lines = list(csv.reader(io.StringIO(body[1:])))
    assert lines[0] == ["Trang", "Dòng", "Cột", "Mã lỗi", "Cách sửa"]
    by_code = {line[3]: line for line in lines[1:]}
    assert by_code["impossible_date"] == ["people", "2", "Ngày sinh (birth_date)", "impossible_date",
                                          "Ngày không tồn tại: 31/02/1990."]
    assert by_code["out_of_scope"][:3] == ["people", "3", "Mã đơn vị (unit_code)"]
    # P-N1's credential names a person the file failed to create: reported too, on its own sheet.
    assert by_code["unknown_person"][:3] == ["credentials", "2", "Mã cán bộ (person_code)"]
    assert len(lines) == 1 + len(by_code) == 4
    assert "nằm ngoài phạm vi" in body
    assert client_for("officer_b").get(reverse("interchange:job-errors", args=[job.pk])).status_code == 404
    assert client_for("viewer_a").get(reverse("interchange:job-errors", args=[job.pk])).status_code == 403


def test_the_errors_csv_shows_a_header_that_looks_like_a_formula_as_text(world, client_for, tmp_path):
    client = client_for("officer_a")
    # In a CSV the header is text; the importer reports it as an unknown column, by its title.
    path = write_csv_zip(tmp_path / "f.zip", {"people": [["code", "=HYPERLINK(\"http://x\")"], ["P-Z", "1"]]})
    client.post(reverse("interchange:import"), {"file": SimpleUploadedFile("f.zip", path.read_bytes())})
    job = JobRun.objects.get(kind="import_workbook")
    body = client.get(reverse("interchange:job-errors", args=[job.pk])).content.decode("utf-8")
    assert "\n" + "people,1,'=HYPERLINK" in body.replace('"', "")
    assert ",=HYPERLINK" not in body.replace('"', "")


def test_a_page_of_more_than_a_thousand_errors_says_how_many_it_leaves_out(world, client_for):
    errors = [{"sheet": "people", "row": n, "column": "code", "code": "required_value_missing",
               "message": "Cần nhập Mã cán bộ (code)."} for n in range(2, 1502)]
    job = JobRun.objects.create(kind="import_workbook", owner=world.users["officer_a"], status="DONE",
                                result={"path": "/nonexistent", "dry_run": True, "ok": False, "errors": errors,
                                        "error_count": 1500})
    html = client_for("officer_a").get(reverse("interchange:job", args=[job.pk])).content.decode()
    assert "Trang này hiện 1.000 lỗi đầu tiên trong số 1.500." in html
    assert html.count("<code>required_value_missing</code>") == 1000


def test_a_running_job_is_polled_with_htmx(world, client_for):
    client = client_for("officer_a")
    job = JobRun.objects.create(kind="import_workbook", owner=world.users["officer_a"], status="RUNNING",
                                result={"path": "/nonexistent", "dry_run": True})
    html = client.get(reverse("interchange:job-status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html


def test_jobs_of_other_users_are_404(world, client_for):
    job = JobRun.objects.create(kind="import_workbook", owner=world.users["officer_b"], result={})
    assert client_for("officer_a").get(reverse("interchange:job", args=[job.pk])).status_code == 404
    assert client_for("admin").get(reverse("interchange:job", args=[job.pk])).status_code == 200


def test_a_file_of_the_wrong_type_is_refused_on_the_page(world, client_for):
    client = client_for("officer_a")
    response = client.post(reverse("interchange:import"), {"file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert response.status_code == 200 and "Chỉ nhận tệp" in response.content.decode()


@pytest.mark.parametrize("persona,status", [("viewer_a", 403), ("learner", 403), (None, 302)])
def test_the_import_page_needs_the_import_permission(world, client_for, persona, status):
    assert client_for(persona).get(reverse("interchange:import")).status_code == status


def test_export_download_is_the_actors_scope(world, client_for):
    response = client_for("officer_a").get(reverse("interchange:export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    codes = {row[0] for row in book.get_sheet_by_name("people").to_python()[1:]}
    assert codes == {"P-A1", "P-A2", "P-A3"}


def test_the_template_has_vietnamese_headers_instructions_and_drop_downs(world, client_for, tmp_path):
    from openpyxl import load_workbook

    response = client_for("officer_a").get(reverse("interchange:template"))
    assert response.status_code == 200
    path = tmp_path / "t.xlsx"
    path.write_bytes(response.content)
    book = load_workbook(path)
    assert book.sheetnames[0] == "Hướng dẫn"
    assert [c.value for c in book["people"][1]][:3] == ["Mã cán bộ", "Họ và tên", "Ngày sinh"]
    lists = {str(dv.sqref).split(":")[0] for dv in book["people"].data_validations.dataValidation}
    assert {"D2", "E2", "H2"} <= lists  # gender, category, management tier


def test_the_template_itself_imports_as_an_empty_workbook(world, client_for, tmp_path):
    from cadretrain.interchange.services import workbook_import

    path = tmp_path / "t.xlsx"
    path.write_bytes(client_for("admin").get(reverse("interchange:template")).content)
    report = workbook_import(actor=world.actor("admin"), path=path)
    assert [e["code"] for e in report.errors] == ["empty_workbook"]


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections between tasks
def test_with_the_worker_backend_the_upload_returns_at_once_and_the_worker_runs_the_preview(
        world, client_for, tmp_path, settings):
    """`make run` and production queue imports in the database for `cadretrain db_worker`: the
    request only stores the file and the job; the preview appears once the worker has run it."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for("officer_a")
    response = upload(client, tmp_path, officer_rows())
    assert response.status_code == 302
    job = JobRun.objects.get(kind="import_workbook")
    assert job.status == JobRun.Status.QUEUED  # queued, not run inside the request
    assert 'hx-trigger="every 1s"' in client.get(response["Location"]).content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobRun.Status.DONE
    assert "Tệp hợp lệ" in client.get(response["Location"]).content.decode()
