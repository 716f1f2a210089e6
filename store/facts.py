"""The business-facts version: a number on the organization that every change to its facts bumps.

Facts are what a conversation reads about a business every turn (`flows/core/business.py`): the
organization row, its location (hours), special days, services and staff, and each staff
member's own hours and services. Database triggers bump
`organization.facts_version` on any insert, update or delete of those rows — whoever makes the
change: the owner's chat, the admin API, a web page, a migration, psql — so a process that keeps
the facts in memory can tell with one indexed read whether they are still current, and two
processes never serve different hours or prices.
"""

from __future__ import annotations

import uuid

from sqlalchemy import DDL, bindparam, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from store.organizations import Organization

FACT_TABLES = ("location", "specialday", "servicetype", "staff")
# Rows that belong to a staff member (their own hours, the services they do): the organization is the staff's.
STAFF_FACT_TABLES = ("staffhours", "staffservice")

_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION yume_bump_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE organization SET facts_version = facts_version + 1 WHERE id = OLD.organization_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.organization_id IS DISTINCT FROM OLD.organization_id) THEN
            UPDATE organization SET facts_version = facts_version + 1 WHERE id = NEW.organization_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION yume_organization_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.facts_version = OLD.facts_version THEN
            NEW.facts_version := OLD.facts_version + 1;
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER IF EXISTS trg_organization_facts_version ON organization",
    """
    CREATE TRIGGER trg_organization_facts_version BEFORE UPDATE ON organization
    FOR EACH ROW EXECUTE FUNCTION yume_organization_facts_changed()
    """,
]
_POSTGRES.append(
    """
    CREATE OR REPLACE FUNCTION yume_bump_staff_facts_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE organization SET facts_version = facts_version + 1
            WHERE id = (SELECT organization_id FROM staff WHERE id = OLD.staff_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.staff_id IS DISTINCT FROM OLD.staff_id) THEN
            UPDATE organization SET facts_version = facts_version + 1
            WHERE id = (SELECT organization_id FROM staff WHERE id = NEW.staff_id);
        END IF;
        RETURN NULL;
    END $$
    """
)
for _table in STAFF_FACT_TABLES:
    _POSTGRES += [
        f"DROP TRIGGER IF EXISTS trg_{_table}_facts_version ON {_table}",
        f"""
        CREATE TRIGGER trg_{_table}_facts_version AFTER INSERT OR UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION yume_bump_staff_facts_version()
        """,
    ]
for _table in FACT_TABLES:
    _POSTGRES += [
        f"DROP TRIGGER IF EXISTS trg_{_table}_facts_version ON {_table}",
        f"""
        CREATE TRIGGER trg_{_table}_facts_version AFTER INSERT OR UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION yume_bump_facts_version()
        """,
    ]

# SQLite: the same, one trigger per operation (recursive triggers are off: the organization's own
# trigger does not fire itself, and a bump made by a fact table's trigger changes the version).
_SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS trg_organization_facts_version AFTER UPDATE ON organization
    WHEN NEW.facts_version = OLD.facts_version
    BEGIN UPDATE organization SET facts_version = OLD.facts_version + 1 WHERE id = NEW.id; END
    """,
]
for _table in FACT_TABLES:
    _SQLITE += [
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_insert AFTER INSERT ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1 WHERE id = NEW.organization_id; END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_update AFTER UPDATE ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1
              WHERE id IN (OLD.organization_id, NEW.organization_id); END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_delete AFTER DELETE ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1 WHERE id = OLD.organization_id; END
        """,
    ]


for _table in STAFF_FACT_TABLES:
    _SQLITE += [
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_insert AFTER INSERT ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1
              WHERE id = (SELECT organization_id FROM staff WHERE id = NEW.staff_id); END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_update AFTER UPDATE ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1
              WHERE id IN (SELECT organization_id FROM staff WHERE id IN (OLD.staff_id, NEW.staff_id)); END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS trg_{_table}_facts_delete AFTER DELETE ON {_table}
        BEGIN UPDATE organization SET facts_version = facts_version + 1
              WHERE id = (SELECT organization_id FROM staff WHERE id = OLD.staff_id); END
        """,
    ]


def trigger_statements(dialect: str) -> list[str]:
    """The DDL that keeps `organization.facts_version` current, for `dialect` (migrations use it too)."""
    return _POSTGRES if dialect == "postgresql" else _SQLITE


def drop_statements(dialect: str) -> list[str]:
    """The DDL that removes those triggers (a migration's downgrade)."""
    return staff_drop_statements(dialect) + _drop(dialect, FACT_TABLES) + (
        ["DROP FUNCTION IF EXISTS yume_bump_facts_version()", "DROP FUNCTION IF EXISTS yume_organization_facts_changed()"]
        if dialect == "postgresql"
        else []
    )


def staff_drop_statements(dialect: str) -> list[str]:
    """The DDL that removes the triggers of the staff members' own rows (hours, services)."""
    functions = ["DROP FUNCTION IF EXISTS yume_bump_staff_facts_version()"] if dialect == "postgresql" else []
    return _drop(dialect, STAFF_FACT_TABLES, organization=False) + functions


def _drop(dialect: str, tables: tuple[str, ...], organization: bool = True) -> list[str]:
    if dialect == "postgresql":
        owned = ("organization", *tables) if organization else tables
        return [f"DROP TRIGGER IF EXISTS trg_{table}_facts_version ON {table}" for table in owned]
    names = (["trg_organization_facts_version"] if organization else []) + [
        f"trg_{table}_facts_{what}" for table in tables for what in ("insert", "update", "delete")
    ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


@event.listens_for(SQLModel.metadata, "after_create")
def _create_triggers(_target: object, connection: Connection, **_kwargs: object) -> None:
    # create_all (tests, throwaway databases) gets the same triggers as the migrations.
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(DDL(statement))


async def facts_version(session: AsyncSession, organization_id: uuid.UUID) -> int | None:
    """The organization's facts version (None when there is no such organization)."""
    found = await session.execute(_FACTS_VERSION, {"organization_id": organization_id})
    return found.scalar_one_or_none()


_FACTS_VERSION = select(Organization.facts_version).where(Organization.id == bindparam("organization_id"))  # built once: read every turn
