"""The cross-tenant matrix: nothing hall B's principals can call reveals or changes anything of hall A.

One real server, one database, hall A (the seeded hall) and hall B (a township point with the same category
codes, window number 1, device names and a 12345 工单号 of hall A's), each with staff of every role, devices
of every kind, tickets, an appointment, a complaint, a 12345 import, a help request, a 差评 and its
follow-up. The operations come from the server's own OpenAPI document, so a new endpoint cannot escape:

- every GET, with hall A's ids and codes in its path and query, called by each of hall B's principals (every
  staff role, every device kind, and a regional admin acting in hall B by `X-Yimen-Hall`): never a 5xx, and
  no body carries one of hall A's markers (its name, code, follow codes, appointment code, texts, names);
- every POST/PUT/DELETE aimed at hall A's objects, by the same principals: never a 5xx, no marker, and
  hall A's state (read by hall A's own admin before and after) is unchanged;
- the live feed: hall B's clients on `hall`, `display` and `window:1` receive nothing while hall A's clerk
  calls at hall A's window 1, and their snapshots carry no marker.

`/metrics` is the operator's (loopback or YIMEN_METRICS_TOKEN, never a hall's staff token): it shows every
hall, each figure labelled with its hall. The follow-code paths (`/public/tickets/{code}…`, the `ticket:CODE`
topic) are open by design: the code printed on the ticket is the credential, whoever holds it; so is the
case progress query (`/public/case-query`: case number and query password from the 受理回执).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hall_server.auth.models import Staff
from hall_server.auth.service import create_staff, login, register_device
from hall_server.catalogue.service import save_category
from hall_server.client import LiveFeed
from hall_server.contract.appointments import BookRequest, SlotIn
from hall_server.contract.auth import DeviceIn, DeviceKind, Role, StaffIn
from hall_server.contract.catalogue import CategoryIn
from hall_server.contract.complaints import ComplaintIn, ComplaintSubject, HotlineBatchIn, HotlineComplaintIn
from hall_server.contract.displays import DisplayProfileIn
from hall_server.contract.evaluation import EvalChannel, EvaluationIn, Level
from hall_server.contract.halls import HallIn
from hall_server.contract.queue import WindowIn
from hall_server.core.context import Ctx
from hall_server.halls.models import Hall
from hall_server.halls.service import configure_hall
from hall_server.queueing.windows import save_window
from hall_server.sync.models import Delivery
from tests.conftest import SHANGHAI, make_settings, start_server
from tests.factories import ORG_USCC, OTHER_ID, PASSWORD, person, seed_hall

A_CODE = "341122-ZWFW-01"
B_CODE = "341122-ZWFW-02"
HOTLINE_REF = "GD20261125-0001"  # the same 12345 工单号 in both halls

# open by design: the follow code printed on the ticket is the credential, in whichever hall
PUBLIC_BY_CODE = "/api/v1/public/tickets/"
# open by design too: the case number and query password printed on the 受理回执 (page /c/{number})
PUBLIC_BY_RECEIPT = {("POST", "/api/v1/public/case-query")}
# the caller's own session, and anonymous sign-in: nothing of a hall to aim at
NOT_AIMED = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/login")}
# shared regionally by design (README "Tenancy"): the working-day calendar and the event chain
# a regional account configures any hall it names and the shared calendar: rights of its own, not hall B's
REGIONAL_RIGHTS = {("PUT", "/api/v1/hall"), ("PUT", "/api/v1/workdays/{year}")}
# a hall A object named by its id: another hall's principal is refused (403) or told it does not exist (404)
BY_ID = re.compile(
    r"\{(ticket_id|appointment_id|complaint_id|followup_id|opportunity_id|help_id|case_id|joint_case_id|key)\}"
)
REGIONAL = {
    ("GET", "/api/v1/workdays/{year}"),
    ("GET", "/api/v1/events/verify"),
    ("GET", "/api/v1/halls"),  # a regional account lists the halls it covers (names and load, no more)
}


def seed_b(uow) -> dict[str, str]:
    tokens: dict[str, str] = {}

    def build(ctx: Ctx) -> None:
        configure_hall(
            ctx,
            HallIn(
                code=B_CODE, name="某镇便民服务中心", region_code="341122100000", level="5", org_uscc=ORG_USCC
            ),
        )
        for code, name, prefix in (("SOCIAL", "社会事务", "B"), ("ENTERPRISE", "企业服务", "A")):
            save_category(ctx, CategoryIn(code=code, name=name, prefix=prefix, default_service_minutes=6.0))
        save_window(ctx, WindowIn(number=1, name="镇1号窗口", category_codes=["SOCIAL", "ENTERPRISE"]))
        for login_name, role in (
            ("b_admin", Role.ADMIN),
            ("b_manager", Role.MANAGER),
            ("b_backoffice", Role.BACK_OFFICE),
            ("b_clerk", Role.CLERK),
        ):
            create_staff(
                ctx, StaffIn(login=login_name, name=f"镇{login_name}", role=role, password=PASSWORD), B_CODE
            )
        # the same device names as hall A's: names are unique per hall
        for kind, name in (
            (DeviceKind.KIOSK, "kiosk"),
            (DeviceKind.DISPLAY, "display"),
            (DeviceKind.COUNTER, "counter"),
            (DeviceKind.EVALPAD, "evalpad"),
        ):
            tokens[f"b_{name}"] = register_device(ctx, DeviceIn(kind=kind, name=name))[1]

    uow.run(build)
    for login_name in ("b_admin", "b_manager", "b_backoffice", "b_clerk"):
        tokens[login_name] = uow.run(lambda ctx, n=login_name: login(ctx, n, PASSWORD))[0]
    return tokens


def bind_to_hall_a(uow) -> None:
    """The seeded hall's accounts are regional (`yimen staff add`); bind all but the admin to hall A, as a
    county with township points would, so that they are hall A's and no other hall's."""

    def bind(ctx: Ctx) -> None:
        hall_id = ctx.session.scalar(select(Hall.id).where(Hall.code == A_CODE))
        ctx.session.execute(update(Staff).where(Staff.login != "admin").values(hall_id=hall_id))

    uow.run(bind)


class Api:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)

    def call(
        self,
        token: str | None,
        method: str,
        path: str,
        body: Any = None,
        hall: str | None = None,
        **params: Any,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if hall:
            headers["X-Yimen-Hall"] = hall
        return self.http.request(method, path, json=body, params=params or None, headers=headers)

    def ok(self, token: str, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.call(token, method, path, body, **params)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if "json" in response.headers.get("content-type", "") else response.text


def seed_a_day(api: Api, a: dict[str, str]) -> dict[str, Any]:
    """Hall A's day through the API; returns its ids and the markers that must never reach hall B."""
    kiosk, clerk, manager = a["kiosk"], a["clerk1"], a["manager"]
    p = "/api/v1"
    done = api.ok(
        kiosk, "POST", f"{p}/tickets", {"category_code": "SOCIAL", "identity": person().model_dump()}
    )
    waiting = api.ok(
        kiosk, "POST", f"{p}/tickets", {"category_code": "SOCIAL", "identity": person().model_dump()}
    )
    pickup = api.ok(kiosk, "POST", f"{p}/tickets", {"category_code": "PICKUP"})
    api.ok(clerk, "POST", f"{p}/windows/1/open")
    api.ok(clerk, "POST", f"{p}/windows/1/call-next")
    api.ok(clerk, "POST", f"{p}/windows/1/start")
    api.ok(clerk, "POST", f"{p}/windows/1/complete")
    opportunity = api.ok(clerk, "GET", f"{p}/windows/1/opportunity")
    bad = EvaluationIn(level=Level.DISSATISFIED, channel=EvalChannel.WINDOW_PAD, text="甲厅差评标记文字")
    evaluation = api.ok(
        clerk, "POST", f"{p}/opportunities/{opportunity['id']}/evaluations", bad.model_dump(mode="json")
    )
    followup = next(
        f for f in api.ok(manager, "GET", f"{p}/followups") if f["evaluation_id"] == evaluation["id"]
    )
    complaint = api.ok(
        manager,
        "POST",
        f"{p}/complaints",
        ComplaintIn(subject=ComplaintSubject.ATTITUDE, text="甲厅投诉标记文字", window_no=3).model_dump(
            mode="json"
        ),
    )
    hotline = api.ok(
        manager,
        "POST",
        f"{p}/complaints/import-12345",
        HotlineBatchIn(
            complaints=[HotlineComplaintIn(external_ref=HOTLINE_REF, text="甲厅一二三四五标记")]
        ).model_dump(mode="json"),
    )
    help_request = api.ok(kiosk, "POST", f"{p}/help-requests", {"reason": "甲厅求助标记", "place": ""})
    alerts: list[dict[str, Any]] = []
    for _ in range(100):  # a help request wakes the alert check at once
        alerts = api.ok(manager, "GET", f"{p}/alerts")
        if alerts:
            break
        time.sleep(0.1)
    assert alerts, "hall A's help request raised no alert"
    start = datetime(2026, 11, 25, 15, 0, tzinfo=SHANGHAI)
    slot = api.ok(
        manager,
        "POST",
        f"{p}/appointments/slots",
        SlotIn(category_code="SOCIAL", start=start, end=start + timedelta(minutes=30), capacity=3).model_dump(
            mode="json"
        ),
    )
    appointment = api.ok(
        kiosk,
        "POST",
        f"{p}/appointments",
        BookRequest(slot_id=slot["id"], identity=person()).model_dump(mode="json"),
    )
    api.ok(
        manager,
        "PUT",
        f"{p}/display-profiles/jia_screen",
        DisplayProfileIn(title="甲厅屏标题").model_dump(mode="json"),
    )
    api.ok(manager, "PUT", f"{p}/thresholds/SOCIAL", {"max_waiting": 50})
    api.ok(
        a["admin"],
        "PUT",
        f"{p}/windows/3",
        {"number": 3, "name": "甲厅三号窗口", "category_codes": ["ENTERPRISE"]},
    )
    staff_id = api.ok(clerk, "GET", f"{p}/auth/me")["staff"]["id"]
    [matter] = [m for m in api.ok(clerk, "GET", f"{p}/matters", q="结婚") if m["name"] == "内地居民结婚登记"]
    case = api.ok(
        clerk,
        "POST",
        f"{p}/cases",
        {"matter_id": matter["id"], "ticket_id": done["id"], "applicant": person().model_dump(mode="json")},
    )
    form = next(m["material_id"] for m in case["materials"] if m["name"] == "申请表")
    scan = api.http.post(  # 附件: the raw file as the body
        f"{p}/cases/{case['id']}/materials/{form}/attachments",
        content=b"%PDF-1.7\n%%EOF\n",
        headers={"Authorization": f"Bearer {clerk}", "Content-Type": "application/pdf"},
    )
    assert scan.status_code == 201, scan.text
    api.ok(clerk, "POST", f"{p}/cases/{case['id']}/materials", {"received": [form]})
    case_no = api.ok(clerk, "POST", f"{p}/cases/{case['id']}/accept")["case"]["local_case_no"]
    [company] = [m for m in api.ok(clerk, "GET", f"{p}/matters", q="企业设立") if m["name"] == "企业设立登记"]
    members = [matter["id"], company["id"]]
    api.ok(
        a["admin"], "PUT", f"{p}/joint-matters/JIA_JOINT", {"name": "甲厅一件事标记", "member_ids": members}
    )
    joint = api.ok(
        clerk,
        "POST",
        f"{p}/joint-cases",
        {"joint_code": "JIA_JOINT", "applicant": person().model_dump(mode="json")},
    )
    forms = [m["material_ids"][0] for m in joint["materials"] if m["name"] == "申请表"]
    api.ok(clerk, "POST", f"{p}/joint-cases/{joint['id']}/materials", {"received": forms})
    joint_no = api.ok(clerk, "POST", f"{p}/joint-cases/{joint['id']}/accept")["case"]["local_case_no"]
    ids = {
        "case_id": case["id"],
        "attachment_id": scan.json()["id"],
        "material_id": form,
        "case_no": case_no,
        "joint_case_id": joint["id"],
        "joint_no": joint_no,
        "member_ids": members,
        "matter_id": matter["id"],
        "ticket_id": waiting["id"],
        "done_id": done["id"],
        "pickup_id": pickup["id"],
        "follow_code": waiting["follow_code"],
        "opportunity_id": opportunity["id"],
        "followup_id": followup["id"],
        "complaint_id": complaint["id"],
        "hotline_id": hotline["results"][0]["complaint_id"],
        "help_id": help_request["id"],
        "alert_id": alerts[0]["id"],
        "slot_id": slot["id"],
        "appointment_id": appointment["id"],
        "appointment_code": appointment["code"],
        "staff_id": staff_id,
    }
    markers = [
        "示范县政务服务中心",
        A_CODE,
        done["follow_code"],
        waiting["follow_code"],
        pickup["follow_code"],
        appointment["code"],
        "甲厅差评标记文字",
        "甲厅投诉标记文字",
        "甲厅一二三四五标记",
        "甲厅求助标记",
        "甲厅屏标题",
        "员工clerk1",
        "甲厅三号窗口",
        "社保科",
        case_no,
        "甲厅一件事标记",
        joint_no,
    ]
    return {"ids": ids, "markers": markers}


def fill(path: str, ids: dict[str, Any]) -> str:
    """Hall A's values in a path template."""
    values = {
        "ticket_id": ids["ticket_id"],
        "number": 3,  # hall A has windows 1–4, hall B only 1
        "appointment_id": ids["appointment_id"],
        "help_id": ids["help_id"],
        "alert_id": ids["alert_id"],
        "opportunity_id": ids["opportunity_id"],
        "followup_id": ids["followup_id"],
        "complaint_id": ids["complaint_id"],
        "case_id": ids["case_id"],
        "attachment_id": ids["attachment_id"],
        "material_id": ids["material_id"],
        "joint_case_id": ids["joint_case_id"],
        "joint_code": "JIA_JOINT",
        "matter_id": ids["matter_id"],
        "name": "jia_screen",
        "scope": "SOCIAL",
        "year": 2026,
        "kind": "ticket",
        "key": ids["done_id"],
        "login": "clerk1",
    }
    if path.startswith("/api/v1/departments/"):
        values["code"] = "SHEBAO"
    elif path.startswith("/api/v1/categories/"):
        values["code"] = "SOCIAL"
    elif path.startswith("/api/v1/joint-cases/by-number/"):
        values["number"] = ids["joint_no"]
    elif "/follow/" in path or path.startswith(PUBLIC_BY_CODE):
        values["code"] = ids["follow_code"]
    return re.sub(r"\{([^}]+)\}", lambda m: str(values[m.group(1)]), path)


def fill_all(path: str, ids: dict[str, Any]) -> list[str]:
    """Every concrete path to try: each of hall A's tickets and complaints, the trace of each kind."""
    if "{ticket_id}" in path:
        return [fill(path, {**ids, "ticket_id": ids[k]}) for k in ("ticket_id", "done_id", "pickup_id")]
    if path.startswith("/api/v1/joint-cases/by-number/"):  # by hall A's joint number and its id
        return [fill(path, ids), fill(path, {**ids, "joint_no": ids["joint_case_id"]})]
    if "{complaint_id}" in path:
        return [fill(path, {**ids, "complaint_id": ids[k]}) for k in ("complaint_id", "hotline_id")]
    if "{kind}" not in path:
        return [fill(path, ids)]
    keys = {
        "ticket": ids["done_id"],
        "appointment": ids["appointment_id"],
        "alert": ids["alert_id"],
        "case": ids["case_id"],
        "joint_case": ids["joint_case_id"],
    }
    return [path.replace("{kind}", kind).replace("{key}", str(key)) for kind, key in keys.items()]


def query(operation: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    """Hall A's values for the query parameters that name something of a hall."""
    known = {
        "window_no": 3,
        "staff_id": ids["staff_id"],
        "department_code": "SHEBAO",
        "category": "SOCIAL",
        "on": "2026-11-25",
        "day": "2026-11-25",
        "date_from": "2026-11-01",
        "date_to": "2026-11-30",
        "local_case_no": ids["case_no"],
    }
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    return {name: known[name] for name in names if name in known}


def bodies(ids: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Valid bodies aimed at hall A's objects (an invalid one would be refused before any lookup)."""
    who = person().model_dump(mode="json")
    p = "/api/v1"
    return {
        ("POST", f"{p}/tickets"): {"category_code": "PICKUP"},
        ("POST", f"{p}/tickets/lookup"): {"identity": who},
        ("POST", f"{p}/tickets/{{ticket_id}}/cancel"): {"reason": "乙厅试图取消"},
        ("POST", f"{p}/tickets/{{ticket_id}}/delivery"): {"method": "NOT_TAKEN"},
        ("PUT", f"{p}/windows/{{number}}/categories"): {"category_codes": ["SOCIAL"]},
        ("POST", f"{p}/windows/{{number}}/transfer"): {"to_category_code": "SOCIAL"},
        ("POST", f"{p}/windows/{{number}}/identity-check"): who,
        ("POST", f"{p}/appointments"): {"slot_id": ids["slot_id"], "identity": who},
        ("POST", f"{p}/appointments/search"): {"identity": who},
        ("POST", f"{p}/appointments/check-in"): {"code": ids["appointment_code"]},
        ("POST", f"{p}/appointments/{{appointment_id}}/reschedule"): {"slot_id": ids["slot_id"]},
        ("POST", f"{p}/appointments/{{appointment_id}}/cancel"): {"reason": "乙厅试图取消"},
        ("POST", f"{p}/opportunities/{{opportunity_id}}/evaluations"): {
            "level": "VERY_SATISFIED",
            "channel": "WINDOW_PAD",
        },
        ("POST", f"{p}/opportunities/{{opportunity_id}}/not-evaluated"): {"reason": "DECLINED"},
        ("POST", f"{p}/opportunities/lookup"): {"identity": who},
        ("POST", f"{p}/followups/{{followup_id}}/assign"): {"department_code": "SHEBAO"},
        ("POST", f"{p}/followups/{{followup_id}}/verify"): {"result": "MALICIOUS"},
        ("POST", f"{p}/followups/{{followup_id}}/rectify"): {"record": "乙厅"},
        ("POST", f"{p}/followups/{{followup_id}}/reply"): {"text": "乙厅"},
        ("POST", f"{p}/followups/{{followup_id}}/revisit"): {"result": "SATISFIED"},
        ("POST", f"{p}/followups/{{followup_id}}/appeal"): {"reason": "乙厅"},
        ("POST", f"{p}/followups/{{followup_id}}/review"): {"decision": "OVERTURNED"},
        ("POST", f"{p}/complaints"): {"subject": "ATTITUDE", "text": "乙厅", "ticket_id": ids["done_id"]},
        ("POST", f"{p}/complaints/import-12345"): {
            "complaints": [{"external_ref": HOTLINE_REF, "text": "乙厅"}]
        },
        ("POST", f"{p}/complaints/{{complaint_id}}/route"): {"department_code": "SHEBAO"},
        ("POST", f"{p}/complaints/{{complaint_id}}/answer"): {"reply": "乙厅答复"},
        ("POST", f"{p}/complaints/{{complaint_id}}/reopen"): {"reason": "乙厅"},
        ("PUT", f"{p}/departments/{{code}}"): {"name": "乙厅科室"},
        ("PUT", f"{p}/departments/{{code}}/members"): {"window_numbers": [3], "staff_ids": [ids["staff_id"]]},
        ("PUT", f"{p}/display-profiles/{{name}}"): {"title": "乙厅标题"},
        ("PUT", f"{p}/thresholds/{{scope}}"): {"max_waiting": 1},
        ("PUT", f"{p}/hall"): HallIn(
            code=A_CODE, name="乙厅改名", region_code="341122000000", level="4", org_uscc=ORG_USCC
        ).model_dump(mode="json"),
        ("PUT", f"{p}/hall/notice"): {"text": "乙厅公告"},
        ("POST", f"{p}/sync/replay"): {"all_dead": True},
        ("POST", f"{p}/help-requests"): {"reason": "乙厅求助"},
        ("POST", f"{p}/auth/staff"): {
            "login": "b_new",
            "name": "乙厅新人",
            "role": "clerk",
            "password": PASSWORD,
        },
        ("POST", f"{p}/auth/devices"): {"kind": "kiosk", "name": "乙厅新机"},
        ("POST", f"{p}/devices/health"): {"app_version": "1.0"},
        ("POST", f"{p}/windows/{{number}}/devices/health"): {"app_version": "1.0"},
        ("PUT", f"{p}/workdays/{{year}}"): {
            "holidays": [{"first": "2026-12-01", "last": "2026-12-03", "name": "乙厅假日"}]
        },
        ("PUT", f"{p}/windows/{{number}}"): {"number": 3, "name": "乙厅三号", "category_codes": ["SOCIAL"]},
        ("POST", f"{p}/cases"): {
            "matter_id": ids["matter_id"],
            "ticket_id": ids["done_id"],
            "applicant": who,
        },
        ("POST", f"{p}/cases/{{case_id}}/materials"): {"received": []},
        ("PUT", f"{p}/hall/matters/{{matter_id}}"): {"category_code": "SOCIAL", "enabled": False},
        ("POST", f"{p}/cases/{{case_id}}/not-accepted"): {"reason": "乙厅不予受理"},
        ("POST", f"{p}/cases/{{case_id}}/agents"): {
            "agent": person(OTHER_ID, "乙代理").model_dump(mode="json")
        },
        ("POST", f"{p}/cases/{{case_id}}/result/ready"): {"delivery": "WINDOW"},
        ("POST", f"{p}/cases/{{case_id}}/result/pickup"): {"card": who},
        ("POST", f"{p}/cases/{{case_id}}/result/mail"): {
            "carrier": "乙厅快递",
            "waybill_no": "YI1234567",
            "sent_on": "2026-11-25",
            "receiver_name": "乙厅人",
            "receiver_phone": "13812345678",
        },
        ("PUT", f"{p}/joint-matters/{{joint_code}}"): {"name": "乙厅一件事", "member_ids": ids["member_ids"]},
        ("POST", f"{p}/joint-cases"): {"joint_code": "JIA_JOINT", "applicant": who},
        ("POST", f"{p}/joint-cases/{{joint_case_id}}/materials"): {"received": []},
        ("POST", f"{p}/joint-cases/{{joint_case_id}}/not-accepted"): {"reason": "乙厅不予受理"},
        ("POST", f"{p}/case-query"): {"local_case_no": ids["case_no"], "query_password": "123456"},
    }


def a_state(api: Api, token: str, ids: dict[str, Any]) -> dict[str, Any]:
    """Everything of hall A a principal of hall B could change, as hall A's own admin reads it."""
    p = "/api/v1"
    paths = [
        "/hall",
        "/windows",
        "/load",
        "/help-requests",
        "/alerts",
        "/departments",
        "/display-profiles",
        "/thresholds",
        "/followups",
        "/followups/settings",
        "/complaints",
        "/complaints/settings",
        "/evaluation/default-rule",
        "/devices/health",
        f"/tickets/{ids['ticket_id']}",
        f"/tickets/{ids['done_id']}",
        f"/tickets/{ids['pickup_id']}",
        f"/appointments/{ids['appointment_id']}",
        f"/opportunities/{ids['opportunity_id']}",
        f"/followups/{ids['followup_id']}",
        f"/complaints/{ids['complaint_id']}",
        f"/complaints/{ids['hotline_id']}",
        f"/cases/{ids['case_id']}",
        f"/cases/{ids['case_id']}/result",
        f"/cases/{ids['case_id']}/attachments",
        f"/joint-cases/{ids['joint_case_id']}",
        "/joint-matters",
        "/hall/matters",
        "/workdays/2026",
        *(f"/windows/{n}/queue" for n in range(1, 5)),
        *(f"/windows/{n}/parked" for n in range(1, 5)),
    ]
    return {path: api.ok(token, "GET", p + path) for path in paths}


@pytest.fixture
def halls(server, hall):
    bind_to_hall_a(server.state.uow)
    b_tokens = seed_b(server.state.uow)
    api = Api(server.base_url)
    seeded = seed_a_day(api, hall.tokens)
    # hall B imports the same 12345 工单号: its own complaint (it was a 500 while the 工单号 was global)
    imported = api.ok(
        b_tokens["b_manager"],
        "POST",
        "/api/v1/complaints/import-12345",
        {"complaints": [{"external_ref": HOTLINE_REF, "text": "乙厅工单"}]},
    )
    assert imported["created"] == 1
    # hall B cannot hand its complaint to hall A's clerk (nor learn the clerk's name)
    routed = api.call(
        b_tokens["b_manager"],
        "POST",
        f"/api/v1/complaints/{imported['results'][0]['complaint_id']}/route",
        {"department_code": "SHEBAO", "staff_id": seeded["ids"]["staff_id"]},
    )
    assert routed.status_code in (404, 422), routed.text
    principals: list[tuple[str, str, str | None]] = [(name, token, None) for name, token in b_tokens.items()]
    principals.append(("regional admin in hall B", hall.tokens["admin"], B_CODE))
    # hall B's accounts naming hall A (`X-Yimen-Hall`): refused, an account bound to a hall acts in it only
    for login_name in ("b_admin", "b_manager", "b_backoffice", "b_clerk"):
        principals.append((f"{login_name} naming hall A", b_tokens[login_name], A_CODE))
    yield api, hall.tokens, b_tokens, principals, seeded
    api.http.close()


def operations(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.http.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def leaks(response: httpx.Response, markers: list[str]) -> list[str]:
    text = response.text
    with contextlib.suppress(ValueError):  # decode \u escapes, if any
        text += json.dumps(response.json(), ensure_ascii=False)
    return [marker for marker in markers if marker in text]


def test_no_operation_of_hall_b_reveals_or_changes_hall_a(halls):
    api, a_tokens, _b_tokens, principals, seeded = halls
    ids, markers = seeded["ids"], seeded["markers"]
    documented = operations(api)
    assert len(documented) > 100
    problems: list[str] = []
    counted = {"GET": 0, "WRITE": 0}

    for method, path, operation in documented:
        if method != "GET" or path.startswith(PUBLIC_BY_CODE):
            continue
        for (name, token, hall_header), concrete in itertools.product(principals, fill_all(path, ids)):
            response = api.call(token, method, concrete, hall=hall_header, **query(operation, ids))
            counted["GET"] += 1
            found = leaks(response, markers)
            if response.status_code >= 500 or (found and (method, path) not in REGIONAL):
                problems.append(f"{name}: GET {path} → {response.status_code} {found} {response.text[:200]}")
            elif hall_header == A_CODE and path != "/healthz" and response.status_code != 403:
                problems.append(f"{name}: GET {path} → {response.status_code}, not 403")
            elif BY_ID.search(path) and response.status_code not in (403, 404):
                problems.append(f"{name}: GET {path} (hall A's) → {response.status_code}, not 403/404")

    # the dashboard's page (/manage) is static: it reads the same API as above, with the caller's token
    for page in ("/manage", "/manage/static/manage.js"):
        response = api.http.get(page)
        assert response.status_code == 200 and not leaks(response, markers), page

    # the control: hall A's own admin, through the same GETs, meets every marker
    seen: set[str] = set()
    for method, path, operation in documented:
        if method == "GET" and not path.startswith(PUBLIC_BY_CODE):
            for concrete in fill_all(path, ids):
                response = api.call(a_tokens["admin"], method, concrete, **query(operation, ids))
                seen.update(leaks(response, markers))
    assert seen == set(markers), set(markers) - seen

    before = a_state(api, a_tokens["admin"], ids)
    body_of = bodies(ids)
    for method, path, operation in documented:
        if method == "GET" or (method, path) in NOT_AIMED:
            continue
        if path.startswith(PUBLIC_BY_CODE) or (method, path) in PUBLIC_BY_RECEIPT:
            continue
        for name, token, hall_header in principals:
            if hall_header == B_CODE and (method, path) in REGIONAL_RIGHTS:
                continue  # a regional admin's own right over every hall, not hall B's
            body = body_of.get((method, path), {})
            response = api.call(
                token, method, fill(path, ids), body, hall=hall_header, **query(operation, ids)
            )
            counted["WRITE"] += 1
            found = leaks(response, markers)
            if hall_header == A_CODE and response.status_code not in (403, 422):
                problems.append(f"{name}: {method} {path} → {response.status_code}, not 403")
            if response.status_code >= 500 or found:
                problems.append(
                    f"{name}: {method} {path} → {response.status_code} {found} {response.text[:200]}"
                )
            imported = response.json()["results"] if response.status_code < 300 and "12345" in path else []
            if ids["hotline_id"] in [r["complaint_id"] for r in imported]:
                problems.append(f"{name}: {method} {path} answered with hall A's complaint")
    after = a_state(api, a_tokens["admin"], ids)
    for key in before:
        if before[key] != after[key]:
            problems.append(f"hall A changed: {key}\n  before {before[key]}\n  after  {after[key]}")
    print(f"matrix: {counted['GET']} GET and {counted['WRITE']} write calls by {len(principals)} principals")
    assert not problems, "\n".join(problems)


def test_hall_b_live_clients_receive_nothing_of_hall_a(server, halls):
    api, a_tokens, b_tokens, _principals, seeded = halls
    markers = seeded["markers"]
    p = "/api/v1"
    server.state.publisher.wait_idle()

    async def watch() -> None:
        feeds = [
            (b_tokens["b_display"], ["display"]),
            (b_tokens["b_manager"], ["hall", "display", "window:1", "window:3"]),
            (b_tokens["b_clerk"], ["window:1"]),
            (b_tokens["b_counter"], ["window:1"]),
        ]
        opened = []
        for token, topics in feeds:
            feed = LiveFeed(server.ws_url, token, topics)
            await feed.__aenter__()
            opened.append(feed)
            for _ in topics:
                message = await asyncio.wait_for(feed.receive(), 30)
                dumped = message.model_dump_json()
                assert message.type in ("snapshot", "error"), dumped
                assert not [m for m in markers if m in dumped], dumped
        try:
            # hall A's window 1 (hall B has a window 1 too) calls, serves; hall A's kiosk issues
            def a_day() -> None:
                api.ok(a_tokens["kiosk"], "POST", f"{p}/tickets", {"category_code": "SOCIAL"})
                api.ok(a_tokens["clerk1"], "POST", f"{p}/windows/1/call-next")
                api.ok(a_tokens["clerk1"], "POST", f"{p}/windows/1/start")
                api.ok(a_tokens["clerk1"], "POST", f"{p}/windows/1/complete")
                api.ok(a_tokens["manager"], "POST", f"{p}/windows/3/open")

            await asyncio.to_thread(a_day)
            await asyncio.to_thread(server.state.publisher.wait_idle)
            for feed in opened:
                with pytest.raises(TimeoutError):
                    message = await asyncio.wait_for(feed.receive(), 1.0)
                    pytest.fail(f"hall B's client received {message.model_dump_json()[:300]}")
        finally:
            for feed in opened:
                await feed.__aexit__(None, None, None)

    asyncio.run(watch())


def test_metrics_label_every_figure_with_its_hall(server, halls):
    """/metrics is the operator's (loopback or YIMEN_METRICS_TOKEN): every hall, each with its hall label."""
    _api, _a, _b, _principals, _seeded = halls
    text = httpx.get(f"{server.base_url}/metrics", timeout=30).text
    waiting = [line for line in text.splitlines() if line.startswith("yimen_waiting_tickets{")]
    assert any(f'hall="{A_CODE}"' in line and 'category="SOCIAL"' in line for line in waiting), waiting
    assert any(f'hall="{B_CODE}"' in line and 'category="SOCIAL"' in line for line in waiting), waiting
    assert all("hall=" in line for line in waiting)


@pytest.fixture
def outbox_server(database_url, tmp_path, clock):
    """A server with a sync target and no worker: its outbox rows stay where the test puts them."""
    target = {"name": "province", "kind": "hall-sync-rest", "url": "http://127.0.0.1:9", "secret_env": "NONE"}
    settings = make_settings(database_url, tmp_path, sync_targets=[target], sync_in_server=False)
    running = start_server(settings, clock)
    yield running
    running.stop()


def test_dead_letters_are_the_hall_s_own_for_a_hall_bound_account(outbox_server):
    """The outbox is per target, every hall's events in it: hall B's manager lists, counts and replays hall
    B's dead letters only; a regional account sees every hall's, each with its 来源大厅."""
    uow = outbox_server.state.uow
    a = seed_hall(uow)
    bind_to_hall_a(uow)
    b = seed_b(uow)
    api = Api(outbox_server.base_url)
    api.ok(a.tokens["kiosk"], "POST", "/api/v1/tickets", {"category_code": "SOCIAL"})
    api.ok(b["b_kiosk"], "POST", "/api/v1/tickets", {"category_code": "SOCIAL"})

    def refuse_all(ctx: Ctx) -> None:  # the province refused every event so far
        ctx.session.execute(update(Delivery).values(status="DEAD", last_error="REFUSED"))

    uow.across_halls().run(refuse_all)
    every = api.ok(a.tokens["admin"], "GET", "/api/v1/sync/dead")
    assert {d["hall_code"] for d in every} >= {A_CODE, B_CODE}
    for who in ("b_manager", "b_admin"):
        own = api.ok(b[who], "GET", "/api/v1/sync/dead")
        assert own and {d["hall_code"] for d in own} == {B_CODE}, own
        status = api.ok(b[who], "GET", "/api/v1/sync/status")["targets"][0]
        assert status["dead"] == len(own)
    a_dead = [d["event_id"] for d in every if d["hall_code"] == A_CODE]
    replayed = api.ok(b["b_manager"], "POST", "/api/v1/sync/replay", {"all_dead": True})
    assert replayed["requeued"] == len([d for d in every if d["hall_code"] == B_CODE])
    named = api.ok(b["b_manager"], "POST", "/api/v1/sync/replay", {"event_ids": a_dead})
    assert named["requeued"] == 0
    still = api.ok(a.tokens["admin"], "GET", "/api/v1/sync/dead")
    assert [d["event_id"] for d in still if d["hall_code"] == A_CODE] == a_dead
    assert not [d for d in still if d["hall_code"] == B_CODE]
    api.http.close()
