"""A whole case through the outbox to the front-table (前置库) target: the exchange-table rows of
standards.md §3.2 written next to each event, in the case's order, with no personal data in clear."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import create_engine, select

from hall_server.client import HallClient
from hall_server.contract.cases import (
    CertificateIn,
    ConcludeIn,
    Delivery,
    MailIn,
    Outcome,
    PickupIn,
    ResultReadyIn,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialKind,
    SpecialStartIn,
    StepAction,
    StepIn,
    StepPhase,
    StepResult,
)
from hall_server.sync.targets.exchange_tables import rows_for
from hall_server.sync.targets.front_table import exchange, exchange_row
from tests.cases.conftest import PROTECT_KEY
from tests.cases.helpers import concluded_case, instant_matter
from tests.cases.test_backoffice import CERT_ID, _accepted
from tests.cases.test_intake import _events
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


def test_back_office_steps_specials_and_conclusions_map_to_the_exchange_tables(
    server, hall, client_for, back
):
    """承办/审核/批准 → EA_JC_STEP_PROC (NODERESULT 1/0/7, SPHJDM), 退回窗口补正 → PROC 5, 听证 →
    EA_JC_STEP_SPECIALNODE (start, then its end on the same SN), 准予 / 不予许可 / 转报 → EA_JC_STEP_DONE
    (DONERESULT v2 0/1/4) with the certificate; rows from the events the server actually stored."""
    approved, denied, transferred = (_accepted(client_for, hall) for _ in range(3))
    back.complete_step(approved, StepIn(phase=StepPhase.UNDERTAKE, opinion="材料齐全"))
    back.complete_step(approved, StepIn(phase=StepPhase.REVIEW, opinion="请复核", action=StepAction.RETURN))
    back.return_for_correction(approved, ReturnForCorrectionIn(missing="户口簿原件", opinion="缺户口簿"))
    client_for("clerk1").accept_case(approved)
    back.start_special_procedure(
        approved,
        SpecialStartIn(kind=SpecialKind.HEARING, reason_basis="《行政许可法》第四十六条", expected_days=3),
    )
    back.end_special_procedure(approved, SpecialEndIn(result="听证通过", opinion="同意"))
    for phase in StepPhase:
        back.complete_step(approved, StepIn(phase=phase, opinion="同意"))
    certificate = CertificateIn(name="结婚证", number="J341122-2026-000001", identifier=CERT_ID)
    back.conclude_case(approved, ConcludeIn(outcome=Outcome.APPROVED, certificate=certificate))
    for phase in StepPhase:
        back.complete_step(denied, StepIn(phase=phase, opinion="不符合条件", result=StepResult.DISAGREE))
    back.conclude_case(denied, ConcludeIn(outcome=Outcome.DENIED, reason="不符合法定条件"))
    back.conclude_case(transferred, ConcludeIn(outcome=Outcome.TRANSFERRED, transfer_target="市民政局"))

    def rows(case_id: int) -> list[tuple[str, dict]]:
        return [(r.table, r.columns) for e in _events(server, case_id) for r in rows_for(e.payload)]

    mine = rows(approved)
    procs = [c for t, c in mine if t == "EA_JC_STEP_PROC"]
    assert [(c["NODENAME"], c["NODERESULT"], c.get("SPHJDM")) for c in procs] == [
        ("受理", "4", None),
        ("承办", "1", "1"),
        ("审核", "7", "2"),
        ("退回窗口补正", "5", None),
        ("受理", "4", None),
        ("承办", "1", "1"),
        ("审核", "1", "2"),
        ("批准", "1", "3"),
    ]
    assert procs[1]["NODEADV"] == "材料齐全" and procs[1]["NODEPROCERNAME"] == "员工backoffice"
    assert procs[1]["NODESTATE"] == "02" and procs[-1]["NODETYPE"] == "3"
    assert [c["SN"] for c in procs[5:]] == [4, 5, 6]  # the round after 补正: SN goes on
    # every time in the hall's local time, like the event's own (the test clock does not move)
    assert procs[1]["NODEENDTIME"] == procs[0]["NODEENDTIME"] == procs[1]["NODESTARTTIME"]
    assert procs[3]["NOTICE"] == "户口簿原件" and procs[3]["NODEADV"] == "缺户口簿" and procs[3]["SN"] == 3
    specials = [c for t, c in mine if t == "EA_JC_STEP_SPECIALNODE"]
    assert [(c["CD_OPERATION"], c["SN"], c["NODENAME"], c["NODERESULT"]) for c in specials] == [
        ("I", 1, "听证", "2"),
        ("U", 1, "听证", "2"),
    ]
    assert specials[0]["NODEPROCACCORD"] == "《行政许可法》第四十六条" and specials[1]["NODEENDTIME"]
    assert specials[1]["NODESTARTTIME"] == specials[0]["NODESTARTTIME"] == procs[0]["NODESTARTTIME"]
    done = next(c for t, c in mine if t == "EA_JC_STEP_DONE")
    assert (done["DONERESULT"], done["CERTIFICATENAM"], done["CERTIFICATENO"], done["CERTIFICATEID"]) == (
        "0",
        "结婚证",
        "J341122-2026-000001",
        CERT_ID,
    )
    denial = next(c for t, c in rows(denied) if t == "EA_JC_STEP_DONE")
    assert (denial["DONERESULT"], denial["EXITRES"]) == ("1", "不符合法定条件")
    assert [c["NODERESULT"] for t, c in rows(denied) if t == "EA_JC_STEP_PROC"][1:] == ["0", "0", "0"]
    transfer = next(c for t, c in rows(transferred) if t == "EA_JC_STEP_DONE")
    assert (transfer["DONERESULT"], transfer["EXITRES"]) == ("4", "转报市民政局")
    text = json.dumps([mine, rows(denied)], ensure_ascii=False)
    assert YOUNG_ID not in text and "张小三" not in text
