"""Hall display profiles (叫号屏配置) and the notice line managers post on the hall screens.

A profile says what one screen shows: the whole hall (empty lists), or one zone, e.g. the 企业服务 zone's
screen with only its windows and categories. Profiles are data on the server: the display service fetches its
profile by name at start and whenever the live feed says profiles changed.
"""

from __future__ import annotations

from pydantic import Field

from hall_server.contract.base import Model, OutModel, WindowNo
from hall_server.contract.privacy import FreeText

WHOLE_HALL = "hall"  # the profile every display has even if nobody defined it: everything
PROFILE_NAME = r"^[a-z][a-z0-9_-]{0,31}$"


class DisplayProfileIn(Model):
    title: FreeText = Field(
        min_length=1, max_length=50, description="shown under the hall name, e.g. 企业服务区"
    )
    window_numbers: list[WindowNo] = Field(default_factory=list, max_length=200, description="empty: all")
    category_codes: list[str] = Field(default_factory=list, max_length=100, description="empty: all")


class DisplayProfileOut(OutModel):
    name: str
    title: str
    window_numbers: list[int]
    category_codes: list[str]


class NoticeIn(Model):
    """The notice line (通知栏) of every hall screen; empty takes it down."""

    text: FreeText = Field(default="", max_length=120)
