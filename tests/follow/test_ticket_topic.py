"""The `ticket:<follow code>` live topic: anonymous, one ticket's public view, only while somebody follows."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable

import pytest

from hall_server.contract.queue import IssueTicketRequest
from hall_server.follow.notify import LogNotifier
from tests.follow.conftest import issue_social, serve_next

PERSONAL = ("visitor", "follow_code", "applicant", "张")


def test_anonymous_gets_the_public_view_of_an_existing_ticket_and_nothing_else(server, client_for, follower):
    kiosk = client_for("kiosk")
    tickets = issue_social(kiosk, 3)
    followed = tickets[2]
    server.state.publisher.wait_idle()

    async def scenario() -> tuple[dict, dict, dict, dict]:
        async with follower() as phone:
            view = await phone.subscribe(f"ticket:{followed.follow_code}")
            unknown = await phone.subscribe("ticket:NoSuchCode123")
            assert server.state.hub.watched_codes() == {followed.follow_code}
        async with follower() as other:
            hall = await other.subscribe("hall")
        async with follower() as other:
            display = await other.subscribe("display")
        return view, unknown, hall, display

    view, unknown, hall, display = asyncio.run(scenario())
    assert view["type"] == "ticket" and view["topic"] == f"ticket:{followed.follow_code}"
    assert view["ticket"]["number"] == followed.number and view["ticket"]["people_ahead"] == 2
    assert view["ticket"]["status"] == "WAITING" and view["ticket"]["explanation"]
    assert not any(word in str(view) for word in PERSONAL)
    assert (unknown["type"], unknown["code"]) == ("error", "TICKET_NOT_FOUND")
    assert hall["code"] == display["code"] == "AUTH_REQUIRED"
    deadline = time.monotonic() + 5
    while server.state.hub.watched_codes() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.state.hub.watched_codes() == frozenset()  # closed connections stop costing anything


def test_people_ahead_and_the_call_arrive_live_and_other_categories_cost_nothing(
    server, client_for, follower
):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    followed = issue_social(kiosk, 3)[2]
    clerk.window_op(1, "open")
    server.state.publisher.wait_idle()

    def ahead(count: int) -> Callable[[dict], bool]:
        return lambda message: message["ticket"]["people_ahead"] == count

    async def scenario() -> list[dict]:
        async with follower() as phone:
            received = [await phone.subscribe(f"ticket:{followed.follow_code}")]
            await asyncio.to_thread(serve_next, clerk, 1)
            received += await phone.until(ahead(1))
            # An ENTERPRISE ticket changes nothing in the SOCIAL queue: no message, no recomputation.
            feed = server.state.publisher.follow
            recomputed = feed.recomputed
            await asyncio.to_thread(kiosk.issue_ticket, enterprise_request())
            assert await phone.quiet() == []
            assert feed.recomputed == recomputed
            await asyncio.to_thread(serve_next, clerk, 1)
            received += await phone.until(ahead(0))
            await asyncio.to_thread(serve_next, clerk, 1)
            received += await phone.until(lambda message: message["ticket"]["status"] == "CALLED")
            received += await phone.quiet()
            return received

    received = asyncio.run(scenario())
    views = [m["ticket"] for m in received]
    assert next(v["people_ahead"] for v in views if v["status"] == "WAITING") == 2
    assert sorted({v["people_ahead"] for v in views if v["status"] == "WAITING"}) == [0, 1, 2]
    assert views[-1]["status"] == "CALLED" and views[-1]["window_no"] == 1
    assert views[-1]["people_ahead"] is None
    assert all(a != b for a, b in itertools.pairwise(views))  # sent only when it changed
    seqs = [m["seq"] for m in received]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def enterprise_request() -> IssueTicketRequest:
    return IssueTicketRequest(category_code="ENTERPRISE")


def test_yesterdays_code_is_not_found(server, client_for, follower, clock):
    followed = issue_social(client_for("kiosk"), 1)[0]
    clock.advance(days=1)

    async def scenario() -> dict:
        async with follower() as phone:
            return await phone.subscribe(f"ticket:{followed.follow_code}")

    assert asyncio.run(scenario())["code"] == "TICKET_NOT_FOUND"


def test_a_connection_follows_a_few_tickets_at_most(server, client_for, follower):
    tickets = issue_social(client_for("kiosk"), 5)
    server.state.publisher.wait_idle()

    async def scenario() -> list[dict]:
        async with follower() as phone:
            return [await phone.subscribe(f"ticket:{t.follow_code}") for t in tickets]

    answers = asyncio.run(scenario())
    assert [a["type"] for a in answers] == ["ticket"] * 4 + ["error"]
    assert answers[4]["code"] == "TOO_MANY_TICKETS"


@pytest.fixture
def settings(database_url, tmp_path):
    from tests.conftest import make_settings

    return make_settings(
        database_url, tmp_path, follow_notifier="log", public_base_url="https://hall.example.cn/"
    )


def test_opted_in_tickets_are_told_once_per_moment_without_their_code(server, client_for, caplog):
    kiosk, clerk = client_for("kiosk"), client_for("clerk1")
    tickets = issue_social(kiosk, 4)
    followed = tickets[3]
    assert followed.follow_url == f"https://hall.example.cn/f/{followed.follow_code}"
    notifier = server.state.notifier
    assert isinstance(notifier, LogNotifier)
    notifier.opt_in(followed.follow_code)
    clerk.window_op(1, "open")
    caplog.set_level(logging.INFO, logger="yimen.follow")
    for _ in range(4):  # ahead 3 → 2 (third in line) → 1 → 0 → called
        serve_next(clerk, 1)
        server.state.publisher.wait_idle()
    clerk.window_op(1, "recall")
    server.state.publisher.wait_idle()
    notices = [r for r in caplog.records if r.name == "yimen.follow" and "follow notice" in r.getMessage()]
    assert [r.moment for r in notices] == ["THIRD_IN_LINE", "CALLED"]  # type: ignore[attr-defined]
    assert all(r.ticket_no == followed.number for r in notices)  # type: ignore[attr-defined]
    assert not any(followed.follow_code in r.getMessage() + str(vars(r)) for r in caplog.records)
