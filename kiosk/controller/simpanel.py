"""The 模拟设备 strip of a demo kiosk (config.simulated): a PC without a card reader, printer or camera is
used end to end by placing fixture cards, emptying the printer's paper and showing an appointment QR to
the simulated camera. Only sim:// devices are touched: the handles DeviceHub keeps in `simulators`."""

from __future__ import annotations

from urllib.parse import quote

from devices.idcard.cards import CARDS, load_card
from devices.idcard.simulator import IdCardSimulator
from devices.printer.simulator import EscposSimulator
from kiosk.controller.kiosk import KioskController, Screen


class SimulatorPanel:
    def __init__(self, controller: KioskController) -> None:
        self.controller = controller
        self.cards = list(CARDS)
        self.card = self.cards[0]
        self.qr_code = ""  # the appointment code the simulated phone shows

    @property
    def shown(self) -> bool:
        return self.controller.config.simulated

    def _reader(self) -> IdCardSimulator | None:
        running = self.controller.devices.simulators.get("idcard")
        simulator = running.simulator if running is not None else None
        return simulator if isinstance(simulator, IdCardSimulator) else None

    def _printer(self) -> EscposSimulator | None:
        running = self.controller.devices.simulators.get("printer")
        simulator = running.simulator if running is not None else None
        return simulator if isinstance(simulator, EscposSimulator) else None

    @property
    def has_reader(self) -> bool:
        return self._reader() is not None

    @property
    def has_printer(self) -> bool:
        return self._printer() is not None

    @property
    def has_camera(self) -> bool:
        return self.controller.config.camera.startswith("sim://")

    def choose_card(self, name: str) -> None:
        self.card = name

    def place_card(self) -> None:
        reader = self._reader()
        if reader is not None:
            reader.place(load_card(self.card))

    def remove_card(self) -> None:
        reader = self._reader()
        if reader is not None:
            reader.remove()

    def paper_out(self) -> None:
        printer = self._printer()
        if printer is not None:
            printer.set_paper("out")

    def paper_back(self) -> None:
        printer = self._printer()
        if printer is not None:
            printer.set_paper("ok")
            printer.set_cover(False)

    def show_qr(self, code: str) -> None:
        """The simulated phone shows this appointment code to the camera (from the next scan on)."""
        self.qr_code = code.strip()
        if not self.has_camera or not self.qr_code:
            return
        text = quote(self.qr_code, safe="")
        self.controller.checkin.camera_url = f"sim://camera?scene=qr&text={text}&realtime=1"
        if self.controller.screen is Screen.CHECKIN:
            self.controller.checkin.restart_camera()
