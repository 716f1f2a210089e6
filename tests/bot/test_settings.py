"""Settings: read from the environment, refused at start-up with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ENVIRONMENT_VARIABLES, Environment, SettingsError, load_settings

GOOD_SECRET = "s" * 40
PRODUCTION = {
    "YUME_ENV": "production",
    "DATABASE_URL": "postgresql://yume:pw@db.internal:5432/yume",
    "META_APP_ID": "1234567890",
    "META_APP_SECRET": "app-secret",
    "META_WEBHOOK_VERIFY_TOKEN": "verify-me",
    "YUME_OPERATOR_TOKEN": GOOD_SECRET,
    "YUME_SECRET_KEY": GOOD_SECRET,
    "YUME_BASE_URL": "https://yume.example.mx",
}


def test_an_empty_environment_is_the_embedded_development_default() -> None:
    settings = load_settings({})
    assert settings.environment == Environment.development
    assert settings.database_url == "sqlite+aiosqlite:///./yume.db"
    assert settings.meta_api_version == "v25.0"
    assert settings.meta_graph_url == "https://graph.facebook.com"
    assert settings.anthropic_api_key is None and settings.operator_token is None


def test_a_complete_production_environment_loads() -> None:
    settings = load_settings(PRODUCTION)
    assert settings.is_production
    assert settings.database_url == "postgresql+asyncpg://yume:pw@db.internal:5432/yume"
    assert settings.operator_token is not None and settings.operator_token.get_secret_value() == GOOD_SECRET


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = load_settings(PRODUCTION)
    assert GOOD_SECRET not in repr(settings) and "app-secret" not in repr(settings)


@pytest.mark.parametrize(
    "missing", ["DATABASE_URL", "META_APP_SECRET", "YUME_OPERATOR_TOKEN", "YUME_SECRET_KEY", "YUME_BASE_URL"]
)
def test_production_refuses_to_start_naming_a_missing_variable(missing: str) -> None:
    environment = {key: value for key, value in PRODUCTION.items() if key != missing}
    with pytest.raises(SettingsError) as error:
        load_settings(environment)
    assert f"{missing}: missing (required when YUME_ENV=production)" in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({"YUME_ENV": "production", "META_API_VERSION": "25"})
    message = str(error.value)
    assert message.startswith("Yume cannot start:")
    assert "META_API_VERSION: expected a Graph API version such as v25.0" in message
    with pytest.raises(SettingsError) as error:
        load_settings({"YUME_ENV": "production"})
    assert len(error.value.problems) == 7


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("DATABASE_URL", "mysql://x@y/z", "unsupported database"),
        ("DATABASE_URL", "sqlite:///./yume.db", "production runs on PostgreSQL"),
        ("YUME_OPERATOR_TOKEN", "short", "at least 32 characters"),
        ("YUME_SECRET_KEY", "short", "at least 32 characters"),
        ("YUME_BASE_URL", "yume.example.mx", "expected an http(s) URL"),
        ("YUME_BASE_URL", "http://yume.example.mx", "must be https in production"),
        ("META_APP_ID", "my-app", "all digits"),
        ("META_GRAPH_URL", "graph.facebook.com", "expected an http(s) URL"),
        ("YUME_ENV", "staging", "expected development or production"),
    ],
)
def test_production_refuses_a_malformed_variable_and_says_what_is_wrong(
    variable: str, value: str, complaint: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({**PRODUCTION, variable: value})
    assert any(problem.startswith(f"{variable}:") and complaint in problem for problem in error.value.problems), (
        error.value
    )


def test_development_still_refuses_malformed_values_but_not_missing_ones() -> None:
    with pytest.raises(SettingsError, match="META_API_VERSION"):
        load_settings({"META_API_VERSION": "latest"})
    assert load_settings({"META_APP_SECRET": ""}).meta_app_secret is None  # empty means unset


def test_env_example_documents_every_variable() -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    documented = {line.split("=", 1)[0].lstrip("# ").strip() for line in example.splitlines() if "=" in line}
    assert set(ENVIRONMENT_VARIABLES.values()) <= documented
