"""The hall-sync/1 REST target (wire.py): signed JSON over HTTP, batches where allowed."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from hall_server.sync.config import TargetConfig
from hall_server.sync.targets import Outcome, TransientFailure, Verdict
from hall_server.sync.wire import (
    BATCH_PATH,
    DAY_PATH,
    EVENTS_PATH,
    IDEMPOTENCY_HEADER,
    BatchResult,
    DaySummary,
    ResultStatus,
    WireError,
    encode_body,
    sign,
)

log = logging.getLogger("yimen.sync")
VERDICTS = {
    ResultStatus.ACCEPTED: Verdict.DONE,
    ResultStatus.DUPLICATE: Verdict.DUPLICATE,
    ResultStatus.REJECTED: Verdict.DEAD,
    ResultStatus.RETRY: Verdict.RETRY,
}


class RestTarget:
    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.secret = config.secret()
        self.prefix = urlsplit(config.url).path.rstrip("/")
        self.http = httpx.Client(base_url=config.url.rstrip("/"), timeout=config.timeout_seconds)

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
        if len(envelopes) == 1:
            envelope = envelopes[0]
            response = self._request(
                "POST", EVENTS_PATH, encode_body(envelope), headers={IDEMPOTENCY_HEADER: envelope["event_id"]}
            )
        else:
            response = self._request("POST", BATCH_PATH, encode_body({"events": envelopes}))
        return self._outcomes(response, [e["event_id"] for e in envelopes])

    def _outcomes(self, response: httpx.Response, event_ids: list[str]) -> list[Outcome]:
        status = response.status_code
        if status == 200:
            try:
                results = {r.event_id: r for r in BatchResult.model_validate_json(response.content).results}
            except ValidationError as exc:
                raise TransientFailure("unreadable answer from the target") from exc
            return [
                Outcome(
                    event_id,
                    VERDICTS[results[event_id].status],
                    f"{results[event_id].code}: {results[event_id].reason}".strip(": "),
                )
                if event_id in results
                else Outcome(event_id, Verdict.RETRY, "no result for this event")
                for event_id in event_ids
            ]
        reason = _reason(response)
        if status in (400, 422):
            return [Outcome(event_id, Verdict.DEAD, reason) for event_id in event_ids]
        if status in (401, 403):
            log.error(
                "target refuses our credentials; events wait until fixed",
                extra={"target": self.config.name, "reason": reason},
            )
        raise TransientFailure(f"HTTP {status}: {reason}")

    def day_summary(self, day: date, with_ids: bool) -> DaySummary:
        response = self._request(
            "GET", DAY_PATH.format(day=day.isoformat()), b"", params={"ids": "1"} if with_ids else None
        )
        if response.status_code != 200:
            raise TransientFailure(f"HTTP {response.status_code}: {_reason(response)}")
        return DaySummary.model_validate_json(response.content)


def _reason(response: httpx.Response) -> str:
    try:
        error = WireError.model_validate_json(response.content)
    except ValidationError:
        return response.text[:200]
    return f"{error.code}: {error.reason}"
