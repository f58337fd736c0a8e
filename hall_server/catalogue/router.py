from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from hall_server.catalogue import service
from hall_server.contract.catalogue import (
    CATEGORY_CODE,
    CategoryIn,
    CategoryOut,
    HallMatterIn,
    HallMatterOut,
    MatterIn,
    MatterOut,
    MatterSummary,
)
from hall_server.deps import ADMINS, ALL_DEVICES, MANAGERS, STAFF, ApiDep, IdParam

router = APIRouter(tags=["catalogue"])


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(api: ApiDep) -> list[CategoryOut]:
    return api.read(
        lambda ctx: [service.category_out(c) for c in service.list_categories(ctx)],
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.put("/categories/{code}", response_model=CategoryOut)
def save_category(
    code: Annotated[str, Path(pattern=CATEGORY_CODE)], body: CategoryIn, api: ApiDep
) -> CategoryOut:
    body = body.replaced(code=code)
    return api.run(lambda ctx: service.category_out(service.save_category(ctx, body)), roles=ADMINS)


@router.get("/matters", response_model=list[MatterSummary])
def search_matters(
    api: ApiDep,
    q: str = Query(default="", max_length=50, description="名称、拼音首字母或编码"),
    category: str | None = Query(default=None, max_length=32),
    high_frequency: bool | None = None,
) -> Response:
    return api.answer_read(
        lambda ctx: service.search_matters(ctx, q, category, high_frequency),
        roles=STAFF,
        devices=ALL_DEVICES,
    )


@router.get("/matters/{matter_id}", response_model=MatterOut)
def get_matter(matter_id: IdParam, api: ApiDep) -> MatterOut:
    return api.read(
        lambda ctx: service.matter_out(service.offered(ctx, matter_id)), roles=STAFF, devices=ALL_DEVICES
    )


@router.put("/matters", response_model=MatterOut)
def save_matter(body: MatterIn, api: ApiDep) -> MatterOut:
    """Import a matter into the regional catalogue (by its basic code) and offer it in this hall."""
    return api.run(
        lambda ctx: service.matter_out(service.offered(ctx, service.save_matter(ctx, body).id)), roles=ADMINS
    )


@router.get("/hall/matters", response_model=list[HallMatterOut])
def hall_matters(
    api: ApiDep,
    include_unoffered: bool = Query(default=False, description="也列出本大厅未办理的区域目录事项"),
) -> list[HallMatterOut]:
    """This hall's offering of the regional catalogue (enabled or not)."""
    return api.read(
        lambda ctx: service.hall_matters(ctx, include_unoffered=include_unoffered), roles=MANAGERS
    )


@router.put("/hall/matters/{matter_id}", response_model=HallMatterOut)
def offer_matter(matter_id: IdParam, body: HallMatterIn, api: ApiDep) -> HallMatterOut:
    """This hall offers the matter in one of its categories (or changes the category, order, enabling)."""
    return api.run(
        lambda ctx: service.hall_matter_out(service.offer_matter(ctx, matter_id, body)), roles=MANAGERS
    )


@router.delete("/hall/matters/{matter_id}", status_code=204)
def withdraw_matter(matter_id: IdParam, api: ApiDep) -> None:
    """This hall no longer offers the matter."""
    api.run(lambda ctx: service.withdraw_matter(ctx, matter_id), roles=MANAGERS)
