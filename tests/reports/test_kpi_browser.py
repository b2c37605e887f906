"""The KPI page in Chromium under the site's real CSP (script-src 'self'): plotly.js, served by
reports:plotly_js, draws both charts without eval or inline script."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_charts_render_under_csp_without_errors(
    live_server, transactional_db, client, mark, kpi_data
):  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    # everything that touches the ORM happens before Playwright starts its event loop
    client.force_login(mark)
    session = client.cookies["sessionid"].value
    url = f"{live_server.url}/reports/kpi/?date_from=2026-11-10&date_to=2026-11-12"

    errors: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.add_init_script(
                "window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on(
                "response",
                lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            response = page.goto(url)
            assert response is not None and response.status == 200
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_selector("#kpi-chart-daily .main-svg", timeout=20_000)
            page.wait_for_selector("#kpi-chart-fr .main-svg", timeout=20_000)
            assert page.is_visible("#kpi-charts")
            # 3 days x 3 stacked traces; 2 lines (p50, p90)
            assert page.locator("#kpi-chart-daily .bars path").count() == 9
            assert page.locator("#kpi-chart-fr .scatterlayer .trace").count() == 2
            violations = page.evaluate("window.__csp")
        finally:
            browser.close()
    assert violations == []
    assert [f for f in failed if "/reports/" in f] == []
    # other apps' assets that are not written yet may 404; nothing else may go wrong
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
