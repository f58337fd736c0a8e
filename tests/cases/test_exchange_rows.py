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
    MaterialsIn,
    NotAcceptedIn,
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
from hall_server.contract.joint import JointCaseOpenIn, JointMatterIn
from hall_server.events.models import Event
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


def _joint_rows(url: str, joint_id: int) -> list[tuple[str, str, dict]]:
    """The rows written next to the joint case's own events: (event type, table, columns)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        query = (
            select(exchange.c.event_type, exchange_row.c.table_name, exchange_row.c.columns)
            .join(exchange_row, exchange_row.c.event_id == exchange.c.event_id)
            .where(exchange.c.aggregate_type == "joint_case", exchange.c.aggregate_id == str(joint_id))
            .order_by(exchange.c.aggregate_seq, exchange_row.c.position)
        )
        rows = [(kind, table, json.loads(columns)) for kind, table, columns in connection.execute(query)]
    engine.dispose()
    return rows


def test_a_joint_case_marks_its_childrens_rows_with_the_joint_number(synced):
    """一件事: the children fill the tables as cases of their own; the joint case's 收件 and 受理 update
    each child's PRE_APASINFO (INFOTYPE 3 联办件, EXT1 joint number, EXT2 joint matter, EXT3 joint id) and
    its EA_JC_STEP_BASICINFO (APPROVALTYPE 3); a refused joint case adds nothing to its children's
    不予受理 rows."""
    server, hall, url = synced
    admin = HallClient(server.base_url, hall.tokens["admin"])
    clerk = HallClient(server.base_url, hall.tokens["clerk1"])
    admin.save_joint_matter(
        "PAIR",
        JointMatterIn(name="两事一件事", member_ids=[hall.matters["marriage"], hall.matters["company"]]),
    )
    joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="PAIR", applicant=person(YOUNG_ID)))
    form = next(m.material_ids[0] for m in joint.materials if m.name == "申请表")
    clerk.receive_joint_materials(joint.id, MaterialsIn(received=[form]))
    done = clerk.accept_joint_case(joint.id).case
    child_ids = [str(c.case_id) for c in done.children]
    deadline = time.monotonic() + 30
    while len(_joint_rows(url, joint.id)) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = _joint_rows(url, joint.id)
    assert [(kind, table) for kind, table, _ in rows] == [
        ("case.submitted", "PRE_APASINFO"),
        ("case.submitted", "PRE_APASINFO"),
        ("case.accepted", "PRE_APASINFO"),
        ("case.accepted", "EA_JC_STEP_BASICINFO"),
        ("case.accepted", "PRE_APASINFO"),
        ("case.accepted", "EA_JC_STEP_BASICINFO"),
    ]
    assert all(c["CD_OPERATION"] == "U" for _, _, c in rows)
    submitted = [c for kind, _, c in rows if kind == "case.submitted"]
    assert [c["ORGBUSNO"] for c in submitted] == child_ids
    assert all(
        (c["INFOTYPE"], c["EXT1"], c["EXT2"], c["EXT3"], c["PROJID"])
        == ("3", None, "PAIR", str(joint.id), None)
        for c in submitted
    )
    apas = [c for kind, table, c in rows if kind == "case.accepted" and table == "PRE_APASINFO"]
    assert [(c["ORGBUSNO"], c["PROJID"]) for c in apas] == [
        (str(c.case_id), c.local_case_no) for c in done.children
    ]
    assert all((c["INFOTYPE"], c["EXT1"], c["EXT2"]) == ("3", done.local_case_no, "PAIR") for c in apas)
    basic = [c for _, table, c in rows if table == "EA_JC_STEP_BASICINFO"]
    assert [(c["ORGBUSNO"], c["APPROVALTYPE"]) for c in basic] == [(i, "3") for i in child_ids]
    # each child's own rows, keyed by its own id and number, as for any case
    while len({(a, s) for a, s, _, _ in _rows(url, set(child_ids))}) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    own = _rows(url, set(child_ids))
    assert {(a, table) for a, _, table, _ in own} >= {(i, "PRE_APASINFO") for i in child_ids}
    assert {(a, c["PROJID"]) for a, _, table, c in own if table == "EA_JC_STEP_BASICINFO"} == {
        (str(c.case_id), c.local_case_no) for c in done.children
    }
    assert YOUNG_ID not in json.dumps([rows, own], ensure_ascii=False)

    # refused: the joint case's refusal adds no row; each child's own 不予受理 rows are there
    refused = clerk.open_joint_case(JointCaseOpenIn(joint_code="PAIR", applicant=person(YOUNG_ID)))
    clerk.refuse_joint_case(refused.id, NotAcceptedIn(reason="不符合一件事办理条件"))
    for child in refused.children:
        refusal = [e.payload for e in _events(server, child.case_id) if e.event_type == "case.not_accepted"]
        assert len(refusal) == 1
        assert [r.table for r in rows_for(refusal[0])] == ["EA_JC_STEP_PROC", "EA_JC_STEP_DONE"]
    own_refusal = server.state.uow.read(
        lambda ctx: [
            e.payload
            for e in ctx.session.scalars(
                select(Event)
                .where(Event.aggregate_type == "joint_case", Event.aggregate_id == str(refused.id))
                .order_by(Event.aggregate_seq)
            )
        ]
    )
    assert [e["event_type"] for e in own_refusal] == ["case.submitted", "case.not_accepted"]
    assert rows_for(own_refusal[1]) == []
    assert [r.columns["EXT3"] for r in rows_for(own_refusal[0])] == [str(refused.id)] * 2
