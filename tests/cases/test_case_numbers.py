"""The platform's case number (办件编号 / PROJID) through the real hall server and the real reference
platform: a case accepted while the platform is down is accepted and printed with the hall's number; its
events wait (shown as waiting, not failed) for the targets that need the PROJID; once the platform is up
the worker gets the number, stores it with `case.case_no_assigned`, and the events arrive in order, each
carrying the PROJID beside the local number, at the platform and in the exchange tables."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from hall_server.client import HallClient
from hall_server.contract.cases import CaseQueryIn
from hall_server.sync import service
from hall_server.sync.config import TargetConfig, check_targets
from hall_server.sync.service import WAITING_CASE_NO
from hall_server.sync.targets.front_table import exchange, exchange_row
from tests.cases.helpers import concluded_case, instant_matter
from tests.conftest import free_port, start_server
from tests.factories import seed_hall
from tests.platform.helpers import (
    APPS,
    HALL_SECRET_ENV,
    SignedClient,
    hall_delivering_to,
    settings_for,
    start_platform,
)
from tests.sync.processes import wait_for

EXPECTED = ["case.submitted", "case.accepted", "case.concluded", "case.case_no_assigned"]


def _exchange_rows(url: str, case_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = (
                select(exchange.c.event_type, exchange_row.c.table_name, exchange_row.c.columns)
                .join(exchange_row, exchange_row.c.event_id == exchange.c.event_id)
                .where(exchange.c.aggregate_type == "case", exchange.c.aggregate_id == str(case_id))
                .order_by(exchange.c.aggregate_seq, exchange_row.c.position)
            )
            return [(kind, table, json.loads(columns)) for kind, table, columns in connection.execute(query)]
    except Exception:  # the worker has not created the tables yet
        return []
    finally:
        engine.dispose()


def test_a_case_accepted_while_the_platform_is_down_gets_its_number_when_it_is_up(
    database_url, tmp_path, clock, monkeypatch
):
    port = free_port()
    platform_url = f"http://127.0.0.1:{port}"
    exchange_url = f"sqlite:///{tmp_path}/exchange.db"
    monkeypatch.setenv(HALL_SECRET_ENV, APPS["HALL-A"].decode())
    targets = [
        {
            "name": "province",
            "kind": "hall-sync-rest",
            "url": platform_url,
            "app_id": "HALL-A",
            "secret_env": HALL_SECRET_ENV,
            "allocates_case_numbers": True,
        },
        {"name": "exchange", "kind": "front-table", "url": exchange_url, "waits_for_case_no": True},
    ]
    settings = hall_delivering_to(
        platform_url, database_url, tmp_path, monkeypatch, sync_targets=targets, sync_probe_seconds=0.5
    )
    hall_server = start_server(settings, clock)
    platform = None
    receiver = SignedClient(platform_url)
    try:
        hall = seed_hall(hall_server.state.uow)
        clerk = HallClient(hall_server.base_url, hall.tokens["clerk1"])
        # offline first: accepted, concluded at the window, the receipt's number is the hall's own
        accepted = concluded_case(clerk, instant_matter(hall_server.state.uow))
        case = accepted.case
        assert case.local_case_no and case.platform_case_no is None

        def waiting() -> list[str]:
            deliveries = clerk.trace("case", case.id).deliveries
            return [d.event_type for d in deliveries if d.last_error == WAITING_CASE_NO]

        # the events wait for the number at both targets: pending, never failed or dead
        wait_for(lambda: "case.concluded" in waiting(), 30, "the case's events shown as waiting")
        time.sleep(1.0)  # several rounds of the worker with the platform down
        trace = clerk.trace("case", case.id)
        assert {d.status.value for d in trace.deliveries} <= {"PENDING", "RETRY", "DONE"}
        held = [(d.target, d.event_type) for d in trace.deliveries if d.last_error == WAITING_CASE_NO]
        assert ("exchange", "case.accepted") in held and ("province", "case.concluded") in held
        assert not [
            d for d in trace.deliveries if d.event_type != "case.submitted" and d.status.value == "DONE"
        ]
        assert clerk.get_case(case.id).platform_case_no is None
        status = {t.target: t for t in hall_server.state.uow.across_halls().read(_status)}
        assert status["exchange"].oldest_error == WAITING_CASE_NO

        platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"), port=port)
        wait_for(lambda: clerk.get_case(case.id).platform_case_no, 30, "the platform's number stored")
        projid = clerk.get_case(case.id).platform_case_no
        assert projid and projid != case.local_case_no and len(projid) <= 50

        def delivered() -> list[dict]:
            events: list[dict] = receiver.aggregate("case", str(case.id))["events"]
            return events

        wait_for(lambda: len(delivered()) == len(EXPECTED), 30, "the case's events at the platform")
        events = delivered()
        assert [e["event_type"] for e in events] == EXPECTED
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
        for event in events:
            refs = event["envelope"]["refs"]
            assert (refs["case_no"], refs["local_case_no"]) == (projid, case.local_case_no)
        assert events[-1]["envelope"]["data"]["case_no"] == projid
        assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0

        # asking again (a hall that lost the answer) gives the same number
        hall_code = events[0]["envelope"]["source"]["hall_code"]
        again = receiver.case_number(hall_code, case.local_case_no)
        assert again.status_code == 200 and again.json()["case_no"] == projid

        # the exchange tables carry the PROJID from 受理 on, beside the hall's own business number
        def exchanged() -> set[str]:
            return {kind for kind, _, _ in _exchange_rows(exchange_url, case.id)}

        wait_for(lambda: set(EXPECTED) <= exchanged(), 30, "the case in the exchange tables")
        rows = _exchange_rows(exchange_url, case.id)
        numbered = [(kind, table, cols) for kind, table, cols in rows if kind != "case.submitted"]
        assert {table for _, table, _ in numbered} >= {
            "EA_JC_STEP_BASICINFO",
            "EA_JC_STEP_PROC",
            "EA_JC_STEP_DONE",
        }
        assert all(cols["PROJID"] == projid and cols["ORGBUSNO"] == str(case.id) for _, _, cols in numbered)
        [told] = [cols for kind, _, cols in numbered if kind == "case.case_no_assigned"]
        assert (told["CD_OPERATION"], told["LOCAL_CASE_NO"]) == ("U", case.local_case_no)

        # the clerk's trace shows the assignment; every delivery is done, none waits any more
        trace = clerk.trace("case", projid)  # found by the platform's number too
        assigned = [e for e in trace.events if e.event_type.value == "case.case_no_assigned"]
        assert len(assigned) == 1 and assigned[0].data["case_no"] == projid
        wait_for(
            lambda: all(d.status.value == "DONE" for d in clerk.trace("case", case.id).deliveries),
            30,
            "every delivery done",
        )

        # the visitor may query with either number
        kiosk = HallClient(hall_server.base_url, hall.tokens["kiosk"])
        for number in (case.local_case_no, projid):
            found = kiosk.query_case(
                CaseQueryIn(local_case_no=number, query_password=accepted.query_password)
            )
            assert (found.local_case_no, found.platform_case_no) == (case.local_case_no, projid)
        public = HallClient(hall_server.base_url).public_case_query(
            CaseQueryIn(local_case_no=projid, query_password=accepted.query_password)
        )
        assert public.platform_case_no == projid
    finally:
        receiver.close()
        hall_server.stop()
        if platform is not None:
            platform.stop()


def _status(ctx):
    return service.status(ctx, ctx.targets)


def test_a_target_cannot_wait_for_numbers_no_target_gives():
    exchange_only = TargetConfig(name="exchange", kind="front-table", url="sqlite://", waits_for_case_no=True)
    with pytest.raises(ValueError, match="no target allocates"):
        check_targets([exchange_only])
    with pytest.raises(ValueError, match="only a hall-sync-rest target"):
        TargetConfig(name="x", kind="front-table", url="sqlite://", allocates_case_numbers=True)
    rest = {"kind": "hall-sync-rest", "url": "http://p", "secret_env": "X", "allocates_case_numbers": True}
    with pytest.raises(ValueError, match="only one"):
        check_targets([TargetConfig(name="a", **rest), TargetConfig(name="b", **rest)])
    assert check_targets([TargetConfig(name="a", **rest), exchange_only])
