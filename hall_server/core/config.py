"""Configuration: one Settings object read from YIMEN_* environment variables (or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    password_time_cost: int = Field(default=3, description="argon2id iterations")
    password_memory_kib: int = Field(default=65536, description="argon2id memory")
    token_ttl_hours: int = 12
    login_max_failures: int = 5
    ws_queue_size: int = 1000
    metrics_token: str | None = None
    log_json: bool = True
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
