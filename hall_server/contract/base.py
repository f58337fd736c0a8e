from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every contract model: unknown fields are refused, so a typo is an error, not silence."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OutModel(BaseModel):
    """Base of server responses: clients ignore fields they do not know yet (forward compatible)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ErrorBody(OutModel):
    """Every 4xx/5xx body. `code` is machine-readable (e.g. TICKET_NOT_FOUND); `message` is Chinese for the UI."""

    code: str
    message: str
    detail: object | None = None
