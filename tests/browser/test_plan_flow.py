"""In a real browser, the annual-plan flow end to end: two ward officers draft next year's plan
from their gaps (with budget estimates) and submit it; the city admin approves both, runs the
overlap analysis, sees that the two wards planned the same course, merges them into one shared
class with seats per ward, runs the optimiser on that class and accepts it as nominations."""

import datetime as dt
from pathlib import Path

import pytest

from cadretrain.plans.models import OverlapScan, PlanItem, SeatAllocation, TrainingPlan
from cadretrain.standards.models import Requirement, Standard
from cadretrain.training.models import Enrolment, TrainingClass
from tests.training.helpers import open_class, programme
from tests.world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _sign_in(page, base: str, username: str, path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}{path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{path}")


def _draft_and_submit(page, base: str, username: str, year: int) -> None:
    _sign_in(page, base, username, "/plans/")
    page.fill("#n-year", str(year))
    page.get_by_role("button", name="Tạo kế hoạch").click()
    page.wait_for_url("**/plans/*/")
    page.get_by_role("button", name="Đề xuất từ thiếu hụt").click()
    page.wait_for_load_state()
    assert "Đã đề xuất 1 nội dung" in page.locator(".messages").inner_text()
    assert "Trung cấp lý luận chính trị" in page.locator("table").first.inner_text()
    page.get_by_role("button", name="Trình duyệt").click()
    page.wait_for_load_state()
    assert "Đã trình kế hoạch lên cấp trên." in page.locator(".messages").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wards_plan_the_same_course_and_the_city_merges_and_fills_one_shared_class(page, live_server):
    world = build_world()
    year = dt.date.today().year + 1
    base = live_server.url
    standard = Standard.objects.create(code="TC-LLCT", name="LLCT trung cấp", valid_from=dt.date(2020, 1, 1))
    Requirement.objects.create(standard=standard, group="LLCT", dimension="POLITICAL_THEORY", min_level="TRUNG_CAP")
    prog = programme()
    # Last year's class gives the programme a cost per learner: 80,000,000 over 40 seats.
    open_class("LLCT-CU", world.city, prog=prog, capacity=40, cost_vnd=80_000_000, status="PLANNED",
               start=dt.date(year - 2, 3, 2), end=dt.date(year - 2, 3, 13))
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size({"width": 1280, "height": 900})
    ARTIFACTS.mkdir(exist_ok=True)

    # Ward A (3 people lack the level) and ward B (2 people) each draft and submit.
    _draft_and_submit(page, base, "officer_a", year)
    page.screenshot(path=str(ARTIFACTS / "plan-ward-submitted.png"), full_page=True)
    _draft_and_submit(page, base, "officer_b", year)
    item = PlanItem.objects.get(plan__unit=world.ward_a)
    assert (item.people, item.budget_state, item.budget_total) == (3, 6_000_000, 6_000_000)

    # The city approves both plans.
    _sign_in(page, base, "admin", f"/plans/?year={year}")
    for plan in TrainingPlan.objects.filter(year=year).order_by("unit__code"):
        page.goto(f"{base}/plans/{plan.pk}/")
        page.get_by_role("button", name="Phê duyệt").click()
        page.wait_for_load_state()
        assert "Đã phê duyệt kế hoạch." in page.locator(".messages").inner_text()
    assert set(TrainingPlan.objects.filter(year=year).values_list("status", flat=True)) == {"APPROVED"}

    # Overlaps: nothing computed yet, then one analysis finds the two wards' course.
    page.goto(f"{base}/plans/overlaps/?year={year}")
    assert "Chưa phân tích trùng lặp" in page.locator("#overlap-status").inner_text()
    page.get_by_role("button", name="Phân tích").click()
    page.wait_for_load_state()
    assert "Mới nhất" in page.locator("#overlap-status").inner_text()
    cluster = page.locator("section.overlap-cluster").first
    assert "Phường Ba Đình" in cluster.inner_text() and "Phường Ngọc Hà" in cluster.inner_text()
    page.screenshot(path=str(ARTIFACTS / "plan-overlaps.png"), full_page=True)
    cluster.get_by_label("Mã lớp dùng chung").fill("LLCT-CHUNG")
    cluster.get_by_role("button", name="Gộp thành một lớp dùng chung").click()
    page.wait_for_url("**/plans/allocation/?classes=LLCT-CHUNG")
    shared = TrainingClass.objects.get(code="LLCT-CHUNG")
    assert shared.status == "OPEN" and shared.capacity == 5 and shared.cost_vnd == 10_000_000
    assert dict(SeatAllocation.objects.filter(training_class=shared).values_list("unit__code", "seats")) == {
        "00004": 3, "00008": 2}
    assert OverlapScan.objects.count() == 1

    # The optimiser fills the shared class within each ward's seats; accepting nominates them.
    assert page.locator("#a-classes").input_value() == "LLCT-CHUNG"
    page.fill("#a-away", "100")  # tiny wards: the default 30 % would let one person per ward go
    page.get_by_role("button", name="Lập phương án").click()
    page.wait_for_url("**/plans/allocation/*/")
    placed = page.locator("table").first.inner_text()
    assert placed.count("LLCT-CHUNG") == 0  # class codes sit in the inputs, not the text
    assert page.locator("input[name^=class_]").count() == 5
    assert "không dành chỗ cho đơn vị của người này" in page.locator("main").inner_text()  # P-D1, the department
    page.screenshot(path=str(ARTIFACTS / "plan-allocation.png"), full_page=True)
    page.get_by_role("button", name="Chấp nhận và tạo đề nghị cử học").click()
    page.wait_for_load_state()
    assert "Đã tạo 5 đề nghị cử học." in page.locator(".messages").inner_text()
    nominated = Enrolment.objects.filter(training_class=shared, status="NOMINATED")
    assert sorted(nominated.values_list("person__code", flat=True)) == ["P-A1", "P-A2", "P-A3", "P-B1", "P-B2"]
    assert failed == []
