"""The owner's conversation: everything staff do, plus the team, hours, closures, services and stats."""
