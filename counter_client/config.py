"""What a counter (窗口终端) needs to know to start: its hall server, its window, the window's devices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CounterConfig:
    server: str  # http://127.0.0.1:8000
    window: int | None = None  # the window this PC stands at; None: the clerk picks one after signing in
    ledscreen: str = "sim://ledscreen"  # the window's LED screen (HallBus/1); empty: none
    evalpad: str = "sim://evalpad?proto=json&press=satisfied&delay=3"  # 评价器; empty: none
    idcard: str = "sim://idcard"  # the counter's ID card reader; empty: none
    printer: str = ""  # the window's receipt printer (ESC/POS, devices.printer URL); empty: none
    camera: str = ""  # the counter's camera for photos of materials (devices.camera URL); empty: none
    public_base_url: str = ""  # the receipt's QR: {this}/c/{case number}; empty: the ticket's follow base
    login: str = ""  # prefilled sign-in name
    rating_seconds: float = 60.0  # how long the pad asks before the service counts as not rated
    fullscreen: bool = False

    @property
    def ws_url(self) -> str:
        base = self.server.rstrip("/")
        scheme, _, rest = base.partition("://")
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"
