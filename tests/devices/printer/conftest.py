"""A real driver on a pty, with the simulator on the other end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from devices.printer.driver import EscposTicketPrinter
from devices.printer.links import SerialLink
from devices.printer.profiles import PROFILES, PrinterProfile
from devices.printer.render import Bitmap
from devices.printer.simulator import EscposSimulator, PrintedPage
from devices.transport import RunningSimulator, start_pty_simulator

STATUS_TIMEOUT = 0.2


@dataclass
class PrinterOnPty:
    printer: EscposTicketPrinter
    simulator: EscposSimulator
    running: RunningSimulator

    def received(self) -> bytes:
        return b"".join(data for direction, data in self.simulator.transcript if direction == "rx")


@pytest.fixture
def printer_on_pty() -> Iterator[Callable[..., PrinterOnPty]]:
    opened: list[PrinterOnPty] = []

    def open_(profile: PrinterProfile = PROFILES["generic80"], **simulator_options: object) -> PrinterOnPty:
        simulator_options.setdefault("width_dots", profile.width_dots)
        simulator = EscposSimulator(**simulator_options)  # type: ignore[arg-type]
        running = start_pty_simulator(simulator, name="printer-test")
        printer = EscposTicketPrinter(SerialLink(running.endpoint), profile, status_timeout=STATUS_TIMEOUT)
        opened.append(PrinterOnPty(printer, simulator, running))
        return opened[-1]

    yield open_
    for item in opened:
        item.printer.close()
        item.running.stop()


def decode_printed_qr(page: PrintedPage) -> list[str]:
    """Decode every raster the head printed, as printed (with a quiet zone around it)."""
    texts = []
    for element in page.elements:
        if isinstance(element, Bitmap):
            padded = ImageOps.expand(element.image, border=40, fill=255)
            text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.array(padded))
            texts.append(text)
    return texts


def decode_page_qr(image: Image.Image) -> str:
    """Find and decode a QR code anywhere on the rendered ticket."""
    text, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(np.array(image))
    return str(text)
