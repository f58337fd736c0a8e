"""Every kiosk screen, portrait and landscape, normal and elder mode, walked through the real flows against
the demo hall: each must fit its screen (the window does not grow, no wrapped label is clipped, every
visible control lies inside the window). Refinement: a control inside a touch-scrolling list legitimately
extends below the list's viewport (the visitor drags to it), so for it the viewport, not the row, must lie
inside the window; a row whose own text is cut is still caught by the clipped-label and squeezed checks.
Besides the take-a-ticket flow the walk visits the English home screen, the check-in screen (waiting, and
refused for an unknown code), the keypad for a company's USCC, an issue refused (the queue closed: it
ends the hall's day) and, last, the offline banner with the server stopped. With YIMEN_SCREENSHOTS=DIR each
screen is also saved as DIR/kiosk/<screen>-<orientation>-<mode>.png (docs/screenshots when making the docs).
办事指南 is walked in browse mode (a full pinyin search, the guide with 打印办事指南). 评价 is walked too: the
card, the five levels, a 差评's reasons, the thanks; then 我要投诉 from its first question to 已登记."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QPushButton, QWidget

from devices.idcard.cards import CARDS
from hall_server.contract.complaints import ComplaintSubject
from hall_server.contract.evaluation import Level
from hall_server.contract.identity import IdKind
from kiosk.config import Language, Orientation
from kiosk.controller.checkin import Step
from kiosk.controller.complaint import ComplaintStage
from kiosk.controller.devices import identity_of
from kiosk.controller.evaluate import RateStage
from kiosk.controller.handout import Handout
from kiosk.controller.kiosk import Screen
from kiosk.controller.ticket import Issue
from kiosk.views.app import SIZES

WAITING_FOR_CARD = (RateStage.WAIT_CARD, RateStage.READING, RateStage.SEARCHING)
SHOTS = Path(os.environ["YIMEN_SCREENSHOTS"]) / "kiosk" if os.environ.get("YIMEN_SCREENSHOTS") else None


def check_and_shoot(window: QWidget, name: str, suffix: str) -> None:
    QApplication.processEvents()
    width, height = SIZES[window.controller.config.orientation]
    assert (window.width(), window.height()) == (width, height), f"{name}: the window grew"
    unnamed = [
        button.text()
        for button in window.findChildren(QPushButton)
        if button.isVisible() and not (button.objectName() and button.accessibleName())
    ]
    assert not unnamed, f"{name}: controls without objectName or accessibleName {unnamed}"
    clipped = [
        label.objectName()
        for label in window.findChildren(QLabel)
        if label.isVisible() and label.wordWrap() and label.text()
        if label.height() < label.heightForWidth(label.width()) - 2
    ]
    assert not clipped, f"{name}: clipped labels {clipped}"
    outside = [
        button.objectName()
        for button in window.findChildren(QPushButton)
        if button.isVisible() and button.visibleRegion().isEmpty() is False
        if not window.rect().contains(
            _shown_part(button).mapTo(window, _shown_part(button).rect().bottomRight())
        )
    ]
    assert not outside, f"{name}: controls outside the window {outside}"
    squeezed = [
        button.objectName()
        for button in window.findChildren(QPushButton)
        if button.isVisible() and _squeezed(button)
    ]
    assert not squeezed, f"{name}: controls squeezed below their size {squeezed}"
    overlapping = sorted(
        {
            f"{a.objectName()}/{b.objectName()}"
            for a, b in _visible_pairs(window)
            if a.geometry().intersects(b.geometry())
        }
    )
    assert not overlapping, f"{name}: controls overlapping {overlapping}"
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}-{suffix}.png"))


def serve_first_ticket_of(demo_hall, identity) -> None:
    """The visitor's first ticket served to the end at a window of its category (so it can be rated)."""
    with demo_hall.staff("admin") as admin:
        ticket = admin.tickets_of(identity)[0]
        window = next(w.number for w in admin.windows() if ticket.category_code in w.category_codes)
        admin.window_op(window, "open")
        called = admin.call_next(window).ticket
        assert called is not None and called.id == ticket.id
        admin.window_op(window, "complete")


def walk_complaint(c, qtbot, simulators, shot) -> None:
    """我要投诉 about the ticket just rated (the card), a phone refused then accepted, recorded; then the
    window keypad of a complaint without a ticket."""
    flow = c.complaint
    flow.start()
    shot("complaint-bind")
    flow.bind_by_card()
    shot("complaint-card")
    time.sleep(0.6)  # the reader must have seen the rating's card leave
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: flow.stage is ComplaintStage.TICKETS, timeout=60000)
    simulators.remove()
    shot("complaint-tickets")
    flow.choose_ticket(0)
    shot("complaint-subject")
    flow.choose_subject(ComplaintSubject.ATTITUDE)
    flow.toggle("curt")
    flow.toggle("materials")
    shot("complaint-phrases")
    flow.phrases_done()
    for key in "1381234":
        flow.press(key)
    flow.confirm_typed()  # too short: refused on the kiosk
    shot("complaint-contact")
    for key in "5678":
        flow.press(key)
    flow.confirm_typed()
    shot("complaint-confirm")
    flow.submit()
    qtbot.waitUntil(lambda: flow.stage is ComplaintStage.DONE, timeout=60000)
    shot("complaint-done")
    c.go_home()
    flow.start()
    flow.skip_binding()
    flow.press("3")
    shot("complaint-window")
    c.go_home()


def type_number(c, number: str) -> None:
    c.identify.use_keypad()
    for key in number:
        c.identify.press(key)
    c.identify.submit()


def _squeezed(button: QPushButton) -> bool:
    """Lower or narrower than its words need (a button's text is cut, never wrapped)."""
    hint = button.minimumSizeHint()
    return button.height() < hint.height() - 2 or button.width() < hint.width() - 2


def _shown_part(control: QWidget) -> QWidget:
    """The control itself, or the viewport of the scrolling list it is a row of."""
    parent = control.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent.viewport()
        parent = parent.parentWidget()
    return control


def _visible_pairs(window: QWidget) -> list[tuple[QWidget, QWidget]]:
    """Pairs of visible controls with the same parent (siblings share one coordinate system)."""
    controls = [w for w in window.findChildren(QPushButton) if w.isVisible()]
    return [
        (a, b)
        for i, a in enumerate(controls)
        for b in controls[i + 1 :]
        if a.parentWidget() is b.parentWidget()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("orientation", [Orientation.PORTRAIT, Orientation.LANDSCAPE])
@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_every_screen_fits(qtbot, kiosk_window, simulators, demo_hall, orientation, elder):
    window, c = kiosk_window(orientation=orientation, elder=elder)
    suffix = f"{orientation.value}-{'elder' if elder else 'normal'}"
    qtbot.waitUntil(lambda: c.online and bool(c.waiting) and c.devices.works("printer"), timeout=60000)

    def shot(name: str) -> None:
        check_and_shoot(window, name, suffix)

    shot("home")
    c.set_language(Language.EN)
    shot("home-en")
    c.set_language(Language.ZH)
    c.ticket.start()
    assert c.screen is Screen.IDENTIFY
    shot("identify-card")
    c.identify.use_keypad()
    for key in "11010519491231002":
        c.identify.press(key)
    shot("identify-keypad")
    c.identify.clear()
    c.identify.use_card()
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: c.screen is Screen.MATTERS and bool(c.matters.high_frequency), timeout=60000)
    simulators.remove()
    shot("matters")
    matter = c.matters.high_frequency[0]
    c.matters.pick(matter.id)
    qtbot.waitUntil(lambda: c.screen is Screen.GUIDE and c.matters.guide is not None, timeout=60000)
    shot("guide-confirm")
    c.matters.confirm()
    qtbot.waitUntil(lambda: c.handout.state is Handout.PRINTED, timeout=60000)
    shot("ticket-printed")
    c.go_home()

    simulators.printer.simulator.set_paper("out")
    c.ticket.start()
    # typed, not the card again: a card lifted and laid back at once may never be seen as lifted
    type_number(c, "340104199001011239")
    qtbot.waitUntil(lambda: c.screen is Screen.MATTERS and bool(c.matters.high_frequency), timeout=60000)
    c.matters.pick(matter.id)
    qtbot.waitUntil(lambda: c.matters.guide is not None, timeout=60000)
    c.matters.confirm()
    qtbot.waitUntil(lambda: c.handout.state is Handout.ON_SCREEN, timeout=60000)
    shot("ticket-screen-only")
    c.handout.noted()
    c.go_home()
    simulators.printer.simulator.set_paper("ok")

    c.request_help()
    qtbot.waitUntil(
        lambda: "已通知" in window.findChild(QLabel, "helpNotice").text() or c.language.value == "en"
    )
    shot("help-sent")
    c.go_home()

    c.matters.browse()
    qtbot.waitUntil(lambda: bool(c.matters.high_frequency), timeout=60000)
    shot("guides")
    for letter in "NEIDIJUMINJIEHUNDENGJI":  # a full pinyin name, the longest query a visitor types
        c.matters.type_letter(letter)
    qtbot.waitUntil(lambda: bool(c.matters.results), timeout=60000)
    shot("guides-search")
    c.matters.pick(c.matters.results[0].id)
    qtbot.waitUntil(lambda: c.screen is Screen.GUIDE and c.matters.guide is not None, timeout=60000)
    assert window.findChild(QPushButton, "printGuideButton").isVisible()
    shot("guide-browse")
    c.lookup.start()
    shot("lookup-card")
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: bool(c.lookup.tickets), timeout=60000)
    simulators.remove()
    shot("lookup")
    c.go_home()

    serve_first_ticket_of(demo_hall, identity_of(CARDS["resident_male"]))
    c.evaluate.start()
    shot("rate-card")
    time.sleep(0.6)  # the reader must have seen the lookup's card leave
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: c.evaluate.stage not in WAITING_FOR_CARD, timeout=60000)
    assert c.evaluate.stage is RateStage.RATE, (c.evaluate.stage, c.evaluate.services, c.evaluate.error)
    simulators.remove()
    shot("rate-levels")
    c.evaluate.rate(Level.DISSATISFIED)
    shot("rate-reason")
    c.evaluate.give_reason("unclear")
    qtbot.waitUntil(lambda: c.evaluate.stage is RateStage.DONE, timeout=60000)
    shot("rate-thanks")
    c.go_home()

    walk_complaint(c, qtbot, simulators, shot)

    c.checkin.start()
    shot("checkin")
    c.checkin.on_scanned("99999999")  # a typed or scanned code no appointment has
    qtbot.waitUntil(lambda: c.checkin.step is Step.REFUSED, timeout=60000)
    shot("checkin-refused")
    c.go_home()

    c.identify.start("ticket.purpose", lambda identity: None, allow_company=True)
    c.identify.use_keypad()
    c.identify.choose_kind(IdKind.USCC)
    for key in c.identify.offered_keys()[:10]:
        c.identify.press(key)
    shot("identify-company")
    c.go_home()

    with demo_hall.staff("admin") as admin:  # last: the hall's day is over
        admin.end_day()
    c.ticket.start()
    type_number(c, "340104199001011239")
    c.ticket.matter_confirmed(c.client.matter(matter.id))
    qtbot.waitUntil(lambda: c.ticket.state is Issue.REFUSED, timeout=60000)
    shot("issue-refused")
    c.go_home()

    demo_hall.server.stop()  # last of all: the server unreachable
    qtbot.waitUntil(lambda: window.findChild(QLabel, "offlineBanner").isVisible(), timeout=60000)
    shot("offline")
