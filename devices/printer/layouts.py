"""What the hall prints: plain values the apps fill in. The device layer turns them into ESC/POS bytes
(`devices.printer.compose`); it never looks anything up itself.

Personal names are masked when printed (`mask_name`), whatever the app passes: 张三 → 张*, 欧阳娜娜 → 欧**娜.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

DEFAULT_PRIVACY_NOTE = (
    "为保护个人隐私，叫号只显示票号，不显示姓名。请妥善保管本票，过号30分钟内可凭票重新排队。"
)
DEFAULT_GUIDE_CLOSING = (
    "以上为办理本事项需要准备的全部材料，一次性告知。标注“无需提交”的材料由大厅通过数据共享获取。"
)
DEFAULT_REFUSAL_CLOSING = (
    "如对本决定不服，可自收到本通知之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。"
)
DEFAULT_NOTICE_CLOSING = (
    "以上为需补正的全部材料，本单一次性告知。补齐材料后可到任一综合窗口办理，无需重新排队预约。"
)


@dataclass(frozen=True)
class QueueTicket:
    """排队票: handed out by the kiosk."""

    hall_name: str
    number: str  # "A012"
    category: str  # 业务类别, e.g. 不动产登记
    matter: str  # 办理事项, e.g. 二手房转移登记
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: datetime
    follow_url: str  # encoded in the QR code: the visitor follows the queue on the phone
    privacy_note: str = DEFAULT_PRIVACY_NOTE


@dataclass(frozen=True)
class MissingMaterial:
    name: str  # 材料名称
    reason: str  # 缺少 / 不符合要求 的原因
    how_to_get: str  # 获取方式


@dataclass(frozen=True)
class JointMember:
    """One member matter of a 一件事 (联办件), printed under the joint matter's name."""

    matter: str  # 事项名称
    department: str  # 实施主体, the department that handles it
    case_number: str = ""  # the member's own 受理编号, once accepted


@dataclass(frozen=True)
class MissingMaterialsNotice:
    """一次性告知单: every missing material named at once, so the applicant comes back only once."""

    hall_name: str
    applicant_name: str  # masked when printed
    matter: str
    materials: tuple[MissingMaterial, ...]
    clerk: str  # 受理人, e.g. "工号 0123"
    window: str  # e.g. "5号窗口"
    issued_on: date
    hall_contact: str  # e.g. "咨询电话：0571-87654321"
    reference: str = ""  # 告知单编号, if the hall numbers them
    closing_note: str = DEFAULT_NOTICE_CLOSING
    members: tuple[JointMember, ...] = ()  # a 一件事: its member matters, listed under `matter`


@dataclass(frozen=True)
class CaseReceipt:
    """受理回执: proof that a case was accepted, with how to follow it."""

    hall_name: str
    case_number: str
    matter: str
    applicant_name: str  # masked when printed
    accepted_at: datetime
    promised_on: date  # 承诺办结日期
    query_password_hint: str  # the 6-digit query password, shown once (the hall keeps only its hash)
    query_url: str  # encoded in the QR code
    hall_contact: str
    window: str = ""
    concluded: bool = False  # a 即办件 concluded at the window: 已当场办结 instead of the promised date
    members: tuple[JointMember, ...] = ()  # a 一件事: its member matters, listed under `matter`


@dataclass(frozen=True)
class RefusalNotice:
    """不予受理通知书: the application is not accepted, with the reason and the applicant's remedies."""

    hall_name: str
    applicant_name: str  # masked when printed
    matter: str
    reason: str
    clerk: str
    window: str
    issued_on: date
    hall_contact: str
    reference: str = ""  # the intake's number
    closing_note: str = DEFAULT_REFUSAL_CLOSING
    members: tuple[JointMember, ...] = ()  # a 一件事: its member matters, listed under `matter`


@dataclass(frozen=True)
class SheetSection:
    title: str  # e.g. 需要带的材料
    lines: tuple[str, ...]  # one plain sentence each, e.g. "1. 公司章程：原件 1 份"


@dataclass(frozen=True)
class GuideSheet:
    """办事指南 (一次性告知材料清单): what one matter needs, printed at the kiosk so the visitor comes
    prepared. No personal data: it is about the matter, not the visitor."""

    hall_name: str
    matter: str
    sections: tuple[SheetSection, ...]  # materials first; the app chooses and words them
    printed_at: datetime
    hall_contact: str = ""  # e.g. "咨询电话：0551-12345678"
    closing_note: str = DEFAULT_GUIDE_CLOSING


def mask_name(name: str) -> str:
    """Keep the first character and, for names of three or more, the last; star the rest.

    Idempotent, so an app that already masked the name gets the same text back.
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
