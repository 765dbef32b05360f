"""In a real browser, the clerk's round of issue #5: an officer downloads the template from the
import page, fills its people sheet as a spreadsheet program would (openpyxl keeps the template's
headers, comments and drop-downs), uploads it, reads the mistake in Vietnamese with its sheet, row
and column, fixes it, uploads again, sees the preview and confirms; only then is the person
written."""

from pathlib import Path

import pytest
from openpyxl import load_workbook

from cadretrain.people.models import Person
from tests.world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _fill_people_sheet(template: Path, target: Path, values: dict[str, str]) -> None:
    """Write one row under the template's Vietnamese headers, finding each column by the key its
    header comment names (as the instructions tell a clerk to)."""
    book = load_workbook(template)
    sheet = book["people"]
    columns = {cell.comment.text.split(" ")[0]: cell.column for cell in sheet[1] if cell.comment}
    for key, value in values.items():
        sheet.cell(row=2, column=columns[key], value=value)
    book.save(target)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clerk_fills_the_template_reads_the_mistake_in_vietnamese_fixes_it_and_imports(page, live_server,
                                                                                        settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    build_world()
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size({"width": 1280, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/interchange/")
    page.get_by_label("Tên đăng nhập").fill("officer_a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/interchange/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải mẫu sổ tính (có hướng dẫn và danh sách chọn)").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == "mau-nhap-du-lieu.xlsx"

    row = {"code": "00417", "full_name": "Phạm Thu Trang", "birth_date": "31/02/1991", "gender": "Nữ",
           "category": "CONG_CHUC", "unit_code": "00004", "party_member": "có"}
    wrong = tmp_path / "can-bo-phuong.xlsx"
    _fill_people_sheet(template, wrong, row)
    page.set_input_files("#f-file", str(wrong))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/interchange/jobs/*/")
    alert = page.get_by_role("alert")
    assert "1 lỗi: không dữ liệu nào được ghi" in alert.inner_text()
    error_row = page.locator("table", has_text="Cách sửa").locator("tbody tr")
    assert error_row.count() == 1
    cells = error_row.first.locator("td").all_inner_texts()
    assert cells[:4] == ["people", "2", "Ngày sinh (birth_date)", "impossible_date"]
    assert cells[4] == "Ngày không tồn tại: 31/02/1991."
    assert page.get_by_role("button", name="Xác nhận nhập dữ liệu").count() == 0
    assert page.get_by_text("Sẽ thay đổi").count() == 0
    page.screenshot(path=str(ARTIFACTS / "import-preview-error.png"), full_page=True)
    assert not Person.objects.filter(code="00417").exists()

    page.get_by_role("link", name="Quay lại").click()
    fixed = tmp_path / "can-bo-phuong-da-sua.xlsx"
    _fill_people_sheet(template, fixed, {**row, "birth_date": "28/02/1991"})
    page.set_input_files("#f-file", str(fixed))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.wait_for_url("**/interchange/jobs/*/")
    assert "Tệp hợp lệ" in page.locator("#job-status").inner_text()
    preview = page.locator("table", has_text="Sẽ thay đổi").locator("tbody tr")
    assert [row.locator("td").all_inner_texts() for row in preview.all()] == [
        ["Cán bộ, công chức, viên chức (people)", "1", "0", "0"]]
    page.screenshot(path=str(ARTIFACTS / "import-preview-ok.png"), full_page=True)
    assert not Person.objects.filter(code="00417").exists()  # the preview wrote nothing

    page.get_by_role("button", name="Xác nhận nhập dữ liệu").click()
    page.get_by_text("Đã nhập xong.").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Nhập dữ liệu: can-bo-phuong-da-sua.xlsx"
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
    person = Person.objects.get(code="00417")  # the leading zero kept: the code is text
    assert (person.full_name, person.unit.code, str(person.birth_date)) == ("Phạm Thu Trang", "00004", "1991-02-28")
    assert failed == []
