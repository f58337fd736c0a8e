from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hall_server.contract.base import Model, OutModel


class IdKind(StrEnum):
    """Kinds of identity a visitor can present (checked by hall_server.contract.idnumbers)."""

    RESIDENT = "RESIDENT"  # 居民身份证
    HMT_PERMIT = "HMT_PERMIT"  # 港澳台居民居住证
    FOREIGN_PR_2023 = "FOREIGN_PR_2023"  # 外国人永久居留身份证（2023版）
    FOREIGN_PR_OLD = "FOREIGN_PR_OLD"  # 外国人永久居留证（旧版）
    USCC = "USCC"  # 统一社会信用代码（企业）


class IdentityIn(Model):
    """An identity as read from the card or typed. Sent only in request bodies, never in URLs."""

    kind: IdKind
    number: str = Field(min_length=8, max_length=32)
    name: str | None = Field(default=None, max_length=100)


class IdentityOut(OutModel):
    """What any API returns about a person or company: masked only."""

    kind: IdKind
    number_masked: str
    name_masked: str | None = None
