"""The card photo: 1024 bytes in the licensed WLT format, kept as opaque bytes behind a pluggable decoder.

No open-source WLT decoder exists: every reader SDK decodes it with a native library licensed with the
reader (`libwlt2bmp.so`, `WltRS.dll`, `DecodeWlt`, ...), whose output is a 102×126 24-bit BMP. Yimen does
not ship one and does not pretend to: `NoLicensedDecoder` is the only decoder here and says so. A kiosk
holding a vendor library can supply its own `PhotoDecoder` (a ctypes wrapper) without touching the driver.
"""

from __future__ import annotations

from typing import Protocol

from devices.idcard.errors import PhotoDecoderUnavailableError

WLT_SIZE = 1024
PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126


class PhotoDecoder(Protocol):
    """Turns the card's WLT bytes into a 102×126 BMP image, or raises PhotoDecoderUnavailableError."""

    @property
    def available(self) -> bool: ...

    def decode(self, wlt: bytes) -> bytes: ...


class NoLicensedDecoder:
    """The decoder of a machine without the reader vendor's licensed WLT library: it decodes nothing."""

    reason = "本机未安装经授权的身份证相片解码库，无法显示证件相片"

    @property
    def available(self) -> bool:
        return False

    def decode(self, wlt: bytes) -> bytes:
        raise PhotoDecoderUnavailableError(
            self.reason, detail=f"WLT is a licensed format; {len(wlt)} bytes kept undecoded"
        )
