"""Why a ticket could not be printed: a stable code for programs, a Chinese message for the screen."""

from __future__ import annotations

from collections.abc import Sequence

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


class UnencodableText(PrinterError):
    """Text the printer's encoding cannot represent (e.g. 𠮷, 䶮, €, ¥ on a GBK printer). Nothing was sent:
    a ticket or notice with a wrong character in a name is worse than none. The profile option
    `unencodable=mark` prints them as 〓 instead and reports them in the PrintResult."""

    code = "PRINTER_UNENCODABLE_TEXT"

    def __init__(self, characters: Sequence[str], encoding: str) -> None:
        super().__init__(
            f"打印机编码 {encoding.upper()} 无法打印这些字符：{'、'.join(characters)}；"
            "请改用 GB18030 打印机配置（encoding=gb18030），或设置 unencodable=mark 以“〓”代替并提示",
            detail=", ".join(f"U+{ord(ch):04X}" for ch in characters),
        )
        self.characters = tuple(characters)
        self.encoding = encoding
