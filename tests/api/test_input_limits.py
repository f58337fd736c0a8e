"""Input the server must refuse with a coded 4xx, never a 500 or silent acceptance: non-ASCII and
out-of-range ids, times with an offset, calendar edges, unvalidated copies, bodies too large, future birth
dates, slots for days gone by or too far ahead. And the OpenAPI document as the server really answers."""

from __future__ import annotations

import json
import socket
from datetime import date, timedelta

import httpx
import pytest

from hall_server.contract.queue import IssueTicketRequest
from tests.conftest import START, make_settings, start_server
from tests.factories import citizen_id, person


def _http(server, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers, timeout=30)


def _refused(response: httpx.Response, status: int, code: str) -> dict:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    return response.json()


def test_trace_ids_are_ascii_digits_in_range_and_canonical(client_for, server, hall):
    kiosk = client_for("kiosk")
    tickets = [kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL")) for _ in range(3)]
    third = tickets[2].id
    with _http(server, hall.tokens["manager"]) as http:
        plain = http.get(f"/trace/ticket/{third}").json()
        assert plain["events"]
        padded = http.get(f"/trace/ticket/0{third}").json()
        assert padded["aggregate_id"] == str(third) and padded["events"] == plain["events"]
        for key in ("²", "٣", "３", "9999999999999999999999999", "2147483648", "0", "-1", "1.0"):
            _refused(http.get(f"/trace/ticket/{key}"), 404, "NOT_FOUND")
            _refused(http.get(f"/trace/appointment/{key}"), 404, "NOT_FOUND")
        _refused(http.get("/trace/case/" + "1" * 65), 422, "VALIDATION_ERROR")


GENERATE = {"category_code": "SOCIAL", "date_from": "2026-11-26", "date_to": "2026-11-26"}


@pytest.mark.parametrize(
    "times",
    [
        {"day_end": "17:00:00+08:00"},
        {"day_start": "09:00:00Z"},
        {"lunch_break": ["12:00:00+08:00", "13:30:00+08:00"]},
        {"lunch_break": ["13:30:00", "12:00:00"]},
    ],
)
def test_slot_generation_takes_local_times_without_an_offset(server, hall, times):
    with _http(server, hall.tokens["manager"]) as http:
        _refused(
            http.post("/appointments/slots/generate", json={**GENERATE, **times}), 422, "VALIDATION_ERROR"
        )
        assert http.get("/appointments/slots", params={"category": "SOCIAL", "on": "2026-11-26"}).json() == []
        created = http.post("/appointments/slots/generate", json={**GENERATE, "day_end": "17:00:00"})
        assert created.status_code == 201 and len(created.json()) == 13


def test_dates_at_the_calendar_edges_are_refused(server, hall):
    with _http(server, hall.tokens["manager"]) as http:
        for on in ("9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"):
            body = _refused(
                http.get("/appointments/slots", params={"category": "SOCIAL", "on": on}),
                422,
                "DATE_OUT_OF_RANGE",
            )
            assert "日期" in body["message"]
        for day in ("9999-12-31", "0001-01-01"):
            generate = {**GENERATE, "date_from": day, "date_to": day}
            _refused(http.post("/appointments/slots/generate", json=generate), 422, "VALIDATION_ERROR")
            search = {"identity": person().model_dump(mode="json"), "on_date": day}
            _refused(http.post("/appointments/search", json=search), 422, "VALIDATION_ERROR")
        slot = {
            "category_code": "SOCIAL",
            "start": "9999-12-31T09:00:00+08:00",
            "end": "9999-12-31T09:30:00+08:00",
        }
        _refused(http.post("/appointments/slots", json={**slot, "capacity": 1}), 422, "VALIDATION_ERROR")


def test_slots_only_from_today_up_to_the_configured_days_ahead(server, hall):
    today = START.date()
    ahead = server.state.settings.slot_days_ahead
    with _http(server, hall.tokens["manager"]) as http:

        def generate(first: date, last: date) -> httpx.Response:
            body = {**GENERATE, "date_from": first.isoformat(), "date_to": last.isoformat()}
            return http.post("/appointments/slots/generate", json={**body, "skip_weekends": False})

        _refused(generate(date(2020, 3, 2), date(2020, 3, 2)), 422, "SLOT_DAY_PAST")
        _refused(generate(today - timedelta(days=1), today), 422, "SLOT_DAY_PAST")
        far = today + timedelta(days=ahead + 1)
        body = _refused(generate(far, far), 422, "SLOT_DAY_TOO_FAR")
        assert body["detail"]["latest"] == (today + timedelta(days=ahead)).isoformat()
        assert generate(today, today).status_code == 201
        last = today + timedelta(days=ahead)
        assert generate(last, last).status_code == 201
        past = {
            "category_code": "SOCIAL",
            "start": "2020-03-02T09:00:00+08:00",
            "end": "2020-03-02T09:30:00+08:00",
        }
        _refused(http.post("/appointments/slots", json={**past, "capacity": 1}), 422, "SLOT_DAY_PAST")


@pytest.mark.parametrize("code", ["bad%20code", "A" * 300, "lower", "X"])
def test_a_category_code_in_the_path_is_validated_like_the_body(server, hall, code):
    body = {"code": "SOCIAL", "name": "坏编码", "prefix": "Z"}
    with _http(server, hall.tokens["admin"]) as http:
        _refused(http.put(f"/categories/{code}", json=body), 422, "VALIDATION_ERROR")
        assert all(c["name"] != "坏编码" for c in http.get("/categories").json())
        saved = http.put("/categories/NEW_ONE", json=body)
        assert saved.status_code == 200 and saved.json()["code"] == "NEW_ONE"


def test_an_id_number_born_in_the_future_is_refused(client_for, server, hall):
    born_2099 = citizen_id("11010520990101001")
    born_tomorrow = citizen_id("110105" + (START.date() + timedelta(days=1)).strftime("%Y%m%d") + "001")
    born_today = citizen_id("110105" + START.date().strftime("%Y%m%d") + "001")
    with _http(server, hall.tokens["kiosk"]) as http:
        for number in (born_2099, born_tomorrow):
            body = {"category_code": "SOCIAL", "identity": person(number).model_dump(mode="json")}
            refused = _refused(http.post("/tickets", json=body), 422, "ID_BIRTH_DATE")
            assert number not in json.dumps(refused)
        body = {"category_code": "SOCIAL", "identity": person(born_today).model_dump(mode="json")}
        assert http.post("/tickets", json=body).status_code == 201


@pytest.fixture
def small_body_server(database_url, tmp_path, clock):
    running = start_server(make_settings(database_url, tmp_path, max_body_bytes=4096), clock)
    yield running
    running.stop()


def test_a_body_over_the_limit_is_refused_before_parsing(small_body_server):
    url = f"{small_body_server.base_url}/api/v1/auth/login"
    small = {"login": "nobody", "password": "x" * 100}
    assert httpx.post(url, json=small).json()["code"] == "LOGIN_FAILED"
    big = json.dumps({"login": "nobody", "password": "x" * 64_000}).encode()
    body = _refused(
        httpx.post(url, content=big, headers={"Content-Type": "application/json"}), 413, "PAYLOAD_TOO_LARGE"
    )
    assert body["detail"] == {"max_bytes": 4096} and "过大" in body["message"]

    def chunks():
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    chunked = httpx.post(url, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in chunked.request.headers
    _refused(chunked, 413, "PAYLOAD_TOO_LARGE")


def test_an_endless_chunked_body_is_not_read_to_its_end(small_body_server):
    """200 MB announced by nobody: the server answers 413 and stops reading long before the end."""
    host, port = small_body_server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        sent = 0
        try:
            while sent < 200 * 2**20:
                sock.sendall(chunk)
                sent += 65536
        except OSError:
            pass  # the server closed the connection: it stopped reading
        assert sent < 64 * 2**20
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413") and b"PAYLOAD_TOO_LARGE" in answer


def test_text_the_database_cannot_hold_is_refused_not_a_500(server, hall):
    with _http(server, hall.tokens["admin"]) as http:
        response = http.get("/sync/dead", params={"target": "a\x00b"})
        assert response.status_code < 500, response.text
        if server.state.engine.dialect.name == "postgresql":
            _refused(response, 422, "VALIDATION_ERROR")


def test_openapi_declares_bearer_security_and_the_real_error_bodies(server):
    spec = httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=30).json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "登录令牌或设备令牌",
    }
    assert "HTTPValidationError" not in json.dumps(spec)
    assert set(spec["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message"}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    anonymous = {
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/public/tickets/{code}"),
        ("post", "/api/v1/public/tickets/{code}/complaints"),
        ("get", "/api/v1/public/tickets/{code}/cases"),
        ("post", "/api/v1/public/case-query"),
        ("get", "/api/v1/public/tickets/{code}/opportunities"),
        ("post", "/api/v1/public/tickets/{code}/opportunities/{opportunity_id}/evaluations"),
        ("get", "/healthz"),
    }
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("404", "409", "422", "429"):
                assert responses[status]["content"] == error, (method, path, status)
            if "requestBody" in operation:
                assert responses["413"]["content"] == error, (method, path)
            if (method, path) in anonymous:
                assert "security" not in operation, (method, path)
            else:
                assert operation["security"] == [{"bearer": []}], (method, path)
                assert responses["401"]["content"] == error and responses["403"]["content"] == error


def test_a_405_says_which_methods_are_allowed(server):
    with httpx.Client(base_url=server.base_url) as http:
        response = http.delete("/api/v1/windows/1")
        _refused(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["allow"] == "GET, PUT"
        response = http.get("/api/v1/auth/login")
        assert (response.status_code, response.headers["allow"]) == (405, "POST")
