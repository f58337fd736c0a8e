"""The halls of a simulated region, all in one database (tenancy: one server, one database, many halls).

Hall 1 is the demo hall (`hall_server/demo`: code 341122-ZWFW-01, the shared matter catalogue, regional
demo accounts `manager`, `clerk01`, …). Hall h ≥ 2 is a township service point with code
341122-ZWFW-hh: the demo's categories, windows, thresholds and bookable slots of its own, accounts bound to
it (`h2.manager`, `h2.clerk01`, …) and devices of its own (`h2-kiosk-1`, `h2-kiosk-2`, `h2-display-1`). The
matter catalogue is regional (loaded once, by hall 1); every hall offers all of it in its own categories.
With `windows` above 12 the extra windows copy the demo's categories and get their own clerks; below 12
each window takes over the categories of the ones left out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hall_server.alerts.thresholds import save_threshold
from hall_server.appointments.service import generate_slots
from hall_server.auth.service import create_staff, register_device
from hall_server.catalogue.models import Matter
from hall_server.catalogue.service import offer_matter, save_category
from hall_server.contract.appointments import SlotGenerateIn
from hall_server.contract.auth import DeviceIn, Role, StaffIn
from hall_server.contract.catalogue import CategoryIn, HallMatterIn
from hall_server.contract.halls import HallIn
from hall_server.contract.queue import WindowIn
from hall_server.core.context import Ctx
from hall_server.demo.load import (
    BOOKABLE,
    DEMO_PASSWORD,
    DEVICES,
    STAFF,
    THRESHOLDS,
    WINDOWS,
    catalogue,
    load_demo,
)
from hall_server.halls.service import configure_hall
from hall_server.queueing.windows import save_window, set_categories

DEMO_WINDOW_COUNT = len(WINDOWS)
REGION_CODE = "341122"


def hall_code(index: int) -> str:
    """The code of the region's hall `index` (1-based): 341122-ZWFW-01, -02, …"""
    return f"{REGION_CODE}-ZWFW-{index:02d}"


def login_prefix(index: int) -> str:
    """Hall 1 keeps the demo's sign-ins; hall h ≥ 2 prefixes them: `h2.clerk01`."""
    return "" if index == 1 else f"h{index}."


def device_name(index: int, name: str) -> str:
    """Device names are global: hall h ≥ 2 prefixes them (`h2-kiosk-1`)."""
    return name if index == 1 else f"h{index}-{name}"


def load_hall(
    ctx: Ctx, index: int, windows: int = DEMO_WINDOW_COUNT, *, slot_days: int = 14
) -> dict[str, Any]:
    """Configure hall `index` of the region in this transaction; returns its code, sign-ins and device
    tokens (`devices` keyed by the demo's names: kiosk-1, kiosk-2, display-1). Halls 2… get appointment
    slots for `slot_days` days from today (hall 1, the demo's, for two weeks)."""
    code = hall_code(index)
    prefix = login_prefix(index)
    bind = None if index == 1 else code
    if index == 1:
        loaded = load_demo(ctx)
        assert loaded is not None
        staff: list[dict[str, Any]] = loaded["staff"]
        devices: dict[str, str] = loaded["devices"]
    else:
        data = catalogue()
        hall = {**data["hall"], "code": code, "name": f"示范县第{index}便民服务中心"}
        configure_hall(ctx, HallIn.model_validate(hall))
        for category in data["categories"]:
            save_category(ctx, CategoryIn.model_validate(category))
        shared = dict(ctx.session.execute(select(Matter.catalog_code, Matter.id)).all())
        for matter in data["matters"]:  # the regional catalogue, offered here in this hall's categories
            offer = HallMatterIn(category_code=matter["category_code"])
            offer_matter(ctx, shared[matter["catalog_code"]], offer)
        for number, name, codes in WINDOWS:
            save_window(ctx, WindowIn(number=number, name=f"{number}号{name}", category_codes=codes))
        staff = []
        for login, name, role in STAFF:
            if role not in (Role.MANAGER, Role.CLERK):
                continue
            person = {"login": prefix + login, "name": name, "role": role.value, "password": DEMO_PASSWORD}
            create_staff(ctx, StaffIn.model_validate(person), hall_code=code)
            staff.append(person)
        for scope, threshold in THRESHOLDS.items():
            save_threshold(ctx, scope, threshold)
        devices = {
            name: register_device(ctx, DeviceIn(kind=kind, name=device_name(index, name)))[1]
            for kind, name in DEVICES
        }
        today = ctx.clock.today()
        for category_code in BOOKABLE:
            generate_slots(
                ctx,
                SlotGenerateIn(
                    category_code=category_code,
                    date_from=today,
                    date_to=today + timedelta(days=slot_days - 1),
                ),
            )
    for number in range(DEMO_WINDOW_COUNT + 1, windows + 1):  # more windows: copies of the demo's
        _, name, codes = WINDOWS[(number - 1) % DEMO_WINDOW_COUNT]
        save_window(ctx, WindowIn(number=number, name=f"{number}号{name}", category_codes=codes))
        person = {
            "login": f"{prefix}clerk{number:02d}",
            "name": f"模拟{number}",
            "role": Role.CLERK.value,
            "password": DEMO_PASSWORD,
        }
        create_staff(ctx, StaffIn.model_validate(person), hall_code=bind)
        staff.append(person)
    if windows < DEMO_WINDOW_COUNT:  # fewer windows: each takes over the categories of the closed ones
        for number in range(1, windows + 1):
            codes = sorted({c for n, _, cs in WINDOWS if (n - 1) % windows == number - 1 for c in cs})
            set_categories(ctx, number, codes)
    return {"code": code, "prefix": prefix, "staff": staff, "devices": devices}
