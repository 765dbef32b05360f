import pytest
from django.conf import settings as django_settings


@pytest.fixture(scope="session", autouse=True)
def plain_http_live_server():  # type: ignore[no-untyped-def]
    """Settings default to HTTPS outside DEBUG. The live server builds its middleware once per
    session, so plain HTTP must be set before it starts, not per test."""
    names = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    saved = {name: getattr(django_settings, name) for name in names}
    for name in names:
        setattr(django_settings, name, False)
    yield
    for name, value in saved.items():
        setattr(django_settings, name, value)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    """A Vietnamese user's browser: LocaleMiddleware would otherwise follow Chromium's en-US."""
    return {**browser_context_args, "locale": "vi-VN"}
