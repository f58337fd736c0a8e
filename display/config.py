"""What a display service needs to start: its hall server, device token, profile, page port and voice."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from display.voice import QuietHours
from hall_server.contract.displays import PROFILE_NAME, WHOLE_HALL


class DisplayConfig(BaseModel):
    server: str = "http://127.0.0.1:8000"
    token: str = Field(min_length=8)  # the display's device token (kind display)
    profile: str = Field(default=WHOLE_HALL, pattern=PROFILE_NAME)
    host: str = "127.0.0.1"  # the page is for the Chromium on this PC
    port: int = Field(default=8300, ge=0, le=65535)  # 0: any free port (tests)
    voice: str = "sim://voice?engine=clips"  # devices.voice URL; empty: no voice at all
    voice_repeat: int = Field(default=2, ge=1, le=5)
    volume: int = Field(default=100, ge=0, le=100)
    quiet_hours: str = ""  # e.g. 22:00-07:00; empty: never quiet
    sound_device: str = ""  # aplay -D, e.g. "null"; "record": keep the sound in memory (no speakers)
    max_call_age_s: float = Field(default=10.0, gt=0)  # older calls are shown, not announced
    backoff_max_s: float = Field(default=10.0, gt=0)  # reconnect waits 0.5 s, 1 s, 2 s … up to this

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        if value:
            QuietHours.parse(value)
        return value

    @property
    def quiet(self) -> QuietHours | None:
        return QuietHours.parse(self.quiet_hours) if self.quiet_hours else None

    @property
    def ws_url(self) -> str:
        base = self.server.rstrip("/")
        scheme, _, rest = base.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"
