"""The app's web pages: the week agenda a staff member opens from WhatsApp, and their shared layout.

The Embedded Signup page (`bot/whatsapp/signup.py`) uses the same layout and stylesheet.
"""

from __future__ import annotations

from aiohttp import web

from bot.pages.agenda import add_agenda_routes
from bot.pages.html import add_stylesheet


def register(app: web.Application) -> None:
    """The app feature (`bot/app.py` FEATURES): the stylesheet and the week agenda."""
    add_stylesheet(app)
    add_agenda_routes(app)
