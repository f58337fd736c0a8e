"""差评整改 through the real server: a 差评 on the pad opens one follow-up; its steps in order, each an event;
steps out of order refused with 409; appeal and review; who may act."""

from __future__ import annotations

from datetime import date

import pytest

from hall_server.client import ApiError
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.followups import (
    AppealIn,
    AssignIn,
    CloseIn,
    RectifyIn,
    ReplyIn,
    ReviewDecision,
    ReviewIn,
    RevisitIn,
    RevisitResult,
    VerifyIn,
    VerifyResult,
)
from tests.followups.helpers import bad_review, followup_events, served, staff_id


def test_a_bad_review_on_the_pad_opens_one_followup_with_its_deadlines(server, client_for):
    manager = client_for("manager")
    clerk, good = served(client_for)
    clerk.evaluate(good, EvaluationIn(level=Level.VERY_SATISFIED, channel=EvalChannel.WINDOW_PAD))
    assert manager.followups() == []  # a good rating opens nothing
    followup = bad_review(client_for, text="等了很久，电话13812345678")
    assert (followup.status, followup.status_name, followup.level) == ("OPEN", "待分派", Level.DISSATISFIED)
    assert followup.evaluation_text == "等了很久，电话138****5678"
    assert (followup.window_no, followup.staff_name, followup.opened_on) == (
        1,
        "员工clerk1",
        date(2026, 11, 25),
    )
    # defaults (standards §2.5): verify +1, rectify +15, revisit +20 working days from Wed 2026-11-25
    assert [(d.step, d.due) for d in followup.deadlines] == [
        ("verify", date(2026, 11, 26)),
        ("rectify", date(2026, 12, 16)),
        ("revisit", date(2026, 12, 23)),
    ]
    assert followup.warning == "yellow"  # one working day to verify: yellow from the start
    assert followup.steps == ["assign", "appeal"]
    events = followup_events(server, followup.id)
    assert [t for t, _ in events] == ["evaluation_followup.opened"]
    assert events[0][1]["level"] == "DISSATISFIED" and events[0][1]["verify_due"] == "2026-11-26"
    # the 追评 on the same service is another evaluation: a bad one opens its own follow-up
    clerk.evaluate(
        followup.opportunity_id,
        EvaluationIn(level=Level.VERY_DISSATISFIED, channel=EvalChannel.WINDOW_PAD, indicator_codes=["501"]),
    )
    both = manager.followups()
    assert sorted(f.assess_number for f in both) == [1, 2]
    assert len({f.evaluation_id for f in both}) == 2


def test_the_full_path_assign_verify_rectify_reply_revisit_close(server, client_for):
    manager, clerk2 = client_for("manager"), client_for("clerk2")
    followup = bad_review(client_for)
    clerk2_id = staff_id(client_for, "clerk2")
    step = manager.followup_step
    assigned = step(followup.id, "assign", AssignIn(department_code="SHEBAO", staff_id=clerk2_id))
    assert (assigned.status, assigned.department, assigned.assignee_name) == (
        "ASSIGNED",
        "社保科",
        "员工clerk2",
    )
    assert assigned.steps == ["assign", "verify", "appeal"]  # reassigning is allowed until 核实
    with pytest.raises(ApiError) as stranger:  # neither a manager nor the assignee
        client_for("clerk3").followup_step(followup.id, "verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE))
    assert (stranger.value.status, stranger.value.code) == (403, "FOLLOWUP_NOT_YOURS")
    verified = clerk2.followup_step(
        followup.id, "verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE, note="调取录像")
    )
    assert (verified.status, verified.verify_result) == ("VERIFIED", "VERIFIED_TRUE")
    assert verified.deadlines[0].done_at is not None and verified.deadlines[0].warning == "none"
    assert verified.steps == ["rectify", "appeal"]  # 属实: 整改 before the reply
    rectified = clerk2.followup_step(followup.id, "rectify", RectifyIn(record="已组织窗口服务规范培训"))
    assert (rectified.status, rectified.rectification) == ("RECTIFIED", "已组织窗口服务规范培训")
    assert rectified.steps == ["reply"]
    replied = step(followup.id, "reply", ReplyIn(text="您好，已整改，欢迎再次监督，联系电话13900001111"))
    assert replied.status == "REPLIED" and "139****1111" in replied.reply and replied.steps == ["revisit"]
    revisited = step(followup.id, "revisit", RevisitIn(result=RevisitResult.SATISFIED, note="电话回访"))
    assert (revisited.status, revisited.revisit_result, revisited.steps) == (
        "REVISITED",
        "SATISFIED",
        ["close"],
    )
    closed = step(followup.id, "close", CloseIn(note="办结"))
    assert closed.status == "CLOSED" and closed.closed_at is not None and not closed.excluded
    assert closed.steps == []
    assert closed.warning == "none" and {d.warning for d in closed.deadlines} == {"none"}
    assert manager.followup(followup.id) == closed
    events = followup_events(server, followup.id)
    assert [t.removeprefix("evaluation_followup.") for t, _ in events] == [
        "opened", "assigned", "verified", "rectified", "replied", "revisited", "closed",
    ]  # fmt: skip
    data = dict(events)
    assert data["evaluation_followup.assigned"]["department"] == "社保科"
    assert data["evaluation_followup.assigned"]["assignee_id"] == clerk2_id
    assert data["evaluation_followup.verified"] == {
        "status": "VERIFIED",
        "result": "VERIFIED_TRUE",
        "note": "调取录像",
    }
    assert data["evaluation_followup.replied"]["text"].endswith("139****1111")  # no number in the event
    assert data["evaluation_followup.revisited"]["result"] == "SATISFIED"


def test_steps_out_of_order_are_refused_with_409(client_for):
    manager = client_for("manager")
    followup = bad_review(client_for)
    step = manager.followup_step

    def refused(name: str, body) -> ApiError:
        with pytest.raises(ApiError) as caught:
            step(followup.id, name, body)
        assert caught.value.status == 409
        return caught.value

    early = refused("verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE))
    assert early.code == "FOLLOWUP_STEP_OUT_OF_ORDER" and early.message == "当前状态为「待分派」，不能核实"
    assert early.detail == {"status": "OPEN", "step": "verify"}
    assert refused("close", CloseIn()).code == "FOLLOWUP_STEP_OUT_OF_ORDER"
    step(followup.id, "assign", AssignIn(department_code="ZONGHE"))
    step(followup.id, "verify", VerifyIn(result=VerifyResult.VERIFIED_TRUE))
    first_rectify = refused("reply", ReplyIn(text="已处理"))
    assert first_rectify.message == "差评属实，须先整改再答复"
    assert refused("revisit", RevisitIn(result=RevisitResult.SATISFIED)).code == "FOLLOWUP_STEP_OUT_OF_ORDER"
    assert refused("assign", AssignIn(department_code="QIYE")).code == "FOLLOWUP_STEP_OUT_OF_ORDER"
    # not 属实: nothing to rectify, the reply explains (解释说明)
    other = bad_review(client_for)
    step(other.id, "assign", AssignIn(department_code="ZONGHE"))
    not_true = step(other.id, "verify", VerifyIn(result=VerifyResult.NOT_TRUE, note="按规定办理"))
    assert not_true.steps == ["reply", "appeal"]  # nothing to rectify: the reply explains
    with pytest.raises(ApiError) as nothing:
        step(other.id, "rectify", RectifyIn(record="无"))
    assert (nothing.value.status, nothing.value.code) == (409, "FOLLOWUP_NOTHING_TO_RECTIFY")
    assert step(other.id, "reply", ReplyIn(text="经核实，材料不全须补正，已向您解释")).status == "REPLIED"
    step(other.id, "revisit", RevisitIn(result=RevisitResult.UNREACHABLE))
    step(other.id, "close", CloseIn())
    with pytest.raises(ApiError) as done:
        step(other.id, "reply", ReplyIn(text="再答复"))
    assert (done.value.status, done.value.code) == (409, "FOLLOWUP_CLOSED")


def test_the_windows_clerk_appeals_and_managers_review(server, client_for):
    manager, clerk1 = client_for("manager"), client_for("clerk1")
    kept = bad_review(client_for)
    with pytest.raises(ApiError) as not_theirs:  # clerk2 did not serve it
        client_for("clerk2").followup_step(kept.id, "appeal", AppealIn(reason="不是我办的"))
    assert not_theirs.value.status == 403
    appealed = clerk1.followup_step(kept.id, "appeal", AppealIn(reason="办事人材料不全，已一次性告知"))
    assert (appealed.appeal_state, appealed.status, appealed.steps) == ("PENDING", "OPEN", ["review"])
    with pytest.raises(ApiError) as pending:
        manager.followup_step(kept.id, "assign", AssignIn(department_code="SHEBAO"))
    assert (pending.value.status, pending.value.code) == (409, "FOLLOWUP_APPEAL_PENDING")
    with pytest.raises(ApiError) as clerk_reviews:
        clerk1.followup_step(kept.id, "review", ReviewIn(decision=ReviewDecision.OVERTURNED))
    assert clerk_reviews.value.status == 403
    upheld = manager.followup_step(
        kept.id, "review", ReviewIn(decision=ReviewDecision.UPHELD, note="录像显示态度生硬")
    )
    assert (upheld.appeal_state, upheld.status, upheld.excluded) == ("UPHELD", "OPEN", False)
    assert upheld.steps == ["assign"]  # goes on; appealed once already
    with pytest.raises(ApiError) as twice:
        clerk1.followup_step(kept.id, "appeal", AppealIn(reason="再申诉"))
    assert twice.value.code == "FOLLOWUP_APPEAL_TWICE"
    with pytest.raises(ApiError) as no_appeal:
        manager.followup_step(kept.id, "review", ReviewIn(decision=ReviewDecision.UPHELD))
    assert (no_appeal.value.status, no_appeal.value.code) == (409, "FOLLOWUP_NO_APPEAL")
    assert manager.followup_step(kept.id, "assign", AssignIn(department_code="SHEBAO")).status == "ASSIGNED"

    excluded = bad_review(client_for)
    clerk1.followup_step(excluded.id, "appeal", AppealIn(reason="办事人未办理业务即评价，系误评"))
    overturned = manager.followup_step(excluded.id, "review", ReviewIn(decision=ReviewDecision.OVERTURNED))
    assert (overturned.status, overturned.appeal_state, overturned.excluded) == ("CLOSED", "OVERTURNED", True)
    assert overturned.warning == "none" and overturned.steps == []
    events = followup_events(server, excluded.id)
    assert [t for t, _ in events][-2:] == ["evaluation_followup.appealed", "evaluation_followup.reviewed"]
    assert events[-1][1] == {"status": "CLOSED", "decision": "OVERTURNED", "note": "", "excluded": True}
