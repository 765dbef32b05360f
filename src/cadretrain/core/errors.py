"""Stable error codes → messages in the user's language.

Each app may keep an `errors.py` with a `MESSAGES` dict (code → lazy translated template using
`{param}` placeholders); they are merged here so that every interface (web, API, CLI, importer)
shows the same sentence for the same refusal."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from cadretrain.domain.errors import DomainError

MESSAGES: dict[str, Any] = {
    "not_found": _("Không tìm thấy."),
    "not_allowed": _("Bạn không có quyền thực hiện thao tác này."),
    "unauthorized": _("Cần đăng nhập hoặc mã truy cập API hợp lệ."),
    "validation_error": _("Dữ liệu gửi lên không hợp lệ."),
    "unknown_role": _("Vai trò không hợp lệ: {role}."),
    "username_required": _("Cần nhập tên đăng nhập."),
    "username_taken": _("Tên đăng nhập {username} đã tồn tại."),
    "unit_required": _("Vai trò {role} cần gắn với một đơn vị (--unit)."),
    "unknown_unit": _("Không có đơn vị mã {code}."),
    "institution_required": _("Vai trò cán bộ cơ sở đào tạo cần gắn với một cơ sở (--institution)."),
    "unknown_institution": _("Không có cơ sở đào tạo tên {name}."),
    "person_required": _("Vai trò học viên cần gắn với một cán bộ (--person)."),
    "unknown_person": _("Không có cán bộ mã {code}."),
    "weak_password": _("Mật khẩu chưa đủ mạnh: {reasons}"),
    "orgunit_not_found": _("Không tìm thấy đơn vị."),
    "person_not_found": _("Không tìm thấy cán bộ."),
    "login_locked": _("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút."),
}


@cache
def _registry() -> dict[str, Any]:
    merged = dict(MESSAGES)
    for config in apps.get_app_configs():
        if not config.name.startswith("cadretrain."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.errors")
        except ModuleNotFoundError:
            continue
        merged.update(getattr(module, "MESSAGES", {}))
    return merged


def message_for(code: str, params: dict[str, Any] | None = None, *,
                prefer: Mapping[str, Any] | None = None) -> str:
    """The translated sentence for an error code (the code itself when none is registered);
    `prefer`: an interface's own wording of some codes, used before the shared one."""
    template = (prefer or {}).get(code) or _registry().get(code)
    if template is None:
        return code.replace("_", " ")
    try:
        return str(template).format(**(params or {}))
    except (KeyError, IndexError):
        return str(template)


def error_message(exc: DomainError) -> str:
    return message_for(exc.code, exc.params)
