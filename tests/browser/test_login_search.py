"""In a real browser: an officer signs in through the form, searches the people list without
diacritics and finds the Vietnamese name; CSS and scripts load from our own server."""

from pathlib import Path

import pytest

from tests.world import PASSWORD, build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_logs_in_and_finds_a_name_without_diacritics(page, live_server):
    build_world()
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/people/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Tên đăng nhập").fill("officer_a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}/people/")

    page.get_by_label("Tìm theo tên hoặc mã").fill("nguyen")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_url("**/people/?q=nguyen*")
    body = page.locator("main").inner_text()
    assert "Nguyễn Văn An" in body
    assert "Nguyễn Thị Dung" not in body  # the other ward's namesake stays hidden

    # The stylesheet applied (the top bar takes the brand colour) and nothing failed to load.
    colour = page.locator("header.topbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(164, 22, 26)"
    assert failed == []

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-search.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "people-search-mobile.png"), full_page=True)
    page.goto(f"{live_server.url}/units/")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "units.png"), full_page=True)
    page.goto(f"{live_server.url}/people/P-A1/")
    page.screenshot(path=str(ARTIFACTS / "person.png"), full_page=True)
    page.goto(f"{live_server.url}/people/new/")
    page.get_by_role("button", name="Lưu").click()  # empty form: the browser stays on the page
    page.screenshot(path=str(ARTIFACTS / "person-new.png"), full_page=True)
    assert "Trường này là bắt buộc" in page.locator("main").inner_text()
    assert failed == []
