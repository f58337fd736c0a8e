"""Errors every device raises: a machine-readable code for programs and a Chinese message for the screen."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of all device errors: `code` is stable (e.g. "IDCARD_READ_FAILED"), `message` is for people."""

    code = "DEVICE_ERROR"

    def __init__(self, message: str, *, code: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.detail})" if self.detail else "")


class DeviceFault(DeviceError):
    """The device answered and reports that it cannot work: paper out, cover open, security module failed,
    display module fault. Someone has to act at the device; the line to it is fine."""

    code = "DEVICE_FAULT"


class DeviceUnavailable(DeviceError):
    """The device does not answer: unplugged, powered off, wrong port."""

    code = "DEVICE_UNAVAILABLE"


class DeviceTimeout(DeviceError):
    code = "DEVICE_TIMEOUT"


class ProtocolError(DeviceError):
    """Bytes that do not follow the device's protocol (bad checksum, bad length, unknown reply)."""

    code = "DEVICE_PROTOCOL_ERROR"
