"""Navigation shown in the base layout, filtered by what the actor's role may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadretrain.domain.access import Role

# (url name, label, roles that see it; None = every signed-in role). Entries whose URL does not
# resolve (an app not installed yet) are left out, so the menu never shows a dead link.
NAV_ITEMS: list[tuple[str, Any, frozenset[Role] | None]] = [
    ("web:home", _("Tổng quan"), None),
    ("org:unit-list", pgettext_lazy("menu", "Đơn vị"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER})),
    ("people:person-list", pgettext_lazy("menu", "Cán bộ"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER, Role.INSTITUTION_STAFF})),
    ("standards:gap-overview", _("Tiêu chuẩn & thiếu hụt"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER})),
    ("catalogue:programme-list", _("Chương trình"), None),
    ("training:class-list", _("Lớp học"), None),
    ("training:my-learning", _("Học tập của tôi"), frozenset({Role.LEARNER})),
    ("plans:plan-list", _("Kế hoạch"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER})),
    ("abroad:abroad-list", _("Đào tạo nước ngoài"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER})),
    ("reports:dashboard", _("Báo cáo"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER})),
    ("interchange:import", _("Nhập / xuất dữ liệu"), frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER})),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"nav_items": []}
    items = []
    for name, label, roles in NAV_ITEMS:
        if roles is not None and actor.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items, "actor": actor}
