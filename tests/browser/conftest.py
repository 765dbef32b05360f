import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # type: ignore[no-untyped-def]
    """A Vietnamese user's browser (the product is Vietnamese unless the user switches)."""
    return {**browser_context_args, "locale": "vi-VN"}
