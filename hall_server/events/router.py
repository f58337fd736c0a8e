from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hall_server.contract.chain import ChainFindingOut, ChainVerifyOut
from hall_server.contract.trace import TraceOut
from hall_server.core.context import Ctx
from hall_server.core.tenancy import all_halls
from hall_server.deps import ADMINS, DESK, ApiDep
from hall_server.events.trace import TraceKind, trace
from hall_server.events.verify import verify

router = APIRouter(tags=["trace"])


@router.get("/trace/{kind}/{key}", response_model=TraceOut)
def get_trace(kind: TraceKind, key: Annotated[str, Path(max_length=64)], api: ApiDep) -> TraceOut:
    return api.read(lambda ctx: trace(ctx, kind, key), roles=DESK)


@router.get("/events/verify", response_model=ChainVerifyOut, tags=["events"])
def verify_chain(api: ApiDep) -> ChainVerifyOut:
    """Walk the event log's hash chain and signed checkpoints (admins). For a very large log the command
    `yimen events verify` does the same without an HTTP timeout."""
    return api.read(_verify, roles=ADMINS)


def _verify(ctx: Ctx) -> ChainVerifyOut:
    all_halls(ctx.session)  # one chain for the deployment: every hall's events are links of it
    report = verify(ctx.session, ctx.keys)
    return ChainVerifyOut(
        intact=report.intact,
        head_pos=report.head_pos,
        head_hash=report.head_hash,
        events=report.events,
        checkpoints=report.checkpoints,
        seconds=report.seconds,
        findings=[
            ChainFindingOut(kind=f.kind.value, position=f.position, message=f.message)
            for f in report.findings
        ],
        more_findings=report.more_findings,
    )
