"""获取办件编号 at the reference receiver: one PROJID per (source hall, local case number), the same one
however often and however concurrently it is asked; signed like event deliveries; malformed requests
refused with a machine code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hall_server.sync import wire
from tests.platform.helpers import SignedClient


def _answer(response) -> wire.CaseNumberAnswer:
    assert response.status_code == 200, response.text
    return wire.CaseNumberAnswer.model_validate_json(response.content)


def test_the_same_case_gets_the_same_number_and_another_case_another(client, platform):
    first = _answer(client.case_number("HALL-A", "HALL-A-20261207-000001", "11370000MB0001"))
    again = _answer(client.case_number("HALL-A", "HALL-A-20261207-000001", "11370000MB0001"))
    other = _answer(client.case_number("HALL-A", "HALL-A-20261207-000002", "11370000MB0001"))
    other_hall = _answer(client.case_number("HALL-B", "HALL-A-20261207-000001"))
    assert again.case_no == first.case_no
    assert again.allocated_at == first.allocated_at
    assert len({first.case_no, other.case_no, other_hall.case_no}) == 3
    assert all(len(a.case_no) <= 50 for a in (first, other, other_hall))
    assert first.case_no.startswith("370000SB")
    assert (first.source_hall_code, first.local_case_no) == ("HALL-A", "HALL-A-20261207-000001")
    # asked by another of the deployment's apps (a second server of the hall): the same number
    assert (
        _answer(SignedClient(platform.base_url, "HALL-B").case_number("HALL-A", first.local_case_no)) == first
    )


def test_concurrent_requests_for_one_case_get_one_number(platform):
    clients = [SignedClient(platform.base_url) for _ in range(6)]
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(lambda c: _answer(c.case_number("HALL-A", "HALL-A-20261207-000009")), clients)
            )
    finally:
        for c in clients:
            c.close()
    assert len({a.case_no for a in answers}) == 1


def test_case_numbers_are_signed_and_checked(client, platform):
    wrong = SignedClient(platform.base_url, secret=b"not-the-secret")
    try:
        refused = wrong.case_number("HALL-A", "HALL-A-20261207-000001")
    finally:
        wrong.close()
    assert refused.status_code == 401 and refused.json()["code"] == "SIGNATURE_INVALID"
    bad = client.case_number("HALL-A", "no spaces allowed")
    assert bad.status_code == 422 and bad.json()["code"] == "CASE_NUMBER_REQUEST_INVALID"
    not_json = client.send("POST", wire.CASE_NUMBERS_PATH, b"{")
    assert not_json.status_code == 400 and not_json.json()["code"] == "BODY_NOT_JSON"
    missing = client.send("POST", wire.CASE_NUMBERS_PATH, wire.encode_body({"local_case_no": "X-1"}))
    assert missing.status_code == 422
