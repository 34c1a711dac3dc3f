"""All configuration, read once from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "careerbot"


class Settings(BaseSettings):
    """Settings for every part of the bot; see `.env.example` for each one's meaning."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    database_url: str | None = None
    sqlite_path: Path = Field(default=DEFAULT_DATA_DIR / "careerbot.sqlite3")
    knowledge_dir: Path = Field(default=Path(__file__).resolve().parent.parent / "knowledge")
    log_level: str = "INFO"

    # Several workers (bot/web): shared limits, per-user order, JSON logs.
    redis_url: str | None = None
    redis_key_prefix: str = "careerbot"
    log_format: Literal["text", "json"] = "text"
    telegram_messages_per_second: int = 30
    telegram_group_messages_per_minute: int = 20
    drawing_processes: int = Field(default=0, ge=0)

    @field_validator("sqlite_path", "knowledge_dir", mode="after")
    @classmethod
    def _expand_home(cls, path: Path) -> Path:
        return path.expanduser()

    @property
    def effective_database_url(self) -> str:
        """`DATABASE_URL` when set, otherwise the SQLite file at `SQLITE_PATH`."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.sqlite_path}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
