"""What the browser tests share: where Chromium is, the markers, logging in, and pages that
collect JavaScript errors (a test ends with ``assert errors == []``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("KEFU_SHOTS", "/tmp/kefu-acceptance"))

BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def login(page: Any, base: str, username: str, password: str = "kefu2026") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_load_state()


def page_maker(
    browser: Any, errors: list[str], *, width: int = 1300, height: int = 900
) -> Callable[[], Any]:
    """A function opening a fresh page (own cookies) in Chinese that records page errors and
    console errors other than failed resource loads into ``errors``."""

    def new_page() -> Any:
        page = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": height}
        ).new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        return page

    return new_page
