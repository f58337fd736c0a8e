from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field

# A row id or a window number as sent by a client: bounded so nothing out of the database's range gets in.
DB_ID_MAX = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]
WindowNo = Annotated[int, Field(ge=1, le=999)]
# The days a hall deals with: wide enough for any service day, narrow enough that no day arithmetic overflows.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
HallDate = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class Model(BaseModel):
    """Base of every contract model: unknown fields are refused, so a typo is an error, not silence."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def replaced(self, **changes: object) -> Self:
        """A copy with `changes`, validated like the original (model_copy(update=...) skips validation)."""
        return self.model_validate({**self.model_dump(), **changes})


class OutModel(BaseModel):
    """Base of server responses: clients ignore fields they do not know yet (forward compatible)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)


class ErrorBody(OutModel):
    """Every 4xx/5xx body: `code` is machine-readable (TICKET_NOT_FOUND), `message` is Chinese for the UI."""

    code: str
    message: str
    detail: object | None = None
