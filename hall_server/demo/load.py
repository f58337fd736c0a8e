"""The demo county hall: catalogue from catalogue.json, 12 windows, staff for every role, a kiosk and a
display, appointment slots for the next two weeks. All people, codes and organisations are fictitious."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select

from hall_server.alerts.thresholds import save_threshold
from hall_server.appointments.service import generate_slots
from hall_server.auth.service import create_staff, register_device
from hall_server.cases.joint import save_joint_matter
from hall_server.catalogue.service import save_category, save_matter
from hall_server.contract.alerts import HALL_SCOPE, ThresholdIn
from hall_server.contract.appointments import SlotGenerateIn
from hall_server.contract.auth import DeviceIn, DeviceKind, Role, StaffIn
from hall_server.contract.catalogue import CategoryIn, MatterIn
from hall_server.contract.departments import DepartmentIn, DepartmentMembersIn
from hall_server.contract.displays import DisplayProfileIn
from hall_server.contract.halls import HallIn
from hall_server.contract.joint import JointMatterIn
from hall_server.contract.queue import WindowIn
from hall_server.core.context import Ctx
from hall_server.departments.service import save as save_department
from hall_server.departments.service import set_members
from hall_server.displays.service import save_profile
from hall_server.halls.models import Hall
from hall_server.halls.service import configure_hall
from hall_server.queueing.windows import save_window

DEMO_PASSWORD = "yimen-demo-2026"  # noqa: S105 - published in the README for the demo hall only
WINDOWS: list[tuple[int, str, list[str]]] = [
    (1, "企业服务窗口", ["ENTERPRISE"]),
    (2, "企业服务窗口", ["ENTERPRISE"]),
    (3, "企业服务窗口", ["ENTERPRISE", "INVESTMENT"]),
    (4, "社会事务窗口", ["SOCIAL_AFFAIRS"]),
    (5, "社会事务窗口", ["SOCIAL_AFFAIRS"]),
    (6, "社会事务窗口", ["SOCIAL_AFFAIRS", "CONSULTATION"]),
    (7, "投资审批窗口", ["INVESTMENT"]),
    (8, "投资审批窗口", ["INVESTMENT", "INTERMEDIARY"]),
    (9, "中介服务窗口", ["INTERMEDIARY", "PUBLIC_RESOURCES"]),
    (10, "公共资源交易窗口", ["PUBLIC_RESOURCES"]),
    (11, "综合出件窗口", ["RESULT_PICKUP"]),
    (12, "咨询窗口", ["CONSULTATION", "RESULT_PICKUP"]),
]
STAFF: list[tuple[str, str, Role]] = [
    ("admin", "系统管理员", Role.ADMIN),
    ("manager", "王主任", Role.MANAGER),
    ("backoffice", "李审批", Role.BACK_OFFICE),
    *[
        (f"clerk{n:02d}", name, Role.CLERK)
        for n, name in enumerate(
            ["张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴婷", "徐强", "孙燕", "马超", "朱琳"],
            start=1,
        )
    ],
]
# 进驻部门 (fictitious) with their windows and clerks: a 差评 at a window goes to its department.
DEPARTMENTS: list[tuple[str, str, list[int]]] = [
    ("SCJG", "县市场监督管理局", [1, 2, 3]),
    ("RSJ", "县人力资源和社会保障局", [4, 5, 6]),
    ("FGW", "县发展和改革委员会", [7, 8]),
    ("GGZY", "县公共资源交易中心", [9, 10]),
    ("ZWFW", "县政务服务中心综合窗口", [11, 12]),
]
# 后台审批 staff by department: the cases accepted at the social-affairs windows (4–6, where the demo's
# counter works) go to 人社局's back office.
BACK_OFFICE: dict[str, list[str]] = {"RSJ": ["backoffice"]}
DEVICES = [(DeviceKind.KIOSK, "kiosk-1"), (DeviceKind.KIOSK, "kiosk-2"), (DeviceKind.DISPLAY, "display-1")]
# The 企业服务区 (zone A, first floor) screen: the enterprise windows and their queue.
DISPLAY_PROFILES = [("enterprise", "企业服务区", [1, 2, 3], ["ENTERPRISE"])]
# Load thresholds (标准): the hall's, and categories whose services are much shorter or longer.
THRESHOLDS: dict[str, ThresholdIn] = {
    HALL_SCOPE: ThresholdIn(max_wait_seconds=30 * 60, max_waiting=20, max_service_seconds=20 * 60),
    "INVESTMENT": ThresholdIn(max_service_seconds=60 * 60),  # 30 minutes on average
    "RESULT_PICKUP": ThresholdIn(max_wait_seconds=15 * 60, max_service_seconds=10 * 60),
    "CONSULTATION": ThresholdIn(max_wait_seconds=15 * 60),
}
BOOKABLE = ["ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "INTERMEDIARY", "PUBLIC_RESOURCES"]


def catalogue() -> dict[str, Any]:
    text = resources.files("hall_server.demo").joinpath("catalogue.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_demo(ctx: Ctx, *, if_empty: bool = False) -> dict[str, Any] | None:
    """Load the demo hall; returns the sign-ins and device tokens, or None if a hall exists and if_empty."""
    if if_empty and ctx.session.scalars(select(Hall)).first() is not None:
        return None
    data = catalogue()
    configure_hall(ctx, HallIn.model_validate(data["hall"]))
    for category in data["categories"]:
        save_category(ctx, CategoryIn.model_validate(category))
    matter_ids = {m["catalog_code"]: save_matter(ctx, MatterIn.model_validate(m)).id for m in data["matters"]}
    for joint in data["joint_matters"]:
        members = [matter_ids[code] for code in joint["members"]]
        save_joint_matter(ctx, joint["code"], JointMatterIn(name=joint["name"], member_ids=members))
    for number, name, codes in WINDOWS:
        save_window(ctx, WindowIn(number=number, name=f"{number}号{name}", category_codes=codes))
    staff = [
        {"login": login, "name": name, "role": role.value, "password": DEMO_PASSWORD}
        for login, name, role in STAFF
    ]
    staff_ids = {person["login"]: create_staff(ctx, StaffIn.model_validate(person)).id for person in staff}
    for code, name, window_numbers in DEPARTMENTS:
        save_department(ctx, code, DepartmentIn(name=name))
        members = [staff_ids[f"clerk{n:02d}"] for n in window_numbers]
        members += [staff_ids[login] for login in BACK_OFFICE.get(code, [])]
        set_members(ctx, code, DepartmentMembersIn(window_numbers=window_numbers, staff_ids=members))
    for scope, threshold in THRESHOLDS.items():
        save_threshold(ctx, scope, threshold)
    for name, title, window_numbers, codes in DISPLAY_PROFILES:
        save_profile(
            ctx, name, DisplayProfileIn(title=title, window_numbers=window_numbers, category_codes=codes)
        )
    devices = {name: register_device(ctx, DeviceIn(kind=kind, name=name))[1] for kind, name in DEVICES}
    today = ctx.clock.today()
    for code in BOOKABLE:
        generate_slots(
            ctx, SlotGenerateIn(category_code=code, date_from=today, date_to=today + timedelta(days=13))
        )
    return {"staff": staff, "devices": devices}
