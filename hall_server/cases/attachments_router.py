"""附件 API: a scan or camera photo of a checklist line, sent as the raw request body (not JSON)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from hall_server.cases import attachments
from hall_server.contract.cases import ATTACHMENT_TYPES, AttachmentOut
from hall_server.core.limits import Wider
from hall_server.deps import DESK, STAFF, ApiDep, IdempotentApiDep, IdParam

router = APIRouter(tags=["cases"])
UPLOAD_PATH = re.compile(r"^/api/v1/cases/[^/]+/materials/[^/]+/attachments/?$")
# not cached, not sniffed, never shown inline by a browser that opens the address directly
DOWNLOAD_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
BINARY = {"schema": {"type": "string", "format": "binary"}}


def upload_limit(max_bytes: int) -> Wider:
    """The request-body cap of the upload route: the attachment limit (the general cap is smaller)."""
    error = attachments.too_large(max_bytes)
    return Wider("POST", UPLOAD_PATH, max_bytes, error.code, error.message)


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/cases/{case_id}/materials/{material_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    openapi_extra={
        "requestBody": {"required": True, "content": dict.fromkeys(ATTACHMENT_TYPES, BINARY)},
    },
)
def attach(
    case_id: IdParam,
    material_id: IdParam,
    content: Annotated[bytes, Depends(raw_body)],
    api: IdempotentApiDep,
    content_type: Annotated[str | None, Header(max_length=100)] = None,
) -> AttachmentOut:
    """附件: the body is the file itself, Content-Type image/jpeg, image/png or application/pdf (its first
    bytes must match: 422 ATTACHMENT_CONTENT_MISMATCH; another type: 415 ATTACHMENT_TYPE_UNSUPPORTED), at
    most YIMEN_ATTACHMENT_MAX_BYTES (5 MB: 413 ATTACHMENT_TOO_LARGE). Only while the case is open at the
    window (409 CASE_NOT_OPEN after 受理)."""
    return api.run(
        lambda ctx: attachments.attach(ctx, case_id, material_id, content_type, content), roles=DESK
    )


@router.get("/cases/{case_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(case_id: IdParam, api: ApiDep) -> list[AttachmentOut]:
    """The case's attachments (metadata only), oldest first."""
    return api.read(lambda ctx: attachments.list_attachments(ctx, case_id), roles=STAFF)


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": dict.fromkeys(ATTACHMENT_TYPES, BINARY), "description": "the file"}},
)
def download(case_id: IdParam, attachment_id: IdParam, api: ApiDep) -> Response:
    """The file, decrypted: the hall's clerks and managers, the back office of the case's department."""
    found = api.read(lambda ctx: attachments.download(ctx, case_id, attachment_id), roles=STAFF)
    disposition = f'attachment; filename="{found.filename}"'
    return Response(
        found.content,
        media_type=found.media_type,
        headers={**DOWNLOAD_HEADERS, "Content-Disposition": disposition},
    )


@router.delete("/cases/{case_id}/attachments/{attachment_id}", status_code=204)
def remove(case_id: IdParam, attachment_id: IdParam, api: ApiDep) -> None:
    """A wrong scan removed, before 受理 only."""
    api.run(lambda ctx: attachments.remove(ctx, case_id, attachment_id), roles=DESK)
