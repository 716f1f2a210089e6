"""Yume's one settings object: every environment variable, read once at start-up (pydantic-settings).

Each field names its variable (`validation_alias`); README's Configuration table and `.env.example`
list exactly these variables (a test compares them). The inner layers never read the environment:
`store` takes a database URL, `nlu` takes an API key, model and timeout, as plain parameters given
from here. In production (YUME_ENV=production) the settings Yume cannot run without must be present
and well-formed; `load_settings` refuses to start with a message naming each variable and what is
wrong, instead of failing on the first webhook.

    settings = load_settings()              # the process environment
    settings = load_settings({"YUME_ENV": "production", …})   # an explicit mapping (tests)
    settings = Settings(jobs_interval_seconds=0)               # explicit values only, no environment
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nlu.claude import DEFAULT_TIMEOUT_S

# store.database's default, written here so that reading the settings does not import the database
# stack (SQLAlchemy and the tables: most of `yume nlu --batch`'s start-up); a test keeps them equal.
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./yume.db"

MIN_SECRET_LENGTH = 32
MAX_REQUEST_BYTES = 1024 * 1024  # admin API bodies are small; this bounds abuse


class Environment(StrEnum):
    development = "development"
    production = "production"


class LogFormat(StrEnum):
    json = "json"  # one JSON object per line (production: log shippers parse it)
    text = "text"  # readable lines (development)


class SettingsError(ValueError):
    """The environment cannot run Yume; `problems` lists each variable and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Yume cannot start:\n" + "\n".join(f"  - {problem}" for problem in problems))


def _variable(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A setting read from the environment variable `name` (a field keeps its Python name too)."""
    return Field(default, validation_alias=AliasChoices(name), **kwargs)


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

# The mapping `load_settings` reads (None: build from explicit values only).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("yume_settings_environ", default=None)


class Settings(BaseSettings):
    """Yume's configuration; build it with `load_settings()` (or directly in tests)."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    environment: Environment = _variable("YUME_ENV", Environment.development)
    database_url: str = _variable("DATABASE_URL", DEFAULT_DATABASE_URL)
    anthropic_api_key: SecretStr | None = _variable("ANTHROPIC_API_KEY")  # absent: the offline rules
    anthropic_base_url: str | None = _variable("ANTHROPIC_BASE_URL")
    nlu_model: str | None = _variable("YUME_NLU_MODEL")  # absent: the NLU module's default model
    # The whole Claude budget for one message (the call and at most one retry), then the rules answer.
    nlu_timeout_s: float = _variable("YUME_NLU_TIMEOUT_S", DEFAULT_TIMEOUT_S, gt=0, le=60)
    # The learned NLU backstop: the labelled corpus it is trained on, and where the trained model is cached.
    nlu_corpus: str | None = _variable("YUME_NLU_CORPUS")  # absent: fixtures/nlu beside the code or in the working folder
    nlu_cache_dir: str | None = _variable("YUME_NLU_CACHE_DIR")  # absent: ~/.cache/yume
    meta_app_id: str | None = _variable("META_APP_ID")
    meta_app_secret: SecretStr | None = _variable("META_APP_SECRET")
    meta_webhook_verify_token: SecretStr | None = _variable("META_WEBHOOK_VERIFY_TOKEN")
    meta_api_version: str = _variable("META_API_VERSION", "v25.0")
    meta_graph_url: str = _variable("META_GRAPH_URL", "https://graph.facebook.com")
    meta_signup_config_id: str | None = _variable("META_SIGNUP_CONFIG_ID")  # Embedded Signup configuration
    operator_token: SecretStr | None = _variable("YUME_OPERATOR_TOKEN")  # absent: nobody creates organizations
    secret_key: SecretStr | None = _variable("YUME_SECRET_KEY")
    base_url: str | None = _variable("YUME_BASE_URL")
    # How often the background jobs (reminders, agendas, …) look for due work; 0: not in this process.
    jobs_interval_seconds: float = _variable("YUME_JOBS_INTERVAL_SECONDS", 60.0, ge=0, le=3600)
    # How long a person's message waits for an older one WhatsApp may still deliver (0: never).
    lane_hold_seconds: float = _variable("YUME_LANE_HOLD_SECONDS", 1.5, ge=0, le=10)
    # Logs: JSON lines or readable text (default: JSON in production, text in development), and the level.
    log_format: LogFormat | None = _variable("YUME_LOG_FORMAT")
    log_level: str = _variable("YUME_LOG_LEVEL", "INFO")
    max_request_bytes: int = Field(MAX_REQUEST_BYTES, exclude=True)  # not from the environment (tests lower it)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit values first, then the mapping load_settings() was given; never a .env file by
        # surprise (deployments set real variables; `.env.example` documents them).
        return (init_settings, _MappingSource(settings_cls))

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.production

    def nlu_options(self) -> dict[str, Any]:
        """Keyword arguments for `nlu.engine.build_understander` (the NLU never reads the environment)."""
        return {
            "api_key": secret(self.anthropic_api_key),
            "model": self.nlu_model,
            "base_url": self.anthropic_base_url,
            "timeout_s": self.nlu_timeout_s,
            "corpus": self.nlu_corpus,
            "cache_dir": self.nlu_cache_dir,
        }

    @property
    def database_url_given(self) -> str | None:
        """DATABASE_URL when it was set (benchmarks pick their own scratch database otherwise)."""
        return self.database_url if "database_url" in self.model_fields_set else None

    @property
    def logs_as_json(self) -> bool:
        return (self.log_format or (LogFormat.json if self.is_production else LogFormat.text)) == LogFormat.json

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value == DEFAULT_DATABASE_URL:
            return value  # already canonical: no need to load the database stack to say so
        from store.database import DatabaseUrlError, normalize_database_url  # late: see DEFAULT_DATABASE_URL

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

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"expected DEBUG, INFO, WARNING or ERROR, got {value!r}")
        return level


def secret(value: SecretStr | None) -> str | None:
    """The clear value of a secret setting, or None."""
    return value.get_secret_value() if value is not None else None


def environment_variable(field: str) -> str:
    """The environment variable a settings field is read from."""
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    return str(alias.choices[0])


# Field name → environment variable, for every setting read from the environment.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    name: environment_variable(name) for name, info in Settings.model_fields.items() if info.validation_alias
}


class _MappingSource(PydanticBaseSettingsSource):
    """The variables of the mapping `load_settings` was given; an empty one means "not set"."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        environ = _ENVIRON.get()
        variable = ENVIRONMENT_VARIABLES.get(field_name)
        if environ is None or variable is None:
            return None, field_name, False
        raw = environ.get(variable, "").strip()
        return (raw or None), field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, info in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(info, name)
            if value is not None:
                values[key] = value
        return values


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def database_settings() -> Settings:
    """The settings of a command that only needs the database (no production checks)."""
    return load_settings(production_checks=False)


def load_settings(environ: Mapping[str, str] | None = None, *, production_checks: bool = True) -> Settings:
    """Settings from the environment; raises SettingsError listing every problem at once.

    `production_checks=False` for commands that only need the database (`yume db`, `yume demo`):
    a malformed value is still refused, a missing Meta credential is not their business.
    """
    env = os.environ if environ is None else environ
    try:
        with _reading(env):
            settings = Settings()
    except ValidationError as error:
        raise SettingsError([_describe(item) for item in error.errors(include_url=False)]) from error
    if settings.is_production and production_checks:
        given = {field for field, variable in ENVIRONMENT_VARIABLES.items() if env.get(variable, "").strip()}
        problems = _production_problems(settings, given)
        if problems:
            raise SettingsError(problems)
    return settings


def _describe(item: Mapping[str, Any]) -> str:
    location = str(item["loc"][0]) if item["loc"] else ""
    variable = ENVIRONMENT_VARIABLES.get(location, location)
    message = str(item["msg"]).removeprefix("Value error, ")
    if variable == "YUME_ENV":
        message = "expected development or production"
    elif variable == "YUME_LOG_FORMAT":
        message = "expected json or text"
    return f"{variable}: {message}"


def _production_problems(settings: Settings, given: set[str]) -> list[str]:
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
