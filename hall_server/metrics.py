"""Prometheus metrics: request counts and latency per route, live clients, events written, queue gauges
read from the database at scrape time (so they are right even after a restart)."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hall_server.contract.load import LoadOut
from hall_server.contract.sync import TargetStatus

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def metrics_refusal(
    client_host: str | None, headers: Mapping[str, str], token: str | None
) -> tuple[int, str, str] | None:
    """Who may scrape /metrics: with YIMEN_METRICS_TOKEN set, whoever sends it as a bearer token; without,
    this machine only. A request relayed by a proxy on this machine (forwarding headers) is not local: the
    proxy serves the world. Returns (status, code, message) of the refusal, or None to serve."""
    if token:
        sent = headers.get("authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return None
        return 401, "AUTH_REQUIRED", "需要监控凭证（Authorization: Bearer <YIMEN_METRICS_TOKEN>）"
    if is_loopback(client_host) and not any(name in headers for name in FORWARDING_HEADERS):
        return None
    return 403, "METRICS_LOCAL_ONLY", "监控接口未设置凭证，仅允许本机访问；远程采集请设置 YIMEN_METRICS_TOKEN"


class QueueCollector:
    """The queue of every hall of the deployment, each figure labelled with its hall's code: /metrics is the
    operator's (this machine, or YIMEN_METRICS_TOKEN), never a hall's staff's."""

    def __init__(self, read_loads: Callable[[], list[tuple[str, LoadOut]]]) -> None:
        self.read_loads = read_loads

    def collect(self) -> Iterator[GaugeMetricFamily]:
        loads = self.read_loads()
        if not loads:
            return
        by_category = ["hall", "category"]
        waiting = GaugeMetricFamily("yimen_waiting_tickets", "Tickets waiting now", labels=by_category)
        longest = GaugeMetricFamily("yimen_longest_wait_seconds", "Longest current wait", labels=by_category)
        windows = GaugeMetricFamily("yimen_windows", "Windows by state", labels=["hall", "state"])
        served = GaugeMetricFamily("yimen_served_today", "Tickets served today", labels=["hall"])
        for hall, load in loads:
            for category in load.categories:
                waiting.add_metric([hall, category.code], category.waiting)
                longest.add_metric([hall, category.code], category.longest_wait_seconds)
            windows.add_metric([hall, "OPEN"], load.totals.windows_open)
            windows.add_metric([hall, "PAUSED"], load.totals.windows_paused)
            served.add_metric([hall], load.totals.served_today)
        yield from (waiting, longest, windows, served)


class SyncCollector:
    def __init__(self, read_status: Callable[[], list[TargetStatus]]) -> None:
        self.read_status = read_status

    def collect(self) -> Iterator[GaugeMetricFamily]:
        targets = self.read_status()
        backlog = GaugeMetricFamily("yimen_sync_backlog", "Events not yet delivered", labels=["target"])
        lag = GaugeMetricFamily(
            "yimen_sync_lag_seconds", "Age of the oldest undelivered event", labels=["target"]
        )
        dead = GaugeMetricFamily("yimen_sync_dead_letters", "Events the target refused", labels=["target"])
        delivered = GaugeMetricFamily(
            "yimen_sync_delivered_today", "Events delivered since local midnight", labels=["target"]
        )
        for target in targets:
            backlog.add_metric([target.target], target.backlog)
            lag.add_metric([target.target], target.lag_seconds)
            dead.add_metric([target.target], target.dead)
            delivered.add_metric([target.target], target.delivered_today)
        yield from (backlog, lag, dead, delivered)


class Metrics:
    def __init__(self, api_prefix: str = "/api/v1") -> None:
        self.api_prefix = api_prefix
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "yimen_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "yimen_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry
        )
        self.live_clients = Gauge("yimen_live_clients", "Connected WebSocket clients", registry=self.registry)
        self.events = Counter("yimen_events", "Events appended", ["type"], registry=self.registry)

    def watch_queue(self, read_loads: Callable[[], list[tuple[str, LoadOut]]]) -> None:
        self.registry.register(QueueCollector(read_loads))

    def watch_sync(self, read_status: Callable[[], list[TargetStatus]]) -> None:
        self.registry.register(SyncCollector(read_status))

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type="text/plain; version=0.0.4")


class RequestMetrics:
    """Counts and times every HTTP request. A plain ASGI middleware: Starlette's BaseHTTPMiddleware (what
    `app.middleware("http")` makes) runs each request through a task group and memory streams, which cost
    more than the rest of a simple request's handling."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before it starts a response

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            route = _route_template(Request(scope), self.metrics.api_prefix)
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()


def _route_template(request: Request, api_prefix: str) -> str:
    """The matched route's path template (/api/v1/windows/{number}/call-next), never the concrete path:
    values in paths would make unbounded label sets. Routes included under a prefix keep only their own
    path, so the prefix is put back."""
    route = request.scope.get("route")
    path = str(getattr(route, "path", "") or "")
    if not path:
        return "unmatched"
    if request.url.path.startswith(api_prefix) and not path.startswith(api_prefix):
        return api_prefix + path
    return path
