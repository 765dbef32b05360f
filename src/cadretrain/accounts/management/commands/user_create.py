"""`cadretrain user_create USERNAME --role ROLE [--unit CODE] [--institution NAME] [--person CODE]
[--password P]`: exit 0 when created; 1 with a Vietnamese message on stderr, nothing created."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cadretrain.accounts.services import user_create
from cadretrain.core.errors import error_message
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import DomainError


class Command(BaseCommand):
    help = "Tạo người dùng với vai trò và phạm vi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        # Not `required=True`: a missing role is bad input (exit 1), not an argparse usage error.
        parser.add_argument("--role", default="",
                            help="CITY_ADMIN, UNIT_OFFICER, INSTITUTION_STAFF, LEARNER hoặc VIEWER")
        parser.add_argument("--unit", default=None, help="mã đơn vị (UNIT_OFFICER, VIEWER)")
        parser.add_argument("--institution", default=None, help="tên cơ sở đào tạo (INSTITUTION_STAFF)")
        parser.add_argument("--person", default=None, help="mã cán bộ (LEARNER)")
        parser.add_argument("--password", default=None, help="mật khẩu (bỏ trống: không đăng nhập bằng mật khẩu)")

    def handle(self, *args: object, **options: object) -> None:
        role = str(options["role"] or "").strip().upper()
        if not role:
            raise CommandError(_("Cần chọn vai trò (--role)."))
        try:
            user = user_create(
                actor=Actor.system(), username=str(options["username"]), role=role,
                password=options["password"] or None,  # type: ignore[arg-type]
                unit_code=options["unit"] or None,  # type: ignore[arg-type]
                institution_name=options["institution"] or None,  # type: ignore[arg-type]
                person_code=options["person"] or None,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            raise CommandError(error_message(exc)) from None
        self.stdout.write(_("Đã tạo người dùng {username} (vai trò {role}).").format(
            username=user.username, role=user.role))
