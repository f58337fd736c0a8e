from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.contract.trace import TraceOut
from hall_server.deps import DESK, ApiDep
from hall_server.events.trace import TraceKind, trace

router = APIRouter(tags=["trace"])


@router.get("/trace/{kind}/{key}", response_model=TraceOut)
def get_trace(kind: TraceKind, key: Annotated[str, Path(max_length=64)], api: ApiDep) -> TraceOut:
    return api.read(lambda ctx: trace(ctx, kind, key), roles=DESK)
