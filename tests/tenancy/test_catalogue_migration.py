"""The regional-catalogue migration (c41d8e2f6a73) on a database with a day of data: each matter's category
becomes its hall's offering and back; with two halls the downgrade keeps the lowest hall's offering.

The day runs through the real server; the database goes down to the tenancy revision (matter.category_id
back, hall_matter and staff_hall gone) and up again, and the server goes on where the day stopped."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hall_server.catalogue.service import offer_matter
from hall_server.client import HallClient
from hall_server.contract.catalogue import HallMatterIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.core.context import Ctx
from hall_server.halls.models import Hall
from hall_server.migrate import alembic_config
from tests.conftest import start_server
from tests.factories import seed_hall
from tests.tenancy.test_two_halls import B_CODE, seed_hall_b

PREVIOUS = "1f33b8c17730"  # the revision before the regional catalogue (cases, intake)
CATALOGUE = "c41d8e2f6a73"
TABLES = ("matter", "matter_material", "ticket", "event", "category")


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def _counts(url: str) -> dict[str, int]:
    return {t: int(_rows(url, f'select count(*) from "{t}"')[0][0]) for t in TABLES}  # type: ignore[call-overload]


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    columns = {c["name"] for c in inspect(engine).get_columns(table)}
    engine.dispose()
    return columns


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    return tables


def _a_day(settings, clock, *, second_hall: bool = False) -> dict[str, int]:
    server = start_server(settings, clock)
    try:
        hall = seed_hall(server.state.uow)
        if second_hall:
            seed_hall_b(server.state.uow)

            def offer_in_b(ctx: Ctx) -> None:
                (b_id,) = ctx.session.query(Hall.id).filter(Hall.code == B_CODE).one()
                ctx.enter_hall(b_id)
                offer_matter(ctx, hall.matters["marriage"], HallMatterIn(category_code="ENTERPRISE"))

            server.state.uow.run(offer_in_b)
        with (
            HallClient(server.base_url, hall.tokens["kiosk"]) as kiosk,
            HallClient(server.base_url, hall.tokens["clerk1"]) as clerk,
        ):
            kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["marriage"]))
            kiosk.issue_ticket(IssueTicketRequest(matter_id=hall.matters["company"]))
            kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
            clerk.window_op(1, "open")
            clerk.call_next(1)
            clerk.window_op(1, "start")
            clerk.window_op(1, "complete")
        return hall.matters
    finally:
        server.stop()


def test_offerings_move_down_to_matter_category_and_back(database_url, settings, clock):
    matters = _a_day(settings, clock)
    made = _counts(database_url)
    assert made["ticket"] == 3 and made["matter"] == 2
    offered = _rows(
        database_url,
        "select hm.matter_id, c.code, hm.enabled from hall_matter hm "
        "join category c on c.id = hm.category_id order by hm.matter_id",
    )
    assert offered == [(matters["marriage"], "SOCIAL", True), (matters["company"], "ENTERPRISE", True)]
    config = alembic_config(database_url)

    command.downgrade(config, PREVIOUS)
    assert "category_id" in _columns(database_url, "matter")
    assert not {"hall_matter", "staff_hall"} & _tables(database_url)
    assert _counts(database_url) == made
    back = _rows(
        database_url,
        "select m.id, c.code from matter m join category c on c.id = m.category_id order by m.id",
    )
    assert back == [(matters["marriage"], "SOCIAL"), (matters["company"], "ENTERPRISE")]

    command.upgrade(config, CATALOGUE)
    assert "category_id" not in _columns(database_url, "matter")
    assert _counts(database_url) == made
    again = _rows(
        database_url,
        "select hm.matter_id, c.code, hm.enabled, hm.hall_id = c.hall_id from hall_matter hm "
        "join category c on c.id = hm.category_id order by hm.matter_id",
    )
    assert [row[:3] for row in again] == offered and all(row[3] for row in again)

    # the server goes on where the day stopped: by matter, the next SOCIAL ticket is B003
    server = start_server(settings, clock)
    try:
        from tests.tenancy.test_migration import _kiosk_token

        with HallClient(server.base_url, _kiosk_token(server)) as kiosk:
            assert [m.category_code for m in kiosk.matters("jhdj")] == ["SOCIAL"]
            ticket = kiosk.issue_ticket(IssueTicketRequest(matter_id=matters["marriage"]))
            assert ticket.number == "B003"
    finally:
        server.stop()


def test_downgrade_with_two_halls_keeps_the_lowest_halls_offering(database_url, settings, clock):
    matters = _a_day(settings, clock, second_hall=True)
    assert len(_rows(database_url, "select id from hall_matter")) == 3  # A: 2, B: the marriage matter
    command.downgrade(alembic_config(database_url), PREVIOUS)
    back = _rows(
        database_url,
        "select m.id, c.code, h.code from matter m join category c on c.id = m.category_id "
        "join hall h on h.id = c.hall_id order by m.id",
    )
    # hall A (the lowest) offered both: its categories win, hall B's offering is lost
    assert [row[:2] for row in back] == [(matters["marriage"], "SOCIAL"), (matters["company"], "ENTERPRISE")]
    assert {row[2] for row in back} == {"341122-ZWFW-01"}
