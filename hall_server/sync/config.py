"""Sync targets as configured: YIMEN_SYNC_TARGETS (JSON list) or the file YIMEN_SYNC_TARGETS_FILE.

    [{"name": "province", "kind": "hall-sync-rest", "url": "https://gateway.example/hall",
      "app_id": "HALL-APP-001", "secret_env": "YIMEN_PROVINCE_SECRET", "batch_size": 100},
     {"name": "exchange", "kind": "front-table", "url": "postgresql+psycopg://exchange@db/qz"}]

Secrets are read from the named environment variable or file at start-up, never stored in the list.

Case numbers (PROJID, standards.md §3.3): the one hall-sync-rest target with `"allocates_case_numbers":
true` is asked for each accepted case's PROJID (sync/case_numbers.py); it and every target with
`"waits_for_case_no": true` (a 前置库 whose rows must carry PROJID) get a case's events only once the case
has its PROJID. Without such a target, nothing waits and the exchange rows carry the local number.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

PLATFORM_PREFIXES = (
    "queue.",
    "appointment.",
    "case.",
    "result.",
    "evaluation.",
    "evaluation_followup.",
    "complaint.",
)


class TargetConfig(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    kind: str = Field(description="hall-sync-rest | front-table")
    url: str
    app_id: str = ""
    secret_env: str | None = None
    secret_file: Path | None = None
    batch_size: int = Field(default=100, ge=1, le=200)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    event_prefixes: tuple[str, ...] = PLATFORM_PREFIXES
    allocates_case_numbers: bool = Field(default=False, description="the platform that gives PROJIDs")
    waits_for_case_no: bool | None = Field(
        default=None, description="hold case events until PROJID; default: only the allocating target"
    )

    @model_validator(mode="after")
    def _secret_source(self) -> TargetConfig:
        if self.kind == "hall-sync-rest" and not (self.secret_env or self.secret_file):
            raise ValueError(f"target {self.name}: give secret_env or secret_file")
        if self.allocates_case_numbers and self.kind != "hall-sync-rest":
            raise ValueError(f"target {self.name}: only a hall-sync-rest target allocates case numbers")
        return self

    @property
    def waits(self) -> bool:
        """Whether a case's events to this target wait for the case's PROJID."""
        return self.allocates_case_numbers if self.waits_for_case_no is None else self.waits_for_case_no

    def accepts(self, event_type: str) -> bool:
        return event_type.startswith(self.event_prefixes)

    def secret(self) -> bytes:
        if self.secret_env:
            value = os.environ.get(self.secret_env)
            if not value:
                raise ValueError(f"target {self.name}: environment variable {self.secret_env} is not set")
            return value.encode()
        assert self.secret_file is not None
        return self.secret_file.read_text(encoding="utf-8").strip().encode()


def check_targets(targets: list[TargetConfig]) -> list[TargetConfig]:
    """The list as a whole: at most one allocator, and nothing waiting for numbers that no target gives
    (its case events would wait for ever)."""
    allocators = [target.name for target in targets if target.allocates_case_numbers]
    if len(allocators) > 1:
        raise ValueError(f"sync targets: only one may allocate case numbers, not {', '.join(allocators)}")
    waiting = [target.name for target in targets if target.waits]
    if waiting and not allocators:
        raise ValueError(
            f"sync targets {', '.join(waiting)} wait for case numbers, but no target allocates them"
        )
    return targets


def allocator(targets: list[TargetConfig]) -> TargetConfig | None:
    return next((target for target in targets if target.allocates_case_numbers), None)
