"""投诉 through the real server on SQLite and PostgreSQL: every recording channel, the 12345 import (HTTP
batch and the `yimen complaints import` file adapter), the lifecycle with its events, deadlines moving
with the clock, refusals, list filters and the CSV export."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from hall_server.client import ApiError, HallClient
from hall_server.contract.complaints import (
    ComplaintChannel,
    ComplaintIn,
    ComplaintQuery,
    ComplaintSettingsIn,
    ComplaintStatus,
    ComplaintSubject,
    DeadlineWarning,
    FollowComplaintIn,
    HotlineBatchIn,
    HotlineComplaintIn,
    RouteIn,
)
from hall_server.contract.queue import IssueTicketRequest, TicketOut
from hall_server.events.models import Event
from tests.conftest import SHANGHAI, cli_env
from tests.factories import PASSWORD, citizen_id, person

YIMEN = str(Path(sys.executable).with_name("yimen"))
ID_NUMBER = citizen_id("34010419900101123")


def _served(client_for) -> TicketOut:
    """clerk1 serves one SOCIAL ticket at window 1."""
    clerk = client_for("clerk1")
    ticket = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    return ticket


def _events(server, complaint_id: int) -> list[tuple[str, int, dict]]:
    def read(ctx):
        rows = ctx.session.scalars(
            select(Event).where(Event.aggregate_type == "complaint", Event.aggregate_id == str(complaint_id))
        )
        return [(r.event_type, r.aggregate_seq, r.payload.get("data", {})) for r in rows]

    return sorted(server.state.uow.read(read), key=lambda e: e[1])


def _signed_in(server, login: str) -> HallClient:
    """A fresh sign-in: moving the clock days ahead ends the earlier one (tokens last 12 hours)."""
    return HallClient.login(server.base_url, login, PASSWORD)


def _complaint(**changes: object) -> ComplaintIn:
    values: dict[str, object] = {"subject": ComplaintSubject.ATTITUDE, "text": "窗口人员态度生硬"}
    return ComplaintIn.model_validate({**values, **changes})


def test_window_complaint_is_bound_to_the_ticket_and_keeps_no_personal_number(server, client_for):
    ticket = _served(client_for)
    text = f"办事人身份证{ID_NUMBER}，窗口人员态度生硬"
    made = client_for("clerk2").record_complaint(
        _complaint(text=text, ticket_id=ticket.id, contact="13812345678")
    )
    assert made.channel is ComplaintChannel.WINDOW and made.status is ComplaintStatus.RECORDED
    assert (made.ticket_number, made.window_no, made.staff_name) == (ticket.number, 1, "员工clerk1")
    assert ID_NUMBER not in made.text and "3401**********" in made.text
    assert made.contact == "138****5678" and made.subject_name == "服务态度"
    [(kind, seq, data)] = _events(server, made.id)
    assert (kind, seq) == ("complaint.recorded", 1)
    assert data["contact_masked"] == "138****5678" and ID_NUMBER not in json.dumps(data)
    assert "13812345678" not in json.dumps(data)


def test_kiosk_records_its_own_channel_and_a_display_may_not(client_for):
    made = client_for("kiosk").record_complaint(
        _complaint(subject="FACILITIES", text="大厅空调太冷", window_no=2)
    )
    assert (made.channel, made.window_no, made.ticket_id) == (ComplaintChannel.KIOSK, 2, None)
    with pytest.raises(ApiError) as display:
        client_for("display").record_complaint(_complaint())
    assert display.value.status == 403


def test_a_kiosk_binds_the_ticket_it_found_by_the_visitors_id_card(client_for):
    """The kiosk's 我要投诉: the card's tickets of today (POST /tickets/lookup), one of them bound."""
    kiosk, visitor = client_for("kiosk"), person(ID_NUMBER)
    issued = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL", identity=visitor))
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.window_op(1, "complete")
    [found] = kiosk.tickets_of(visitor)
    made = kiosk.record_complaint(_complaint(ticket_id=found.id, contact="055165123456"))
    assert (made.channel, made.ticket_id, made.window_no) == (ComplaintChannel.KIOSK, issued.id, 1)
    assert (made.staff_name, made.contact) == ("员工clerk1", "055****3456")


def test_a_kiosk_binds_only_a_ticket_of_today_a_clerk_any(server, client_for, clock):
    kiosk = client_for("kiosk")
    ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clock.advance(days=1)
    with pytest.raises(ApiError) as refused:
        kiosk.record_complaint(_complaint(ticket_id=ticket.id))
    assert (refused.value.status, refused.value.code) == (409, "TICKET_NOT_TODAY")
    made = _signed_in(server, "clerk1").record_complaint(_complaint(ticket_id=ticket.id))
    assert (made.channel, made.ticket_id) == (ComplaintChannel.WINDOW, ticket.id)


def test_follow_page_binds_the_ticket_of_the_code_at_most_three_times(server, client_for, clock):
    ticket = _served(client_for)
    public = HallClient(server.base_url, None)
    body = FollowComplaintIn(subject=ComplaintSubject.EFFICIENCY, text="等了两个小时")
    answered = public.complain_by_follow_code(ticket.follow_code, body)
    assert (answered.status, answered.subject_name) == ("RECORDED", "办事效率")
    assert not {"staff_name", "staff_id", "contact", "department"} & set(answered.model_dump())
    made = client_for("manager").complaint(answered.id)
    assert (made.channel, made.ticket_id, made.window_no) == (ComplaintChannel.FOLLOW_PAGE, ticket.id, 1)
    assert made.staff_name == "员工clerk1" and made.due_date == answered.due_date
    clock.advance(days=3)  # the visitor went home; the code still takes a complaint
    public.complain_by_follow_code(ticket.follow_code, body)
    public.complain_by_follow_code(ticket.follow_code, body)
    with pytest.raises(ApiError) as fourth:
        public.complain_by_follow_code(ticket.follow_code, body)
    assert (fourth.value.status, fourth.value.code) == (429, "COMPLAINT_LIMIT")
    with pytest.raises(ApiError) as unknown:
        public.complain_by_follow_code("nosuchcode123", body)
    assert unknown.value.status == 404
    other = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clock.advance(days=16)
    with pytest.raises(ApiError) as late:
        public.complain_by_follow_code(other.follow_code, body)
    assert late.value.code == "TICKET_NOT_FOUND"
    public.close()


def test_12345_http_batch_is_idempotent_by_its_reference(server, client_for):
    manager = client_for("manager")
    batch = HotlineBatchIn(
        complaints=[
            HotlineComplaintIn(external_ref="GD20261125-0001", subject="POLICY", text="政策解释前后不一"),
            HotlineComplaintIn(external_ref="GD20261125-0002", text="电话打不通", contact="0551-65123456"),
            HotlineComplaintIn(external_ref="GD20261125-0001", text="同一工单重复推送"),
        ]
    )
    first = manager.import_12345(batch)
    assert (first.created, first.already_there) == (2, 1)
    assert [r.outcome for r in first.results] == ["CREATED", "CREATED", "ALREADY_THERE"]
    assert first.results[0].complaint_id == first.results[2].complaint_id
    again = manager.import_12345(HotlineBatchIn(complaints=batch.complaints[:2]))
    assert (again.created, again.already_there) == (0, 2)
    listed = manager.complaints(ComplaintQuery(channel=ComplaintChannel.HOTLINE_12345))
    assert sorted(c.external_ref or "" for c in listed) == ["GD20261125-0001", "GD20261125-0002"]
    stored = manager.complaint(first.results[0].complaint_id)
    assert stored.text == "政策解释前后不一" and stored.subject_name == "政策执行"
    with pytest.raises(ApiError) as clerk:
        client_for("clerk1").import_12345(batch)
    assert clerk.value.status == 403


def test_12345_file_through_the_cli(server, client_for, database_url, tmp_path):
    env = cli_env(database_url, tmp_path)
    rows = (
        "\ufeff工单号,投诉类别,投诉内容,联系电话,窗口\n"
        "GD-9001,办事效率,排队太久,13912345678,2\n"
        "GD-9002,其他,指引不清,,\n"
    )
    (tmp_path / "gd.csv").write_text(rows, encoding="utf-8")

    def run(name: str) -> subprocess.CompletedProcess[str]:
        command = [YIMEN, "complaints", "import", str(tmp_path / name)]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    done = run("gd.csv")
    assert done.returncode == 0, done.stderr
    assert "新导入 2 条，已存在 0 条" in done.stdout
    (tmp_path / "gd.json").write_text(
        json.dumps({"complaints": [{"external_ref": "GD-9001", "text": "排队太久"}]}, ensure_ascii=False)
    )
    repeat = run("gd.json")
    assert repeat.returncode == 0 and "GD-9001: 已存在" in repeat.stdout
    (tmp_path / "bad.json").write_text(json.dumps([{"external_ref": "GD-9003", "text": "  "}]))
    bad = run("bad.json")
    assert bad.returncode == 1 and "第 1 条" in bad.stderr
    listed = client_for("manager").complaints(ComplaintQuery(channel=ComplaintChannel.HOTLINE_12345))
    by_ref = {c.external_ref: c for c in listed}
    assert set(by_ref) == {"GD-9001", "GD-9002"}
    assert (by_ref["GD-9001"].subject, by_ref["GD-9001"].window_no) == (ComplaintSubject.EFFICIENCY, 2)
    assert by_ref["GD-9001"].contact == "139****5678"


def test_lifecycle_events_in_order_and_out_of_order_steps_refused(server, client_for):
    manager, clerk2 = client_for("manager"), client_for("clerk2")
    made = client_for("clerk1").record_complaint(_complaint())
    assert made.steps == ["route"]
    with pytest.raises(ApiError) as early:
        manager.answer_complaint(made.id, "已核实")
    assert (early.value.status, early.value.code) == (409, "COMPLAINT_NOT_ROUTED")
    assert "转办" in early.value.message
    with pytest.raises(ApiError) as not_answered:
        manager.close_complaint(made.id)
    assert (not_answered.value.status, not_answered.value.code) == (409, "COMPLAINT_NOT_ANSWERED")
    clerk2_id = clerk2.whoami().staff.id  # type: ignore[union-attr]
    routed = manager.route_complaint(made.id, RouteIn(department_code="SHSW", staff_id=clerk2_id))
    assert (routed.status, routed.department, routed.assignee_name) == ("ROUTED", "社会事务科", "员工clerk2")
    assert routed.steps == ["route", "answer"]  # may be routed elsewhere until answered
    with pytest.raises(ApiError) as not_theirs:
        client_for("clerk3").answer_complaint(made.id, "已核实")
    assert not_theirs.value.status == 403
    answered = clerk2.answer_complaint(made.id, "已约谈窗口人员并致歉")
    assert answered.status == "ANSWERED" and answered.reply == "已约谈窗口人员并致歉"
    assert answered.steps == ["close", "reopen"]
    with pytest.raises(ApiError) as reroute:
        manager.route_complaint(made.id, RouteIn(department_code="BGS"))
    assert (reroute.value.status, reroute.value.code) == (409, "COMPLAINT_NOT_ROUTABLE")
    closed = manager.close_complaint(made.id, "办结")
    assert closed.status == "CLOSED" and closed.closed_at is not None and closed.steps == ["reopen"]
    reopened = manager.reopen_complaint(made.id, "投诉人不认可答复")
    assert (reopened.status, reopened.reopen_count, reopened.closed_at) == ("ROUTED", 1, None)
    manager.answer_complaint(made.id, "再次答复")
    events = _events(server, made.id)
    assert [(kind, seq) for kind, seq, _ in events] == [
        ("complaint.recorded", 1),
        ("complaint.routed", 2),
        ("complaint.answered", 3),
        ("complaint.closed", 4),
        ("complaint.reopened", 5),
        ("complaint.answered", 6),
    ]
    assert events[1][2]["department"] == "社会事务科" and events[2][2]["late"] is False


def test_deadline_in_working_days_and_warnings_move_with_the_clock(server, client_for, clock):
    made = client_for("clerk1").record_complaint(_complaint())  # Wednesday 2026-11-25
    assert made.due_date == date(2026, 12, 2) and made.warning is DeadlineWarning.NONE
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))  # one working day left
    manager = _signed_in(server, "manager")
    assert manager.complaint(made.id).warning is DeadlineWarning.YELLOW
    assert [c.id for c in manager.complaints(ComplaintQuery(warning=DeadlineWarning.YELLOW))] == [made.id]
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))  # past the due day
    manager = _signed_in(server, "manager")
    assert manager.complaint(made.id).warning is DeadlineWarning.RED
    assert [c.id for c in manager.complaints(ComplaintQuery(overdue=True))] == [made.id]
    manager.route_complaint(made.id, RouteIn(department_code="ZONGHE"))
    answered = manager.answer_complaint(made.id, "已处理")
    assert answered.warning is DeadlineWarning.NONE and answered.answered_late is True
    assert manager.complaints(ComplaintQuery(overdue=True)) == []
    assert manager.complaint_settings().answer_working_days == 5
    saved = manager.save_complaint_settings(ComplaintSettingsIn(answer_working_days=10))
    assert saved.answer_working_days == 10 and saved.updated_at is not None
    later = client_for("kiosk").record_complaint(_complaint())  # Thursday 2026-12-03
    assert later.due_date == date(2026, 12, 17)
    assert manager.complaint(made.id).due_date == date(2026, 12, 2)  # promised deadlines stay
    with pytest.raises(ApiError) as clerk:
        _signed_in(server, "clerk1").save_complaint_settings(ComplaintSettingsIn(answer_working_days=3))
    assert clerk.value.status == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/complaints", {"subject": "ATTITUDE", "text": ""}),
        ("/complaints", {"subject": "ATTITUDE", "text": "   "}),
        ("/complaints", {"subject": "RUDE", "text": "态度差"}),
        ("/complaints", {"subject": "OTHER", "text": "态度差", "contact": ID_NUMBER}),
        ("/complaints", {"subject": "OTHER", "text": "态度差", "channel": "KIOSK"}),
        ("/complaints", {"subject": "OTHER", "text": "态度差", "window_no": 99}),
        ("/complaints/import-12345", {"complaints": []}),
        ("/complaints/import-12345", {"complaints": [{"external_ref": "工单 1", "text": "x"}]}),
        ("/complaints/1/route", {"department_code": ""}),
        ("/complaints/1/route", {"department": "社保科"}),
    ],
)
def test_bad_input_is_422(server, hall, path, body):
    token = hall.tokens["manager"]
    answer = httpx.post(
        f"{server.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, json=body, timeout=30
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"]


def test_settings_out_of_range_is_422(server, hall):
    answer = httpx.put(
        f"{server.base_url}/api/v1/complaints/settings",
        headers={"Authorization": f"Bearer {hall.tokens['manager']}"},
        json={"answer_working_days": 0},
        timeout=30,
    )
    assert answer.status_code == 422


def test_list_filters_and_csv_export(server, client_for, clock):
    clerk, kiosk = client_for("clerk1"), client_for("kiosk")
    first = clerk.record_complaint(_complaint(window_no=1, contact="13812345678"))
    clock.advance(days=1)
    manager, clerk = _signed_in(server, "manager"), _signed_in(server, "clerk1")
    second = kiosk.record_complaint(_complaint(subject="FACILITIES", text="=HYPERLINK(1)", window_no=3))
    manager.route_complaint(second.id, RouteIn(department_code="BGS"))

    def ids(**filters: object) -> list[int]:
        return [c.id for c in manager.complaints(ComplaintQuery.model_validate(filters))]

    assert ids() == [second.id, first.id]
    assert ids(channel="KIOSK") == [second.id]
    assert ids(status="RECORDED") == [first.id]
    assert ids(window_no=1) == [first.id]
    assert ids(date_from="2026-11-26") == [second.id]
    assert ids(date_to="2026-11-25") == [first.id]
    assert ids(warning="none") == [second.id, first.id]
    csv = manager.export_complaints(ComplaintQuery(status=ComplaintStatus.RECORDED))
    assert csv.startswith(b"\xef\xbb\xbf")
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("编号,渠道,12345工单号,投诉类别,投诉内容,状态,联系电话")
    assert len(lines) == 2 and "138****5678" in lines[1] and "13812345678" not in csv.decode("utf-8-sig")
    everything = manager.export_complaints().decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in everything and "2026-11-25 09:00:00" in everything
    assert clerk.complaints() == []  # staff see what is routed to their department or to them
    with pytest.raises(ApiError) as clerk_export:
        clerk.export_complaints()
    assert clerk_export.value.status == 403
    assert first.recorded_on + timedelta(days=1) == second.recorded_on


def test_concurrent_imports_of_one_reference_make_one_complaint(client_for):
    batch = HotlineBatchIn(complaints=[HotlineComplaintIn(external_ref="GD-RACE-1", text="同时推送")])

    def push(_: int) -> str:
        with_key = client_for("manager")
        return with_key.import_12345(batch).results[0].outcome.value

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(push, range(4)))
    assert outcomes == ["ALREADY_THERE"] * 3 + ["CREATED"]
    listed = client_for("manager").complaints(ComplaintQuery(channel=ComplaintChannel.HOTLINE_12345))
    assert [c.external_ref for c in listed] == ["GD-RACE-1"]
