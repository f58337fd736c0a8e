"""综合窗口出件 through the real server on SQLite and PostgreSQL: a concluded case's result made ready (the
applicant notified through the notifier), picked up by the applicant or an authorised agent with the card
read, a wrong card refused and traced, a mailed result (表15), each an evaluation opportunity (出件); the
visitor's query with its throttle; the status words of the contract everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hall_server.client import ApiError
from hall_server.contract.cases import (
    STATUS_NAMES,
    AgentIn,
    CaseOpenIn,
    CaseQueryIn,
    CaseStatus,
    Delivery,
    MailIn,
    PickedBy,
    PickupIn,
    ResultReadyIn,
)
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.evaluation.models import EvaluationOpportunity
from hall_server.events.models import Event
from tests.cases.helpers import concluded_case, instant_matter
from tests.factories import ELDERLY_ID, OTHER_ID, YOUNG_ID, person

AGENT_NAME = "李代理"


def _case_events(server, case_id: int) -> list[Event]:
    def read(ctx):
        rows = ctx.session.scalars(
            select(Event)
            .where(Event.aggregate_type == "case", Event.aggregate_id == str(case_id))
            .order_by(Event.aggregate_seq)
        )
        return [(row.event_type, row.payload) for row in rows]

    return server.state.uow.read(read)


def _opportunities(server, case_id: int) -> list[tuple[str, int]]:
    def read(ctx):
        rows = ctx.session.scalars(
            select(EvaluationOpportunity).where(EvaluationOpportunity.case_id == case_id)
        )
        return [(o.service_name, o.service_number) for o in rows]

    return server.state.uow.read(read)


def test_the_applicant_picks_the_result_up_with_the_card(server, hall, client_for):
    clerk = client_for("clerk1")
    case = concluded_case(clerk, instant_matter(server.state.uow)).case
    ready = clerk.result_ready(case.id, ResultReadyIn(delivery=Delivery.WINDOW))
    assert ready.status is CaseStatus.RESULT_READY and ready.status_name == "结果待领取"
    assert ready.delivery_name == "窗口领取" and ready.ready_at is not None
    done = clerk.pick_up_result(case.id, PickupIn(card=person()), window=1)
    assert done.status is CaseStatus.PICKED_UP and done.status_name == STATUS_NAMES[CaseStatus.PICKED_UP]
    assert done.picked_by is PickedBy.SELF and done.picked_at is not None
    events = _case_events(server, case.id)
    assert [t for t, _ in events] == [
        "case.submitted",
        "case.accepted",
        "case.concluded",
        "result.ready_for_pickup",
        "result.picked_up",
    ]
    ready_data, picked = events[3][1]["data"], events[4][1]["data"]
    assert ready_data["pickup_point"] == "WINDOW" and ready_data["notify_channel"] == "OUTBOX"
    assert picked["picked_by"] == "SELF" and picked["verification"] == "ID_CARD_READ"
    assert YOUNG_ID not in str(events[3:]) and "张小三" not in str(events[3:])
    assert _opportunities(server, case.id) == [("出件", 1)]
    at_window = clerk.window_opportunity(1)  # the window's pad offers the 出件 contact
    assert at_window is not None and at_window.service_name == "出件"
    rated = clerk.evaluate(
        at_window.id, EvaluationIn(level=Level.DISSATISFIED, channel=EvalChannel.WINDOW_PAD, text="等了很久")
    )
    assert rated.level is Level.DISSATISFIED
    trace = client_for("manager").trace("case", case.id)
    assert [e.event_type.value for e in trace.events][-2:] == ["result.ready_for_pickup", "result.picked_up"]
    assert trace.summary["status"] == "PICKED_UP"
    with pytest.raises(ApiError) as again:
        clerk.pick_up_result(case.id, PickupIn(card=person()))
    assert (again.value.status, again.value.code) == (409, "RESULT_NOT_READY")


def test_a_wrong_card_is_refused_and_traced_and_an_agent_may_pick_up(server, hall, client_for, caplog):
    clerk = client_for("clerk1")
    case = concluded_case(clerk, instant_matter(server.state.uow)).case
    clerk.result_ready(case.id, ResultReadyIn())
    with pytest.raises(ApiError) as wrong:
        clerk.pick_up_result(case.id, PickupIn(card=person(OTHER_ID, "王五")))
    assert (wrong.value.status, wrong.value.code) == (403, "PICKUP_IDENTITY_MISMATCH")
    assert "不符" in wrong.value.message
    assert clerk.get_case_result(case.id).status is CaseStatus.RESULT_READY
    refused = [(t, p) for t, p in _case_events(server, case.id) if t == "result.pickup_refused"]
    assert len(refused) == 1 and OTHER_ID not in str(refused) and "王五" not in str(refused)
    assert OTHER_ID not in caplog.text
    with_agent = clerk.record_case_agent(case.id, AgentIn(agent=person(OTHER_ID, AGENT_NAME)))
    assert [a.name_masked for a in with_agent.agents] == ["李*理"]
    assert OTHER_ID not in with_agent.model_dump_json()
    done = clerk.pick_up_result(case.id, PickupIn(card=person(OTHER_ID)))
    assert done.status is CaseStatus.PICKED_UP and done.picked_by is PickedBy.AGENT
    agent_event = next(p for t, p in _case_events(server, case.id) if t == "case.agent_recorded")
    assert OTHER_ID not in str(agent_event) and AGENT_NAME not in str(agent_event)
    assert agent_event["protected"] is not None


def test_a_mailed_result_carries_the_waybill(server, hall, client_for):
    clerk = client_for("clerk1")
    case = concluded_case(clerk, instant_matter(server.state.uow)).case
    clerk.result_ready(case.id, ResultReadyIn(delivery=Delivery.MAIL))
    with pytest.raises(ApiError) as at_window:
        clerk.pick_up_result(case.id, PickupIn(card=person()))
    assert (at_window.value.status, at_window.value.code) == (409, "RESULT_TO_BE_MAILED")
    sent = server.state.clock.today()
    mailed = clerk.mail_result(
        case.id,
        MailIn(
            carrier="中国邮政EMS",
            waybill_no="EA123456789CN",
            sent_on=sent,
            receiver_name="张小三",
            receiver_phone="13812345678",
        ),
    )
    assert mailed.status is CaseStatus.MAILED and mailed.status_name == "结果已寄出"
    assert (mailed.carrier, mailed.waybill_no, mailed.sent_on) == ("中国邮政EMS", "EA123456789CN", sent)
    assert mailed.receiver_masked == "张*三 138****5678"
    event = _case_events(server, case.id)[-1]
    assert event[0] == "result.mailed"
    assert event[1]["data"]["waybill_no"] == "EA123456789CN"
    assert "13812345678" not in str(event) and "张小三" not in str(event)
    assert _opportunities(server, case.id) == [("出件", 1)]


def test_only_a_concluded_case_has_a_result_and_refusals_are_clear(server, hall, client_for):
    clerk = client_for("clerk1")
    open_case = clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person()))
    concluded = concluded_case(clerk, instant_matter(server.state.uow), ELDERLY_ID).case
    calls = [
        (lambda: clerk.result_ready(open_case.id, ResultReadyIn()), 409, "CASE_NOT_CONCLUDED"),
        (
            lambda: clerk.pick_up_result(concluded.id, PickupIn(card=person(ELDERLY_ID))),
            409,
            "RESULT_NOT_READY",
        ),
        (lambda: clerk.result_ready(999_999, ResultReadyIn()), 404, "CASE_NOT_FOUND"),
        (
            lambda: clerk.record_case_agent(concluded.id, AgentIn(agent=person(ELDERLY_ID, "张老"))),
            409,
            "AGENT_IS_APPLICANT",
        ),
        (lambda: client_for("kiosk").result_ready(concluded.id, ResultReadyIn()), 403, None),
        (lambda: client_for("backoffice").pick_up_result(concluded.id, PickupIn(card=person())), 403, None),
    ]
    for call, status, code in calls:
        with pytest.raises(ApiError) as refused:
            call()
        assert refused.value.status == status
        if code:
            assert refused.value.code == code
        assert re.search(r"[\u4e00-\u9fff]", refused.value.message)


def test_the_visitor_query_shows_the_contract_words_and_is_throttled(server, hall, client_for):
    clerk, kiosk = client_for("clerk1"), client_for("kiosk")
    accepted = concluded_case(clerk, instant_matter(server.state.uow))
    number = accepted.case.local_case_no
    assert number is not None
    seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=accepted.query_password))
    assert (seen.status, seen.status_name) == (CaseStatus.CONCLUDED_APPROVED, "已办结")
    clerk.result_ready(accepted.case.id, ResultReadyIn())
    seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=accepted.query_password))
    assert seen.status_name == STATUS_NAMES[CaseStatus.RESULT_READY] and seen.delivery_name == "窗口领取"
    wrong = f"{(int(accepted.query_password) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(ApiError) as failed:
            kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=wrong))
        assert (failed.value.status, failed.value.code) == (404, "CASE_QUERY_FAILED")
    with pytest.raises(ApiError) as locked:
        kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=accepted.query_password))
    assert (locked.value.status, locked.value.code) == (429, "CASE_QUERY_LOCKED")
    assert "请15分钟后再试" in locked.value.message  # the lock's length, not one minute more
    server.state.clock.advance(minutes=16)
    seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=accepted.query_password))
    assert seen.status is CaseStatus.RESULT_READY
    with pytest.raises(ApiError) as unknown:
        kiosk.query_case(CaseQueryIn(local_case_no="NOPE-20261206-000001", query_password="123456"))
    assert unknown.value.code == "CASE_QUERY_FAILED"
    with pytest.raises(ApiError) as clerk_query:
        clerk.query_case(CaseQueryIn(local_case_no=number, query_password=accepted.query_password))
    assert clerk_query.value.status == 403
    assert "张" not in seen.model_dump_json()
