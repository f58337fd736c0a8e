"""A hall-sync/1 receiver that is not ours: a few lines of the standard library's HTTP server that store
events, keep each aggregate's order, and answer in the dialect a test picks, the way receivers written
by other teams answer (numbers for statuses, no outcome, no batch endpoint, gateway pages, throttling).
It shares no code with `yimen platform serve` on purpose."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes]


def as_json(status: int, body: object, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


@dataclass
class ForeignReceiver:
    """Stores events once each, in order per aggregate; `dialect` turns each verdict into an answer."""

    dialect: str = "numeric"
    bad_marker: str | None = None  # an event whose data holds this value is invalid here
    stored: list[dict[str, Any]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/gw"

    def start(self) -> ForeignReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, headers, payload = receiver.answer(self.path, json.loads(body))
                self.send_response(status)
                for key, value in {**headers, "Content-Length": str(len(payload))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- what it does with an event ------------------------------------------------------------------

    def verdict(self, event: dict[str, Any]) -> str:
        """accepted | duplicate | invalid | gap"""
        with self.lock:
            if any(e["event_id"] == event["event_id"] for e in self.stored):
                self.duplicates += 1
                return "duplicate"
            if self.bad_marker is not None and self.bad_marker in json.dumps(event, ensure_ascii=False):
                return "invalid"
            aggregate = (event["aggregate"]["type"], event["aggregate"]["id"])
            last = max(
                (
                    e["aggregate"]["seq"]
                    for e in self.stored
                    if (e["aggregate"]["type"], e["aggregate"]["id"]) == aggregate
                ),
                default=0,
            )
            if event["aggregate"]["seq"] != last + 1:
                return "gap"
            self.stored.append(event)
            return "accepted"

    def answer(self, path: str, body: Any) -> Reply:
        batch = path.endswith(":batch")
        self.requests["batch" if batch else "single"] += 1
        dialect = getattr(self, f"_{self.dialect}")
        reply: Reply = dialect(batch, body)
        return reply

    def _each(self, body: Any, batch: bool) -> list[tuple[str, str]]:
        events = body["events"] if batch else [body]
        return [(event["event_id"], self.verdict(event)) for event in events]

    # --- dialects --------------------------------------------------------------------------------------

    def _numeric(self, batch: bool, body: Any) -> Reply:
        """The issue's receiver: per event, the HTTP status as a number and an outcome."""
        words = {
            "accepted": (200, "accepted"),
            "duplicate": (200, "duplicate"),
            "invalid": (422, "rejected"),
            "gap": (409, "rejected"),
        }
        results = [
            {"event_id": event_id, "status": words[v][0], "outcome": words[v][1]}
            for event_id, v in self._each(body, batch)
        ]
        return as_json(200, {"results": results})

    def _status_only(self, batch: bool, body: Any) -> Reply:
        """Items with a status and a message, no outcome; a duplicate is a 409 in the receiver's words."""
        words = {
            "accepted": (200, "成功"),
            "duplicate": (409, "已存在该条服务信息，请勿重复提交"),
            "invalid": (400, "参数错误"),
            "gap": (503, "请稍后"),
        }
        results = [
            {"event_id": event_id, "status": str(words[v][0]), "message": words[v][1]}
            for event_id, v in self._each(body, batch)
        ]
        return as_json(207, {"results": results})

    def _singles_only(self, batch: bool, body: Any) -> Reply:
        """No batch endpoint at all; one event is answered by its status alone, with an empty body."""
        if batch:
            return as_json(404, {"error": "no such endpoint"})
        ((_, verdict),) = self._each(body, batch)
        statuses = {"accepted": 201, "duplicate": 409, "invalid": 422, "gap": 425}
        if verdict == "duplicate":
            return as_json(409, {"code": "E409", "msg": "已存在该条服务信息，请勿重复提交"})
        return statuses[verdict], {}, b""

    def _whole_batch_refused(self, batch: bool, body: Any) -> Reply:
        """A batch holding one invalid event is refused whole, without saying which; alone, each event
        is answered by its status."""
        if batch:
            if self.bad_marker and self.bad_marker in json.dumps(body, ensure_ascii=False):
                return as_json(400, {"error": "batch contains an invalid event"})
            results = [{"event_id": event_id, "status": 200} for event_id, _ in self._each(body, batch)]
            return as_json(200, {"results": results})
        ((_, verdict),) = self._each(body, batch)
        return {"accepted": 200, "duplicate": 200, "invalid": 422, "gap": 425}[verdict], {}, b""

    def _gateway_page(self, batch: bool, body: Any) -> Reply:
        """Something in front answers everything with a redirect to a login page; nothing is stored."""
        return 302, {"Location": "/login", "Content-Type": "text/html"}, b"<html>login</html>"

    def _unauthorised(self, batch: bool, body: Any) -> Reply:
        return as_json(401, {"code": "SIGN_ERROR", "message": "签名错误"})

    def _throttled(self, batch: bool, body: Any) -> Reply:
        return as_json(429, {"message": "too many requests"}, **{"Retry-After": "120"})


Dialect = Callable[[bool, Any], Reply]
