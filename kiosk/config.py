"""What a kiosk needs to know to start: its hall server, its device token, its devices, how it looks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Orientation(StrEnum):
    PORTRAIT = "portrait"  # 1080×1920, the usual free-standing kiosk
    LANDSCAPE = "landscape"  # 1920×1080, a desk or wall kiosk


@dataclass(frozen=True)
class KioskConfig:
    server: str  # http://127.0.0.1:8000
    token: str  # the kiosk's device token (yimen device register / the demo data)
    idcard: str = "sim://idcard"
    printer: str = "sim://printer"
    camera: str = "sim://camera"
    voice: str = "sim://voice?engine=espeak"  # empty: no voice
    voice_always: bool = False  # speak every step in standard mode too (not only in elder mode)
    sound_device: str = ""  # the ALSA device aplay plays on (aplay -D), e.g. "null"; empty: the default
    place: str = "自助服务区"  # where it stands: shown to staff on help requests and device health
    fullscreen: bool = False
    elder: bool = False
    language: Language = Language.ZH
    orientation: Orientation = Orientation.PORTRAIT
    idle_seconds: float = 60.0  # back home, personal data wiped; doubled in elder mode
    health_seconds: float = 60.0  # device health reports to the hall server

    @property
    def ws_url(self) -> str:
        base = self.server.rstrip("/")
        scheme, _, rest = base.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"

    @property
    def simulated(self) -> bool:
        """Some device is a simulator: the kiosk offers the simulator panel (a demo PC has no card)."""
        return any(url.startswith("sim://") for url in (self.idcard, self.printer, self.camera))
