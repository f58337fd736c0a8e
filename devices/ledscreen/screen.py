"""What the counter client needs of a window screen, whatever drives it."""

from __future__ import annotations

from typing import Protocol

from devices.ledscreen.commands import DisplayMode, ScreenStatus


class WindowScreen(Protocol):
    def show(self, text: str, line: int = 0, mode: str | DisplayMode = "static") -> None:
        """Show text on one line ("请 A012 号", "欢迎光临"); static or scrolling."""
        ...

    def clear(self) -> None: ...

    def status(self) -> ScreenStatus:
        """What the screen shows now, its brightness and whether it reports a fault."""
        ...

    def close(self) -> None: ...
