"""Targets are adapters behind one interface. The worker knows only `Target`; a province's own format
(an intermediate exchange database, a SOAP service, ...) is another module here, chosen by `kind`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from hall_server.sync.config import TargetConfig
from hall_server.sync.wire import DaySummary


class Verdict(StrEnum):
    DONE = "DONE"
    DUPLICATE = "DUPLICATE"
    RETRY = "RETRY"
    DEAD = "DEAD"
    UNKNOWN = "UNKNOWN"  # an answer the sender cannot read: retried a bounded number of times


@dataclass(frozen=True)
class Outcome:
    event_id: str
    verdict: Verdict
    reason: str = ""
    retry_after: float | None = None  # seconds the target asked us to wait (Retry-After)


class TransientFailure(Exception):
    """The request got no answer (refused, reset, dropped, timed out): the target may be down."""


class CaseNumberRefused(Exception):
    """The platform answered a request for a case number with a refusal (4xx other than 401/408/425/429):
    retried with the backoff, and logged as an error, since it will not heal by itself."""


class Target(Protocol):
    config: TargetConfig

    def send(self, envelopes: list[dict[str, Any]]) -> list[Outcome]:
        """Deliver envelopes (in order); one outcome per envelope. Raises TransientFailure."""
        ...

    def day_summary(self, day: date, with_ids: bool) -> DaySummary:
        """What the target holds for one local day, for reconciliation. Raises TransientFailure."""
        ...

    def close(self) -> None: ...


def build_target(config: TargetConfig) -> Target:
    if config.kind == "hall-sync-rest":
        from hall_server.sync.targets.rest import RestTarget

        return RestTarget(config)
    if config.kind == "front-table":
        from hall_server.sync.targets.front_table import FrontTableTarget

        return FrontTableTarget(config)
    raise ValueError(f"target {config.name}: unknown kind {config.kind!r} (hall-sync-rest, front-table)")
