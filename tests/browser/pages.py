"""What every page must be on a phone, checked in the browser; and the fakes Meta's side needs."""

from __future__ import annotations

from typing import Any

FAKE_SDK = """
window.__fb = { init: null, login: null };
window.FB = {
  init: function (options) { window.__fb.init = options; },
  login: function (callback, options) {
    window.__fb.login = options;
    // Meta's popup, as an iframe from facebook.com: it reports the account, then the login the code.
    const frame = document.createElement("iframe");
    frame.src = "https://www.facebook.com/yume-test/embedded-signup";
    frame.onload = function () {
      setTimeout(function () { callback({ authResponse: { code: "AQD-signup-code" } }); }, 50);
    };
    document.body.appendChild(frame);
  }
};
setTimeout(function () { window.fbAsyncInit(); }, 0);
"""

FAKE_POPUP = """<!doctype html><script>
parent.postMessage(JSON.stringify({
  type: "WA_EMBEDDED_SIGNUP",
  event: "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
  data: { waba_id: "102290129340398" }
}), "*");
</script>"""

SDK_URL = "https://connect.facebook.net/es_LA/sdk.js"


async def assert_fits_a_phone(page: Any) -> None:
    """A viewport tag, nothing wider than the screen, text at a readable size, our stylesheet applied."""
    facts = await page.evaluate(
        """() => ({
            viewport: document.querySelector('meta[name="viewport"]')?.content ?? null,
            lang: document.documentElement.lang,
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            fontSize: parseFloat(getComputedStyle(document.body).fontSize),
            background: getComputedStyle(document.body).backgroundColor,
            stylesheets: [...document.styleSheets].map(sheet => sheet.href),
        })"""
    )
    assert facts["viewport"] and "width=device-width" in facts["viewport"], facts
    assert facts["lang"] == "es-MX", facts
    assert facts["scrollWidth"] <= facts["innerWidth"], f"the page is wider than the phone: {facts}"
    assert facts["fontSize"] >= 16, facts
    assert any(href and href.endswith("/assets/yume.css") for href in facts["stylesheets"]), facts
    assert facts["background"] == "rgb(245, 247, 250)", f"the stylesheet did not load: {facts}"


async def button_look(page: Any, selector: str) -> dict[str, Any]:
    """How a button looks and behaves to a person: enabled?, its cursor, its background."""
    return await page.eval_on_selector(
        selector,
        """element => ({
            disabled: element.disabled,
            cursor: getComputedStyle(element).cursor,
            background: getComputedStyle(element).backgroundColor,
            visible: !element.hidden && element.offsetParent !== null,
        })""",
    )
