"""Headless Chromium for the page tests: one browser per test session, a fresh phone-sized tab per test.

The browser is Debian's `chromium` (/usr/bin/chromium; YUME_CHROMIUM to point elsewhere), started
once with the flags a closed network needs (without them it hangs on connections it cannot
make), and driven through Playwright over CDP (Playwright never downloads a browser here). Each
test gets its own context: a 390×844 touch phone in es-MX, in which every request that is not to
the test server on loopback is refused, so nothing waits on the internet. Without a browser the
tests are skipped with the reason, unless YUME_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("YUME_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("YUME_REQUIRE_BROWSER") == "1"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
PHONE = {"width": 390, "height": 844}
START_TIMEOUT_S = 30.0


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"YUME_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_endpoint() -> Iterator[str]:
    """The CDP address of the session's one headless Chromium."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium; YUME_CHROMIUM to point elsewhere)")
    profile = tempfile.mkdtemp(prefix="yume-chromium-")
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: nothing it signals reaches the test worker
    )
    try:
        port_file = Path(profile, "DevToolsActivePort")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                _unavailable(f"{CHROMIUM} did not start (exit code {process.poll()})")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().split()[0]}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
async def phone(chromium_endpoint: str) -> AsyncIterator[object]:
    """A new tab in a phone-sized, touch, es-MX browser context; only loopback is reachable."""
    from playwright.async_api import Route, async_playwright

    async def loopback_only(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            await route.abort("internetdisconnected")

    async with async_playwright() as driver:
        browser = await driver.chromium.connect_over_cdp(chromium_endpoint)
        context = await browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="es-MX"
        )
        context.set_default_timeout(10_000)
        await context.route("**/*", loopback_only)
        page = await context.new_page()
        try:
            yield page
        finally:
            await context.close()


from tests.whatsapp.conftest import fake_graph  # noqa: E402,F401 - the fake Graph API, for the signup page
