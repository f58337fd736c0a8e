"""A small hall for tests, built through the real service functions, and checksum-valid identities."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hall_server.auth.service import create_staff, login, register_device
from hall_server.catalogue.service import save_category, save_matter
from hall_server.contract.auth import DeviceIn, DeviceKind, Role, StaffIn
from hall_server.contract.catalogue import CategoryIn, MatterIn
from hall_server.contract.departments import DepartmentIn
from hall_server.contract.halls import HallIn
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.idnumbers import mod11_2_check
from hall_server.contract.queue import WindowIn
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.departments.service import save as save_department
from hall_server.halls.service import configure_hall
from hall_server.queueing.windows import save_window

PASSWORD = "secret-pass-1"
ORG_USCC = "11330106MB1234562M"


def citizen_id(first17: str) -> str:
    return first17 + mod11_2_check(first17)


YOUNG_ID = citizen_id("34010219900307123")  # born 1990-03-07
ELDERLY_ID = citizen_id("34010219500101234")  # born 1950-01-01
OTHER_ID = citizen_id("34112219851212345")


def person(number: str = YOUNG_ID, name: str = "张小三") -> IdentityIn:
    return IdentityIn(kind=IdKind.RESIDENT, number=number, name=name)


def matter_in(catalog_code: str, name: str, category: str, **overrides: Any) -> MatterIn:
    data: dict[str, Any] = {
        "catalog_code": catalog_code,
        "task_code": f"{ORG_USCC}4{catalog_code}",
        "name": name,
        "type": catalog_code[2:4],
        "legal_basis": "《婚姻登记条例》第四条",
        "level": "4",
        "implementing_org": "示范县民政局",
        "implementing_org_uscc": ORG_USCC,
        "authority_scope": "县级",
        "service_objects": ["1"],
        "legal_limit": {"value": 20, "unit": "WORKING_DAY"},
        "promised_limit": {"value": 5, "unit": "WORKING_DAY"},
        "case_type": "2",
        "process_steps": [{"name": "受理"}, {"name": "审查"}, {"name": "决定"}],
        "conditions": "符合法定条件",
        "materials": [
            {"name": "居民身份证", "form": "ORIGINAL", "obtainable_by_sharing": True},
            {"name": "申请表", "form": "ORIGINAL", "template": {"name": "申请表", "file": "form.docx"}},
            {"name": "照片", "required": False, "form": "ORIGINAL", "original_count": 2},
        ],
        "application_form": {"name": "申请表", "file": "form.docx"},
        "fees": {"charged": False, "basis": "不收费"},
        "result": {"type": "CERTIFICATE", "name": "证书"},
        "category_code": category,
        "high_frequency": True,
    }
    data.update(overrides)
    return MatterIn.model_validate(data)


@dataclass
class SeededHall:
    tokens: dict[str, str] = field(default_factory=dict)
    matters: dict[str, int] = field(default_factory=dict)


# 进驻部门 of the test hall, without windows or staff (a test gives them members when it needs them).
DEPARTMENTS = {
    "SHEBAO": "社保科",
    "QIYE": "企业服务科",
    "SHSW": "社会事务科",
    "ZONGHE": "综合科",
    "BGS": "办公室",
}


def seed_hall(uow: UnitOfWork) -> SeededHall:
    """Hall, 3 categories, 2 matters, 4 windows, staff of every role (signed in) and 3 devices."""
    seeded = SeededHall()

    def build(ctx: Ctx) -> None:
        configure_hall(
            ctx,
            HallIn(
                code="341122-ZWFW-01",
                name="示范县政务服务中心",
                region_code="341122000000",
                level="4",
                org_uscc=ORG_USCC,
            ),
        )
        for code, name, prefix, minutes in (
            ("SOCIAL", "社会事务", "B", 10.0),
            ("ENTERPRISE", "企业服务", "A", 12.0),
            ("PICKUP", "综合出件", "F", 5.0),
        ):
            save_category(
                ctx, CategoryIn(code=code, name=name, prefix=prefix, default_service_minutes=minutes)
            )
        seeded.matters["marriage"] = save_matter(
            ctx, matter_in("340700101000", "内地居民结婚登记", "SOCIAL", type="07")
        ).id
        seeded.matters["company"] = save_matter(
            ctx, matter_in("340101201000", "企业设立登记", "ENTERPRISE", type="01", high_frequency=False)
        ).id
        for number, codes in (
            (1, ["SOCIAL"]),
            (2, ["SOCIAL", "ENTERPRISE"]),
            (3, ["ENTERPRISE"]),
            (4, ["PICKUP"]),
        ):
            save_window(ctx, WindowIn(number=number, name=f"{number}号窗口", category_codes=codes))
        for code, name in DEPARTMENTS.items():
            save_department(ctx, code, DepartmentIn(name=name))
        for login_name, role in (
            ("admin", Role.ADMIN),
            ("manager", Role.MANAGER),
            ("backoffice", Role.BACK_OFFICE),
            *((f"clerk{n}", Role.CLERK) for n in range(1, 5)),
        ):
            create_staff(
                ctx, StaffIn(login=login_name, name=f"员工{login_name}", role=role, password=PASSWORD)
            )
        for kind, name in (
            (DeviceKind.KIOSK, "kiosk"),
            (DeviceKind.DISPLAY, "display"),
            (DeviceKind.COUNTER, "counter"),
        ):
            seeded.tokens[name] = register_device(ctx, DeviceIn(kind=kind, name=name))[1]

    uow.run(build)
    for login_name in ("admin", "manager", "backoffice", "clerk1", "clerk2", "clerk3", "clerk4"):
        outcome = uow.run(lambda ctx, n=login_name: login(ctx, n, PASSWORD))
        assert isinstance(outcome, tuple)
        seeded.tokens[login_name] = outcome[0]
    return seeded


class RawBody:
    """A request body sent exactly as given, to see what the server does with input the contract refuses."""

    def __init__(self, data: Any) -> None:
        self.text = data if isinstance(data, str) else json.dumps(data)

    def model_dump_json(self) -> str:
        return self.text
