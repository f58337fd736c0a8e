"""Two halls in one database through the real server: hall B's staff and devices see nothing of hall A."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hall_server.auth.service import create_staff, login, register_device
from hall_server.catalogue.service import save_category
from hall_server.client import HallClient, LiveFeed
from hall_server.client.http import ApiError
from hall_server.contract.auth import DeviceIn, DeviceKind, Role, StaffIn
from hall_server.contract.catalogue import CategoryIn
from hall_server.contract.halls import HallIn
from hall_server.contract.live import SnapshotMessage
from hall_server.contract.queue import IssueTicketRequest, WindowIn
from hall_server.core.context import Ctx
from hall_server.core.tenancy import NoHall
from hall_server.halls.models import Hall
from hall_server.halls.service import configure_hall
from hall_server.queueing.load import RecentLoad
from hall_server.queueing.models import Ticket
from hall_server.queueing.windows import save_window
from tests.factories import ORG_USCC, PASSWORD

B_CODE = "341122-ZWFW-02"


def seed_hall_b(uow) -> dict[str, str]:
    """A township service point: the same category codes and prefixes as hall A, one window, its own
    staff (bound to it) and kiosk and display."""
    tokens: dict[str, str] = {}

    def build(ctx: Ctx) -> None:
        configure_hall(
            ctx,
            HallIn(
                code=B_CODE,
                name="示范县某镇便民服务中心",
                region_code="341122100000",
                level="5",
                org_uscc=ORG_USCC,
            ),
        )
        for code, name, prefix in (("SOCIAL", "社会事务", "B"), ("ENTERPRISE", "企业服务", "A")):
            save_category(ctx, CategoryIn(code=code, name=name, prefix=prefix, default_service_minutes=6.0))
        save_window(ctx, WindowIn(number=1, name="1号窗口", category_codes=["SOCIAL", "ENTERPRISE"]))
        for login_name, role in (("b_clerk", Role.CLERK), ("b_manager", Role.MANAGER)):
            staff_in = StaffIn(login=login_name, name=f"员工{login_name}", role=role, password=PASSWORD)
            create_staff(ctx, staff_in, hall_code=B_CODE)
        for kind, name in ((DeviceKind.KIOSK, "b_kiosk"), (DeviceKind.DISPLAY, "b_display")):
            tokens[name] = register_device(ctx, DeviceIn(kind=kind, name=name))[1]

    uow.run(build)
    for login_name in ("b_clerk", "b_manager"):
        outcome = uow.run(lambda ctx, n=login_name: login(ctx, n, PASSWORD))
        tokens[login_name] = outcome[0]
    return tokens


@pytest.fixture
def two_halls(server, hall, client_for):
    b_tokens = seed_hall_b(server.state.uow)
    clients: list[HallClient] = []

    def b_client(who: str) -> HallClient:
        client = HallClient(server.base_url, b_tokens[who], timeout=30)
        clients.append(client)
        return client

    yield client_for, b_client, b_tokens
    for client in clients:
        client.close()


def test_hall_b_sees_nothing_of_hall_a(server, hall, two_halls):
    a_client, b_client, b_tokens = two_halls
    a_kiosk, a_clerk, a_manager = a_client("kiosk"), a_client("clerk1"), a_client("manager")
    b_kiosk, b_clerk, b_manager = b_client("b_kiosk"), b_client("b_clerk"), b_client("b_manager")

    # hall A's day: issue, call, serve
    first = a_kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    second = a_kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    a_clerk.window_op(1, "open")
    called = a_clerk.call_next(1)
    assert called.ticket is not None and called.ticket.id == first.id
    a_clerk.window_op(1, "start")
    a_clerk.window_op(1, "complete")
    assert a_manager.trace("ticket", first.id).events

    # numbering restarts per hall: both halls' first SOCIAL ticket is B001
    b_first = b_kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    assert first.number == b_first.number == "B001"
    assert b_first.id != first.id

    # hall B's staff: A's ticket, trace and windows do not exist for them
    for who in (b_clerk, b_manager):
        for ticket_id in (first.id, second.id):
            with pytest.raises(ApiError) as refused:
                who.ticket(ticket_id)
            assert refused.value.status == 404
    with pytest.raises(ApiError) as refused:
        b_manager.trace("ticket", first.id)
    assert refused.value.status == 404
    assert [w.number for w in b_manager.windows()] == [1]
    assert b_manager.windows()[0].current_ticket is None
    assert {c.code for c in b_manager.categories()} == {"SOCIAL", "ENTERPRISE"}
    assert b_manager.hall().code == B_CODE and a_manager.hall().code != B_CODE

    # load: each hall counts its own tickets only
    b_load, a_load = b_manager.load(), a_manager.load()
    assert {c.code: c.waiting for c in b_load.categories}["SOCIAL"] == 1
    assert {c.code: c.waiting for c in a_load.categories}["SOCIAL"] == 1  # `second`
    assert b_load.totals.issued_today == 1 and a_load.totals.issued_today == 2

    # hall B's clerk calls B's ticket, never A's waiting one
    b_clerk.window_op(1, "open")
    b_called = b_clerk.call_next(1)
    assert b_called.ticket is not None and b_called.ticket.id == b_first.id
    assert a_manager.ticket(second.id).status.value == "WAITING"

    # a follow code is public: it opens its own hall's ticket, whoever's it is
    assert b_kiosk.public_ticket(first.follow_code).number == "B001"

    # the live feed: hall B's display and manager get hall B's snapshot
    server.state.publisher.wait_idle()

    async def snapshots() -> None:
        for token, topic in ((b_tokens["b_display"], "display"), (b_tokens["b_manager"], "hall")):
            async with LiveFeed(server.ws_url, token, [topic]) as feed:
                message = await asyncio.wait_for(feed.receive(), 30)
                assert isinstance(message, SnapshotMessage)
                snapshot = message.snapshot
                assert snapshot.hall_name == "示范县某镇便民服务中心"
                assert [w.number for w in snapshot.windows] == [1]
                assert {w.code: w.waiting for w in snapshot.waiting} == {"SOCIAL": 0, "ENTERPRISE": 0}
                # a change in hall A reaches no client of hall B
                await asyncio.to_thread(a_kiosk.issue_ticket, IssueTicketRequest(category_code="SOCIAL"))
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(feed.receive(), 1.5)

    asyncio.run(snapshots())


def test_a_session_without_a_hall_refuses_hall_scoped_statements(server, hall):
    with Session(server.state.engine) as session, pytest.raises(NoHall):
        session.scalars(select(Ticket)).all()


def test_a_change_in_one_hall_keeps_the_other_halls_recent_load(server, hall, two_halls):
    """The load cache (/load, /metrics) throws away only the figure of the hall an event belongs to."""
    recent = RecentLoad(max_age=3600)  # only a change makes it compute again here
    with server.state.read_ctx() as ctx:
        ids = dict(ctx.session.execute(select(Hall.code, Hall.id)).all())
    a_code = next(code for code in ids if code != B_CODE)

    def load_of(code: str):
        with server.state.read_ctx() as ctx:
            ctx.enter_hall(ids[code])
            return recent.get(ctx)

    a_first, b_first = load_of(a_code), load_of(B_CODE)
    assert load_of(a_code) is a_first and load_of(B_CODE) is b_first
    recent.changed([B_CODE, B_CODE])
    assert load_of(a_code) is a_first
    b_second = load_of(B_CODE)
    assert b_second is not b_first and load_of(B_CODE) is b_second
    recent.changed([a_code])
    assert load_of(a_code) is not a_first and load_of(B_CODE) is b_second
