"""评价 at the kiosk: the ID card on the pty reader simulator → the services received today from the real
hall server → a rating on the service's evaluation opportunity (channel KIOSK), a 差评 with its reason."""

from __future__ import annotations

import time

from devices.idcard.cards import CARDS
from hall_server.contract.evaluation import EvalChannel, Level, OpportunityStatus
from hall_server.contract.queue import IssueTicketRequest
from kiosk.controller.devices import identity_of
from kiosk.controller.evaluate import RateStage
from kiosk.controller.kiosk import Screen


def served(demo_hall, identity, window: int = 4, login: str = "clerk04"):
    """A ticket of this visitor served to the end at `window`."""
    with demo_hall.staff("admin") as admin:
        ticket = admin.issue_ticket(IssueTicketRequest(category_code="SOCIAL_AFFAIRS", identity=identity))
    with demo_hall.staff(login) as clerk:
        clerk.window_op(window, "open")
        clerk.call_next(window)
        clerk.window_op(window, "complete")
    return ticket


def ready(controller, runner) -> None:
    runner.run_until(lambda: controller.online and controller.devices.works("reader"), timeout=15)


def test_a_visitor_rates_the_service_received_today(headless_kiosk, demo_hall, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    ticket = served(demo_hall, identity_of(CARDS["resident_male"]))
    flow = controller.evaluate
    flow.start()
    assert controller.screen is Screen.EVALUATE and flow.stage is RateStage.WAIT_CARD
    simulators.place("resident_male")
    runner.run_until(lambda: flow.stage is RateStage.RATE)  # one service: chosen at once
    assert flow.chosen is not None and flow.chosen.ticket_number == ticket.number
    flow.rate(Level.VERY_SATISFIED)
    runner.run_until(lambda: flow.stage is RateStage.DONE)
    with demo_hall.staff("manager") as manager:
        [contact] = manager.ticket_opportunities(ticket.id)
    assert contact.status is OpportunityStatus.EVALUATED
    [evaluation] = contact.evaluations
    assert (evaluation.level, evaluation.channel) == (Level.VERY_SATISFIED, EvalChannel.KIOSK)
    assert contact.window_no == 4 and contact.staff_name


def test_a_bad_rating_asks_what_went_wrong_and_a_second_is_the_follow_up(
    headless_kiosk, demo_hall, simulators
):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    ticket = served(demo_hall, identity_of(CARDS["resident_male"]))
    flow = controller.evaluate
    flow.start()
    simulators.place("resident_male")
    runner.run_until(lambda: flow.stage is RateStage.RATE)
    flow.rate(Level.DISSATISFIED)
    assert flow.stage is RateStage.REASON  # nothing sent yet: a 差评 needs its reason
    flow.give_reason("wait")
    runner.run_until(lambda: flow.stage is RateStage.DONE)
    flow.start()  # the visitor comes back: the same service, now with one 追评 left
    simulators.remove()  # the card taken away and placed again: read again
    time.sleep(0.6)
    simulators.place("resident_male")
    runner.run_until(lambda: flow.stage is RateStage.RATE)
    assert flow.chosen is not None and flow.chosen.rated
    flow.rate(Level.SATISFIED)
    runner.run_until(lambda: flow.stage is RateStage.DONE)
    with demo_hall.staff("manager") as manager:
        [contact] = manager.ticket_opportunities(ticket.id)
    first, follow_up = contact.evaluations
    assert (first.level, first.text) == (Level.DISSATISFIED, "等候时间太长")
    assert follow_up.level is Level.SATISFIED


def test_nothing_to_rate_today(headless_kiosk, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    controller.evaluate.start()
    simulators.place("resident_male")
    runner.run_until(lambda: controller.evaluate.stage is RateStage.NONE)
    controller.go_home()
    assert controller.evaluate.stage is RateStage.WAIT_CARD and controller.evaluate.services == []
