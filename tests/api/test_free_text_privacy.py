"""R12: an ID or phone number typed into a note or reason is masked before anything stores, sends or shows
it — the API answer, the trace, the event envelope the platform receives, the live feed and the database.

Bodies go out raw (not through the contract models, which would mask them on the client already), so what
is tested is the server's own masking."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

import websockets
from sqlalchemy import create_engine, inspect, text

from hall_server.client import HallClient
from hall_server.contract.appointments import BookRequest, SlotIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.platform.validation import find_personal_data
from tests.conftest import SHANGHAI
from tests.factories import citizen_id, person

FREE_ID = citizen_id("11010519491231002")  # 11010519491231002X: not a visitor of the hall, typed in a note
FULL_WIDTH_ID = FREE_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
NOTE = f"申请人证件号{FULL_WIDTH_ID}，电话 +86 139-1234-5678，港澳通行证H12345678，请核对"
MASKED_NOTE = "申请人证件号1101**********002X，电话 +86 139****5678，港澳通行证H******78，请核对"
SECRETS = (FREE_ID, FULL_WIDTH_ID, FREE_ID[:17], "13912345678", "139-1234-5678", "H12345678", "12345678")


def assert_clean(where: str, text_: str) -> None:
    for secret in SECRETS:
        assert secret not in text_, f"{secret!r} unmasked in {where}"


def post_raw(
    client: HallClient, path: str, body: dict[str, object], method: str = "POST"
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
    response = client.http.request(method, f"/api/v1{path}", headers=headers, content=json.dumps(body))
    assert response.status_code < 300, response.text
    answer: dict[str, object] = response.json()
    return answer


def database_text(url: str) -> dict[str, str]:
    """Every table's rows as text, SQLite and PostgreSQL alike."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: "\n".join(
                    str(tuple(row)) for row in connection.execute(text(f'select * from "{table}"'))
                )
                for table in inspect(connection).get_table_names()
            }
    finally:
        engine.dispose()


def event_payloads(url: str, event_type: str) -> list[dict[str, object]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("select payload from event where event_type = :t order by id"), {"t": event_type}
            ).scalars()
            return [json.loads(row) if isinstance(row, str) else row for row in rows]
    finally:
        engine.dispose()


async def collect(url: str, token: str, topic: str, stop: asyncio.Event) -> list[str]:
    """Every message a real WebSocket client subscribed to `topic` receives until `stop` is set."""
    received: list[str] = []
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": [topic]}))
        received.append(str(await asyncio.wait_for(ws.recv(), 5)))
        while not stop.is_set():
            try:
                received.append(str(await asyncio.wait_for(ws.recv(), 0.2)))
            except TimeoutError:
                continue
    return received


def test_notes_and_reasons_are_masked_everywhere(server, hall, client_for, settings, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    first, second = (kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")) for _ in range(2))
    clerk.window_op(1, "open")
    slot_start = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    slot = manager.create_slot(
        SlotIn(category_code="SOCIAL", start=slot_start, end=slot_start + timedelta(minutes=30), capacity=2)
    )
    booked = kiosk.book(BookRequest(slot_id=slot.id, identity=person()))
    server.state.publisher.wait_idle()

    def clerk_work() -> dict[str, dict[str, object]]:
        answers = {}
        clerk.call_next(1)
        answers["transfer"] = post_raw(
            clerk, "/windows/1/transfer", {"to_category_code": "ENTERPRISE", "note": NOTE}
        )
        answers["cancel"] = post_raw(clerk, f"/tickets/{second.id}/cancel", {"reason": NOTE})
        answers["pause"] = post_raw(clerk, "/windows/1/pause", {"reason": "OTHER", "note": NOTE})
        answers["appointment"] = post_raw(kiosk, f"/appointments/{booked.id}/cancel", {"reason": NOTE})
        server.state.publisher.wait_idle()
        return answers

    async def scenario() -> tuple[dict[str, dict[str, object]], dict[str, list[str]]]:
        stop = asyncio.Event()
        feeds = {
            "display": asyncio.create_task(collect(server.ws_url, hall.tokens["display"], "display", stop)),
            "hall": asyncio.create_task(collect(server.ws_url, hall.tokens["manager"], "hall", stop)),
            "window:1": asyncio.create_task(collect(server.ws_url, hall.tokens["clerk1"], "window:1", stop)),
        }
        try:
            await asyncio.sleep(0.5)  # every client has its snapshot
            answers = await asyncio.to_thread(clerk_work)
            await asyncio.sleep(0.5)
        finally:
            stop.set()
        return answers, {topic: await task for topic, task in feeds.items()}

    answers, feeds = asyncio.run(scenario())

    # The API answers.
    assert answers["transfer"]["ticket"]["transfer_note"] == MASKED_NOTE  # type: ignore[index]
    assert answers["cancel"]["cancel_reason"] == MASKED_NOTE
    assert clerk.ticket(first.id).transfer_note == MASKED_NOTE
    for name, answer in answers.items():
        assert_clean(f"the answer to {name}", json.dumps(answer, ensure_ascii=False))

    # The trace (全过程留痕) of both tickets and of the appointment.
    traces = {
        "transfer": manager.trace("ticket", first.id),
        "cancel": manager.trace("ticket", second.id),
        "appointment": manager.trace("appointment", booked.id),
    }
    transferred = next(e for e in traces["transfer"].events if e.event_type == "queue.ticket.transferred")
    assert transferred.data["note"] == MASKED_NOTE
    cancelled = next(e for e in traces["cancel"].events if e.event_type == "queue.ticket.cancelled")
    assert cancelled.data["reason"] == MASKED_NOTE
    appointment = next(e for e in traces["appointment"].events if e.event_type == "appointment.cancelled")
    assert appointment.data["reason"] == MASKED_NOTE
    for name, trace in traces.items():
        assert_clean(f"the trace of {name}", trace.model_dump_json())

    # The envelopes as stored in the outbox: what the delivery worker sends to the platform.
    paused = event_payloads(settings.database_url, "hall.window.paused")
    assert [p["data"]["note"] for p in paused] == [MASKED_NOTE]  # type: ignore[index]
    for event_type, key in (
        ("queue.ticket.transferred", "note"),
        ("queue.ticket.cancelled", "reason"),
        ("appointment.cancelled", "reason"),
    ):
        (payload,) = event_payloads(settings.database_url, event_type)
        assert payload["data"][key] == MASKED_NOTE  # type: ignore[index]
        assert find_personal_data(payload) is None  # the receiver's own check finds nothing either

    # Nothing anywhere in the database, in any table.
    for table, rows in database_text(settings.database_url).items():
        assert_clean(f"table {table}", rows)

    # The live feed: the hall screen saw the pause, the window and the managers' feed everything.
    assert any('"hall.window.paused"' in message for message in feeds["display"])
    assert any(MASKED_NOTE in message for message in feeds["hall"])
    for topic, messages in feeds.items():
        for message in messages:
            assert_clean(f"live topic {topic}", message)

    assert_clean("the server's log", caplog.text)


def test_names_and_descriptions_are_masked_too(client_for, settings):
    """Not only notes: window, staff and device names, the hall's address, a matter's material notes."""
    admin = client_for("admin")
    window = post_raw(
        admin, "/windows/9", {"number": 9, "name": f"9号窗口 {FREE_ID}", "category_codes": ["SOCIAL"]}, "PUT"
    )
    assert window["name"] == "9号窗口 1101**********002X"
    staff = post_raw(
        admin,
        "/auth/staff",
        {"login": "clerk09", "name": "王五 13912345678", "role": "clerk", "password": "a-long-password"},
    )
    assert staff["name"] == "王五 139****5678"
    device = post_raw(admin, "/auth/devices", {"kind": "kiosk", "name": "kiosk H12345678"})
    assert device["device"]["name"] == "kiosk H******78"  # type: ignore[index]
    hall_body = admin.hall().model_dump(
        mode="json", include={"code", "name", "region_code", "level", "org_uscc"}
    )
    answer = post_raw(admin, "/hall", {**hall_body, "address": "联系人手机１３９１２３４５６７８"}, "PUT")
    assert answer["address"] == "联系人手机139****5678"
    matter = admin.matter(admin.matters()[0].id).model_dump(mode="json")
    matter["materials"][0]["notes"] = f"如无法提供，可凭 {NOTE}"
    for derived in ("id", "pinyin_initials", "type_name", "level_name", "materials_to_bring"):
        matter.pop(derived)
    saved = post_raw(admin, "/matters", matter, "PUT")
    assert saved["materials"][0]["notes"] == f"如无法提供，可凭 {MASKED_NOTE}"
    for table, rows in database_text(settings.database_url).items():
        assert_clean(f"table {table}", rows)
