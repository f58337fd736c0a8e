"""收件受理 at the window (前台综合受理), without Qt: from the ticket being served and the ID card read at the
counter, open a case for a matter, hold it while the clerk checks the form and ticks the materials, then
conclude the intake and print its paper on the window's printer:

    受理            every required material in → 受理回执 (case number, query password, QR for progress);
                    a 即办件 is concluded at once (已当场办结 on the receipt)
    一次性告知      something missing → 一次性告知单 listing every missing material; the case waits
                    in 补齐补正 and a later visit resumes it by the number on the notice (收件编号)
    不予受理        with the reason → 不予受理通知书

A print failure never loses the case: the outcome stays on the screen and 重新打印 prints the same paper
again once the printer is back. The query password is shown only in the answer to acceptance; when that
answer is lost (the network broke after the server may have accepted), pressing 受理 again finds the case
accepted and asks for a new password (the old one stops working), so the receipt always carries one
that works.

一件事 (联办件): the clerk may pick a joint matter instead (listed apart, `joint_matters`). The same page then
holds a joint case: one form, one checklist whose lines say which member matters need them (ticking a line
receives it for every member), and the same three conclusions, each acting on the whole and printing one
paper that lists the member matters and their departments; acceptance gives one number and one query
password for the whole. A joint case's one-time notice is numbered 收件 J{id}, which resumes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from counter_client.controller.attachments import AttachmentsController
from devices.errors import DeviceError
from devices.printer.driver import EscposTicketPrinter, PrintResult
from devices.printer.layouts import (
    CaseReceipt,
    JointMember,
    MissingMaterial,
    MissingMaterialsNotice,
    RefusalNotice,
)
from hall_server.client import ApiError, HallClient
from hall_server.client.follower import offline_reason
from hall_server.contract.cases import (
    CARD_FIELDS,
    CaseOpenIn,
    CaseOut,
    CaseStatus,
    FormSource,
    MaterialsIn,
    MaterialState,
    NotAcceptedIn,
)
from hall_server.contract.cases import FormValues as FormValuesIn
from hall_server.contract.catalogue import MatterOut, MatterSummary
from hall_server.contract.halls import HallOut
from hall_server.contract.identity import IdentityIn
from hall_server.contract.joint import (
    JointCaseOpenIn,
    JointCaseOut,
    JointChildOut,
    JointMaterialOut,
    JointMatterOut,
)

if TYPE_CHECKING:
    from counter_client.controller.counter import CounterController

CASE_NO = re.compile(r"[A-Za-z0-9_-]+-\d{8}-\d{6}")  # 受理编号 {hall}-{yyyyMMdd}-{seq}
JOINT_NO = re.compile(r"(?:收件\s*)?[Jj]\s*(\d{1,9})")  # a joint case's 收件编号 on its notice: 收件 J12
SOURCE_NAMES = {FormSource.CARD: "读卡", FormSource.EARLIER_CASE: "历史办件", FormSource.CLERK: "窗口录入"}
FORM_NAMES = {
    "ORIGINAL": "原件",
    "COPY": "复印件",
    "ORIGINAL_AND_COPY": "原件和复印件",
    "ELECTRONIC": "电子材料",
}
EDITABLE = ("contact_phone", "postcode", "address", "legal_representative")
FIELD_ERRORS = {
    "contact_phone": "联系人手机号码格式不正确（11位手机号或区号-电话号码）",
    "postcode": "邮政编码应为6位数字",
    "address": "通讯地址过长或含不可用字符",
    "legal_representative": "法定代表人过长或含不可用字符",
}
# The server's codes in the clerk's words (the server's own sentence is used for any other code).
ERROR_WORDS = {
    "MATERIALS_INCOMPLETE": "材料不齐全，不能受理：缺{missing}。请出具一次性告知单",
    "MATERIALS_COMPLETE": "材料已齐全，请直接受理",
    "CASE_NOT_FOUND": "没有找到该收件编号对应的办件",
    "JOINT_CASE_NOT_FOUND": "没有找到该收件编号对应的一件事办件",
    "MATTER_NOT_OFFERED": "本大厅不办理该事项",
    "SYNC_PROTECT_KEY_MISSING": "大厅未配置数据同步加密密钥，暂不能收件，请联系管理员",
}


class Outcome(StrEnum):
    NONE = "none"
    ACCEPTED = "accepted"  # 受理回执
    CONCLUDED = "concluded"  # 即办件: 受理回执 with 已当场办结
    CORRECTION = "correction"  # 一次性告知单
    REFUSED = "refused"  # 不予受理通知书


class PrintState(StrEnum):
    NONE = "none"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True)
class MaterialLine:
    """One line of the checklist as the clerk sees it."""

    material_id: int
    name: str
    required: bool
    words: str  # 必交 · 原件 1 份
    needless: str  # "" or 无需提交（已有材料复用：办件 …）
    received_before: bool  # received at an earlier visit of this case: stays ticked
    matters: str = ""  # a 一件事: the member matters that need it (出生登记、社会保障卡申领)


@dataclass(frozen=True)
class FormLine:
    key: str
    label: str
    value: str
    source: str  # 读卡 / 历史办件 / 窗口录入 / ""
    editable: bool


class IntakeController:
    """The intake of the ticket being served. State is read by the view; every change calls
    `counter.changed()`, like the rest of the counter."""

    def __init__(self, counter: CounterController) -> None:
        self.counter = counter
        self.shown = False  # the intake page is up instead of the work page
        self.matters: list[MatterSummary] = []  # the hall's catalogue, to pick another matter
        self.joint_matters: list[JointMatterOut] = []  # the hall's 一件事, listed apart
        self.case: CaseOut | None = None
        self.matter: MatterOut | None = None
        self.joint: JointCaseOut | None = None  # a 一件事 at the window (then `case` is None)
        self.members: list[MatterOut] = []  # the joint case's member matters, for the notice's words
        self.hall: HallOut | None = None
        self.ticked: set[int] = set()
        self.values: dict[str, str] = {}  # the clerk's edits of the form, by key
        self.outcome = Outcome.NONE
        self.query_password = ""
        self.print_state = PrintState.NONE
        self.print_message = ""
        self.message = ""
        self.error = False
        self.busy = ""  # open | accept | correction | refuse | resume | print
        self._paper: Callable[[EscposTicketPrinter], PrintResult] | None = None  # the last paper, to reprint
        self._applicant = ""  # the name printed (masked by the printer layer)
        self._accept_unconfirmed = False  # 受理 was sent and its answer lost
        self.attachments = AttachmentsController(self, counter.config.camera)  # 附件 per checklist line

    # -- showing --------------------------------------------------------------------------------------------

    def show(self) -> None:
        """收件受理 from the work page: needs a visitor at the window."""
        if self.counter.current is None and self.case is None:
            self.counter.say("请先叫号，再为办事人收件", error=True)
            return
        self.shown = True
        if not self.matters:
            self.counter.call_server(
                self._catalogue(),
                self._matters_loaded,
                lambda error: self._say(f"事项目录未能读取：{error.message}", error=True),
            )
        self.counter.changed()

    def _catalogue(self) -> Callable[[HallClient], tuple[list[MatterSummary], list[JointMatterOut]]]:
        """The hall's matters by category, this window's categories first."""
        window = self.counter.window
        mine = set(window.category_codes) if window else set()
        codes: list[str | None] = sorted(
            (category.code for category in self.counter.categories), key=lambda c: c not in mine
        )

        def work(client: HallClient) -> tuple[list[MatterSummary], list[JointMatterOut]]:
            found: dict[int, MatterSummary] = {}
            for code in codes or [None]:  # no categories known: the search's first page
                for matter in client.matters(category=code):
                    found.setdefault(matter.id, matter)
            return list(found.values()), client.joint_matters()

        return work

    def hide(self) -> None:
        self.shown = False
        self.counter.changed()

    def _matters_loaded(self, answer: tuple[list[MatterSummary], list[JointMatterOut]]) -> None:
        self.matters, self.joint_matters = answer
        self.counter.changed()

    @property
    def identity(self) -> IdentityIn | None:
        return self.counter.visitor_identity

    def default_matter_id(self) -> int | None:
        ticket = self.counter.current
        return ticket.matter_id if ticket is not None else None

    def can(self, action: str) -> bool:
        c = self.counter
        if not c.online or self.busy:
            return False
        case = self.subject
        open_ = case is not None and case.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUIRED)
        settled = case is None or not open_ or self.outcome is not Outcome.NONE  # may start another
        rules = {
            "open": settled,
            "resume": settled,
            "accept": open_ or (case is not None and self._accept_unconfirmed),
            "correction": open_,
            "refuse": open_,
            "reprint": self._paper is not None and self.print_state is not PrintState.PRINTING,
            "new": case is not None and settled,
        }
        return rules.get(action, False)

    @property
    def subject(self) -> CaseOut | JointCaseOut | None:
        """What the page holds: a single case or a joint one."""
        return self.joint if self.joint is not None else self.case

    def heading(self) -> str:
        """The line above the form: what, its state, its number, whose."""
        subject = self.subject
        if subject is None:
            return ""
        if subject.local_case_no:
            number = f" · 受理编号 {subject.local_case_no}"
        else:
            number = f" · 收件编号 {'J' if self.joint else ''}{subject.id}"
        if isinstance(subject, JointCaseOut):
            what = f"一件事：{subject.name} · {len(subject.children)} 个事项"
        else:
            what = subject.matter_name
        return f"{what} · {subject.status_name}{number} · 申请人 {subject.applicant.name_masked or ''}"

    # -- opening ------------------------------------------------------------------------------------------

    def open(self, matter_id: int | None = None) -> None:
        """收件: a case for `matter_id` (default: the ticket's matter) with the card read at the counter."""
        matter_id = matter_id or self.default_matter_id()
        identity = self.identity
        if matter_id is None:
            self._say("请选择要办理的事项", error=True)
            return
        if identity is None:
            self._say("请办事人将身份证放在窗口读卡器上，读卡后再收件", error=True)
            return
        ticket = self.counter.current
        body = CaseOpenIn(matter_id=matter_id, ticket_id=ticket.id if ticket else None, applicant=identity)
        self._clear()
        self._applicant = identity.name or ""

        def work(client: HallClient) -> tuple[CaseOut, MatterOut, HallOut]:
            case = client.open_case(body)
            return case, client.matter(case.matter_id), client.hall()

        self._run("open", work, self._opened)

    def open_joint(self, code: str) -> None:
        """收件 of a 一件事: one joint case (a child per member matter) with the card read at the counter."""
        identity = self.identity
        if identity is None:
            self._say("请办事人将身份证放在窗口读卡器上，读卡后再收件", error=True)
            return
        ticket = self.counter.current
        body = JointCaseOpenIn(joint_code=code, ticket_id=ticket.id if ticket else None, applicant=identity)
        self._clear()
        self._applicant = identity.name or ""
        self._run(
            "open",
            lambda client: self._with_members(client, client.open_joint_case(body)),
            self._joint_opened,
        )

    @staticmethod
    def _with_members(
        client: HallClient, joint: JointCaseOut
    ) -> tuple[JointCaseOut, list[MatterOut], HallOut]:
        return joint, [client.matter(child.matter_id) for child in joint.children], client.hall()

    def _joint_opened(self, answer: tuple[JointCaseOut, list[MatterOut], HallOut]) -> None:
        joint = answer[0]
        returned = [child for child in joint.children if child.status is CaseStatus.CORRECTION_REQUIRED]
        if joint.local_case_no is not None and returned:
            self._member_returned(returned)
            return
        joint, self.members, self.hall = answer
        self.joint = joint
        if not self._applicant:
            self._applicant = joint.applicant.name_masked or ""
        if joint.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUIRED):
            shared = sum(m.state in (MaterialState.SHARED, MaterialState.REUSED) for m in joint.materials)
            members = "、".join(f"{child.matter_name}（{child.department}）" for child in joint.children)
            words = f"已收件：{members}；共 {len(joint.materials)} 项材料"
            self._say(words + (f"，其中 {shared} 项无需提交" if shared else ""))
        else:
            self._say(f"该一件事{joint.status_name}，不能再收件", error=True)

    def _member_returned(self, returned: list[JointChildOut]) -> None:
        """An accepted 一件事 whose member the back office returned for 补正: the visitor came back for that
        member, whose list and 受理 are its own, so it opens as its own 受理编号 would."""
        if len(returned) == 1:
            case_id = returned[0].case_id
            self._run("resume", lambda client: _case_with_matter(client, case_id), self._opened)
            return
        numbers = "；".join(f"{child.matter_name} {child.local_case_no}" for child in returned)
        self._say(f"该一件事有 {len(returned)} 个事项被退回补正，请逐个按受理编号续办：{numbers}", error=True)

    def resume(self, number: str) -> None:
        """补齐补正 at a later visit: the case of the one-time notice, by its 收件编号, or a case the back
        office returned for 补正, by the 受理编号 on its receipt."""
        case_no = number.strip()
        if joint := JOINT_NO.fullmatch(case_no):
            joint_id = joint.group(1)
            self._clear()
            self._run(
                "resume",
                lambda client: self._with_members(client, client.find_joint_case(joint_id)),
                self._joint_opened,
            )
            return
        if not CASE_NO.fullmatch(case_no):
            case_no = ""
        digits = "".join(ch for ch in number if ch.isdigit())
        if not case_no and (not digits or int(digits) == 0 or int(digits) > 2**31):
            self._say("请输入一次性告知单上的收件编号或受理回执上的受理编号", error=True)
            return
        self._clear()

        def work(
            client: HallClient,
        ) -> tuple[CaseOut, MatterOut, HallOut] | tuple[JointCaseOut, list[MatterOut], HallOut]:
            try:
                case_id = client.find_case_result(case_no).case_id if case_no else int(digits)
            except ApiError as error:
                if error.code != "CASE_NOT_FOUND":
                    raise
                # not a single case's number: the joint case number of a 一件事's receipt?
                return self._with_members(client, client.find_joint_case(case_no))
            return _case_with_matter(client, case_id)

        def found(
            answer: tuple[CaseOut, MatterOut, HallOut] | tuple[JointCaseOut, list[MatterOut], HallOut],
        ) -> None:
            if isinstance(answer[0], JointCaseOut):
                self._joint_opened(answer)
            else:
                self._opened(answer)

        self._run("resume", work, found)

    def _opened(self, answer: tuple[CaseOut, MatterOut, HallOut]) -> None:
        case, self.matter, self.hall = answer
        self.case = case
        if not self._applicant:
            self._applicant = case.applicant.name_masked or ""
        if case.status is CaseStatus.CORRECTION_REQUIRED and case.local_case_no:
            # returned by the back office: what to bring is its list, not the checklist
            self._say(f"后台退回补正：{case.reason or '见退回意见'}。收齐后按“受理”重新受理")
        elif case.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUIRED):
            shared = sum(m.state in (MaterialState.SHARED, MaterialState.REUSED) for m in case.materials)
            words = f"已收件：{case.matter_name}，{len(case.materials)} 项材料"
            self._say(words + (f"，其中 {shared} 项无需提交" if shared else ""))
        else:
            self._say(f"该办件{case.status_name}，不能再收件", error=True)

    def new_case(self) -> None:
        """Another intake for the same visitor (or the next one)."""
        self._clear()
        self.counter.changed()

    def _clear(self) -> None:
        self.case, self.matter = None, None
        self.joint, self.members = None, []
        self.ticked, self.values = set(), {}
        self.outcome, self.query_password = Outcome.NONE, ""
        self.print_state, self.print_message = PrintState.NONE, ""
        self._paper, self._accept_unconfirmed, self._applicant = None, False, ""
        self.message, self.error = "", False

    # -- what the screen shows ----------------------------------------------------------------------------

    def form_lines(self) -> list[FormLine]:
        subject = self.subject
        if subject is None:
            return []
        lines = []
        for field in subject.form:
            edited = self.values.get(field.key)
            source = FormSource.CLERK if edited is not None else field.source
            lines.append(
                FormLine(
                    field.key,
                    field.label,
                    edited if edited is not None else (field.value or ""),
                    SOURCE_NAMES.get(source, "") if source else "",
                    field.key not in CARD_FIELDS,
                )
            )
        return lines

    def material_lines(self) -> list[MaterialLine]:
        if self.joint is not None:
            return [self._joint_line(line) for line in self.joint.materials]
        if self.case is None:
            return []
        lines = []
        for m in self.case.materials:
            words = _material_words(m.required, m.form, m.original_count, m.copy_count)
            lines.append(
                MaterialLine(
                    m.material_id,
                    m.name,
                    m.required,
                    words,
                    _needless(m.state, m.reused_from),
                    m.state is MaterialState.RECEIVED,
                )
            )
        return lines

    def _joint_line(self, m: JointMaterialOut) -> MaterialLine:
        """A line of the one checklist: its first material id stands for the line (receiving any of them
        receives it for every member that asks for it)."""
        form = next(
            (x.form for matter in self.members for x in matter.materials if x.name == m.name and x.form), ""
        )
        words = _material_words(m.required, form, m.original_count, m.copy_count)
        return MaterialLine(
            m.material_ids[0],
            m.name,
            m.required,
            words,
            _needless(m.state, m.reused_from),
            m.state is MaterialState.RECEIVED,
            "、".join(m.matters),
        )

    def missing(self) -> list[str]:
        """Required materials neither needless nor received (before or ticked now)."""
        return [
            line.name
            for line in self.material_lines()
            if line.required
            and not line.needless
            and not line.received_before
            and line.material_id not in self.ticked
        ]

    # -- the clerk's input --------------------------------------------------------------------------------

    def tick(self, material_id: int, received: bool) -> None:
        if received:
            self.ticked.add(material_id)
        else:
            self.ticked.discard(material_id)
        self.counter.changed()

    def set_value(self, key: str, value: str) -> None:
        """A form value typed by the clerk (an unchanged one keeps its source)."""
        subject = self.subject
        if key not in EDITABLE or subject is None:
            return
        value = value.strip()
        current = next((field.value or "" for field in subject.form if field.key == key), "")
        if value == current:
            self.values.pop(key, None)
        else:
            self.values[key] = value

    def _materials_in(self) -> MaterialsIn:
        """The ticks and form edits; raises ValueError with the clerk's words for a bad value."""
        edits = {key: value for key, value in self.values.items() if value}
        try:
            form = FormValuesIn(**edits) if edits else None
        except ValidationError as exc:
            bad = [str(error["loc"][0]) for error in exc.errors() if error["loc"]]
            raise ValueError("；".join(FIELD_ERRORS.get(key, key) for key in dict.fromkeys(bad))) from exc
        return MaterialsIn(received=sorted(self.ticked), form=form)

    # -- concluding the intake ----------------------------------------------------------------------------

    def accept(self) -> None:
        """受理: what was ticked, then acceptance; the receipt is printed."""
        if self.subject is None or not self.can("accept"):
            return
        try:
            body = self._materials_in()
        except ValueError as exc:
            self._say(str(exc), error=True)
            return
        joint, subject_id = self.joint is not None, self.subject.id

        def work(client: HallClient) -> tuple[CaseOut | JointCaseOut, str]:
            receive, accept, get, renew, what = (
                (client.receive_joint_materials, client.accept_joint_case, client.get_joint_case,
                 client.renew_joint_query_password, "该一件事")
                if joint
                else (client.receive_materials, client.accept_case, client.get_case,
                      client.renew_query_password, "该办件")
            )  # fmt: skip
            try:
                receive(subject_id, body)
                accepted = accept(subject_id)
                return accepted.case, accepted.query_password
            except ApiError as error:
                if error.code != "CASE_NOT_OPEN":
                    raise
            # Accepted already (our answer was lost): a new password, the lost one stops working.
            earlier = get(subject_id)
            if earlier.local_case_no is None:
                raise ApiError(409, "CASE_NOT_OPEN", f"{what}{earlier.status_name}，不能受理")
            return earlier, renew(subject_id).query_password

        self._run("accept", work, self._joint_accepted if joint else self._accepted, self._accept_lost)

    def _accept_lost(self, error: Exception) -> None:
        self._accept_unconfirmed = True
        self._say(
            f"{offline_reason(error)}：受理是否完成未得到确认。恢复连接后请再按一次“受理”"
            "（已受理的不会重复受理，会重新生成查询密码）",
            error=True,
        )

    def _joint_accepted(self, answer: tuple[JointCaseOut, str]) -> None:
        joint, password = answer
        self.joint, self.query_password, self._accept_unconfirmed = joint, password, False
        concluded = joint.status is CaseStatus.CONCLUDED_APPROVED  # every member a 即办件
        self.outcome = Outcome.CONCLUDED if concluded else Outcome.ACCEPTED
        done = "一件事已当场办结" if concluded else "一件事已受理"
        shown = f"{done}：受理编号 {joint.local_case_no}，{len(joint.children)} 个事项，查询密码 {password}"
        self._say(shown + "（仅此一次显示，已打印在回执上）")
        receipt = self._joint_receipt(joint, password)
        self._print(lambda printer: printer.print_receipt(receipt))

    def _accepted(self, answer: tuple[CaseOut, str]) -> None:
        case, password = answer
        self.case, self.query_password, self._accept_unconfirmed = case, password, False
        concluded = case.status is CaseStatus.CONCLUDED_APPROVED
        self.outcome = Outcome.CONCLUDED if concluded else Outcome.ACCEPTED
        done = "即办件已当场办结" if concluded else "已受理"
        shown = f"{done}：受理编号 {case.local_case_no}，查询密码 {password}"
        self._say(shown + "（仅此一次显示，已打印在回执上）")
        receipt = self._receipt(case, password)
        self._print(lambda printer: printer.print_receipt(receipt))

    def require_correction(self) -> None:
        """一次性告知: what was received is recorded, the rest listed once on the notice."""
        if self.subject is None or not self.can("correction"):
            return
        try:
            body = self._materials_in()
        except ValueError as exc:
            self._say(str(exc), error=True)
            return
        if self.joint is not None:
            joint_id = self.joint.id

            def joint_work(client: HallClient) -> JointCaseOut:
                client.receive_joint_materials(joint_id, body)
                return client.require_joint_correction(joint_id)

            self._run("correction", joint_work, self._joint_correction_required)
            return
        assert self.case is not None
        case_id = self.case.id

        def work(client: HallClient) -> CaseOut:
            client.receive_materials(case_id, body)
            return client.require_correction(case_id)

        self._run("correction", work, self._correction_required)

    def _correction_required(self, case: CaseOut) -> None:
        self.case, self.ticked, self.outcome = case, set(), Outcome.CORRECTION
        missing = len(case.missing)
        self._say(f"已出具一次性告知单：缺 {missing} 项材料；收件编号 {case.id}，补齐后凭此编号续办")
        notice = self._notice(case)
        self._print(lambda printer: printer.print_notice(notice))

    def _joint_correction_required(self, joint: JointCaseOut) -> None:
        self.joint, self.ticked, self.outcome = joint, set(), Outcome.CORRECTION
        self._say(
            f"已出具一次性告知单：缺 {len(joint.missing)} 项材料；收件编号 J{joint.id}，补齐后凭此编号续办"
        )
        notice = self._joint_notice(joint)
        self._print(lambda printer: printer.print_notice(notice))

    def refuse(self, reason: str) -> None:
        """不予受理 with the reason; a 一件事 as a whole (every member refused with it)."""
        if self.subject is None or not self.can("refuse"):
            return
        reason = reason.strip()
        if len(reason) < 2:
            self._say("请填写不予受理的理由", error=True)
            return
        try:
            body = NotAcceptedIn(reason=reason)
        except ValidationError:
            self._say("不予受理理由过长或含不可用字符", error=True)
            return
        if self.joint is not None:
            joint_id = self.joint.id
            self._run("refuse", lambda client: client.refuse_joint_case(joint_id, body), self._joint_refused)
            return
        assert self.case is not None
        case_id = self.case.id
        self._run("refuse", lambda client: client.refuse_case(case_id, body), self._refused)

    def _refused(self, case: CaseOut) -> None:
        self.case, self.outcome = case, Outcome.REFUSED
        self._say("已不予受理：出具不予受理通知书")
        notice = self._refusal(case)
        self._print(lambda printer: printer.print_refusal(notice))

    def _joint_refused(self, joint: JointCaseOut) -> None:
        self.joint, self.outcome = joint, Outcome.REFUSED
        self._say(f"一件事已不予受理（{len(joint.children)} 个事项）：出具不予受理通知书")
        notice = RefusalNotice(
            hall_name=self._hall_name(),
            applicant_name=self._applicant,
            matter=joint.name,
            reason=joint.reason or "",
            clerk=self._clerk(),
            window=self._window(),
            issued_on=self._today(),
            hall_contact=self._contact(),
            reference=f"收件 J{joint.id}",
            members=self._joint_members(joint),
        )
        self._print(lambda printer: printer.print_refusal(notice))

    # -- printing -----------------------------------------------------------------------------------------

    def reprint(self) -> None:
        if self._paper is not None and self.can("reprint"):
            self._print(self._paper)

    def _print(self, paper: Callable[[EscposTicketPrinter], PrintResult]) -> None:
        self._paper = paper
        self.print_state, self.print_message = PrintState.PRINTING, "正在打印…"
        self.counter.changed()
        devices = self.counter.devices
        self.counter.runner.submit(lambda: devices.print_with(paper), self._printed, self._print_failed)

    def _printed(self, result: PrintResult) -> None:
        words = "已打印" if result.confirmed else "已发送到打印机（无法确认是否打印）"
        if result.warning:
            words += "；" + result.warning
        self.print_state, self.print_message = PrintState.PRINTED, words
        self.counter.changed()

    def _print_failed(self, error: Exception) -> None:
        why = error.message if isinstance(error, DeviceError) else f"打印失败：{error}"
        self.print_state = PrintState.FAILED
        self.print_message = f"{why}。办件已保存，处理后请按“重新打印”"
        self.counter.changed()

    # -- the papers ---------------------------------------------------------------------------------------

    def _hall_name(self) -> str:
        return self.hall.name if self.hall else self.counter.hall_name or "政务服务中心"

    def _contact(self) -> str:
        phone = self.hall.phone if self.hall else ""
        return f"咨询电话：{phone}" if phone else "咨询请到大厅综合咨询台"

    def _window(self) -> str:
        window = self.counter.window
        return window.name if window else ""

    def _clerk(self) -> str:
        staff = self.counter.staff
        return f"{staff.name}（{staff.login}）" if staff else ""

    def query_url(self, case_no: str) -> str:
        """The receipt's QR: the case's progress page under the hall's public address."""
        base = self.counter.config.public_base_url.rstrip("/")
        ticket = self.counter.current
        if not base and ticket is not None and "/f/" in ticket.follow_url:
            base = ticket.follow_url.rsplit("/f/", 1)[0]
        return f"{base or self.counter.config.server.rstrip('/')}/c/{case_no}"

    def _receipt(self, case: CaseOut, password: str) -> CaseReceipt:
        accepted_at = (case.accepted_at or self.counter.now()).astimezone()
        return CaseReceipt(
            hall_name=self._hall_name(),
            case_number=case.local_case_no or "",
            matter=case.matter_name,
            applicant_name=self._applicant,
            accepted_at=accepted_at,
            promised_on=case.promised_date or accepted_at.date(),
            query_password_hint=password,
            query_url=self.query_url(case.local_case_no or ""),
            hall_contact=self._contact(),
            window=self._window(),
            concluded=case.status is CaseStatus.CONCLUDED_APPROVED,
        )

    def _notice(self, case: CaseOut) -> MissingMaterialsNotice:
        return MissingMaterialsNotice(
            hall_name=self._hall_name(),
            applicant_name=self._applicant,
            matter=case.matter_name,
            materials=tuple(self._missing_material(name) for name in case.missing),
            clerk=self._clerk(),
            window=self._window(),
            issued_on=self._today(),
            hall_contact=self._contact(),
            reference=f"收件 {case.id}",
        )

    def _missing_material(self, name: str) -> MissingMaterial:
        matters = [self.matter] if self.matter else self.members
        material = next((m for matter in matters for m in matter.materials if m.name == name), None)
        if material is None:
            return MissingMaterial(name, "未提交", "请按办事指南准备")
        counts = _counts(material.original_count, material.copy_count)
        reason = "未提交；需" + ("、".join(counts) or FORM_NAMES.get(material.form, material.form))
        issuer = f"出具机构：{material.issuing_org}" if material.issuing_org else ""
        how = "；".join(part for part in (issuer, material.notes) if part)
        return MissingMaterial(name, reason, how or "由申请人自行准备")

    def _joint_members(self, joint: JointCaseOut, *, numbered: bool = False) -> tuple[JointMember, ...]:
        return tuple(
            JointMember(child.matter_name, child.department, (child.local_case_no or "") if numbered else "")
            for child in joint.children
        )

    def _joint_receipt(self, joint: JointCaseOut, password: str) -> CaseReceipt:
        accepted_at = (joint.accepted_at or self.counter.now()).astimezone()
        return CaseReceipt(
            hall_name=self._hall_name(),
            case_number=joint.local_case_no or "",
            matter=joint.name,
            applicant_name=self._applicant,
            accepted_at=accepted_at,
            promised_on=joint.promised_date or accepted_at.date(),
            query_password_hint=password,
            query_url=self.query_url(joint.local_case_no or ""),
            hall_contact=self._contact(),
            window=self._window(),
            members=self._joint_members(joint, numbered=True),
            concluded=joint.status is CaseStatus.CONCLUDED_APPROVED,
        )

    def _joint_notice(self, joint: JointCaseOut) -> MissingMaterialsNotice:
        needs = {line.name: line.matters for line in joint.materials}
        materials = []
        for name in joint.missing:
            material = self._missing_material(name)
            who = "、".join(needs.get(name, []))
            reason = f"{material.reason}（{who}需要）" if who else material.reason
            materials.append(MissingMaterial(material.name, reason, material.how_to_get))
        return MissingMaterialsNotice(
            hall_name=self._hall_name(),
            applicant_name=self._applicant,
            matter=joint.name,
            materials=tuple(materials),
            clerk=self._clerk(),
            window=self._window(),
            issued_on=self._today(),
            hall_contact=self._contact(),
            reference=f"收件 J{joint.id}",
            members=self._joint_members(joint),
        )

    def _refusal(self, case: CaseOut) -> RefusalNotice:
        return RefusalNotice(
            hall_name=self._hall_name(),
            applicant_name=self._applicant,
            matter=case.matter_name,
            reason=case.reason or "",
            clerk=self._clerk(),
            window=self._window(),
            issued_on=self._today(),
            hall_contact=self._contact(),
            reference=f"收件 {case.id}",
        )

    def _today(self) -> date:
        return self.counter.now().astimezone().date()

    # -- the server ---------------------------------------------------------------------------------------

    def _run(
        self,
        action: str,
        work: Callable[[HallClient], Any],
        done: Callable[[Any], None],
        lost: Callable[[Exception], None] | None = None,
    ) -> None:
        self.busy = action
        self.message, self.error = "", False
        self.counter.changed()

        def finished(result: Any) -> None:
            self.busy = ""
            done(result)

        def refused(error: ApiError) -> None:
            self.busy = ""
            self._say(error_words(error), error=True)

        def broke(error: Exception) -> None:
            self.busy = ""
            if isinstance(error, ApiError) and error.code in ERROR_WORDS:
                self._say(error_words(error), error=True)
            elif lost is not None:
                lost(error)
            else:
                self._say(f"{offline_reason(error)}：操作未完成，请恢复连接后重试", error=True)

        self.counter.call_server(work, finished, refused, broke)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message, self.error = text, error
        self.counter.changed()


def _needless(state: MaterialState, reused_from: str | None) -> str:
    """无需提交 with its source, for a reused or shared material ("" otherwise)."""
    if state not in (MaterialState.REUSED, MaterialState.SHARED):
        return ""
    named = reused_from and reused_from != "数据共享"
    source = f"：{reused_from}" if named else ""
    kind = "已有材料复用" if state is MaterialState.REUSED else "数据共享获取"
    return f"无需提交（{kind}{source}）"


def error_words(error: ApiError) -> str:
    template = ERROR_WORDS.get(error.code)
    if template is None:
        return error.message
    missing = error.detail.get("missing", []) if isinstance(error.detail, dict) else []
    return template.format(missing="、".join(missing) or "必交材料")


def _counts(original: int | None, copies: int | None) -> list[str]:
    return [f"{name} {n} 份" for name, n in (("原件", original), ("复印件", copies)) if n]


def _material_words(required: bool, form: str, original: int | None, copies: int | None) -> str:
    """必交 · 原件 1 份 · 复印件 2 份; the form's name (电子材料, ...) only when no count says it already."""
    what = _counts(original, copies) or ([FORM_NAMES.get(form, form)] if form else [])
    return " · ".join(["必交" if required else "选交", *what])


def _case_with_matter(client: HallClient, case_id: int) -> tuple[CaseOut, MatterOut, HallOut]:
    case = client.get_case(case_id)
    return case, client.matter(case.matter_id), client.hall()
