"""The hall selector of /manage in Chromium: a regional manager covering two halls picks the hall it
manages (REST and the live feed follow); a hall-bound manager sees no selector."""

from __future__ import annotations

from playwright.sync_api import expect

from hall_server.auth.service import create_staff
from hall_server.contract.auth import Role, StaffIn
from hall_server.contract.halls import HallIn
from hall_server.contract.queue import IssueTicketRequest
from hall_server.core.context import Ctx
from hall_server.halls.service import configure_hall
from tests.factories import ORG_USCC, PASSWORD
from tests.manage.conftest import sign_in
from tests.tenancy.test_two_halls import B_CODE, seed_hall_b

A_NAME, B_NAME = "示范县政务服务中心", "示范县某镇便民服务中心"


def _region(server) -> dict[str, str]:
    tokens = seed_hall_b(server.state.uow)

    def build(ctx: Ctx) -> None:
        configure_hall(
            ctx,
            HallIn(code="341122-ZWFW-03", name="示范县另一镇便民服务中心", region_code="341122101000",
                   level="5", org_uscc=ORG_USCC),
        )  # fmt: skip
        staff_in = StaffIn(login="region", name="区域经理", role=Role.MANAGER, password=PASSWORD)
        create_staff(ctx, staff_in, cover=["341122-ZWFW-01", B_CODE])

    server.state.uow.run(build)
    return tokens


def test_a_regional_manager_picks_the_hall(server, hall, page):
    b_tokens = _region(server)
    from hall_server.client import HallClient

    with HallClient(server.base_url, b_tokens["b_kiosk"]) as b_kiosk:
        b_kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))

    sign_in(page, server.base_url, "region")
    expect(page.locator("#app")).to_be_visible()
    select = page.locator("#hall-select")
    expect(select).to_be_visible()
    expect(select.locator("option")).to_have_count(2)  # A and B, not the third point
    expect(select.locator("option")).to_have_text([f"{A_NAME}（等候 0）", f"{B_NAME}（等候 1）"])
    expect(page.locator("#hall-name")).to_have_text(A_NAME)
    expect(select).to_have_value("341122-ZWFW-01")

    select.select_option(B_CODE)
    expect(page.locator("#hall-name")).to_have_text(B_NAME)
    expect(page.locator("#hall-select")).to_have_value(B_CODE)
    assert page.evaluate("sessionStorage.getItem('yimen.manage.hall')") == B_CODE
    expect(page.locator("#live-status")).to_have_attribute("data-state", "up")

    page.click("#logout")  # signing out forgets the hall
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('yimen.manage.hall')") is None


def test_a_hall_manager_has_no_selector(server, hall, page):
    _region(server)
    sign_in(page, server.base_url, "b_manager")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#hall-name")).to_have_text(B_NAME)
    expect(page.locator("#hall-select")).to_be_hidden()
