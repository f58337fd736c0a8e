"""The regional catalogue through the real server: one shared matter offered at two halls in different
categories, each hall's kiosk finding its own offering only; a matter a hall does not offer is 404
MATTER_NOT_OFFERED there; a hall's staff change their own hall's offering only; a regional manager covering
halls A and B (not C) sees and acts in A and B only, over REST and /ws."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Iterator

import pytest
import websockets

from hall_server.auth.service import create_staff, login
from hall_server.client import HallClient, LiveFeed
from hall_server.client.http import ApiError
from hall_server.contract.auth import Role, StaffIn
from hall_server.contract.catalogue import HallMatterIn
from hall_server.contract.halls import HallIn
from hall_server.contract.live import Auth, SnapshotMessage, Subscribe
from hall_server.contract.queue import IssueTicketRequest
from hall_server.core.context import Ctx
from hall_server.halls.service import configure_hall
from tests.factories import ORG_USCC, PASSWORD
from tests.tenancy.test_two_halls import B_CODE, seed_hall_b

A_CODE = "341122-ZWFW-01"
C_CODE = "341122-ZWFW-03"


def _refused(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


@pytest.fixture
def halls(server, hall) -> Iterator[Callable[..., HallClient]]:
    """Hall A (tests.factories), hall B (a township point), hall C (no staff), and a regional manager
    `region` covering A and B."""
    b_tokens = seed_hall_b(server.state.uow)

    def build(ctx: Ctx) -> None:
        configure_hall(
            ctx,
            HallIn(code=C_CODE, name="示范县另一镇便民服务中心", region_code="341122101000", level="5",
                   org_uscc=ORG_USCC),
        )  # fmt: skip
        staff_in = StaffIn(login="region", name="区域经理", role=Role.MANAGER, password=PASSWORD)
        create_staff(ctx, staff_in, cover=[A_CODE, B_CODE])

    server.state.uow.run(build)
    region = server.state.uow.run(lambda ctx: login(ctx, "region", PASSWORD))[0]
    tokens = {**hall.tokens, **b_tokens, "region": region}
    clients: list[HallClient] = []

    def client(who: str, hall_code: str | None = None) -> HallClient:
        made = HallClient(server.base_url, tokens[who], timeout=30, hall=hall_code)
        clients.append(made)
        return made

    client.tokens = tokens  # type: ignore[attr-defined]
    yield client
    for made in clients:
        made.close()


def test_one_matter_offered_at_two_halls_in_different_categories(server, hall, halls):
    marriage, company = hall.matters["marriage"], hall.matters["company"]
    a_kiosk, b_kiosk, b_manager = halls("kiosk"), halls("b_kiosk"), halls("b_manager")

    # hall B offers none of the catalogue yet: not found by its kiosk, not issuable there
    assert b_kiosk.matters("结婚") == []
    assert [m.offered for m in b_manager.hall_matters()] == []
    listed = {m.matter_id: m for m in b_manager.hall_matters(include_unoffered=True)}
    assert set(listed) == {marriage, company} and not any(m.offered for m in listed.values())
    refused = _refused(lambda: b_kiosk.issue_ticket(IssueTicketRequest(matter_id=marriage)))
    assert (refused.status, refused.code, refused.message) == (
        404,
        "MATTER_NOT_OFFERED",
        "本大厅不办理该事项",
    )
    assert _refused(lambda: b_kiosk.matter(marriage)).code == "MATTER_NOT_OFFERED"
    assert _refused(lambda: b_kiosk.issue_ticket(IssueTicketRequest(matter_id=99999))).code == (
        "MATTER_NOT_FOUND"
    )

    # hall B offers the marriage registration in its ENTERPRISE category (prefix A), hall A keeps SOCIAL
    offered = b_manager.offer_matter(marriage, HallMatterIn(category_code="ENTERPRISE"))
    assert (offered.offered, offered.category_code, offered.enabled) == (True, "ENTERPRISE", True)
    assert [(m.id, m.category_code) for m in b_kiosk.matters("jhdj")] == [(marriage, "ENTERPRISE")]
    assert [(m.id, m.category_code) for m in a_kiosk.matters("jhdj")] == [(marriage, "SOCIAL")]
    assert b_kiosk.matter(marriage).category_code == "ENTERPRISE"
    assert a_kiosk.matter(marriage).category_code == "SOCIAL"
    # the kiosk search in hall B finds only B's offering: the company registration is A's only
    assert b_kiosk.matters("企业设立") == [] and [m.id for m in a_kiosk.matters("企业设立")] == [company]
    assert [m.id for m in b_kiosk.matters(category="ENTERPRISE")] == [marriage]

    b_ticket = b_kiosk.issue_ticket(IssueTicketRequest(matter_id=marriage))
    a_ticket = a_kiosk.issue_ticket(IssueTicketRequest(matter_id=marriage))
    assert (b_ticket.number, b_ticket.category_code) == ("A001", "ENTERPRISE")
    assert (a_ticket.number, a_ticket.category_code) == ("B001", "SOCIAL")
    assert _refused(lambda: b_kiosk.issue_ticket(IssueTicketRequest(matter_id=company))).code == (
        "MATTER_NOT_OFFERED"
    )

    # disabled: still listed for the manager, invisible and not issuable for the kiosk
    b_manager.offer_matter(marriage, HallMatterIn(category_code="ENTERPRISE", enabled=False))
    assert [(m.matter_id, m.enabled) for m in b_manager.hall_matters()] == [(marriage, False)]
    assert b_kiosk.matters("jhdj") == []
    assert _refused(lambda: b_kiosk.issue_ticket(IssueTicketRequest(matter_id=marriage))).code == (
        "MATTER_NOT_OFFERED"
    )
    # withdrawn in B: A's offering is untouched
    b_manager.withdraw_matter(marriage)
    assert b_manager.hall_matters() == []
    assert _refused(lambda: b_manager.withdraw_matter(marriage)).code == "MATTER_NOT_OFFERED"
    assert [m.category_code for m in a_kiosk.matters("jhdj")] == ["SOCIAL"]
    # a category the hall does not have is refused
    assert _refused(lambda: b_manager.offer_matter(marriage, HallMatterIn(category_code="PICKUP"))).code == (
        "CATEGORY_NOT_FOUND"
    )


def test_hall_b_staff_cannot_change_hall_a_offering(server, hall, halls):
    marriage = hall.matters["marriage"]
    b_manager_in_a = halls("b_manager", A_CODE)
    refused = _refused(lambda: b_manager_in_a.withdraw_matter(marriage))
    assert refused.status == 403
    refused = _refused(
        lambda: b_manager_in_a.offer_matter(marriage, HallMatterIn(category_code="ENTERPRISE"))
    )
    assert refused.status == 403
    # a clerk of hall B may not change even its own hall's offering; B's manager changes B's only
    assert (
        _refused(lambda: halls("b_clerk").offer_matter(marriage, HallMatterIn(category_code="SOCIAL"))).status
        == 403
    )
    halls("b_manager").offer_matter(marriage, HallMatterIn(category_code="SOCIAL", sort_order=3))
    halls("b_manager").withdraw_matter(marriage)
    mine = halls("manager").hall_matters()
    assert [(m.matter_id, m.category_code, m.enabled) for m in mine if m.matter_id == marriage] == [
        (marriage, "SOCIAL", True)
    ]


def test_a_regional_manager_covers_a_and_b_but_not_c(server, hall, halls):
    marriage = hall.matters["marriage"]
    region, region_b, region_c = halls("region"), halls("region", B_CODE), halls("region", C_CODE)
    assert [h.code for h in region.halls()] == [A_CODE, B_CODE]
    assert [h.code for h in halls("admin").halls()] == [A_CODE, B_CODE, C_CODE]  # no cover: every hall
    assert [h.code for h in halls("b_manager").halls()] == [B_CODE]  # a hall-bound account: its own

    assert region.hall().code == A_CODE  # the default hall, covered
    assert region_b.hall().code == B_CODE
    refused = _refused(region_c.hall)
    assert (refused.status, refused.code, refused.message) == (403, "HALL_NOT_COVERED", "您无权管理该大厅")
    assert _refused(lambda: region_c.offer_matter(marriage, HallMatterIn(category_code="SOCIAL"))).code == (
        "HALL_NOT_COVERED"
    )

    # acting in B: B's offering changes, with B's category; load figures of the halls follow
    assert region_b.offer_matter(marriage, HallMatterIn(category_code="SOCIAL")).category_code == "SOCIAL"
    halls("b_kiosk").issue_ticket(IssueTicketRequest(matter_id=marriage))
    loads = {h.code: h for h in region.halls()}
    assert loads[B_CODE].waiting == 1 and loads[A_CODE].waiting == 0
    assert region_b.load().totals.issued_today == 1 and region.load().totals.issued_today == 0

    tokens = halls.tokens  # type: ignore[attr-defined]

    async def feeds() -> None:
        # the feed of a covered hall (header) and of one named in the Auth message
        async with LiveFeed(server.ws_url, tokens["region"], ["hall"], hall=B_CODE) as feed:
            message = await asyncio.wait_for(feed.receive(), 30)
            assert isinstance(message, SnapshotMessage)
            assert message.snapshot.hall_name == "示范县某镇便民服务中心"
        async with websockets.connect(server.ws_url) as raw:
            await raw.send(Auth(token=tokens["region"], hall=B_CODE).model_dump_json())
            await raw.send(Subscribe(topics=["hall"]).model_dump_json())
            snapshot = json.loads(await asyncio.wait_for(raw.recv(), 30))
            assert snapshot["type"] == "snapshot"
            assert snapshot["snapshot"]["hall_name"] == "示范县某镇便民服务中心"
        # hall C is not covered: refused with its code, connection closed
        headers = {"Authorization": f"Bearer {tokens['region']}", "X-Yimen-Hall": C_CODE}
        async with websockets.connect(server.ws_url, additional_headers=headers) as raw:
            error = json.loads(await asyncio.wait_for(raw.recv(), 30))
            assert (error["type"], error["code"]) == ("error", "HALL_NOT_COVERED")

    asyncio.run(feeds())


def test_appointments_go_through_the_halls_offering(server, hall, halls):
    from hall_server.contract.appointments import BookRequest
    from tests.api.test_appointments import make_slot
    from tests.factories import person

    marriage = hall.matters["marriage"]
    manager, kiosk = halls("manager"), halls("kiosk")
    slot = make_slot(manager)  # a SOCIAL slot of hall A
    manager.withdraw_matter(marriage)
    refused = _refused(
        lambda: kiosk.book(BookRequest(slot_id=slot.id, identity=person(), matter_id=marriage))
    )
    assert (refused.status, refused.code) == (404, "MATTER_NOT_OFFERED")
    manager.offer_matter(marriage, HallMatterIn(category_code="ENTERPRISE"))  # now queued elsewhere here
    refused = _refused(
        lambda: kiosk.book(BookRequest(slot_id=slot.id, identity=person(), matter_id=marriage))
    )
    assert refused.code == "MATTER_NOT_BOOKABLE"
    manager.offer_matter(marriage, HallMatterIn(category_code="SOCIAL"))
    booked = kiosk.book(BookRequest(slot_id=slot.id, identity=person(), matter_id=marriage))
    assert booked.status == "BOOKED"


def test_the_regional_admin_sets_an_accounts_cover_over_the_api(server, hall, halls):
    """PUT /auth/staff/{login}/halls: the cover of a regional account, in force at its next call; only a
    regional admin sets it, and one covering some halls only cannot reach beyond them."""

    def more_admins(ctx: Ctx) -> None:
        for login_name, hall_code, cover in (("b_admin", B_CODE, ()), ("a_admin", None, [A_CODE])):
            staff_in = StaffIn(login=login_name, name="管理员", role=Role.ADMIN, password=PASSWORD)
            create_staff(ctx, staff_in, hall_code=hall_code, cover=cover)

    server.state.uow.run(more_admins)
    tokens = halls.tokens  # type: ignore[attr-defined]
    for login_name in ("b_admin", "a_admin"):
        tokens[login_name] = server.state.uow.run(lambda ctx, n=login_name: login(ctx, n, PASSWORD))[0]
    admin, region_b, region_c = halls("admin"), halls("region", B_CODE), halls("region", C_CODE)

    assert admin.staff_halls("region").halls == [A_CODE, B_CODE]
    assert _refused(region_c.hall).code == "HALL_NOT_COVERED"
    assert admin.set_staff_halls("region", [C_CODE, A_CODE, C_CODE]).halls == [A_CODE, C_CODE]
    assert region_c.hall().code == C_CODE  # the same token, the new cover
    assert _refused(region_b.hall).code == "HALL_NOT_COVERED"
    assert admin.staff_halls("region").halls == [A_CODE, C_CODE]

    for who, call, status, code in (
        ("admin", lambda c: c.set_staff_halls("b_clerk", [A_CODE]), 422, "STAFF_BOUND_TO_HALL"),
        ("admin", lambda c: c.set_staff_halls("nobody", [A_CODE]), 404, "STAFF_NOT_FOUND"),
        ("admin", lambda c: c.set_staff_halls("region", ["341122-NONE-09"]), 404, "HALL_NOT_FOUND"),
        ("b_admin", lambda c: c.staff_halls("region"), 403, "STAFF_HALLS_REGIONAL"),
        ("b_admin", lambda c: c.set_staff_halls("region", [B_CODE]), 403, "STAFF_HALLS_REGIONAL"),
        ("a_admin", lambda c: c.set_staff_halls("region", [A_CODE, B_CODE]), 403, "HALL_NOT_COVERED"),
        ("a_admin", lambda c: c.set_staff_halls("region", []), 403, "HALL_NOT_COVERED"),  # every hall
        ("region", lambda c: c.set_staff_halls("region", []), 403, "FORBIDDEN"),
    ):
        refused = _refused(functools.partial(call, halls(who)))
        assert (refused.status, refused.code) == (status, code), (who, refused)
        assert refused.message
    assert admin.staff_halls("region").halls == [A_CODE, C_CODE]  # nothing above changed it

    assert admin.set_staff_halls("a_admin", []).halls == []  # widened by the deployment's admin
    assert halls("a_admin").set_staff_halls("region", [B_CODE]).halls == [B_CODE]
    assert region_b.hall().code == B_CODE
