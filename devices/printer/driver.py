"""The ticket printer driver: asks the printer before printing, sends the job, asks again.

A job is sent only when the printer said it can print (online, cover closed, paper not out), and a job is
reported printed only when the printer still says so afterwards. Paper near its end prints and is reported
in the result, so the kiosk can call a clerk before it runs out. Status is `DLE EOT 1, 2, 4` (see
`devices.printer.status`); on a write-only link (file://) the status is unknown and the result says the job
was sent but not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.printer import compose
from devices.printer.errors import CoverOpen, PaperOut, PrinterFault, PrinterUnavailable
from devices.printer.layouts import (
    CaseReceipt,
    GuideSheet,
    MissingMaterialsNotice,
    QueueTicket,
    RefusalNotice,
)
from devices.printer.links import PrinterLink
from devices.printer.profiles import PrinterProfile
from devices.printer.status import (
    NOT_QUERYABLE,
    QUERY_OFFLINE_CAUSE,
    QUERY_PAPER,
    QUERY_PRINTER,
    PaperLevel,
    PrinterStatus,
    decode_status,
    status_query,
)
from devices.transport import RunningSimulator


@dataclass(frozen=True)
class PrintResult:
    bytes_sent: int
    status: PrinterStatus  # after the job; before it, on a write-only link
    confirmed: bool  # the printer answered after the job and could still print
    substituted: tuple[str, ...] = ()  # printed as 〓: outside the encoding (profile unencodable=mark)

    @property
    def paper_near_end(self) -> bool:
        return self.status.paper is PaperLevel.NEAR_END

    @property
    def warning(self) -> str | None:
        """What the caller shows when characters were replaced: the paper does not say what they were."""
        if not self.substituted:
            return None
        listed = "、".join(f"{ch}（U+{ord(ch):04X}）" for ch in self.substituted)
        return f"打印机编码无法打印 {listed}，票据上已印为“〓”，请人工核对"


class EscposTicketPrinter:
    def __init__(
        self,
        link: PrinterLink,
        profile: PrinterProfile,
        *,
        status_timeout: float = 0.3,
        job_timeout: float = 3.0,
        simulator: RunningSimulator | None = None,
    ) -> None:
        self.link = link
        self.profile = profile
        self.status_timeout = status_timeout
        self.job_timeout = job_timeout  # extra wait for the answer after a job (the printer may be busy)
        self.simulator = simulator  # the sim:// printer this driver started, stopped on close

    def status(self) -> PrinterStatus:
        return self._status(self.status_timeout)

    def _status(self, first_timeout: float) -> PrinterStatus:
        if not self.link.queryable:
            return NOT_QUERYABLE
        printer = self.link.query(status_query(QUERY_PRINTER), first_timeout)
        if printer is None:  # one timeout is enough to know nobody answers
            return decode_status(None, None, None)
        cause = self.link.query(status_query(QUERY_OFFLINE_CAUSE), self.status_timeout)
        paper = self.link.query(status_query(QUERY_PAPER), self.status_timeout)
        return decode_status(printer, cause, paper)

    def print_ticket(self, ticket: QueueTicket) -> PrintResult:
        return self.print_job(compose.ticket_job(ticket, self.profile))

    def print_notice(self, notice: MissingMaterialsNotice) -> PrintResult:
        return self.print_job(compose.notice_job(notice, self.profile))

    def print_receipt(self, receipt: CaseReceipt) -> PrintResult:
        return self.print_job(compose.receipt_job(receipt, self.profile))

    def print_refusal(self, notice: RefusalNotice) -> PrintResult:
        return self.print_job(compose.refusal_job(notice, self.profile))

    def print_guide(self, sheet: GuideSheet) -> PrintResult:
        return self.print_job(compose.guide_job(sheet, self.profile))

    def print_test_page(self, now: datetime | None = None) -> PrintResult:
        return self.print_job(compose.test_page_job(self.profile, now or datetime.now().astimezone()))

    def print_job(self, job: bytes) -> PrintResult:
        """Send a job built for this printer's profile; raises PaperOut, CoverOpen, PrinterFault,
        PrinterUnavailable. (The print_* methods raise UnencodableText before anything is sent.)"""
        substituted = job.substituted if isinstance(job, compose.PrintJob) else ()
        before = self.status()
        if not before.queryable:
            self.link.write(job)
            return PrintResult(len(job), before, confirmed=False, substituted=substituted)
        raise_unless_printable(before)
        self.link.write(job)
        # The query queues behind the job: the printer sees it once the job has crossed the wire and, with
        # flow control, once its buffer has room. The wait is long only when the printer fails to answer.
        after = self._status(self.status_timeout + self.link.wire_seconds(len(job)) + self.job_timeout)
        raise_unless_printable(after, during_job=True)
        return PrintResult(len(job), after, confirmed=True, substituted=substituted)

    def close(self) -> None:
        self.link.close()
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None


def raise_unless_printable(status: PrinterStatus, *, during_job: bool = False) -> None:
    """Raise the error that tells why a printer with this status cannot print (or did not finish a job)."""
    mid_job = "，本张票据可能不完整" if during_job else ""
    if not status.answered:
        raise PrinterUnavailable(
            "打印机无应答" + ("，无法确认是否已打印" if during_job else "") + "，请联系工作人员",
            code="PRINTER_NO_ANSWER",
        )
    if status.cover_open:
        raise CoverOpen(f"打印机纸仓盖未关好{mid_job}，请联系工作人员")
    if status.paper is PaperLevel.OUT:
        raise PaperOut(f"打印机缺纸{mid_job}，请联系工作人员更换纸卷")
    if status.error:
        raise PrinterFault(f"打印机报告故障{mid_job}，请联系工作人员", code="PRINTER_FAULT")
    if not status.online:
        raise PrinterFault(f"打印机脱机{mid_job}，请联系工作人员", code="PRINTER_OFFLINE")
