"""Synthetic examples of every layout (no real person), for tests, the bench and the pictures under docs/.

    python -m devices.printer.samples docs/samples [generic80|generic58]

prints each layout on the simulator and saves what came out as PNG.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from devices.printer import compose
from devices.printer.layouts import (
    CaseReceipt,
    GuideSheet,
    JointMember,
    MissingMaterial,
    MissingMaterialsNotice,
    QueueTicket,
    RefusalNotice,
    SheetSection,
)
from devices.printer.profiles import PROFILES, PrinterProfile
from devices.printer.simulator import EscposSimulator

HALL = "杭州市西湖区政务服务中心"
BEIJING = timezone(timedelta(hours=8), "CST")

TICKET = QueueTicket(
    hall_name=HALL,
    number="A012",
    category="不动产登记",
    matter="二手房转移登记（含契税申报）",
    people_ahead=3,
    estimated_wait_minutes=15,
    issued_at=datetime(2024, 6, 1, 9, 15, tzinfo=BEIJING),
    follow_url="https://hall.example.cn/q/A012?t=8f3a2c",
)

NOTICE = MissingMaterialsNotice(
    hall_name=HALL,
    applicant_name="张晓明",
    matter="个体工商户设立登记",
    materials=(
        MissingMaterial(
            name="经营场所使用证明",
            reason="未提供；租赁合同须附出租方房屋产权证明复印件。",
            how_to_get="向出租方索取，或到不动产登记窗口查询打印产权信息。",
        ),
        MissingMaterial(
            name="《个体工商户登记（备案）申请书》",
            reason="“经营范围”一栏未填写，申请人未签字。",
            how_to_get="大厅 3 号自助填表台领取，或在“浙里办”下载填写。",
        ),
    ),
    clerk="工号 0123",
    window="5号窗口",
    issued_on=date(2024, 6, 1),
    hall_contact="咨询电话：0571-87654321（工作日 9:00—17:00）",
    reference="GZ-20240601-0007",
)

RECEIPT = CaseReceipt(
    hall_name=HALL,
    case_number="330106-20240601-000123",
    matter="个体工商户设立登记",
    applicant_name="张晓明",
    accepted_at=datetime(2024, 6, 1, 10, 5, tzinfo=BEIJING),
    promised_on=date(2024, 6, 4),
    query_password_hint="483920（仅此一次打印，请妥善保管）",  # noqa: S106 - a sample, not a secret
    query_url="https://hall.example.cn/c/330106-20240601-000123",
    hall_contact="咨询电话：0571-87654321",
    window="5号窗口",
)

JOINT_RECEIPT = CaseReceipt(
    hall_name=HALL,
    case_number="330106-20240601-000124",
    matter="新生儿出生一件事（出生登记、医保参保、社保卡申领）",
    applicant_name="张晓明",
    accepted_at=datetime(2024, 6, 1, 10, 20, tzinfo=BEIJING),
    promised_on=date(2024, 6, 14),
    query_password_hint="715204（仅此一次打印，请妥善保管）",  # noqa: S106 - a sample, not a secret
    query_url="https://hall.example.cn/c/330106-20240601-000124",
    hall_contact="咨询电话：0571-87654321",
    window="5号窗口",
    members=(
        JointMember("出生登记", "西湖区公安分局", "330106-20240601-000125"),
        JointMember("城乡居民基本医疗保险参保登记", "西湖区医疗保障局", "330106-20240601-000126"),
        JointMember("社会保障卡申领", "西湖区人力资源和社会保障局", "330106-20240601-000127"),
    ),
)

REFUSAL = RefusalNotice(
    hall_name=HALL,
    applicant_name="张晓明",
    matter="食品经营许可（新办）",
    reason="申请的经营场所位于居民住宅楼内，不符合食品经营场所设置要求。",
    clerk="工号 0123",
    window="5号窗口",
    issued_on=date(2024, 6, 1),
    hall_contact="咨询电话：0571-87654321",
    reference="收件 000042",
)

GUIDE = GuideSheet(
    hall_name=HALL,
    matter="个体工商户设立登记",
    sections=(
        SheetSection(
            "需要带的材料",
            (
                "1. 个体工商户登记（备案）申请书：原件 1 份。经营者签字；大厅自助填表台可领取空白表格",
                "2. 经营场所使用证明：复印件 1 份",
            ),
        ),
        SheetSection("无需提交的材料", ("经营者居民身份证：无需提交（大厅通过数据共享获取）",)),
        SheetSection("办理时限", ("当场办结",)),
        SheetSection("收费", ("不收费",)),
        SheetSection("办理地点和时间", ("一楼综合窗口", "工作日 9:00—17:00")),
    ),
    printed_at=datetime(2024, 6, 1, 9, 20, tzinfo=BEIJING),
    hall_contact="咨询电话：0571-87654321",
)


def print_on_simulator(job: bytes, profile: PrinterProfile) -> EscposSimulator:
    simulator = EscposSimulator(width_dots=profile.width_dots, encoding=profile.encoding)
    simulator.receive(job)
    return simulator


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ".")
    profile = PROFILES[argv[1] if len(argv) > 1 else "generic80"]
    out.mkdir(parents=True, exist_ok=True)
    jobs = {
        "ticket": compose.ticket_job(TICKET, profile),
        "notice": compose.notice_job(NOTICE, profile),
        "receipt": compose.receipt_job(RECEIPT, profile),
        "joint-receipt": compose.receipt_job(JOINT_RECEIPT, profile),
        "refusal": compose.refusal_job(REFUSAL, profile),
        "guide": compose.guide_job(GUIDE, profile),
        "testpage": compose.test_page_job(profile, datetime(2024, 6, 1, 8, 30, tzinfo=BEIJING)),
    }
    suffix = "" if profile.name == "generic80" else f"-{profile.name}"
    for name, job in jobs.items():
        simulator = print_on_simulator(job, profile)
        path = out / f"{name}{suffix}.png"
        simulator.pages[-1].save_png(path)
        lines = len(simulator.pages[-1].lines)
        print(f"{path}: {len(job)} bytes, {lines} text lines, errors {simulator.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
