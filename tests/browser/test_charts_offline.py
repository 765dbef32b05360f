"""In a real browser: the dashboard and the gap overview draw their charts with the vendored
Plotly bundle, and the page asks no host but our own server for anything (offline intranet)."""

from urllib.parse import urlsplit

import pytest

from cadretrain.standards.seed import load_seed_standards
from tests.world import PASSWORD, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_are_drawn_from_our_own_server_only(page, live_server):
    build_world()
    load_seed_standards()
    own = urlsplit(live_server.url).netloc
    foreign, errors = [], []
    page.on("request", lambda r: urlsplit(r.url).netloc not in ("", own) and foreign.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    for path in ("/reports/", "/standards/?as_of=2026-01-01"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(".js-plotly[data-drawn] svg.main-svg", timeout=15_000)
    assert foreign == [] and errors == []
