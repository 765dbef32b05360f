"""`cadretrain token_create USERNAME`: print a new API token alone on stdout (exit 0); an unknown
or inactive user is exit 1 with a Vietnamese message on stderr."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cadretrain.accounts.models import User
from cadretrain.accounts.services import token_create
from cadretrain.domain.access import Actor


class Command(BaseCommand):
    help = "Tạo mã truy cập API mới cho một người dùng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"]).strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("Không có người dùng {username}.").format(username=username))
        self.stdout.write(token_create(actor=Actor.system(), user=user))
