from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.contract.auth import DeviceKind
from hall_server.contract.displays import PROFILE_NAME, DisplayProfileIn, DisplayProfileOut
from hall_server.deps import MANAGERS, STAFF, ApiDep
from hall_server.displays import service

router = APIRouter(tags=["displays"])
DISPLAYS = frozenset({DeviceKind.DISPLAY})
ProfileName = Annotated[str, Path(pattern=PROFILE_NAME, description="e.g. hall, enterprise")]


@router.get("/display-profiles", response_model=list[DisplayProfileOut])
def list_profiles(api: ApiDep) -> list[DisplayProfileOut]:
    """Every hall-screen profile; 'hall' (the whole hall, empty lists) is always there."""
    return api.read(service.list_profiles, roles=STAFF, devices=DISPLAYS)


@router.get("/display-profiles/{name}", response_model=DisplayProfileOut)
def get_profile(name: ProfileName, api: ApiDep) -> DisplayProfileOut:
    return api.read(lambda ctx: service.get_profile(ctx, name), roles=STAFF, devices=DISPLAYS)


@router.put("/display-profiles/{name}", response_model=DisplayProfileOut)
def save_profile(name: ProfileName, body: DisplayProfileIn, api: ApiDep) -> DisplayProfileOut:
    """Create or replace a profile; displays following `display` are told to refetch it."""
    return api.run(lambda ctx: service.save_profile(ctx, name, body), roles=MANAGERS)
