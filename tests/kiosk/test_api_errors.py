"""Every 4xx a visitor can meet at the kiosk is shown in Chinese with what to do: the hall server's own
sentence for its rules, plain words instead of anything technical (a code, English, a proxy's page)."""

from __future__ import annotations

import re

from hall_server.client import ApiError
from kiosk.config import Language
from kiosk.controller.checkin import Step
from kiosk.controller.kiosk import Screen, for_visitor
from kiosk.controller.ticket import Issue
from kiosk.texts import tr
from tests.factories import person

LATIN = re.compile(r"[A-Za-z]")


def test_a_kiosk_set_up_with_another_devices_token_tells_the_visitor_what_to_do(
    headless_kiosk, demo_hall, simulators
):
    controller, runner = headless_kiosk(token=demo_hall.tokens["display-1"])  # a hall screen's token
    runner.run_until(lambda: controller.online, timeout=15)
    with demo_hall.staff("admin") as admin:
        matter = admin.matters(high_frequency=True)[0]
    controller.ticket.identity = person()
    controller.ticket.matter_confirmed(matter)
    runner.run_until(lambda: controller.ticket.state is Issue.REFUSED, timeout=15)
    message = controller.ticket.error_message
    assert message == tr("apierror.device", Language.ZH) and not LATIN.search(message)
    assert controller.screen is Screen.ISSUE and controller.online

    controller.go_home()
    controller.checkin.start()
    simulators.place("resident_male")
    runner.run_until(lambda: controller.checkin.step is Step.REFUSED, timeout=15)
    assert controller.checkin.refusal_key == "OTHER"
    assert controller.checkin.error_message == tr("apierror.device", Language.ZH)


def test_the_hall_servers_own_refusals_are_kept_and_technical_ones_replaced():
    rule = ApiError(409, "QUEUE_CLOSED", "今日已停止取号，请明天再来")
    assert for_visitor(rule, Language.ZH) is rule
    other = tr("apierror.other", Language.ZH)
    for technical in (
        ApiError(422, "VALIDATION_ERROR", "提交的数据不完整或格式不正确"),
        ApiError(404, "NOT_FOUND", "请求的地址不存在"),
        ApiError(413, "PAYLOAD_TOO_LARGE", "请求体过大"),
        ApiError(400, "HTTP_ERROR", "<html><body>400 Bad Request</body></html>"),
        ApiError(409, "SOMETHING_NEW", "conflict"),
    ):
        shown = for_visitor(technical, Language.ZH)
        assert (shown.status, shown.code, shown.message) == (technical.status, technical.code, other)
    assert for_visitor(ApiError(401, "TOKEN_INVALID", "设备凭证无效"), Language.ZH).message == tr(
        "apierror.device", Language.ZH
    )
    assert for_visitor(ApiError(429, "TOO_MANY", "请求过多"), Language.ZH).message == tr(
        "apierror.busy", Language.ZH
    )
    assert for_visitor(ApiError(429, "TOO_MANY", "请求过多"), Language.EN).message.startswith("Too many")
