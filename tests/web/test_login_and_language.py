"""Signing in (with lockout after repeated failures) and switching the interface language."""

import os
import subprocess
import sys

from tests.world import PASSWORD

LOGIN = "/accounts/login/"


def test_login_with_the_right_password_opens_the_people_list(client, world):
    response = client.post(LOGIN, {"username": "officer_a", "password": PASSWORD, "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert "Nguyễn Văn An" in client.get("/people/").content.decode()


def test_five_failures_lock_the_username_even_with_the_right_password(client, world):
    for _ in range(5):
        response = client.post(LOGIN, {"username": "officer_a", "password": "sai-mat-khau"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 200
    assert "Tài khoản tạm khóa" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/people/").status_code == 302
    # Another username is not affected.
    assert client.post(LOGIN, {"username": "officer_b", "password": PASSWORD}).status_code == 302


def test_four_failures_do_not_lock(client, world):
    for _ in range(4):
        client.post(LOGIN, {"username": "officer_a", "password": "sai-mat-khau"})
    assert client.post(LOGIN, {"username": "officer_a", "password": PASSWORD}).status_code == 302


def test_argon2_is_the_first_hasher_outside_tests():
    env = {**os.environ, "CADRETRAIN_TESTING": "0", "DEBUG": "0", "SECRET_KEY": "k" * 64}
    env.pop("DATABASE_URL", None)
    code = ("import cadretrain.config.settings as s; print(s.PASSWORD_HASHERS[0])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_language_switch_sets_the_html_lang(client_for, world):
    officer = client_for("officer_a")
    assert '<html lang="vi">' in officer.get("/people/").content.decode()
    response = officer.post("/i18n/setlang/", {"language": "en", "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert '<html lang="en">' in officer.get("/people/").content.decode()
    officer.post("/i18n/setlang/", {"language": "vi", "next": "/people/"})
    assert '<html lang="vi">' in officer.get("/people/").content.decode()


def test_a_request_leaves_the_thread_in_the_language_it_had(client_for, world):
    from django.conf import settings
    from django.utils import translation

    officer = client_for("officer_a")
    officer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("vi"):
        assert '<html lang="en">' in officer.get("/people/").content.decode()
        assert translation.get_language() == "vi"
    translation.deactivate()
    assert '<html lang="en">' in officer.get("/people/").content.decode()
    assert translation.get_language() == settings.LANGUAGE_CODE == "vi"
