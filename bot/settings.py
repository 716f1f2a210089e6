"""Configuration from environment variables, checked once at start-up.

Every variable is documented in `.env.example`. In production (YUME_ENV=production) the settings
Yume cannot run without must be present and well-formed; `load_settings` refuses to start with a
message naming each variable and what is wrong, instead of failing on the first webhook.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from store.database import DEFAULT_DATABASE_URL, DatabaseUrlError, normalize_database_url

MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    production = "production"


class SettingsError(ValueError):
    """The environment cannot run Yume; `problems` lists each variable and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Yume cannot start:\n" + "\n".join(f"  - {problem}" for problem in problems))


# Field name → environment variable. Adding a setting: a field below, a line here, a line in .env.example.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "environment": "YUME_ENV",
    "database_url": "DATABASE_URL",
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "nlu_model": "YUME_NLU_MODEL",
    "meta_app_id": "META_APP_ID",
    "meta_app_secret": "META_APP_SECRET",
    "meta_webhook_verify_token": "META_WEBHOOK_VERIFY_TOKEN",
    "meta_api_version": "META_API_VERSION",
    "meta_graph_url": "META_GRAPH_URL",
    "meta_signup_config_id": "META_SIGNUP_CONFIG_ID",
    "operator_token": "YUME_OPERATOR_TOKEN",
    "secret_key": "YUME_SECRET_KEY",
    "base_url": "YUME_BASE_URL",
    "jobs_interval_seconds": "YUME_JOBS_INTERVAL_SECONDS",
    "lane_hold_seconds": "YUME_LANE_HOLD_SECONDS",
}

# What production cannot run without (the rest have safe defaults or are optional features).
REQUIRED_IN_PRODUCTION: tuple[str, ...] = (
    "database_url",
    "meta_app_id",
    "meta_app_secret",
    "meta_webhook_verify_token",
    "operator_token",
    "secret_key",
    "base_url",
)


class Settings(BaseModel):
    """Yume's configuration; build it with `load_settings()` (or directly in tests)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: Environment = Environment.development
    database_url: str = DEFAULT_DATABASE_URL
    anthropic_api_key: SecretStr | None = None  # absent: the offline rule-based NLU
    anthropic_base_url: str | None = None
    nlu_model: str | None = None  # absent: the NLU module's default model
    meta_app_id: str | None = None
    meta_app_secret: SecretStr | None = None
    meta_webhook_verify_token: SecretStr | None = None
    meta_api_version: str = "v25.0"
    meta_graph_url: str = "https://graph.facebook.com"
    meta_signup_config_id: str | None = None  # the Embedded Signup configuration (Meta app dashboard)
    operator_token: SecretStr | None = None  # absent: nobody can create organizations
    secret_key: SecretStr | None = None
    base_url: str | None = None
    max_request_bytes: int = 1024 * 1024  # admin API bodies are small; this bounds abuse
    # How often the background jobs (reminders, agendas, …) look for due work; 0: not in this process.
    jobs_interval_seconds: float = Field(default=60.0, ge=0, le=3600)
    # How long a person's message waits for an older one WhatsApp may still deliver (0: never).
    lane_hold_seconds: float = Field(default=1.5, ge=0, le=10)

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.production

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalize_database_url(value)
        except DatabaseUrlError as error:
            raise ValueError(str(error).removeprefix("DATABASE_URL ")) from error

    @field_validator("meta_api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not re.fullmatch(r"v\d+\.\d+", value):
            raise ValueError(f"expected a Graph API version such as v25.0, got {value!r}")
        return value

    @field_validator("meta_app_id")
    @classmethod
    def _app_id(cls, value: str | None) -> str | None:
        if value is not None and not value.isdigit():
            raise ValueError(f"a Meta app id is all digits, got {value!r}")
        return value

    @field_validator("meta_graph_url", "anthropic_base_url", "base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"expected an http(s) URL such as https://example.com, got {value!r}")
        return value.rstrip("/")

    @field_validator("operator_token", "secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"must be at least {MIN_SECRET_LENGTH} characters "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment; raises SettingsError listing every problem at once."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field, variable in ENVIRONMENT_VARIABLES.items():
        raw = env.get(variable, "").strip()
        if raw:  # an empty variable means "not set", as in most .env tooling
            values[field] = raw
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        raise SettingsError([_describe(item) for item in error.errors(include_url=False)]) from error
    if settings.is_production:
        problems = _production_problems(settings, values)
        if problems:
            raise SettingsError(problems)
    return settings


def _describe(item: Mapping[str, Any]) -> str:
    field = str(item["loc"][0]) if item["loc"] else ""
    variable = ENVIRONMENT_VARIABLES.get(field, field)
    message = str(item["msg"]).removeprefix("Value error, ")
    if field == "environment":
        message = "expected development or production"
    return f"{variable}: {message}"


def _production_problems(settings: Settings, given: Mapping[str, Any]) -> list[str]:
    problems = [
        f"{ENVIRONMENT_VARIABLES[field]}: missing (required when YUME_ENV=production)"
        for field in REQUIRED_IN_PRODUCTION
        if field not in given
    ]
    if "database_url" in given and not settings.database_url.startswith("postgresql"):
        problems.append("DATABASE_URL: production runs on PostgreSQL (postgresql://user:password@host/db)")
    if settings.base_url and not settings.base_url.startswith("https://"):
        problems.append(
            f"YUME_BASE_URL: must be https in production (Meta only calls https), got {settings.base_url!r}"
        )
    return problems
