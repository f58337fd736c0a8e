"""Domain errors: each carries its HTTP status, a machine-readable code and a Chinese message for the UI.
Services raise them; one handler in app.py turns them into ErrorBody responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, detail: object | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail = detail


class Invalid(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class TooMany(DomainError):
    """`retry_after` (seconds) is sent as the Retry-After header."""

    status = 429

    def __init__(self, code: str, message: str, detail: object | None = None, retry_after: int | None = None):
        super().__init__(code, message, detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Something this server depends on (the platform, a target) cannot be reached now."""

    status = 503
