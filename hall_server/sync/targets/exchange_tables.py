"""case.* and result.* events as rows of the provincial exchange tables (前置库, standards.md §3.2, §3.4):
PRE_APASINFO, PRE_FILE (attachments' metadata), EA_JC_STEP_BASICINFO, EA_JC_STEP_PROC, EA_JC_STEP_DONE,
the pickup (GD LQSJ) and 表15 物流.
As far as the events carry data: the applicant's own fields travel only in the envelope's `protected`
block, which the province opens with its key; here the rows name the event that carries them. Pure: a
front-table target writes the rows next to the event.

一件事 (联办件): each member matter's case is a case of its own and fills the tables as any case does.
The standards name no table and no column for the whole (§3.2 gives only 办件类型 3 联办件:
PRE_APASINFO `INFOTYPE`, EA_JC_STEP_BASICINFO `APPROVALTYPE`), so the joint case's own events (aggregate
`joint_case`) update its children's rows (CD_OPERATION U, each child's ORGBUSNO and PROJID): at 收件 every
child's PRE_APASINFO gets INFOTYPE 3 and, in the tables' extension columns,
  EXT1 联办件编号: the joint case number (PROJID of the whole; from acceptance on, None before),
  EXT2 一件事编码: the hall's joint matter code,
  EXT3 联办件原系统业务流水号: the joint case's own id (ORGBUSNO of the whole, grouping the children before
       the number exists);
at 受理 the same on PRE_APASINFO with EXT1 filled, and APPROVALTYPE 3 on each child's EA_JC_STEP_BASICINFO. A
refused joint case adds nothing: each child's own 不予受理 rows say it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

STDVER = "GB/T 39046-2020"
# case.concluded outcome → DONERESULT (v2, standards.md §3.4)
DONE_RESULT = {"APPROVED": "0", "DENIED": "1", "TRANSFERRED": "4", "WITHDRAWN": "5", "VOIDED": "2"}
FILE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}  # PRE_FILE FILETYPE
PICKED_BY = {"SELF": "本人领取", "AGENT": "代理人领取"}
# back office: 审批环节 → GD SPHJDM; a step's result → EA_JC_STEP_PROC NODERESULT (7 退回 before the result)
PHASE_CODE = {"UNDERTAKE": "1", "REVIEW": "2", "APPROVE": "3"}
STEP_RESULT = {"AGREE": "1", "DISAGREE": "0"}
NODE_TYPE = {"UNDERTAKE": "2", "REVIEW": "2", "APPROVE": "3"}  # 受理 is the start node
# special procedure kind → EA_JC_STEP_SPECIALNODE NODERESULT (2 听证 · 3 公示 · 4 核实 · 5 挂起)
SPECIAL_RESULT = {
    "HEARING": "2",
    "PUBLICITY": "3",
    "VERIFICATION": "4",
    "INSPECTION": "4",
    "EXPERT_REVIEW": "4",
    "EXTENSION": "5",
    "SUSPENSION": "5",
}


@dataclass(frozen=True)
class ExchangeRow:
    table: str
    columns: dict[str, Any]


def rows_for(envelope: dict[str, Any]) -> list[ExchangeRow]:
    """The exchange rows of one event (none for an event the tables do not record)."""
    if envelope["aggregate"]["type"] == "joint_case":
        return _joint_rows(envelope)
    mapper = _MAPPERS.get(envelope["event_type"])
    if mapper is None or envelope["aggregate"]["type"] != "case":
        return []
    data = envelope.get("data") or {}
    keys = _keys(envelope, data)
    return [ExchangeRow(table, {**keys, **columns}) for table, columns in mapper(envelope, data)]


def _joint_rows(envelope: dict[str, Any]) -> list[ExchangeRow]:
    """A joint case's 收件 and 受理 as updates of its children's rows (see the module's docstring)."""
    data = envelope.get("data") or {}
    accepted = envelope["event_type"] == "case.accepted"
    if envelope["event_type"] != "case.submitted" and not accepted:
        return []
    child_ids = (envelope.get("refs") or {}).get("cases") or []
    numbers = [child.get("local_case_no") for child in data.get("children") or []] if accepted else []
    joint = {
        "INFOTYPE": "3",  # 联办件
        "EXT1": data.get("local_case_no") if accepted else None,
        "EXT2": data.get("joint_matter"),
        "EXT3": envelope["aggregate"]["id"],
    }
    rows = []
    for position, child_id in enumerate(child_ids):
        number = numbers[position] if position < len(numbers) else None
        keys = {**_keys(envelope, data), "ORGBUSNO": str(child_id), "PROJID": number, "CD_OPERATION": "U"}
        rows.append(ExchangeRow("PRE_APASINFO", {**keys, **joint}))
        if accepted:
            rows.append(ExchangeRow("EA_JC_STEP_BASICINFO", {**keys, "APPROVALTYPE": "3"}))
    return rows


def _keys(envelope: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    refs = envelope.get("refs") or {}
    return {
        "ORGBUSNO": envelope["aggregate"]["id"],  # 原系统业务流水号
        # the platform's number once it has given one (refs.case_no, added when sent), else ours
        "PROJID": refs.get("case_no") or refs.get("local_case_no") or data.get("local_case_no"),
        "DATAVER": envelope.get("data_version") or 1,
        "STDVER": STDVER,
        "REGION_ID": envelope["source"].get("region_code"),
        "CD_OPERATION": "I",
        "SIGNSTATE": 0,
        "EVENT_ID": envelope["event_id"],
    }


def _time(envelope: dict[str, Any]) -> str:
    """GB/T 7408 basic format, local time, as GB/T 39046 writes it."""
    return datetime.fromisoformat(envelope["occurred_at"]).strftime("%Y%m%dT%H%M%S")


def _proc(
    envelope: dict[str, Any], name: str, result: str, node_type: str, advice: str = ""
) -> dict[str, Any]:
    return {
        "SN": envelope["aggregate"]["seq"],
        "NODENAME": name,
        "NODETYPE": node_type,
        "NODESTATE": "02",  # 已办
        "NODERESULT": result,
        "NODESTARTTIME": _time(envelope),
        "NODEENDTIME": _time(envelope),  # 表7: no end time → the start time
        "NODEADV": advice,
        "NODEPROCAREA": (envelope.get("source") or {}).get("window_no"),
    }


Rows = list[tuple[str, dict[str, Any]]]


def _submitted(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    return [
        (
            "PRE_APASINFO",
            {
                "ITEMNO": data.get("matter"),
                "APPROVE_TYPE": data.get("case_type"),
                "PROJECTSTATE": "已收件",
                "APPLYFROM": "窗口",
                "RECEIVETIME": _time(envelope),
                "DATASTATE": 1,
                "APPLICANT_IN_PROTECTED": envelope.get("protected") is not None,
                "ACCEPTLIST": ",".join(r["material"] for r in data.get("reused") or []),
            },
        )
    ]


def _case_no_assigned(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    """The platform's PROJID for the hall's business number (ORGBUSNO) and its local case number."""
    return [("PRE_APASINFO", {"CD_OPERATION": "U", "LOCAL_CASE_NO": data.get("local_case_no")})]


def _accepted(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    materials = data.get("materials") or []
    return [
        (
            "EA_JC_STEP_BASICINFO",
            {
                "ITEMNO": data.get("matter"),
                "ACCEPTLIST": ",".join(f"{n}:{m['name']}" for n, m in enumerate(materials, 1)),
                "SUBMIT": "0",  # 窗口提交
                "PROMISEDATE": data.get("promised_date"),
                "LEGALDATE": data.get("legal_date"),
                "OCCURTIME": _time(envelope),
            },
        ),
        ("EA_JC_STEP_PROC", _proc(envelope, "受理", "4", "1")),
    ]


def _correction(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    missing = "、".join(data.get("missing") or [])
    return [("EA_JC_STEP_PROC", {**_proc(envelope, "补齐补正告知", "5", "2"), "NOTICE": missing})]


def _not_accepted(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    reason = data.get("reason") or ""
    return [
        ("EA_JC_STEP_PROC", _proc(envelope, "不予受理", "3", "4", reason)),
        ("EA_JC_STEP_DONE", {"DONERESULT": "6", "EXITRES": reason, "DONETIME": _time(envelope)}),
    ]


def _concluded(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    outcome = data.get("outcome") or data.get("result") or "APPROVED"
    certificate = data.get("certificate") or {}
    exit_reason = data.get("exit_reason") or data.get("reason")
    if outcome == "TRANSFERRED" and not exit_reason:
        exit_reason = f"转报{data.get('transfer_target') or ''}"
    return [
        (
            "EA_JC_STEP_DONE",
            {
                "DONERESULT": DONE_RESULT.get(outcome, "6"),
                "EXITRES": exit_reason,
                "DONETIME": _time(envelope),
                "ISDELIVERYRESULTS": "1" if data.get("deliver_by_post") else "0",
                "APPROVALNUMBER": data.get("decision_doc_no"),
                "RESULTCETRNAME": data.get("description") or None,
                "CERTIFICATENAM": certificate.get("name"),
                "CERTIFICATENO": certificate.get("number"),
                "CERTIFICATEID": certificate.get("identifier"),  # 电子证照标识 (MOD 37,36 checked)
                "CERTIFICATELIMIT": (certificate.get("valid_until") or "").replace("-", "") or None,
                "PUBLISHER": certificate.get("issuer") or None,
                "TRANSFERTARGET": data.get("transfer_target"),
            },
        )
    ]


def _step(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    phase = data.get("phase") or ""
    returned = data.get("action") == "RETURN"
    row = _proc(
        envelope,
        data.get("node_name") or phase,
        "7" if returned else STEP_RESULT.get(data.get("result") or "", "1"),
        NODE_TYPE.get(phase, "2"),
        data.get("opinion") or "",
    )
    handler = data.get("handler") or {}
    return [
        (
            "EA_JC_STEP_PROC",
            {
                **row,
                "SN": data.get("sn") or row["SN"],
                "NODESTARTTIME": _at(envelope, data.get("started_at")) or row["NODESTARTTIME"],
                "NODEENDTIME": _at(envelope, data.get("ended_at")) or row["NODEENDTIME"],
                "NODEPROCERNAME": handler.get("name"),
                "SPHJDM": PHASE_CODE.get(phase),  # GD 审批环节代码
            },
        )
    ]


def _returned(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    missing = "、".join(data.get("missing") or [])
    handler = data.get("handler") or {}
    proc = _proc(envelope, "退回窗口补正", "5", "2", data.get("opinion") or "")
    columns = {**proc, "SN": data.get("sn") or proc["SN"], "NOTICE": missing}
    return [("EA_JC_STEP_PROC", {**columns, "NODEPROCERNAME": handler.get("name")})]


def _special_started(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    requested = data.get("requested_by") or {}
    return [
        (
            "EA_JC_STEP_SPECIALNODE",
            {
                "SN": data.get("special_sn") or envelope["aggregate"]["seq"],
                "NODENAME": data.get("kind_name") or data.get("kind"),
                "NODERESULT": SPECIAL_RESULT.get(data.get("kind") or "", "5"),
                "PROCER": requested.get("name"),
                "NODESTARTTIME": _at(envelope, data.get("started_at")) or _time(envelope),
                "NODEPROCACCORD": data.get("reason_basis"),  # 依据 / 理由
                "EXPECTEDDAYS": data.get("expected_days"),
            },
        )
    ]


def _special_ended(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    return [
        (
            "EA_JC_STEP_SPECIALNODE",
            {
                "CD_OPERATION": "U",
                "SN": data.get("special_sn") or envelope["aggregate"]["seq"],  # the row the start wrote
                "NODENAME": data.get("kind_name") or data.get("kind"),
                "NODERESULT": SPECIAL_RESULT.get(data.get("kind") or "", "5"),
                "NODESTARTTIME": _at(envelope, data.get("started_at")),
                "NODEENDTIME": _at(envelope, data.get("ended_at")) or _time(envelope),
                "NODEPROCACCORD": data.get("reason_basis"),
                "NODEPROCADV": data.get("opinion") or data.get("result"),
                "WORKINGDAYS": data.get("working_days"),
            },
        )
    ]


def _at(envelope: dict[str, Any], moment: str | None) -> str | None:
    """A moment of the event's data in the event's own offset (the hall's local time), as _time writes it."""
    if not moment:
        return None
    local = datetime.fromisoformat(envelope["occurred_at"]).tzinfo
    at = datetime.fromisoformat(moment)
    return (at.astimezone(local) if local and at.tzinfo else at).strftime("%Y%m%dT%H%M%S")


def _file(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    """PRE_FILE (材料): the attachment's metadata; the content stays in the hall (encrypted), named by
    FILEID (the attachment id): no event carries file content, so a province that wants the file itself
    fetches it by that reference through its own file interface."""
    removed = envelope["event_type"] == "case.material_attachment_removed"
    return [
        (
            "PRE_FILE",
            {
                "CD_OPERATION": "D" if removed else "I",
                "FILEID": data.get("file_ref"),
                "FILENAME": data.get("material"),  # 材料名称
                "FILETYPE": FILE_TYPES.get(data.get("media_type") or ""),
                "FILESIZE": data.get("size"),
                "FILEHASH": data.get("sha256"),  # SHA-256 of the content
                "UPLOADTIME": _time(envelope),
            },
        )
    ]


def _ready(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    mail = data.get("delivery") == "MAIL"
    return [
        (
            "PRE_APASINFO",
            {
                "CD_OPERATION": "U",
                "PROJECTSTATE": "结果待寄送" if mail else "结果待领取",
                "ISDELIVERYRESULTS": "1" if mail else "0",
                "NOTETIME": _time(envelope),  # 通知申请人时间
            },
        )
    ]


def _picked_up(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    return [
        (
            "EX_RESULT_PICKUP",
            {
                "LQSJ": _time(envelope),  # 领取时间
                "LQFS": PICKED_BY.get(data.get("picked_by") or "", ""),
                "YZFS": data.get("verification"),  # 验证方式
                "LQRBS": data.get("picker_ref"),  # keyed hash, no identity
            },
        )
    ]


def _mailed(envelope: dict[str, Any], data: dict[str, Any]) -> Rows:
    return [
        (
            "EX_LOGISTICS",  # 表15 物流
            {
                "WLDH": data.get("waybill_no"),  # 物流单号
                "JSDW": data.get("carrier"),  # 寄送单位
                "JSRQ": (data.get("sent_at") or "").replace("-", ""),  # 寄送日期
                "JSR": (envelope.get("actor") or {}).get("staff_name"),  # 寄送人
                "SJR": data.get("receiver_masked"),  # 接收人 (clear only in `protected`)
            },
        )
    ]


_MAPPERS = {
    "case.submitted": _submitted,
    "case.accepted": _accepted,
    "case.case_no_assigned": _case_no_assigned,
    "case.correction_required": _correction,
    "case.not_accepted": _not_accepted,
    "case.concluded": _concluded,
    "case.step_completed": _step,
    "case.returned_for_correction": _returned,
    "case.special_procedure_started": _special_started,
    "case.special_procedure_ended": _special_ended,
    "case.material_attached": _file,
    "case.material_attachment_removed": _file,
    "result.ready_for_pickup": _ready,
    "result.picked_up": _picked_up,
    "result.mailed": _mailed,
}
