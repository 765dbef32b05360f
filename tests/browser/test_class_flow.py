"""In a real browser: an officer creates a class, opens it, enrols a person, schedules a
session, records attendance and a score, grades the class, issues the certificate; the public
verification page then says the certificate is valid."""

import datetime as dt
from pathlib import Path

import pytest

from cadretrain.training.models import Certificate, Enrolment
from tests.training.helpers import programme
from tests.world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_runs_a_class_to_a_verified_certificate(page, live_server):
    world = build_world()
    programme()
    start = dt.date.today() - dt.timedelta(days=10)
    end = dt.date.today() - dt.timedelta(days=1)
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/training/classes/new/")
    page.get_by_label("Tên đăng nhập").fill("officer_a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/training/classes/new/")

    page.fill("#id_code", "K-TRINH-DUYET")
    page.select_option("#id_organizer_unit", "00004")
    page.select_option("#id_institution", str(world.institution.pk))
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", end.isoformat())
    page.fill("#id_capacity", "10")
    page.get_by_role("button", name="Tạo lớp").click()
    page.wait_for_url("**/training/classes/K-TRINH-DUYET/")

    page.locator("button[data-status=OPEN]").click()
    page.wait_for_load_state()
    page.locator("#enrol-form input[name=person]").fill("P-A1")
    page.locator("#enrol-form button").click()
    page.wait_for_load_state()
    assert "Nguyễn Văn An" in page.locator("#enrolments").inner_text()
    page.locator("button[data-status=RUNNING]").click()
    page.wait_for_load_state()

    page.locator("#session-form input[name=date]").fill(start.isoformat())
    page.locator("#session-form input[name=room]").fill("P.201")
    page.locator("#session-form button").click()
    page.wait_for_load_state()
    page.locator("#attendance-form input[type=checkbox]").check()
    page.locator("#attendance-form button").click()
    page.wait_for_load_state()
    page.locator("#component-form input[name=name]").fill("Bài thu hoạch cuối khóa")
    page.locator("#component-form button").click()
    page.wait_for_load_state()
    page.locator("#scores-form input[type=text]").fill("8,5")
    page.locator("#scores-form button").click()
    page.wait_for_load_state()
    page.locator("#results-form button").click()
    page.wait_for_load_state()
    assert Enrolment.objects.get(person__code="P-A1").status == "COMPLETED"

    page.get_by_role("button", name="Cấp giấy chứng nhận").click()
    page.wait_for_load_state()
    cert = Certificate.objects.get()
    assert cert.serial in page.locator("#enrolments").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "class-detail.png"), full_page=True)

    # Anyone, signed in or not, can check the certificate.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/verify/{cert.verification_code}")
    assert page.locator("#verify-status").inner_text().startswith("HỢP LỆ")
    assert "Nguyễn Văn An" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "certificate-verify.png"), full_page=True)

    # The learner finds the class, the result and the certificate in their own space.
    page.goto(f"{live_server.url}/training/me/")
    page.get_by_label("Tên đăng nhập").fill("learner")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/training/me/")
    body = page.locator("main").inner_text()
    assert "K-TRINH-DUYET" in body and cert.serial in body
    page.screenshot(path=str(ARTIFACTS / "my-learning.png"), full_page=True)
    pdf = page.request.get(f"{live_server.url}/training/certificates/{cert.pk}/pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert failed == []
