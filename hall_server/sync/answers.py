"""How a sender reads the answers of a hall-sync/1 receiver it did not write (standards.md §6.4).

HTTP semantics first; the receiver's own words only refine them. Anything this module cannot read is
UNKNOWN ("not yet known"): the worker retries it a bounded number of times and then dead-letters it with
the answer quoted, so a receiver that speaks another dialect shows up on the dashboard instead of looping.

One event:
    2xx                                   delivered (DUPLICATE when the body says "outcome": "duplicate")
    409 saying duplicate / 已存在 / 请勿重复   delivered (duplicate)
    400, 403, 404, 409, 413, 422          rejected: dead letter with the receiver's message
    401                                   our signature, clock or credentials: retry, and alert at once
    408, 425, 429, 5xx                    retry (after Retry-After when given)
    anything else (3xx, 418, ...)         unknown
A batch: the `results` items decide whatever the status, each by its `outcome`, else its `status` read as
above. An item missing, or one that cannot be read: unknown. No `results` at all: after a 2xx or a 4xx
other than 401/408/425/429 the events are sent again one by one (SPLIT) so that one bad event never
dead-letters the good ones beside it; after 401/408/425/429/5xx they are retried.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from hall_server.sync.targets import Outcome, Verdict

REJECTED_STATUSES = frozenset({400, 403, 404, 409, 413, 422})
RETRY_STATUSES = frozenset({408, 425, 429})
CREDENTIALS_STATUS = 401
MAX_RETRY_AFTER_SECONDS = 3600.0
OUTCOME_VERDICTS = {
    "accepted": Verdict.DONE,
    "duplicate": Verdict.DUPLICATE,
    "rejected": Verdict.DEAD,
    "retry": Verdict.RETRY,
}
# Receivers in the field say "already have it" in their own words (standards.md §6.1).
_DUPLICATE_WORDS = re.compile(
    r"duplicate|already (exists|stored|received)|已存在|请勿重复|重复提交|已接收", re.I
)
_MESSAGE_KEYS = ("message", "reason", "msg", "error", "detail", "desc", "C-Response-Desc")


@dataclass(frozen=True)
class Split:
    """The batch answer says nothing per event: send each event alone."""

    reason: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None

    def summary(self) -> str:
        """`HTTP 422: CODE: message` from whatever the receiver wrote, at most 300 characters."""
        said = _words(self.json())
        if not said:
            said = self.body[:200].decode("utf-8", "replace").strip()
        return f"HTTP {self.status}: {said}".rstrip(": ")[:300]

    def retry_after(self) -> float | None:
        """Seconds to wait from a Retry-After header (seconds or an HTTP date), bounded."""
        value = {key.lower(): item for key, item in self.headers.items()}.get("retry-after", "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():
            seconds = float(value)
        else:
            try:
                seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                return None
        return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _words(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    code = body.get("code")
    message = next((str(body[key]) for key in _MESSAGE_KEYS if body.get(key) not in (None, "")), "")
    parts = [str(code) if code not in (None, "", 0) else "", message]
    return ": ".join(part for part in parts if part)


def _says_duplicate(body: Any, summary: str) -> bool:
    return (isinstance(body, dict) and body.get("outcome") == "duplicate") or bool(
        _DUPLICATE_WORDS.search(summary)
    )


def verdict_for_status(status: int, said: str, body: Any = None) -> Verdict:
    """One event's verdict from its HTTP status (and, for 2xx and 409, whether it says duplicate)."""
    if 200 <= status < 300:
        return Verdict.DUPLICATE if _says_duplicate(body, said) else Verdict.DONE
    if status == 409 and _says_duplicate(body, said):
        return Verdict.DUPLICATE
    if status in REJECTED_STATUSES:
        return Verdict.DEAD
    if status == CREDENTIALS_STATUS or status in RETRY_STATUSES or 500 <= status < 600:
        return Verdict.RETRY
    return Verdict.UNKNOWN


def read_single(answer: Answer, event_id: str) -> Outcome:
    body = answer.json()
    items = [item for item in _results(body) or [] if isinstance(item, dict)]
    mine = next((item for item in items if item.get("event_id") == event_id), None)
    if mine is not None:
        return _item_outcome(event_id, mine, answer)
    said = answer.summary()
    verdict = verdict_for_status(answer.status, said, body)
    if verdict is Verdict.UNKNOWN:
        said = f"unreadable answer: {said}"
    return Outcome(event_id, verdict, said, answer.retry_after())


def read_batch(answer: Answer, event_ids: Sequence[str]) -> list[Outcome] | Split:
    results = _results(answer.json())
    if results is not None:
        return _item_outcomes(results, event_ids, answer)
    said = answer.summary()
    whole = verdict_for_status(answer.status, said)
    if whole is Verdict.RETRY:
        return [Outcome(event_id, Verdict.RETRY, said, answer.retry_after()) for event_id in event_ids]
    # 2xx or a refusal of the whole batch without a word per event: nobody knows which event it was.
    return Split(f"batch answer without results ({said}); sent one by one")


def _results(body: Any) -> list[Any] | None:
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return list(body["results"])
    return None


def _item_outcomes(items: list[Any], event_ids: Sequence[str], answer: Answer) -> list[Outcome]:
    by_id = {item.get("event_id"): item for item in items if isinstance(item, dict)}
    outcomes = []
    for event_id in event_ids:
        item = by_id.get(event_id)
        if item is None:
            reason = f"unreadable answer: no result for this event ({answer.summary()})"
            outcomes.append(Outcome(event_id, Verdict.UNKNOWN, reason[:300]))
        else:
            outcomes.append(_item_outcome(event_id, item, answer))
    return outcomes


def _item_outcome(event_id: str, item: Mapping[str, Any], answer: Answer) -> Outcome:
    said = _words(dict(item))
    outcome = item.get("outcome")
    status = _as_status(item.get("status"))
    if isinstance(outcome, str) and outcome.lower() in OUTCOME_VERDICTS:
        verdict = OUTCOME_VERDICTS[outcome.lower()]
    elif status is not None:
        verdict = verdict_for_status(status, said, item)
    else:
        verdict = Verdict.UNKNOWN
    prefix = f"HTTP {status}" if status is not None else f"HTTP {answer.status}"
    reason = f"{prefix}: {said}".rstrip(": ")
    if verdict is Verdict.UNKNOWN:
        reason = f"unreadable answer: {json.dumps(item, ensure_ascii=False)[:200]}"
    retry_after = answer.retry_after() if verdict is Verdict.RETRY else None
    return Outcome(event_id, verdict, reason[:300], retry_after)


def _as_status(value: Any) -> int | None:
    """An item's status: an HTTP status as a number or a string of ASCII digits (not a bool)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 100 <= value <= 599:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and 100 <= int(value) <= 599:
        return int(value)
    return None
