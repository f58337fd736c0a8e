"""The hall-sync/1 REST target (wire.py): signed JSON over HTTP, batches where allowed."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from hall_server.sync.answers import Answer, Split, read_batch, read_single
from hall_server.sync.config import TargetConfig
from hall_server.sync.targets import CaseNumberRefused, Outcome, TransientFailure, Verdict
from hall_server.sync.wire import (
    BATCH_PATH,
    CASE_NUMBERS_PATH,
    DAY_PATH,
    EVENTS_PATH,
    IDEMPOTENCY_HEADER,
    CaseNumberAnswer,
    CaseNumberRequest,
    DaySummary,
    encode_body,
    sign,
)

log = logging.getLogger("yimen.sync")
SINGLES_SECONDS = 600.0  # after a batch answer without results, how long to send events one by one
PASSING = frozenset({401, 408, 425, 429})  # answers that may change by themselves (§6.4): retried


class RestTarget:
    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.secret = config.secret()
        self.prefix = urlsplit(config.url).path.rstrip("/")
        self.http = httpx.Client(base_url=config.url.rstrip("/"), timeout=config.timeout_seconds)
        self.singles_until = 0.0

    def close(self) -> None:
        self.http.close()

    def _request(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        signed = sign(self.secret, method, self.prefix + path, self.config.app_id, body)
        try:
            return self.http.request(
                method,
                path,
                content=body or None,
                params=params,
                headers={**signed, "Content-Type": "application/json", **(headers or {})},
            )
        except httpx.HTTPError as exc:  # refused, reset, dropped, timed out
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc

    def send(self, envelopes: list[dict[str, Any]]) -> list[Outcome]:
        if len(envelopes) == 1 or time.monotonic() < self.singles_until:
            return self._send_singles(envelopes)
        event_ids = [envelope["event_id"] for envelope in envelopes]
        read = read_batch(self._post(BATCH_PATH, encode_body({"events": envelopes})), event_ids)
        if isinstance(read, Split):
            # This receiver does not answer batches per event: one by one for a while, then try again.
            log.warning("target answers batches without results", extra=self._log(read.reason))
            self.singles_until = time.monotonic() + SINGLES_SECONDS
            return self._send_singles(envelopes)
        self._alert_on_credentials(read)
        return read

    def _send_singles(self, envelopes: list[dict[str, Any]]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for envelope in envelopes:
            event_id = envelope["event_id"]
            try:
                answer = self._post(EVENTS_PATH, encode_body(envelope), {IDEMPOTENCY_HEADER: event_id})
            except TransientFailure as exc:
                if not outcomes:
                    raise
                left = envelopes[len(outcomes) :]
                return outcomes + [Outcome(e["event_id"], Verdict.RETRY, str(exc)[:300]) for e in left]
            outcomes.append(read_single(answer, event_id))
        self._alert_on_credentials(outcomes)
        return outcomes

    def _post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Answer:
        response = self._request("POST", path, body, headers=headers)
        return Answer(response.status_code, response.headers, response.content)

    def _alert_on_credentials(self, outcomes: list[Outcome]) -> None:
        refused = next((o for o in outcomes if o.reason.startswith("HTTP 401")), None)
        if refused is not None:  # it will not heal by itself: say so now, not after the backoff grows
            log.error("target refuses our signature or credentials", extra=self._log(refused.reason))

    def _log(self, reason: str) -> dict[str, str]:
        return {"target": self.config.name, "reason": reason[:300]}

    def day_summary(self, day: date, with_ids: bool) -> DaySummary:
        response = self._request(
            "GET", DAY_PATH.format(day=day.isoformat()), b"", params={"ids": "1"} if with_ids else None
        )
        answer = Answer(response.status_code, response.headers, response.content)
        if response.status_code != 200:
            raise TransientFailure(answer.summary())
        try:
            return DaySummary.model_validate_json(response.content)
        except ValidationError as exc:
            raise TransientFailure(f"unreadable day summary: {answer.summary()}") from exc

    def allocate_case_no(self, request: CaseNumberRequest) -> str:
        """获取办件编号: the platform's PROJID for one case (the same answer every time it is asked).
        Raises TransientFailure (no answer, 5xx, 401, 429 ...) or CaseNumberRefused (another 4xx)."""
        response = self._request("POST", CASE_NUMBERS_PATH, encode_body(request.model_dump(mode="json")))
        answer = Answer(response.status_code, response.headers, response.content)
        if response.status_code == 200:
            try:
                return CaseNumberAnswer.model_validate_json(response.content).case_no
            except ValidationError as exc:
                raise TransientFailure(f"unreadable case number answer: {answer.summary()}") from exc
        if response.status_code >= 500 or response.status_code in PASSING:
            raise TransientFailure(answer.summary())
        raise CaseNumberRefused(answer.summary())
