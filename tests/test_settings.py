"""Production safety of the settings: a real secret key is required with DEBUG off, and the
security headers are on. Each case starts a fresh interpreter with a controlled environment."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'secure': s.SESSION_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'csp': sorted(s.SECURE_CSP), 'hasher': s.PASSWORD_HASHERS[0], 'max_age': s.DATABASES['default']['CONN_MAX_AGE']}))"
)


def run_probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "HTTPS"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "cadretrain.config.settings", "CADRETRAIN_TESTING": "0", **env})
    return subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60)


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_probe()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_refuses_a_weak_secret_key():
    result = run_probe(SECRET_KEY="short")
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_settings_are_secure_with_a_real_key():
    import json

    result = run_probe(SECRET_KEY="x" * 64)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["secure"] is True
    assert values["hsts"] >= 31536000
    assert "script-src" in values["csp"] and "default-src" in values["csp"]
    assert values["hasher"].endswith("Argon2PasswordHasher")
    assert values["max_age"] > 0
