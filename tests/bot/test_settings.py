"""Settings: read from the environment, refused at start-up with a message naming the variable."""

from __future__ import annotations

import re
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


ROOT = Path(__file__).resolve().parents[2]


def _env_example_variables() -> set[str]:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    return {line.split("=", 1)[0].strip() for line in example.splitlines() if re.match(r"^[A-Z][A-Z0-9_]*=", line)}


def _readme_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_env_example_lists_exactly_the_settings_variables() -> None:
    assert _env_example_variables() == set(ENVIRONMENT_VARIABLES.values())


def test_readme_configuration_table_lists_exactly_the_settings_variables() -> None:
    assert _readme_variables() == set(ENVIRONMENT_VARIABLES.values())


def test_every_settings_field_is_read_from_its_variable() -> None:
    """A field without a variable would be a setting nobody can set (max_request_bytes is the tests' knob)."""
    from bot.settings import Settings

    assert set(ENVIRONMENT_VARIABLES) == set(Settings.model_fields) - {"max_request_bytes"}
    values = {"YUME_NLU_TIMEOUT_S": "2.5", "YUME_JOBS_INTERVAL_SECONDS": "0", "YUME_LOG_FORMAT": "json",
              "YUME_LOG_LEVEL": "debug", "YUME_NLU_MODEL": "m", "META_SIGNUP_CONFIG_ID": "cfg"}
    settings = load_settings(values)
    assert (settings.nlu_timeout_s, settings.jobs_interval_seconds, settings.nlu_model) == (2.5, 0, "m")
    assert settings.logs_as_json and settings.log_level == "DEBUG" and settings.meta_signup_config_id == "cfg"


def test_direct_construction_never_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-a-developer-shell")
    monkeypatch.setenv("YUME_NLU_TIMEOUT_S", "1.5")
    assert Settings().anthropic_api_key is None  # tests build settings explicitly
    assert load_settings().nlu_timeout_s == 1.5  # load_settings() reads the process environment


def test_logs_are_json_in_production_and_readable_in_development() -> None:
    assert load_settings(PRODUCTION).logs_as_json
    assert not load_settings({}).logs_as_json
    assert not load_settings({**PRODUCTION, "YUME_LOG_FORMAT": "text"}).logs_as_json
    with pytest.raises(SettingsError, match="YUME_LOG_FORMAT: expected json or text"):
        load_settings({"YUME_LOG_FORMAT": "xml"})


def test_commands_that_only_need_the_database_skip_the_production_checks() -> None:
    settings = load_settings({"YUME_ENV": "production", "DATABASE_URL": "postgres://u@h/db"}, production_checks=False)
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    with pytest.raises(SettingsError, match="YUME_NLU_TIMEOUT_S"):
        load_settings({"YUME_NLU_TIMEOUT_S": "soon"}, production_checks=False)


def test_serve_hands_the_nlu_timeout_to_claude() -> None:
    """`yume serve` used to drop YUME_NLU_TIMEOUT_S: Claude kept its 6 s default whatever the setting said."""
    from bot.app import create_app
    from bot.whatsapp.channel import CHANNEL
    from nlu.claude import ClaudeEngine

    app = create_app(load_settings({"ANTHROPIC_API_KEY": "sk-ant-test", "YUME_NLU_TIMEOUT_S": "2.5",
                                    "YUME_JOBS_INTERVAL_SECONDS": "0"}))
    understander = app[CHANNEL]._engine.understander  # type: ignore[union-attr]
    claude = getattr(understander, "inner", understander)  # metrics wrap the understander
    assert isinstance(claude, ClaudeEngine) and claude.timeout_s == 2.5
