"""In a real browser: a ward officer plans a delegation abroad (the unbalanced funding is refused
on the page), adds a person, records the return with a 12-month commitment, then records that
the person left early and sees the amount owed."""

import datetime as dt
from pathlib import Path

import pytest

from cadretrain.abroad.models import Mission, Reimbursement
from tests.world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_sends_a_delegation_and_records_a_reimbursement(page, live_server):
    build_world()
    today = dt.date.today()
    departed, back = today - dt.timedelta(days=120), today - dt.timedelta(days=113)
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/abroad/missions/new/")
    page.get_by_label("Tên đăng nhập").fill("officer_a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/abroad/missions/new/")

    page.fill("input[name=code]", "D-SG-01")
    page.fill("input[name=title]", "Đoàn học tập kinh nghiệm quản trị đô thị")
    page.fill("input[name=country]", "SG")
    page.fill("input[name=departure_date]", departed.isoformat())
    page.fill("input[name=return_date]", back.isoformat())
    page.fill("input[name=budget_state]", "90000000")
    page.fill("input[name=budget_unit]", "10000000")
    page.fill("input[name=budget_total]", "120000000")
    page.get_by_role("button", name="Tạo đoàn").click()
    page.wait_for_load_state()
    assert "không bằng tổng kinh phí" in page.locator(".messages").inner_text()
    assert not Mission.objects.exists()
    page.fill("input[name=budget_total]", "")
    page.get_by_role("button", name="Tạo đoàn").click()
    page.wait_for_url("**/abroad/missions/D-SG-01/")
    assert "100.000.000" in page.locator("#funding").inner_text()

    page.fill("input[name=person]", "P-A1")
    page.fill("section input[name=cost_vnd]", "60000000")
    page.get_by_role("button", name="Thêm", exact=True).click()
    page.wait_for_load_state()
    row = page.locator("#participants tbody tr").first
    assert "Nguyễn Văn An" in row.inner_text()

    row.locator("summary").click()
    row.locator("select[name=outcome]").select_option("COMPLETED")
    row.locator("input[name=returned_on]").fill(back.isoformat())
    row.locator("input[name=commitment_months]").fill("12")
    row.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    assert "12 tháng" in page.locator("#participants").inner_text()

    row = page.locator("#participants tbody tr").first
    row.locator("summary").click()
    row.locator("input[name=left_on]").fill((today - dt.timedelta(days=1)).isoformat())
    row.get_by_role("button", name="Tính bồi hoàn").click()
    page.wait_for_load_state()
    r = Reimbursement.objects.get()
    assert r.case == "PRO_RATA" and 0 < r.amount_vnd < 60_000_000
    assert f"{r.amount_vnd:,}".replace(",", ".") in page.locator("#participants").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "abroad-mission.png"), full_page=True)
    assert [f for f in failed if "/abroad/missions/new/" not in f] == []
