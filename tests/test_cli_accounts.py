"""`cadretrain user_create` and `token_create` as spec/interfaces.md: exit 0 on success, 1 with a
Vietnamese message on stderr for bad input and nothing created; the token alone on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cadretrain.accounts.models import ApiToken, User
from cadretrain.accounts.services import user_for_token


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point against the test database (committed data only)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{settings['NAME']}"
    else:
        # The host may be a unix-socket directory (CI's throwaway cluster): percent-encode it.
        host = quote(settings["HOST"] or "127.0.0.1", safe="")
        auth = quote(settings["USER"], safe="")
        if settings.get("PASSWORD"):
            auth += ":" + quote(settings["PASSWORD"], safe="")
        url = f"postgres://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CADRETRAIN_TESTING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cadretrain", *args, "--skip-checks"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_bad_role_exits_1_with_a_vietnamese_message_and_creates_nothing(world):
    before = User.objects.count()
    result = run_cli("user_create", "nguoimoi", "--role", "KING")
    assert result.returncode == 1
    assert "Vai trò không hợp lệ" in result.stderr
    assert User.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_token_create_prints_only_the_token_and_it_authenticates(world):
    result = run_cli("token_create", world.users["admin"].username)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ct_")
    assert user_for_token(lines[0]) == world.users["admin"]


@pytest.mark.django_db(transaction=True)
def test_token_create_for_an_unknown_user_exits_1(world):
    before = ApiToken.objects.count()
    result = run_cli("token_create", "khong-ton-tai")
    assert result.returncode == 1
    assert "Không có người dùng khong-ton-tai" in result.stderr
    assert result.stdout == ""
    assert ApiToken.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_user_create_succeeds_with_exit_0(world):
    result = run_cli("user_create", "canbo.moi", "--role", "UNIT_OFFICER", "--unit", world.ward_a.code,
                     "--password", "Mot-mat-khau-dai-2026")
    assert result.returncode == 0, result.stderr
    user = User.objects.get(username="canbo.moi")
    assert (user.role, user.unit_id) == ("UNIT_OFFICER", world.ward_a.pk)
    assert user.check_password("Mot-mat-khau-dai-2026")


def test_user_create_with_scope_for_each_role(world):
    call_command("user_create", "xem.a", role="VIEWER", unit=world.ward_a.code, stdout=StringIO())
    call_command("user_create", "truong.b", role="INSTITUTION_STAFF", institution=world.institution.name,
                 stdout=StringIO())
    learner_person = next(iter(world.people.values()))
    call_command("user_create", "hv.c", role="learner", person=learner_person.code, stdout=StringIO())
    call_command("user_create", "quantri.d", role="CITY_ADMIN", stdout=StringIO())
    assert User.objects.get(username="xem.a").unit == world.ward_a
    assert User.objects.get(username="truong.b").institution == world.institution
    assert User.objects.get(username="hv.c").person == learner_person
    admin = User.objects.get(username="quantri.d")
    assert admin.role == "CITY_ADMIN" and not admin.has_usable_password()


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["x1"], {}, "Cần chọn vai trò"),
        (["x2"], {"role": "UNIT_OFFICER"}, "cần gắn với một đơn vị"),
        (["x3"], {"role": "VIEWER", "unit": "KHONG-CO"}, "Không có đơn vị mã KHONG-CO"),
        (["x4"], {"role": "INSTITUTION_STAFF", "institution": "Trường không có"}, "Không có cơ sở đào tạo"),
        (["x5"], {"role": "LEARNER"}, "cần gắn với một cán bộ"),
        (["x6"], {"role": "LEARNER", "person": "KHONG-CO"}, "Không có cán bộ mã KHONG-CO"),
        (["x7"], {"role": "CITY_ADMIN", "password": "123"}, "Mật khẩu chưa đủ mạnh"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_created(world, args, options, message):
    before = User.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("user_create", *args, **options, stdout=StringIO())
    assert User.objects.count() == before


def test_an_existing_username_is_refused(world):
    taken = world.users["admin"].username
    with pytest.raises(CommandError, match="đã tồn tại"):
        call_command("user_create", taken, role="CITY_ADMIN", stdout=StringIO())
