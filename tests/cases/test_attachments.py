"""附件 (scans and photos of received materials) through the real server on SQLite and PostgreSQL: upload,
list and download round trip, stored SM4-encrypted, the refusals (too large, wrong type, content not
matching its type, another hall, another department, after 受理) with their codes, and the events (in the
trace, through the outbox to the 前置库 PRE_FILE row) with the metadata only."""

from __future__ import annotations

import hashlib
import json
import os
import time

import httpx
import pytest
from sqlalchemy import select

from hall_server.cases.attachment_models import CaseAttachment
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import CaseOpenIn, CaseOut, CaseStatus, MaterialsIn
from hall_server.sync.models import Delivery
from tests.cases.test_exchange_rows import _rows, synced  # noqa: F401 (fixture)
from tests.cases.test_intake import _events
from tests.factories import person
from tests.tenancy.test_two_halls import two_halls  # noqa: F401 (fixture)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 50 + b"%%EOF\n"


def _case(clerk: HallClient, hall) -> CaseOut:
    return clerk.open_case(CaseOpenIn(matter_id=hall.matters["marriage"], applicant=person()))


def _line(case: CaseOut, name: str) -> int:
    return next(m.material_id for m in case.materials if m.name == name)


def _refused(call, *args) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call(*args)
    return refused.value


def test_upload_list_download_encrypted_then_only_the_right_staff_read_it(server, hall, client_for, back):
    clerk = client_for("clerk1")
    case = _case(clerk, hall)
    form, photo = _line(case, "申请表"), _line(case, "照片")
    scan = clerk.attach_material(case.id, form, JPEG, "image/jpeg")
    assert (scan.material_id, scan.material_name, scan.media_type, scan.size) == (
        form,
        "申请表",
        "image/jpeg",
        len(JPEG),
    )
    assert scan.sha256 == hashlib.sha256(JPEG).hexdigest() and scan.attached_by == "员工clerk1"
    big = b"%PDF-1.4\n" + os.urandom(2 * 1024 * 1024)  # over the general 1 MiB body cap, under 5 MB
    pdf = clerk.attach_material(case.id, form, big, "application/pdf")
    picture = clerk.attach_material(case.id, photo, PNG, "image/png; charset=binary")

    listed = clerk.case_attachments(case.id)
    assert [(a.id, a.material_name, a.media_type) for a in listed] == [
        (scan.id, "申请表", "image/jpeg"),
        (pdf.id, "申请表", "application/pdf"),
        (picture.id, "照片", "image/png"),
    ]
    lines = {m.name: [a.id for a in m.attachments] for m in clerk.get_case(case.id).materials}
    assert lines == {"居民身份证": [], "申请表": [scan.id, pdf.id], "照片": [picture.id]}
    assert clerk.download_attachment(case.id, scan.id) == JPEG
    assert clerk.download_attachment(case.id, pdf.id) == big
    assert client_for("manager").download_attachment(case.id, picture.id) == PNG

    stored = server.state.uow.read(
        lambda ctx: dict(ctx.session.execute(select(CaseAttachment.id, CaseAttachment.content_cipher)).all())
    )
    assert set(stored) == {scan.id, pdf.id, picture.id}
    assert JPEG[:64] not in stored[scan.id] and PNG[8:64] not in stored[picture.id]
    assert len(stored[scan.id]) == len(JPEG) + 1 + 12 + 16  # version, IV, GCM tag

    # the download is a file, never cached; without a sign-in nothing
    response = httpx.get(
        f"{server.base_url}/api/v1/cases/{case.id}/attachments/{scan.id}",
        headers={"Authorization": f"Bearer {hall.tokens['clerk1']}"},
    )
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith("attachment;")
    anonymous = httpx.get(f"{server.base_url}/api/v1/cases/{case.id}/attachments/{scan.id}")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "AUTH_REQUIRED"

    # a wrong scan removed before 受理
    clerk.remove_attachment(case.id, pdf.id)
    assert [a.id for a in clerk.case_attachments(case.id)] == [scan.id, picture.id]
    gone = _refused(clerk.download_attachment, case.id, pdf.id)
    assert (gone.status, gone.code) == (404, "ATTACHMENT_NOT_FOUND")

    # the back office of the case's department reads it once accepted; another department does not
    before = _refused(back.download_attachment, case.id, scan.id)
    assert (before.status, before.code) == (403, "CASE_OTHER_DEPARTMENT")  # still at the window
    clerk.receive_materials(case.id, MaterialsIn(received=[form]))
    assert clerk.accept_case(case.id).case.status is CaseStatus.ACCEPTED
    assert back.download_attachment(case.id, scan.id) == JPEG
    seen = back.backoffice_case(case.id).case.materials
    assert [a.id for m in seen for a in m.attachments] == [scan.id, picture.id]
    other = client_for("backoffice2")
    for call, args in (
        (other.download_attachment, (case.id, scan.id)),
        (other.case_attachments, (case.id,)),
    ):
        refused = _refused(call, *args)
        assert (refused.status, refused.code) == (403, "CASE_OTHER_DEPARTMENT")
        assert refused.message == "该办件不属于您所在的部门"

    # after 受理 nothing is added or removed
    late = _refused(clerk.attach_material, case.id, photo, PNG, "image/png")
    assert (late.status, late.code) == (409, "CASE_NOT_OPEN") and "已受理" in late.message
    kept = _refused(clerk.remove_attachment, case.id, scan.id)
    assert (kept.status, kept.code) == (409, "CASE_NOT_OPEN")

    # the events: metadata only, in the case's trace
    events = [e for e in _events(server, case.id) if e.event_type.startswith("case.material_attach")]
    assert [e.event_type for e in events] == [
        "case.material_attached",
        "case.material_attached",
        "case.material_attached",
        "case.material_attachment_removed",
    ]
    assert events[0].payload["data"] == {
        "status": "SUBMITTED",
        "material": "申请表",
        "file_ref": str(scan.id),
        "sha256": scan.sha256,
        "size": len(JPEG),
        "media_type": "image/jpeg",
    }
    traced = client_for("manager").trace("case", case.id)
    assert [e.data["file_ref"] for e in traced.events if e.event_type == "case.material_attached"] == [
        str(scan.id),
        str(pdf.id),
        str(picture.id),
    ]


def test_too_large_wrong_type_mismatch_and_unknown_line_are_refused_with_their_codes(
    server, hall, client_for
):
    clerk = client_for("clerk1")
    case = _case(clerk, hall)
    form = _line(case, "申请表")
    too_big = b"%PDF-" + bytes(5 * 1024 * 1024)
    large = _refused(clerk.attach_material, case.id, form, too_big, "application/pdf")
    assert (large.status, large.code, large.message) == (
        413,
        "ATTACHMENT_TOO_LARGE",
        "附件过大：单个附件不能超过 5 MB",
    )
    assert large.detail == {"max_bytes": 5 * 1024 * 1024}
    # a chunked body (no Content-Length) is cut off at the same cap
    chunked = httpx.post(
        f"{server.base_url}/api/v1/cases/{case.id}/materials/{form}/attachments",
        headers={"Authorization": f"Bearer {hall.tokens['clerk1']}", "Content-Type": "application/pdf"},
        content=iter([too_big[i : i + 65536] for i in range(0, len(too_big), 65536)]),
        timeout=30,
    )
    assert (chunked.status_code, chunked.json()["code"]) == (413, "ATTACHMENT_TOO_LARGE")

    text = _refused(clerk.attach_material, case.id, form, b"hello", "text/plain")
    assert (text.status, text.code, text.message) == (
        415,
        "ATTACHMENT_TYPE_UNSUPPORTED",
        "附件只能是 JPG、PNG 图片或 PDF 文件",
    )
    json_body = _refused(clerk.attach_material, case.id, form, b"{}", "application/json")
    assert (json_body.status, json_body.code) == (415, "ATTACHMENT_TYPE_UNSUPPORTED")
    mismatch = _refused(clerk.attach_material, case.id, form, PNG, "image/jpeg")
    assert (mismatch.status, mismatch.code, mismatch.message) == (
        422,
        "ATTACHMENT_CONTENT_MISMATCH",
        "附件内容与声明的文件类型不符",
    )
    disguised = _refused(clerk.attach_material, case.id, form, b"MZ\x90\x00" + JPEG, "image/jpeg")
    assert disguised.code == "ATTACHMENT_CONTENT_MISMATCH"
    empty = _refused(clerk.attach_material, case.id, form, b"", "image/png")
    assert (empty.status, empty.code) == (422, "ATTACHMENT_EMPTY")
    unknown = _refused(clerk.attach_material, case.id, 999_999, JPEG, "image/jpeg")
    assert (unknown.status, unknown.code) == (404, "MATERIAL_NOT_IN_CHECKLIST")
    missing = _refused(clerk.attach_material, 999_999, form, JPEG, "image/jpeg")
    assert (missing.status, missing.code) == (404, "CASE_NOT_FOUND")
    clerk_only = _refused(client_for("kiosk").attach_material, case.id, form, JPEG, "image/jpeg")
    assert clerk_only.status == 403
    assert clerk.case_attachments(case.id) == []
    assert not [e for e in _events(server, case.id) if e.event_type.startswith("case.material_attach")]


def test_another_halls_staff_see_nothing_of_the_attachments(server, hall, client_for, two_halls):  # noqa: F811
    a_client, b_client, _ = two_halls
    clerk = a_client("clerk1")
    case = _case(clerk, hall)
    scan = clerk.attach_material(case.id, _line(case, "申请表"), JPEG, "image/jpeg")
    for who in ("b_clerk", "b_manager"):
        other = b_client(who)
        for call, args in (
            (other.download_attachment, (case.id, scan.id)),
            (other.case_attachments, (case.id,)),
            (other.attach_material, (case.id, _line(case, "照片"), PNG, "image/png")),
            (other.remove_attachment, (case.id, scan.id)),
        ):
            refused = _refused(call, *args)
            assert (refused.status, refused.code) == (404, "CASE_NOT_FOUND"), (who, call)
    assert [a.id for a in clerk.case_attachments(case.id)] == [scan.id]


def test_the_attachment_event_goes_through_the_outbox_to_pre_file_without_content(synced):  # noqa: F811
    server, hall, url = synced
    clerk = HallClient(server.base_url, hall.tokens["clerk1"])
    case = _case(clerk, hall)
    scan = clerk.attach_material(case.id, _line(case, "申请表"), JPEG, "image/jpeg")
    clerk.remove_attachment(case.id, scan.id)
    deadline = time.monotonic() + 30
    while len(_rows(url, {str(case.id)})) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = _rows(url, {str(case.id)})
    assert [(seq, table) for _, seq, table, _ in rows] == [
        (1, "PRE_APASINFO"),
        (2, "PRE_FILE"),
        (3, "PRE_FILE"),
    ]
    added, removed = rows[1][3], rows[2][3]
    assert (added["CD_OPERATION"], added["FILEID"], added["FILENAME"], added["FILETYPE"]) == (
        "I",
        str(scan.id),
        "申请表",
        "jpg",
    )
    assert (added["FILESIZE"], added["FILEHASH"]) == (len(JPEG), scan.sha256)
    assert (removed["CD_OPERATION"], removed["FILEID"]) == ("D", str(scan.id))
    delivered = server.state.uow.read(
        lambda ctx: ctx.session.scalars(
            select(Delivery.status).where(Delivery.event_type == "case.material_attached")
        ).all()
    )
    assert delivered == ["DONE"]
    payloads = [e.payload for e in _events(server, case.id)]
    text = json.dumps(payloads) + json.dumps(rows)
    assert JPEG[:32].hex() not in text and "/9j/" not in text  # neither hex nor base64 of the content
    clerk.close()
