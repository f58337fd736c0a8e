"""我的排队: the ID card on the pty reader simulator → today's tickets from the real hall server."""

from __future__ import annotations

from devices.idcard.cards import CARDS
from hall_server.contract.queue import IssueTicketRequest
from kiosk.config import Language
from kiosk.controller.devices import identity_of
from kiosk.controller.kiosk import Screen
from kiosk.controller.lookup import LookupStage
from tests.factories import person


def test_card_shows_todays_ticket_with_people_ahead(headless_kiosk, demo_hall, simulators):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online and controller.devices.works("reader"), timeout=15)
    visitor = identity_of(CARDS["resident_male"])
    with demo_hall.staff("admin") as admin:
        admin.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS", identity=person()))
        issued = admin.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS", identity=visitor))
    flow = controller.lookup
    flow.start()
    assert controller.screen is Screen.LOOKUP and flow.stage is LookupStage.WAIT_CARD
    simulators.place("resident_male")
    runner.run_until(lambda: flow.stage is LookupStage.SHOWN)
    (line,) = flow.tickets
    assert line.number == issued.number
    assert line.people_ahead is not None and line.people_ahead >= 1
    # No window serving the category is open yet: said so, never "soon your turn".
    assert (
        line.state_words(Language.ZH)
        == f"等候中，前面还有 {line.people_ahead} 人；目前没有开放的窗口办理此类业务"
    )
    with demo_hall.staff("clerk04") as clerk:
        clerk.window_op(4, "open")
    flow.look_up(visitor)  # asked again (as 查询其他证件 with the same card would)
    runner.run_until(lambda: flow.stage is LookupStage.SHOWN)
    (line,) = flow.tickets
    assert line.open_windows == 1
    assert line.state_words(Language.ZH) == f"等候中，前面还有 {line.people_ahead} 人"
    assert "*" in flow.number_masked and visitor.number not in flow.number_masked
    controller.go_home()
    assert flow.tickets == [] and flow.number_masked == "" and flow.stage is LookupStage.WAIT_CARD


def test_a_card_without_tickets_today(headless_kiosk, simulators):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online and controller.devices.works("reader"), timeout=15)
    controller.lookup.start()
    simulators.place("resident_male")
    runner.run_until(lambda: controller.lookup.stage is LookupStage.SHOWN)
    assert controller.lookup.tickets == []


def test_no_card_the_number_typed_on_the_keypad(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online, timeout=15)
    visitor = identity_of(CARDS["resident_male"])
    with demo_hall.staff("admin") as admin:
        issued = admin.issue_ticket(IssueTicketRequest(category_code="ENTERPRISE", identity=visitor))
    controller.lookup.start()
    controller.lookup.type_number()
    assert controller.screen is Screen.IDENTIFY
    for key in visitor.number:
        controller.identify.press(key)
    controller.identify.submit()
    runner.run_until(lambda: controller.lookup.stage is LookupStage.SHOWN)
    assert controller.screen is Screen.LOOKUP
    assert [t.number for t in controller.lookup.tickets] == [issued.number]
    # First in line but no window for company matters is open in the demo hall at this hour.
    words = controller.lookup.tickets[0].state_words(Language.ZH)
    assert words == "等候中，您排在第一位；目前没有开放的窗口办理此类业务"


def test_server_gone_during_the_lookup_is_said(headless_kiosk, demo_hall, simulators):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online and controller.devices.works("reader"), timeout=15)
    controller.lookup.start()
    demo_hall.server.stop()
    simulators.place("resident_male")
    runner.run_until(lambda: controller.lookup.stage is LookupStage.FAILED, timeout=20)
    assert controller.lookup.tickets == []
