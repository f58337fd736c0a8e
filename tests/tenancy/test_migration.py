"""The tenancy migration moves a single-hall database with a day of data into hall 1 without loss, and back.

The single-hall database is made by running a hall day through the real server, then taking it down to
the revision before tenancy (which also checks the downgrade); the upgrade must then bring every row back
into the one hall, and the server must go on where the day stopped (numbering continues)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hall_server.client import HallClient
from hall_server.contract.complaints import ComplaintSubject, FollowComplaintIn
from hall_server.contract.evaluation import FollowEvaluationIn, Level
from hall_server.contract.queue import IssueTicketRequest
from hall_server.migrate import alembic_config
from tests.conftest import start_server
from tests.factories import seed_hall

BEFORE = "88bbbcfaf3a2"
TENANCY = "7a3e5c1b9d20"
TABLES = (
    "ticket",
    "event",
    "window",
    "category",
    "evaluation_opportunity",
    "evaluation",
    "complaint",
    "device",
)


def _a_hall_day(settings, clock) -> None:
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        with (
            HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk,
            HallClient(server.base_url, hall.tokens["clerk1"]) as clerk,
            HallClient(server.base_url) as public,
        ):
            tickets = [kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")) for _ in range(3)]
            clerk.window_op(1, "open")
            for _ in range(2):
                clerk.call_next(1)
                clerk.window_op(1, "start")
                clerk.window_op(1, "complete")
            clerk.call_next(1)  # the third is called, not yet served
            done = tickets[0]
            (service,) = public.services_of_follow_code(done.follow_code)
            public.rate_by_follow_code(
                done.follow_code, service.id, FollowEvaluationIn(level=Level.SATISFIED)
            )
            complaint = FollowComplaintIn(subject=ComplaintSubject.ATTITUDE, text="窗口人员态度不好")
            public.complain_by_follow_code(tickets[1].follow_code, complaint)
    finally:
        server.stop()


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {t: connection.execute(text(f'select count(*) from "{t}"')).scalar_one() for t in TABLES}
    engine.dispose()
    return counts


def _halls_of(url: str) -> dict[str, set[object]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {
            t: set(connection.execute(text(f'select distinct hall_id from "{t}"')).scalars()) for t in TABLES
        }
    engine.dispose()
    return found


def test_a_single_hall_day_moves_into_hall_one_and_back(database_url, settings, clock):
    _a_hall_day(settings, clock)
    made = _counts(database_url)
    assert made["ticket"] == 3 and made["evaluation"] == 1 and made["complaint"] == 1 and made["event"] > 20
    config = alembic_config(database_url)

    command.downgrade(config, BEFORE)  # the previous version's shape
    engine = create_engine(database_url)
    columns = {c["name"] for c in inspect(engine).get_columns("ticket")}
    engine.dispose()
    assert "hall_id" not in columns
    assert _counts(database_url) == made

    command.upgrade(config, TENANCY)
    assert _counts(database_url) == made
    engine = create_engine(database_url)
    with engine.connect() as connection:
        (hall_id,) = connection.execute(text("select id from hall")).scalars()
    engine.dispose()
    assert all(halls == {hall_id} for halls in _halls_of(database_url).values())

    # the server goes on where the day stopped: the next SOCIAL ticket is B004
    server = start_server(settings, clock)
    try:
        token = _kiosk_token(server)
        with HallClient(server.base_url, token) as kiosk:
            assert kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")).number == "B004"
    finally:
        server.stop()


def test_rows_without_a_hall_row_get_a_placeholder_hall(database_url, settings, clock):
    _a_hall_day(settings, clock)
    made = _counts(database_url)
    config = alembic_config(database_url)
    command.downgrade(config, BEFORE)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("delete from hall"))
    engine.dispose()
    command.upgrade(config, TENANCY)
    assert _counts(database_url) == made
    engine = create_engine(database_url)
    with engine.connect() as connection:
        halls = connection.execute(text("select id, code from hall")).all()
    engine.dispose()
    assert [code for _, code in halls] == ["HALL"]
    assert all(found == {halls[0][0]} for found in _halls_of(database_url).values())


def _kiosk_token(server) -> str:
    from hall_server.auth.service import register_device
    from hall_server.contract.auth import DeviceIn, DeviceKind

    return server.state.uow.run(lambda ctx: register_device(ctx, DeviceIn(kind=DeviceKind.KIOSK, name="k2")))[
        1
    ]
