"""Fault injection: the receiver can be told to be down, slow, answer 500, drop connections (before or
after storing) or hold requests past the sender's timeout. Everything under /_admin is exempt.

Faults are a list applied in order to every request; each draws one random number per request from a
generator seeded with `seed`, so a sequential test sees the same sequence every run.

    down                   every request answered 503 PLATFORM_DOWN
    slow                   wait `delay` seconds (default 1), then go on
    error_rate             answer 500 INJECTED_ERROR before doing anything, with probability `rate`
    drop_rate              close the connection without any response, before doing anything
    drop_after_store_rate  do the work (store the events), then close the connection without answering
    timeout                hold the request until the client gives up or `delay` seconds (default 60) pass,
                           then close the connection; nothing is stored
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hall_server.sync.wire import WireError

log = logging.getLogger("yimen.platform.faults")

ADMIN_PREFIX = "/_admin"
DEFAULT_SLOW_SECONDS = 1.0
DEFAULT_HOLD_SECONDS = 60.0


class FaultMode(StrEnum):
    NONE = "none"
    DOWN = "down"
    SLOW = "slow"
    ERROR_RATE = "error_rate"
    DROP_RATE = "drop_rate"
    DROP_AFTER_STORE_RATE = "drop_after_store_rate"
    TIMEOUT = "timeout"


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: FaultMode
    rate: float = Field(default=1.0, ge=0.0, le=1.0, description="probability per request")
    delay: float | None = Field(default=None, ge=0.0, le=3600.0, description="slow: seconds; timeout: hold")


class FaultPlan(BaseModel):
    """`{"faults": [{"mode": "error_rate", "rate": 0.3}], "seed": 7}`, or one fault in short:
    `{"mode": "slow", "delay": 2, "seed": 7}`. `{"mode": "none"}` (or no faults) turns them off."""

    model_config = ConfigDict(extra="forbid")

    faults: list[Fault] = Field(default_factory=list)
    seed: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict) and "mode" in value:
            single = {key: value[key] for key in ("mode", "rate", "delay") if key in value}
            rest = {key: item for key, item in value.items() if key not in single}
            return {**rest, "faults": [single]}
        return value

    @model_validator(mode="after")
    def _without_none(self) -> FaultPlan:
        self.faults = [fault for fault in self.faults if fault.mode is not FaultMode.NONE]
        return self


def parse_fault(spec: str) -> Fault:
    """A fault from the command line: `down`, `slow=2`, `timeout=30` (seconds), `error_rate=0.3`,
    `drop_rate=0.1`, `drop_after_store_rate=0.5` (probabilities), `none`."""
    name, _, value = spec.partition("=")
    mode = FaultMode(name.strip())
    if not value:
        return Fault(mode=mode)
    number = float(value)
    if mode in (FaultMode.SLOW, FaultMode.TIMEOUT):
        return Fault(mode=mode, delay=number)
    return Fault(mode=mode, rate=number)


@dataclass
class Decision:
    delay: float = 0.0
    answer: int | None = None  # 503 or 500 before doing anything
    drop: bool = False
    hold: float | None = None
    drop_after: bool = False

    def describe(self) -> str:
        parts = [f"delay={self.delay:g}"] if self.delay else []
        if self.answer:
            parts.append(f"answer={self.answer}")
        if self.drop:
            parts.append("drop")
        if self.hold is not None:
            parts.append(f"hold={self.hold:g}")
        if self.drop_after:
            parts.append("drop_after_store")
        return ",".join(parts)


class FaultState:
    """The current plan and its random generator (one per process; the event loop is single-threaded)."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.random = random.Random(plan.seed)

    def set(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.random = random.Random(plan.seed)

    def decide(self) -> Decision:
        decision = Decision()
        draws = [self.random.random() for _ in self.plan.faults]
        for fault, draw in zip(self.plan.faults, draws, strict=True):
            if draw >= fault.rate or decision.answer or decision.drop or decision.hold is not None:
                continue
            if fault.mode is FaultMode.DOWN:
                decision.answer = 503
            elif fault.mode is FaultMode.ERROR_RATE:
                decision.answer = 500
            elif fault.mode is FaultMode.SLOW:
                decision.delay += DEFAULT_SLOW_SECONDS if fault.delay is None else fault.delay
            elif fault.mode is FaultMode.DROP_RATE:
                decision.drop = True
            elif fault.mode is FaultMode.TIMEOUT:
                decision.hold = DEFAULT_HOLD_SECONDS if fault.delay is None else fault.delay
            elif fault.mode is FaultMode.DROP_AFTER_STORE_RATE:
                decision.drop_after = True
        return decision


class ConnectionDropper:
    """Closes the TCP connection a request came on, without a response. Needs the uvicorn server's state
    (set by `app.build_server`): uvicorn gives an ASGI app no handle on its transport."""

    def __init__(self) -> None:
        self.server_state: Any = None

    async def drop(self, scope: dict[str, Any]) -> None:
        if self.server_state is None:
            raise RuntimeError("cannot drop connections: serve the receiver through app.build_server")
        client = tuple(scope.get("client") or ())
        for protocol in list(self.server_state.connections):
            if tuple(getattr(protocol, "client", None) or ()) == client:
                protocol.transport.abort()
                # Let the loop run connection_lost, so uvicorn knows there is no one to answer.
                await asyncio.sleep(0.01)
                return
        # Not found: the client has already closed it.


_ERRORS = {
    503: WireError(code="PLATFORM_DOWN", reason="the platform is down (injected) / 平台停止服务（故障注入）"),
    500: WireError(code="INJECTED_ERROR", reason="injected server error / 注入的服务器错误"),
}


async def _answer(send: Any, status: int) -> None:
    body = _ERRORS[status].model_dump_json().encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _hold(receive: Any, seconds: float) -> None:
    """Wait until the client disconnects or `seconds` pass, whichever comes first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (remaining := deadline - loop.time()) > 0:
        try:
            message = await asyncio.wait_for(receive(), remaining)
        except TimeoutError:
            return
        if message["type"] == "http.disconnect":
            return


class FaultMiddleware:
    """Pure ASGI: faults happen before the app sees the request (or after it, for drop-after-store)."""

    def __init__(self, app: Any, state: FaultState, dropper: ConnectionDropper) -> None:
        self.app = app
        self.state = state
        self.dropper = dropper

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX) or not self.state.plan.faults:
            await self.app(scope, receive, send)
            return
        decision = self.state.decide()
        if decision.describe():
            log.info("fault", extra={"path": scope["path"], "fault": decision.describe()})
        if decision.delay:
            await asyncio.sleep(decision.delay)
        if decision.answer is not None:
            await _answer(send, decision.answer)
        elif decision.drop:
            await self.dropper.drop(scope)
        elif decision.hold is not None:
            await _hold(receive, decision.hold)
            await self.dropper.drop(scope)
        elif decision.drop_after:

            async def swallow(message: Any) -> None:
                return None

            await self.app(scope, receive, swallow)
            await self.dropper.drop(scope)
        else:
            await self.app(scope, receive, send)
