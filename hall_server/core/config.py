"""Configuration: one Settings object read from YIMEN_* environment variables (or a .env file)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hall_server.sync.config import TargetConfig, check_targets


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIMEN_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///var/hall.db", description="SQLAlchemy URL")
    hall_code: str | None = Field(
        default=None, description="the hall this server runs, if the DB holds several"
    )
    timezone: str = "Asia/Shanghai"
    key_file: Path = Field(
        default=Path("var/keys.json"),
        description="data and lookup keys; created on first use with mode 0600 unless keys are given below",
    )
    data_key: str | None = Field(default=None, description="SM4 key, 32 hex chars (overrides key_file)")
    lookup_key: str | None = Field(
        default=None, description="HMAC-SM3 key, 64 hex chars (overrides key_file)"
    )

    case_yellow_days: int = Field(
        default=1, ge=0, description="a back-office case with at most this many working days left is yellow"
    )

    catalog_code_length: int = 12
    task_code_length: int = 31
    handle_item_code_length: int = 33

    elderly_age: int = Field(
        default=60, description="age from the ID number at which ELDERLY priority applies"
    )
    head_start_minutes: dict[str, int] = Field(
        default={"APPOINTMENT": 20, "ELDERLY": 10, "DISABLED": 10, "MILITARY": 10},
        description="priority ageing: a priority ticket queues as if it had come this many minutes earlier",
    )
    max_recalls: int = 3
    no_show_grace_minutes: int = 30
    no_show_requeue_positions: int = Field(default=3, description="a returning visitor rejoins N places back")
    appointment_early_minutes: int = 30
    appointment_late_minutes: int = 15
    service_time_samples: int = Field(default=20, description="recent services in the rolling average")
    sweep_seconds: float = Field(default=30.0, description="how often overdue appointments/days are swept")
    ticket_confirm_seconds: int = Field(
        default=120, ge=1, description="a kiosk ticket not confirmed (printed/noted) by then is cancelled"
    )
    alert_check_seconds: float = Field(
        default=10.0, gt=0, description="how often load thresholds and 冷热不均 are checked for alerts"
    )
    device_health_stale_seconds: int = Field(
        default=180, ge=1, description="a device whose last health report is older is shown as stale"
    )

    password_time_cost: int = Field(default=3, description="argon2id iterations")
    password_memory_kib: int = Field(default=65536, description="argon2id memory")
    token_ttl_hours: int = 12
    login_max_failures: int = Field(default=5, description="wrong passwords for one account from one address")
    login_address_max_failures: int = Field(default=20, description="wrong sign-ins from one address")
    login_account_max_failures: int = Field(
        default=20, description="wrong passwords for one account from addresses it never signed in from"
    )
    trusted_proxies: list[str] = Field(
        default=[], description="reverse proxies whose X-Forwarded-For names the client (IPs or networks)"
    )
    ws_queue_size: int = 1000
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="larger request bodies are refused with 413 before parsing"
    )
    attachment_max_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        le=50 * 1024 * 1024,
        description="a case material's scan or photo: larger is refused with 413 ATTACHMENT_TOO_LARGE",
    )
    slot_days_ahead: int = Field(
        default=366, ge=1, le=3660, description="appointment slots may be made at most this many days ahead"
    )
    metrics_token: str | None = None
    db_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL: connections each engine keeps (two engines per process)"
    )
    db_max_overflow: int = Field(
        default=20, ge=0, description="PostgreSQL: connections each engine may open beyond the pool at peaks"
    )

    db_writers: int = Field(default=2, ge=1, le=64, description="PostgreSQL: write transactions at once")

    sync_targets: list[TargetConfig] = Field(default=[], description="where events are delivered")
    sync_targets_file: Path | None = Field(default=None, description="JSON list of targets, if not inline")
    sync_in_server: bool = Field(default=True, description="run the delivery worker inside `yimen server`")
    sync_concurrency: int = Field(default=2, ge=1, le=16, description="sender threads per target")
    sync_lease_seconds: float = Field(default=60.0, description="a claimed batch is retried after this")
    sync_backoff_base_seconds: float = 1.0
    sync_backoff_cap_seconds: float = 300.0
    sync_idle_seconds: float = Field(default=1.0, description="how often an idle worker looks again")
    sync_probe_seconds: float = Field(
        default=5.0, gt=0, description="how often a target that stopped answering is tried again"
    )
    sync_unreadable_limit: int = Field(
        default=5, ge=1, description="answers the sender cannot read before the event is a dead letter"
    )
    sync_protect_key: str | None = Field(default=None, description="SM4 key shared with the platform, 32 hex")
    sync_protect_kid: str = Field(default="platform-1", description="the name the platform knows that key by")
    sync_reconcile_at: str = Field(default="02:30", description="local time of the nightly reconciliation")
    sync_lag_warn_seconds: float = Field(
        default=300.0, gt=0, description="the dashboard warns when an event waits longer than this"
    )
    manage_refresh_seconds: float = Field(
        default=5.0, gt=0, le=300, description="how often the managers' dashboard reads the status again"
    )
    public_base_url: str = Field(
        default="",
        max_length=200,
        description="how phones reach this server (https://hall.example.cn); ticket QR: {this}/f/{code}",
    )
    follow_notifier: Literal["none", "log"] = Field(
        default="none", description="who tells opted-in visitors they are third / called (follow/notify.py)"
    )
    idempotency_ttl_hours: int = Field(
        default=24, ge=1, le=24 * 30, description="how long the first answer to an Idempotency-Key is kept"
    )
    idempotency_wait_seconds: float = Field(
        default=10.0, gt=0, le=120, description="a repeat waits this long for the same key still in flight"
    )
    event_checkpoint_every: int = Field(
        default=1000, ge=1, description="sign the event chain's head every this many events"
    )
    event_checkpoint_minutes: float = Field(
        default=10.0, gt=0, description="and at least this often while events are written"
    )
    log_json: bool = True
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def targets(self) -> list[TargetConfig]:
        if self.sync_targets_file is not None:
            raw = json.loads(self.sync_targets_file.read_text(encoding="utf-8"))
            return check_targets([TargetConfig.model_validate(item) for item in raw])
        return check_targets(self.sync_targets)


@lru_cache
def get_settings() -> Settings:
    return Settings()
