"""Running Alembic migrations from code (`yume db upgrade`, `yume serve`, tests)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at Yume's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def head_revision() -> str | None:
    """The newest revision in the migrations folder (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@cache
def known_revisions() -> frozenset[str]:
    """Every revision in the migrations folder (a database at another one is newer than this code)."""
    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def stamp_head(connection: Connection) -> None:
    """Record the newest revision on a schema created straight from the models (they are the head)."""
    connection.execute(
        text(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head_revision()})


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Bring the database behind `engine` to the newest schema."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Serializes concurrent upgrades from several processes starting at once.
            await connection.execute(text("SELECT pg_advisory_xact_lock(724190001)"))
        await connection.run_sync(_upgrade, alembic_config())


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def autogenerate_revision(engine: AsyncEngine, message: str) -> None:
    """Write a new migration with the difference between the models and a database at head."""
    await upgrade_to_head(engine)
    async with engine.begin() as connection:
        await connection.run_sync(_revision, alembic_config(), message)


def _revision(connection: Connection, config: Config, message: str) -> None:
    config.attributes["connection"] = connection
    command.revision(config, message=message, autogenerate=True)
