"""A whole case through the outbox to the front-table (前置库) target: the exchange-table rows of
standards.md §3.2 written next to each event, in the case's order, with no personal data in clear."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, select

from hall_server.client import HallClient
from hall_server.contract.cases import Delivery, MailIn, PickupIn, ResultReadyIn
from hall_server.sync.targets.front_table import exchange, exchange_row
from tests.cases.conftest import PROTECT_KEY
from tests.cases.helpers import concluded_case, instant_matter
from tests.conftest import make_settings, start_server
from tests.factories import ELDERLY_ID, YOUNG_ID, person, seed_hall


@pytest.fixture
def synced(database_url, tmp_path, clock):
    url = f"sqlite:///{tmp_path}/exchange.db"
    settings = make_settings(
        database_url,
        tmp_path,
        sync_targets=[{"name": "exchange", "kind": "front-table", "url": url, "batch_size": 20}],
        sync_idle_seconds=0.2,
        sync_protect_key=PROTECT_KEY,
    )
    running = start_server(settings, clock)
    yield running, seed_hall(running.state.uow), url
    running.stop()


def _rows(url: str, case_ids: set[str]) -> list[tuple[str, int, str, dict]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        query = (
            select(
                exchange.c.aggregate_id,
                exchange.c.aggregate_seq,
                exchange_row.c.table_name,
                exchange_row.c.columns,
            )
            .join(exchange_row, exchange_row.c.event_id == exchange.c.event_id)
            .where(exchange.c.aggregate_type == "case", exchange.c.aggregate_id.in_(case_ids))
            .order_by(exchange.c.aggregate_id, exchange.c.aggregate_seq, exchange_row.c.position)
        )
        rows = [(a, seq, table, json.loads(columns)) for a, seq, table, columns in connection.execute(query)]
    engine.dispose()
    return rows


def test_a_picked_up_and_a_mailed_case_fill_the_exchange_tables(synced):
    server, hall, url = synced
    clerk = HallClient(server.base_url, hall.tokens["clerk1"])
    matter = instant_matter(server.state.uow)
    picked = concluded_case(clerk, matter).case
    clerk.result_ready(picked.id, ResultReadyIn())
    clerk.pick_up_result(picked.id, PickupIn(card=person()))
    mailed = concluded_case(clerk, matter, ELDERLY_ID).case
    clerk.result_ready(mailed.id, ResultReadyIn(delivery=Delivery.MAIL))
    sent = server.state.clock.today()
    clerk.mail_result(
        mailed.id,
        MailIn(
            carrier="中国邮政EMS",
            waybill_no="EA123456789CN",
            sent_on=sent,
            receiver_name="张老汉",
            receiver_phone="13812345678",
        ),
    )
    ids = {str(picked.id), str(mailed.id)}
    deadline = time.monotonic() + 30
    while len({(a, s) for a, s, _, _ in _rows(url, ids)}) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = _rows(url, ids)
    first = [(seq, table) for a, seq, table, _ in rows if a == str(picked.id)]
    assert first == [
        (1, "PRE_APASINFO"),
        (2, "EA_JC_STEP_BASICINFO"),
        (2, "EA_JC_STEP_PROC"),
        (3, "EA_JC_STEP_DONE"),
        (4, "PRE_APASINFO"),
        (5, "EX_RESULT_PICKUP"),
    ]
    columns = {table: c for a, _, table, c in rows if a == str(picked.id)}
    assert columns["EA_JC_STEP_PROC"]["NODERESULT"] == "4" and columns["EA_JC_STEP_DONE"]["DONERESULT"] == "0"
    assert columns["EX_RESULT_PICKUP"]["LQFS"] == "本人领取" and columns["EX_RESULT_PICKUP"]["LQSJ"]
    assert {c["PROJID"] for _, s, _, c in rows if s > 1} >= {picked.local_case_no}
    logistics = next(c for a, _, table, c in rows if table == "EX_LOGISTICS")
    assert (logistics["WLDH"], logistics["JSDW"]) == ("EA123456789CN", "中国邮政EMS")
    assert logistics["JSRQ"] == sent.strftime("%Y%m%d") and logistics["SJR"] == "张*汉 138****5678"
    text = json.dumps(rows, ensure_ascii=False)
    assert YOUNG_ID not in text and ELDERLY_ID not in text and "13812345678" not in text
