import pytest


@pytest.fixture(autouse=True)
def plain_http(settings):  # type: ignore[no-untyped-def]
    """Settings default to HTTPS outside DEBUG; the test client and live server speak plain HTTP."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
