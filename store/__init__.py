"""What Yume remembers: SQLModel tables, database sessions, migrations and phone identity."""
