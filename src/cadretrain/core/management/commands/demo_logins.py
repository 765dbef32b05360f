"""`cadretrain demo_logins`: print the URL and the demo sign-ins (printed by `make run`)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from cadretrain.demo.users import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "In địa chỉ và các tài khoản dùng thử."

    def handle(self, *args: object, **options: object) -> None:
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"Địa chỉ: http://{host}:{port}/")
        self.stdout.write(f"Tài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in DEMO_LOGINS)
        role_width = max(len(login.role) for login in DEMO_LOGINS)
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<{role_width}}  {login.scope}")
