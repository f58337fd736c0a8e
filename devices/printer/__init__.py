"""The ticket printer (ESC/POS): layouts, the driver with its own status query, and a wire-level simulator."""

from devices.printer.driver import EscposTicketPrinter, PrintResult
from devices.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterUnavailable,
    UnencodableText,
)
from devices.printer.layouts import (
    CaseReceipt,
    GuideSheet,
    MissingMaterial,
    MissingMaterialsNotice,
    QueueTicket,
    RefusalNotice,
    SheetSection,
)
from devices.printer.profiles import PROFILES, PrinterProfile
from devices.printer.status import PaperLevel, PrinterStatus

__all__ = [
    "PROFILES",
    "CaseReceipt",
    "CoverOpen",
    "EscposTicketPrinter",
    "GuideSheet",
    "MissingMaterial",
    "MissingMaterialsNotice",
    "PaperLevel",
    "PaperOut",
    "PrintResult",
    "PrinterError",
    "PrinterFault",
    "PrinterProfile",
    "PrinterStatus",
    "PrinterUnavailable",
    "QueueTicket",
    "RefusalNotice",
    "SheetSection",
    "UnencodableText",
]
