"""Why a ticket could not be printed: a stable code for programs, a Chinese message for the screen."""

from __future__ import annotations

from devices.errors import DeviceError, DeviceFault, DeviceUnavailable


class PrinterError(DeviceError):
    code = "PRINTER_ERROR"


class PaperOut(PrinterError, DeviceFault):
    code = "PRINTER_PAPER_OUT"

    def __init__(self, message: str = "打印机缺纸，请联系工作人员更换纸卷", **kwargs: str) -> None:
        super().__init__(message, **kwargs)


class CoverOpen(PrinterError, DeviceFault):
    code = "PRINTER_COVER_OPEN"

    def __init__(self, message: str = "打印机纸仓盖未关好，请联系工作人员", **kwargs: str) -> None:
        super().__init__(message, **kwargs)


class PrinterFault(PrinterError, DeviceFault):
    """The printer answered: it is offline (PRINTER_OFFLINE) or reports a fault (PRINTER_FAULT)."""

    code = "PRINTER_FAULT"


class PrinterUnavailable(PrinterError, DeviceUnavailable):
    """No answer, or the link broke. `code` says which."""

    code = "PRINTER_UNAVAILABLE"

    def __init__(self, message: str = "打印机无应答，请联系工作人员检查电源和连接线", **kwargs: str) -> None:
        super().__init__(message, **kwargs)
