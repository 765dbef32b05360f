"""Shared fixtures: the persona world, logged-in clients, API clients with bearer tokens, and
Playwright pointed at Debian's chromium (Playwright's own browser download is unavailable)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.world import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests check results, not speed (timings belong in benchmarks/): Hypothesis's default
# 200 ms deadline per example failed a correct example at random when two workers shared the
# two cores.
hypothesis_settings.register_profile("cadretrain", deadline=None)
hypothesis_settings.load_profile("cadretrain")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Browser tests need Debian's chromium; say clearly when they are skipped."""
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: chromium not found at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(  # type: ignore[no-untyped-def]
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
):
    """On SQLite, test in a real file (WAL, busy timeout) rather than shared-cache memory, so
    concurrency tests see the same locking as production; each pytest process gets its own.
    Depends on pytest-django's xdist suffix fixture so PostgreSQL workers get test_<name>_gwN."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"]:
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()


@pytest.fixture
def client_for(world: World) -> Callable[[str | None], Client]:
    """A web client signed in as a persona (None = anonymous)."""

    def make(persona: str | None) -> Client:
        client = Client()
        if persona is not None:
            client.force_login(world.users[persona])
        return client

    return make


@pytest.fixture
def api_for(world: World) -> Callable[[str | None], Client]:
    """An API client carrying a bearer token for a persona (None = no token)."""

    def make(persona: str | None) -> Client:
        if persona is None:
            return Client()
        return Client(headers={"Authorization": f"Bearer {world.token(persona)}"})

    return make
