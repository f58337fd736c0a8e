"""The home screen against a real hall server: hall name and waiting counts from the live feed."""

from __future__ import annotations

from kiosk.controller.kiosk import Screen
from tests.factories import person


def test_home_shows_the_hall_and_live_waiting_counts(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online and controller.waiting, timeout=15)
    assert controller.hall_name
    assert controller.screen is Screen.HOME
    before = {w.code: w.waiting for w in controller.waiting}
    code = controller.waiting[0].code
    with demo_hall.staff("admin") as admin:
        from hall_server.contract.queue import IssueTicketRequest

        admin.issue_ticket(IssueTicketRequest(category_code=code, identity=person()))
    runner.run_until(lambda: {w.code: w.waiting for w in controller.waiting}[code] == before[code] + 1)
