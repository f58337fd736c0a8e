"""WebSocket /ws: snapshot on subscribe, then every change with a per-topic sequence number."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hall_server.auth.principal import Principal
from hall_server.auth.service import authenticate
from hall_server.contract.live import (
    Auth,
    ErrorMessage,
    Ping,
    Pong,
    Resync,
    SnapshotMessage,
    Subscribe,
    TicketMessage,
    client_message,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import DomainError
from hall_server.core.tenancy import current_hall_id
from hall_server.deps import HALL_HEADER, enter_principal_hall
from hall_server.follow.service import masked, public_view
from hall_server.live import policy
from hall_server.live.hub import SLOW_CLIENT_CLOSE, Subscriber, hall_topic
from hall_server.queueing.load import snapshot

router = APIRouter()


def _principal_and_hall(ctx: Ctx, token: str, hall_code: str | None) -> tuple[Principal, int | None]:
    """The caller and the hall of its feed: its own; a regional account the hall it names (within its
    cover, else HALL_NOT_COVERED), else its default hall (deps.enter_principal_hall)."""
    principal = authenticate(ctx, token)
    enter_principal_hall(ctx, principal, hall_code)
    return principal, current_hall_id(ctx.session, required=False)


log = logging.getLogger("yimen.live")

POLICY_VIOLATION = 1008


class Connection:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.state = websocket.app.state.yimen
        self.principal: Principal | None = None
        self.hall_id: int | None = None  # the principal's hall (a regional account: the default hall)

    async def send(self, message: SnapshotMessage | TicketMessage | ErrorMessage | Pong) -> None:
        await self.websocket.send_text(message.model_dump_json())

    async def authenticate(self, token: str, hall_code: str | None = None) -> bool:
        try:
            self.principal, self.hall_id = await run_in_threadpool(
                self.state.uow.read, lambda ctx: _principal_and_hall(ctx, token, hall_code)
            )
        except DomainError as exc:
            await self.send(ErrorMessage(code=exc.code, message=exc.message))
            return False
        return True

    async def start_ticket_topic(self, subscriber: Subscriber, topic: str) -> None:
        """A followed ticket: its public view now, then whenever it changes (hall_server.follow.feed)."""
        code = topic.removeprefix(policy.TICKET_TOPICS)
        followed = [t for t in subscriber.topics if policy.is_ticket_topic(t) and t != topic]
        if len(followed) >= policy.MAX_FOLLOWED_PER_CONNECTION:
            message = f"一个连接最多关注 {policy.MAX_FOLLOWED_PER_CONNECTION} 张号票"
            await self.send(ErrorMessage(code="TOO_MANY_TICKETS", message=message))
            return
        async with subscriber.send_lock:
            seq = self.state.hub.mark(subscriber, topic)
            try:
                view = await run_in_threadpool(self.state.uow.read, lambda ctx: public_view(ctx, code))
            except DomainError as exc:
                self.state.hub.unmark(subscriber, topic)
                log.info("follow code %s refused: %s", masked(code), exc.code)
                await self.send(ErrorMessage(code=exc.code, message=exc.message))
                return
            await self.send(TicketMessage(topic=topic, seq=seq, ticket=view))

    async def start_topic(self, subscriber: Subscriber, topic: str) -> None:
        if policy.is_ticket_topic(topic):
            await self.start_ticket_topic(subscriber, topic)
            return
        assert self.principal is not None
        refused = policy.refusal(self.principal, topic)
        if refused is not None:
            await self.send(ErrorMessage(code="TOPIC_FORBIDDEN", message=refused))
            return
        window_no = int(topic.split(":")[1]) if topic.startswith("window:") else None
        # one hub topic per hall: hall B's clients never receive hall A's changes
        hub_topic = hall_topic(self.hall_id, topic)
        async with subscriber.send_lock:
            seq = self.state.hub.mark(subscriber, hub_topic)
            try:
                snap = await run_in_threadpool(
                    self.state.uow.read, lambda ctx: snapshot(ctx, window_no), hall_id=self.hall_id
                )
            except DomainError as exc:
                self.state.hub.unmark(subscriber, hub_topic)
                await self.send(ErrorMessage(code=exc.code, message=exc.message))
                return
            if topic == "display":
                snap = policy.display_snapshot(snap)
            await self.send(SnapshotMessage(topic=topic, seq=seq, snapshot=snap))

    @staticmethod
    def anonymous_may(message: Subscribe | Resync | Ping) -> bool:
        if isinstance(message, Subscribe):
            return policy.anonymous_may(message.topics)
        if isinstance(message, Resync):
            return policy.anonymous_may([message.topic])
        return True

    async def handle(self, subscriber: Subscriber, text: str) -> bool:
        """Handle one client message; False ends the connection."""
        try:
            message = client_message.validate_json(text)
        except ValidationError:
            await self.send(ErrorMessage(code="BAD_MESSAGE", message="消息格式不正确"))
            return True
        if isinstance(message, Auth):
            return await self.authenticate(message.token, message.hall)
        if self.principal is None and not self.anonymous_may(message):
            await self.send(ErrorMessage(code="AUTH_REQUIRED", message="请先发送登录凭证"))
            return False
        if isinstance(message, Subscribe):
            for topic in message.topics:
                await self.start_topic(subscriber, topic)
        elif isinstance(message, Resync):
            await self.start_topic(subscriber, message.topic)
        elif isinstance(message, Ping):
            async with subscriber.send_lock:
                await self.send(Pong())
        return True


@router.websocket("/ws")
async def live_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    connection = Connection(websocket)
    header = websocket.headers.get("authorization", "")
    hall_code = websocket.headers.get(HALL_HEADER, "").strip() or None
    if header.lower().startswith("bearer ") and not await connection.authenticate(
        header[7:].strip(), hall_code
    ):
        await websocket.close(POLICY_VIOLATION)
        return
    hub = connection.state.hub
    subscriber = hub.new_subscriber(websocket.send_text)
    metrics = connection.state.metrics
    metrics.live_clients.inc()
    writer = asyncio.create_task(subscriber.run_writer())
    overflow = asyncio.create_task(subscriber.overflowed.wait())
    try:
        while True:
            receive = asyncio.create_task(websocket.receive_text())
            done, _ = await asyncio.wait({receive, overflow, writer}, return_when=asyncio.FIRST_COMPLETED)
            if receive not in done:
                receive.cancel()
                if overflow in done:
                    log.warning("live client too slow; disconnected to resync")
                    await websocket.close(SLOW_CLIENT_CLOSE, "slow consumer: reconnect and resync")
                break
            if not await connection.handle(subscriber, receive.result()):
                await websocket.close(POLICY_VIOLATION)
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(subscriber)
        metrics.live_clients.dec()
        for task in (writer, overflow):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
