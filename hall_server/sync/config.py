"""Sync targets as configured: YIMEN_SYNC_TARGETS (JSON list) or the file YIMEN_SYNC_TARGETS_FILE.

    [{"name": "province", "kind": "hall-sync-rest", "url": "https://gateway.example/hall",
      "app_id": "HALL-APP-001", "secret_env": "YIMEN_PROVINCE_SECRET", "batch_size": 100},
     {"name": "exchange", "kind": "front-table", "url": "postgresql+psycopg://exchange@db/qz"}]

Secrets are read from the named environment variable or file at start-up, never stored in the list.
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

    @model_validator(mode="after")
    def _secret_source(self) -> TargetConfig:
        if self.kind == "hall-sync-rest" and not (self.secret_env or self.secret_file):
            raise ValueError(f"target {self.name}: give secret_env or secret_file")
        return self

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
