"""What the aiohttp app holds, as typed keys: settings, the database and the clock."""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings
from scheduler.clock import Clock
from store.database import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CLOCK = web.AppKey("clock", Clock)
