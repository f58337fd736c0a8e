"""Printer models: paper width, text encoding and the command that puts the printer in Chinese mode.

Chinese ESC/POS printers differ in exactly the ways that break a ticket: the paper width (80 mm heads print
576 dots, 58 mm heads 384), the double-byte encoding the firmware expects (GB18030 on current models, GBK on
older ones; a GBK printer cannot print 𠮷, 䶮, € or ¥, all of which GB18030 has) and whether the host
must send `FS &` (1C 26, "select Kanji character mode") before double-byte text or the printer is already
in that mode by DIP switch. One `PrinterProfile` holds those facts; a device URL picks a profile by name and
may override single fields (`?profile=generic58&encoding=gbk&chinese_mode=none`).

Text the encoding cannot represent is refused (`unencodable=error`, the default: UnencodableText names the
characters) or, with `unencodable=mark`, printed as 〓 and reported in the PrintResult for the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from devices.transport import DeviceUrl, DeviceUrlError

FS_KANJI_ON = b"\x1c\x26"  # FS &
FS_KANJI_OFF = b"\x1c\x2e"  # FS .

CHINESE_MODES: dict[str, tuple[bytes, bytes]] = {
    "fs": (FS_KANJI_ON, FS_KANJI_OFF),  # send FS & before text, FS . after the job
    "none": (b"", b""),  # the printer is always in double-byte mode (DIP switch)
}

ENCODINGS = ("gb18030", "gbk")
UNENCODABLE = ("error", "mark")


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    title: str
    width_dots: int  # printable width of the head at 203 dpi
    columns: int  # half-width (ASCII) characters of font A (12 x 24 dots) per line
    encoding: str = "gb18030"
    chinese_mode: str = "fs"
    cutter: str = "full"  # "full", "partial" or "none" (many 58 mm printers tear off by hand)
    qr_module_dots: int = 6  # dots per QR module in the rendered code
    qr_native: bool = False  # GS ( k on the printer instead of a GS v 0 raster
    max_magnification: int = 6  # for the ticket number
    unencodable: str = "error"  # text outside the encoding: "error" refuses the job, "mark" prints 〓

    @property
    def chinese_on(self) -> bytes:
        return CHINESE_MODES[self.chinese_mode][0]

    @property
    def chinese_off(self) -> bytes:
        return CHINESE_MODES[self.chinese_mode][1]


PROFILES: dict[str, PrinterProfile] = {
    profile.name: profile
    for profile in (
        PrinterProfile("generic80", "通用 80 mm 热敏打印机 (GB18030)", width_dots=576, columns=48),
        PrinterProfile(
            "generic58",
            "通用 58 mm 热敏打印机 (GB18030)",
            width_dots=384,
            columns=32,
            qr_module_dots=5,
            max_magnification=5,
        ),
    )
}

DEFAULT_PROFILE = "generic80"


def profile_from_url(url: DeviceUrl) -> PrinterProfile:
    """The profile named by `?profile=`, with the URL's encoding, chinese_mode, cutter and qr overrides."""
    name = url.option("profile", DEFAULT_PROFILE)
    if name not in PROFILES:
        raise DeviceUrlError(f"{url.raw}: unknown printer profile {name!r}; known: {', '.join(PROFILES)}")
    profile = PROFILES[name]
    encoding = url.option("encoding", profile.encoding).lower()
    if encoding not in ENCODINGS:
        raise DeviceUrlError(f"{url.raw}: encoding {encoding!r} is not one of {', '.join(ENCODINGS)}")
    chinese_mode = url.option("chinese_mode", profile.chinese_mode)
    if chinese_mode not in CHINESE_MODES:
        raise DeviceUrlError(f"{url.raw}: chinese_mode {chinese_mode!r} is not one of fs, none")
    cutter = url.option("cutter", profile.cutter)
    if cutter not in ("full", "partial", "none"):
        raise DeviceUrlError(f"{url.raw}: cutter {cutter!r} is not one of full, partial, none")
    unencodable = url.option("unencodable", profile.unencodable)
    if unencodable not in UNENCODABLE:
        raise DeviceUrlError(f"{url.raw}: unencodable {unencodable!r} is not one of error, mark")
    qr = url.option("qr", "native" if profile.qr_native else "image")
    if qr not in ("image", "native"):
        raise DeviceUrlError(f"{url.raw}: qr {qr!r} is not one of image, native")
    return replace(
        profile,
        encoding=encoding,
        chinese_mode=chinese_mode,
        cutter=cutter,
        qr_native=qr == "native",
        unencodable=unencodable,
    )
