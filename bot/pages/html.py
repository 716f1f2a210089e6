"""The app's web pages, rendered on the server: one layout, one stylesheet, Spanish, phone first.

Every page (Embedded Signup, the week agenda, and every error either shows) extends
`templates/base.html`: a viewport tag, `lang="es-MX"`, and `/assets/yume.css`, served by the app
itself (no CDN, no build step). Jinja2 autoescapes everything a business or a customer typed.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import jinja2
from aiohttp import web

STYLESHEET_PATH = "/assets/yume.css"
_STYLESHEET_ADDED = web.AppKey("pages_stylesheet_added", bool)

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("bot", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string on the page
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["stylesheet"] = STYLESHEET_PATH

# Pages carry secrets in their URLs (link tokens): never cached, and other sites get at most our
# origin as the Referer, never the path with the token.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}


def render(template: str, **context: Any) -> str:
    """A template of `bot/templates/` rendered with `context`."""
    return _environment.get_template(template).render(**context)


def page(template: str, *, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> web.Response:
    """An HTML response from a template, with the private-page headers."""
    return web.Response(
        status=status,
        text=render(template, **context),
        content_type="text/html",
        charset="utf-8",
        headers={**PRIVATE_HEADERS, **(headers or {})},
    )


def message_page(status: int, title: str, text: str, *, hint: str | None = None, tone: str = "problem") -> web.Response:
    """A page that only says something (a link that no longer works, a setting missing, a success)."""
    return page("message.html", status=status, title=title, text=text, hint=hint, tone=tone)


def add_stylesheet(app: web.Application) -> None:
    """Serve the one stylesheet at STYLESHEET_PATH (once per app, whichever feature asks first)."""
    if app.get(_STYLESHEET_ADDED):
        return
    app[_STYLESHEET_ADDED] = True
    css = files("bot").joinpath("static/yume.css").read_bytes()

    async def stylesheet(request: web.Request) -> web.Response:
        return web.Response(
            body=css, content_type="text/css", charset="utf-8", headers={"Cache-Control": "public, max-age=3600"}
        )

    app.router.add_get(STYLESHEET_PATH, stylesheet, name="stylesheet")
