"""Domain errors carry a stable code and parameters; the message is translated at the edge."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation. `code` is stable and documented; nothing was changed."""

    status: int = 400

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class NotFound(DomainError):
    """The object does not exist *or* the actor may not see it (the two are indistinguishable)."""

    status = 404

    def __init__(self, code: str = "not_found", /, **params: Any) -> None:
        super().__init__(code, **params)


class NotAllowed(DomainError):
    """The actor can see the object but may not perform this action on it."""

    status = 403

    def __init__(self, code: str = "not_allowed", /, **params: Any) -> None:
        super().__init__(code, **params)


class Conflict(DomainError):
    """The operation conflicts with the current state (full class, duplicate, concurrent change)."""

    status = 409
