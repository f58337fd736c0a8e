"""Identity check at the counter (身份核验) through the real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from hall_server.client import ApiError
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.queue import IssueTicketRequest
from tests.factories import OTHER_ID, YOUNG_ID, person


def issue(kiosk, category="SOCIAL", identity=None):
    return kiosk.issue_ticket(IssueTicketRequest(category_code=category, identity=identity))


def test_the_card_matches_the_current_ticket(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    first = issue(kiosk, identity=person())
    second = issue(kiosk, "ENTERPRISE", identity=person())
    clerk.window_op(1, "open")
    clerk.call_next(1)
    check = clerk.identity_check(1, person())
    assert (check.current_ticket_no, check.matches_current) == (first.number, True)
    assert check.message == f"身份证与当前号票 {first.number} 的身份一致"
    assert [t.number for t in check.tickets_today] == [first.number, second.number]
    assert check.visitor.kind == "RESIDENT"
    assert check.visitor.number_masked != YOUNG_ID and check.visitor.number_masked[-4:] == YOUNG_ID[-4:]
    assert YOUNG_ID not in check.model_dump_json() and "张小三" not in check.model_dump_json()


def test_a_card_of_someone_else_is_flagged(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    first = issue(kiosk, identity=person())
    clerk.window_op(1, "open")
    clerk.call_next(1)
    check = clerk.identity_check(1, person(OTHER_ID, "李四"))
    assert (check.current_ticket_no, check.matches_current) == (first.number, False)
    assert check.message == f"注意：身份证与当前号票 {first.number} 登记的身份不一致"
    assert check.tickets_today == []  # never seen in the hall: nothing today, and no visitor created
    assert check.visitor.name_masked == "李*"
    assert clerk.tickets_of(person(OTHER_ID)) == []


def test_no_current_ticket_lists_the_visitors_tickets_without_a_verdict(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    waiting = issue(kiosk, identity=person())
    clerk.window_op(1, "open")
    check = clerk.identity_check(1, person())
    assert (check.current_ticket_no, check.matches_current) == (None, None)
    assert [t.number for t in check.tickets_today] == [waiting.number]
    assert "没有叫号中的号票" in check.message and "1 张号票" in check.message


def test_a_current_ticket_without_identity_cannot_be_checked(client_for):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    anonymous = issue(kiosk)
    clerk.window_op(1, "open")
    clerk.call_next(1)
    check = clerk.identity_check(1, person())
    assert (check.current_ticket_no, check.matches_current) == (anonymous.number, None)
    assert check.message == f"当前号票 {anonymous.number} 未登记身份，无法核对"


def test_only_the_windows_clerk_or_a_manager_checks_at_it(client_for):
    kiosk, clerk1, clerk2 = client_for("kiosk"), client_for("clerk1"), client_for("clerk2")
    manager, counter = client_for("manager"), client_for("counter")
    issue(kiosk, identity=person())
    clerk1.window_op(1, "open")
    clerk2.window_op(2, "open")
    clerk1.call_next(1)
    with pytest.raises(ApiError) as caught:
        clerk2.identity_check(1, person())
    assert (caught.value.status, caught.value.code) == (403, "NOT_YOUR_WINDOW")
    assert "1 号窗口" in caught.value.message
    with pytest.raises(ApiError) as caught:
        counter.identity_check(1, person())  # window operations are for staff, not for devices
    assert caught.value.status == 403
    assert manager.identity_check(1, person()).matches_current is True


def test_a_bad_id_number_is_a_422_in_chinese(client_for, server):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    issue(kiosk, identity=person())
    clerk.window_op(1, "open")
    clerk.call_next(1)
    wrong_check_digit = YOUNG_ID[:-1] + ("0" if YOUNG_ID[-1] != "0" else "1")
    with pytest.raises(ApiError) as caught:
        clerk.identity_check(1, IdentityIn(kind=IdKind.RESIDENT, number=wrong_check_digit))
    assert (caught.value.status, caught.value.code) == (422, "ID_CHECKSUM")
    assert "校验位" in caught.value.message
    assert wrong_check_digit not in caught.value.message
    response = httpx.post(  # the wire body is the plain identity, as the card reader gives it
        f"{server.base_url}/api/v1/windows/1/identity-check",
        headers={"Authorization": f"Bearer {clerk.token}"},
        json={"kind": "RESIDENT", "number": YOUNG_ID},
    )
    assert response.status_code == 200 and response.json()["matches_current"] is True
    assert YOUNG_ID not in response.text
