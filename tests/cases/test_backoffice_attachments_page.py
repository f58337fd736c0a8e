"""The back office page (/backoffice) in real Chromium against the real server: a case's scans and photos
taken at the window are listed on its materials, and a link opens one (fetched with the signed-in token,
saved as a file whose bytes are the ones uploaded)."""

# ruff: noqa: F811 (the fixtures `back` and `page` are imported, then taken as arguments)
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from hall_server.contract.cases import CaseOpenIn, MaterialsIn
from tests.cases.test_attachments import JPEG, PDF
from tests.cases.test_backoffice_page import _sign_in
from tests.factories import person
from tests.manage.conftest import page  # noqa: F401 (fixture)


def test_a_cases_attachments_are_listed_and_open(server, hall, client_for, back, page: Page):
    clerk = client_for("clerk1")
    case = clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person()))
    form = next(m.material_id for m in case.materials if m.name == "申请表")
    scan = clerk.attach_material(case.id, form, JPEG, "image/jpeg")
    clerk.attach_material(case.id, form, PDF, "application/pdf")
    clerk.receive_materials(case.id, MaterialsIn(received=[form]))
    clerk.accept_case(case.id)

    _sign_in(page, server.base_url)
    page.locator("#queue-rows tr").first.click()
    materials = page.locator("#detail-materials")
    expect(materials).to_contain_text("申请表：已收取 附件1（JPG，2 KB） 附件2（PDF，2 KB）")
    links = materials.locator("a.attachment")
    expect(links).to_have_count(2)
    assert links.first.get_attribute("href") == f"/api/v1/cases/{case.id}/attachments/{scan.id}"
    with page.expect_download() as opened:
        links.first.click()
    download = opened.value
    assert download.suggested_filename == "申请表-附件1.jpg"
    assert Path(download.path()).read_bytes() == JPEG
    with page.expect_download() as second:
        links.nth(1).click()
    assert Path(second.value.path()).read_bytes() == PDF
