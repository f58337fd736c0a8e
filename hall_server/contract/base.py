from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# A row id or a window number as sent by a client: bounded so nothing out of the database's range gets in.
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]
WindowNo = Annotated[int, Field(ge=1, le=999)]


class Model(BaseModel):
    """Base of every contract model: unknown fields are refused, so a typo is an error, not silence."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OutModel(BaseModel):
    """Base of server responses: clients ignore fields they do not know yet (forward compatible)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ErrorBody(OutModel):
    """Every 4xx/5xx body: `code` is machine-readable (TICKET_NOT_FOUND), `message` is Chinese for the UI."""

    code: str
    message: str
    detail: object | None = None
