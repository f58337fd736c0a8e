"""Who may call what, what bad input gets back, and where personal data may (not) appear."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from sqlalchemy import MetaData, create_engine, select

from hall_server.client import ApiError, HallClient
from hall_server.contract.queue import IssueTicketRequest
from tests.factories import PASSWORD, YOUNG_ID, RawBody, matter_in, person

PUBLIC = {
    "/api/v1/auth/login",
    "/api/v1/public/tickets/{code}",
    "/api/v1/public/tickets/{code}/complaints",
    "/api/v1/public/tickets/{code}/cases",
    "/api/v1/public/case-query",
    "/api/v1/public/tickets/{code}/opportunities",
    "/api/v1/public/tickets/{code}/opportunities/{opportunity_id}/evaluations",
    "/healthz",
    "/metrics",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/api/v1/openapi.json",
}


def endpoints(server, *, with_body: bool = False) -> list[tuple[str, str]]:
    """Every documented (method, path) of the API, from the server's own OpenAPI document."""
    spec = httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=30).json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if not with_body or "requestBody" in operation
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_endpoint_but_the_public_ones_wants_credentials(server, hall):
    documented = endpoints(server)
    assert len(documented) > 35
    with httpx.Client(base_url=server.base_url) as http:
        for method, path in documented:
            if path in PUBLIC:
                continue
            response = http.request(method, concrete(path), json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("kiosk", "POST", "/windows/1/call-next", None),
        ("display", "POST", "/tickets", {"category_code": "SOCIAL"}),
        ("clerk1", "POST", "/hall/end-day", None),
        (
            "clerk1",
            "POST",
            "/auth/staff",
            {"login": "x1", "name": "x", "role": "admin", "password": "12345678x"},
        ),
        (
            "manager",
            "PUT",
            "/matters",
            matter_in("340700101000", "内地居民结婚登记", "SOCIAL", type="07").model_dump(mode="json"),
        ),
        ("backoffice", "POST", "/windows/1/open", None),
        ("kiosk", "GET", "/load", None),
        ("display", "GET", "/trace/ticket/1", None),
    ],
)
def test_roles_and_devices_are_refused_what_is_not_theirs(client_for, who, method, path, body):
    with pytest.raises(ApiError) as caught:
        client_for(who)._call(method, path, dict, RawBody(body) if body is not None else None)
    assert (caught.value.status, caught.value.code) == (403, "FORBIDDEN")
    assert caught.value.message == "无权进行此操作"


def test_clerk_cannot_operate_another_clerks_window_but_a_manager_can(client_for):
    clerk1, clerk2, manager = client_for("clerk1"), client_for("clerk2"), client_for("manager")
    clerk1.window_op(1, "open")
    with pytest.raises(ApiError) as caught:
        clerk2.window_op(1, "pause")
    assert caught.value.code == "NOT_YOUR_WINDOW"
    assert manager.window_op(1, "pause").window.state == "PAUSED"


def test_login_lockout_logout_and_expiry(server, hall, clock):
    with HallClient(server.base_url) as anonymous:
        with pytest.raises(ApiError) as caught:
            anonymous.sign_in("clerk4", "wrong")
        assert (caught.value.status, caught.value.code) == (401, "LOGIN_FAILED")
        with pytest.raises(ApiError):
            anonymous.sign_in("nobody", "wrong")
        for _ in range(4):
            with pytest.raises(ApiError):
                anonymous.sign_in("clerk4", "wrong")
        with pytest.raises(ApiError) as caught:
            anonymous.sign_in("clerk4", PASSWORD)
        assert (caught.value.status, caught.value.code) == (429, "LOGIN_LOCKED")
        clock.advance(minutes=16)
        token = anonymous.sign_in("clerk4", PASSWORD)
        assert token.staff.role == "clerk"
    signed_in = HallClient(server.base_url, token.token)
    assert signed_in.whoami().staff.login == "clerk4"
    signed_in.sign_out()
    with pytest.raises(ApiError) as caught:
        signed_in.whoami()
    assert caught.value.code == "TOKEN_INVALID"
    with HallClient.login(server.base_url, "clerk4", PASSWORD) as later:
        clock.advance(hours=13)
        with pytest.raises(ApiError) as caught:
            later.whoami()
        assert caught.value.code == "TOKEN_INVALID" and "重新登录" in caught.value.message


def test_passwords_are_argon2_hashes(server, hall):
    engine = create_engine(server.state.settings.database_url)
    with engine.connect() as connection:
        hashes = connection.execute(select(MetaData().tables.get("staff") or _table(engine, "staff"))).all()
    engine.dispose()
    assert hashes and all(row.password_hash.startswith("$argon2id$") for row in hashes)


def _table(engine, name):
    metadata = MetaData()
    metadata.reflect(engine, only=[name])
    return metadata.tables[name]


def test_admin_manages_staff_and_devices_over_the_api(client_for, server):
    admin = client_for("admin")
    from hall_server.contract.auth import DeviceIn, StaffIn

    staff = admin.create_staff(StaffIn(login="clerk9", name="新员工", role="clerk", password="long-password"))
    assert staff.role == "clerk"
    with pytest.raises(ApiError) as caught:
        admin.create_staff(StaffIn(login="clerk9", name="重复", role="clerk", password="long-password"))
    assert caught.value.code == "STAFF_LOGIN_TAKEN"
    device = admin.register_device(DeviceIn(kind="kiosk", name="kiosk-2"))
    with HallClient(server.base_url, device.token) as kiosk:
        assert kiosk.whoami().device.name == "kiosk-2"


BAD_BODIES = [
    "{",
    "[]",
    "null",
    '"text"',
    '{"category_code": 5}',
    '{"matter_id": "x"}',
    '{"matter_id": 1e400}',
    '{"matter_id": 99999999999999999999999}',
    '{"unknown": 1}',
    '{"identity": {"kind": "RESIDENT", "number": "110105194912310021"}, "category_code": "SOCIAL"}',
]


def test_bad_input_gets_a_coded_4xx_never_a_500(server, hall):
    admin_token = hall.tokens["admin"]
    writes = [(m, p) for m, p in endpoints(server, with_body=True) if p not in PUBLIC]
    assert len(writes) > 15
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {admin_token}"}) as http:
        for method, path in writes:
            for body in BAD_BODIES:
                response = http.request(
                    method, concrete(path), content=body, headers={"Content-Type": "application/json"}
                )
                assert 400 <= response.status_code < 500, (method, path, body, response.text)
                error = response.json()
                assert error["code"] and re.search(r"[\u4e00-\u9fff]", error["message"]), error


def test_identity_numbers_and_names_never_reach_the_database_logs_or_events(client_for, server, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk, clerk, manager = client_for("kiosk"), client_for("clerk1"), client_for("manager")
    ticket = kiosk.issue_ticket(
        IssueTicketRequest(category_code="SOCIAL", identity=person(YOUNG_ID, "张小三"))
    )
    clerk.window_op(1, "open")
    clerk.call_next(1)
    clerk.tickets_of(person(YOUNG_ID, "张小三"))
    with pytest.raises(ApiError):  # a bad check digit must not be echoed either
        kiosk.issue_ticket(
            IssueTicketRequest(
                category_code="SOCIAL", identity=person(YOUNG_ID[:-1] + ("0" if YOUNG_ID[-1] != "0" else "1"))
            )
        )
    trace = manager.trace("ticket", ticket.id)
    everything = [r.getMessage() + str(r.__dict__) for r in caplog.records]
    everything.append(trace.model_dump_json())
    everything.append(ticket.model_dump_json())
    everything.extend(_all_database_text(server.state.settings.database_url))
    for text in everything:
        assert YOUNG_ID not in text and YOUNG_ID[:14] not in text
        assert "张小三" not in text
    assert ticket.visitor.number_masked == YOUNG_ID[:4] + "*" * 10 + YOUNG_ID[-4:]
    assert ticket.visitor.name_masked == "张*三"


def _all_database_text(url: str) -> list[str]:
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    rows = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows.extend(str(tuple(row)) for row in connection.execute(select(table)))
    engine.dispose()
    return rows


def test_health_metrics_and_openapi(client_for, server):
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    with httpx.Client(base_url=server.base_url) as http:
        health = http.get("/healthz").json()
        assert health["status"] == "ok"
        metrics = http.get("/metrics").text
        assert 'yimen_waiting_tickets{category="SOCIAL",hall="341122-ZWFW-01"} 1.0' in metrics
        assert 'yimen_http_requests_total{method="POST",route="/api/v1/tickets",status="201"} 1.0' in metrics
        assert 'yimen_events_total{type="queue.ticket.issued"}' in metrics
        assert http.get("/docs").status_code == 200
        spec = http.get("/api/v1/openapi.json").json()
        assert "/api/v1/windows/{number}/call-next" in spec["paths"]
        missing = http.get("/api/v1/nowhere")
        assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
