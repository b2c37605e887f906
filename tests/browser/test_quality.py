"""Quality inspection acceptance in Chromium: an inspector imports a conversation file through the
page, opens the conversation, sees the highlighted finding with its suggested standard wording,
overturns it with a reason and sees the score change; the weekly trend chart draws from the
locally served plotly.js under the site's CSP."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.support import BROWSER_TEST, CHROMIUM, SHOTS, login

pytestmark = BROWSER_TEST

CALL = {
    "id": "call-20261120-0042",
    "channel": "phone",
    "started_at": "2026-11-20T09:15:00+08:00",
    "agent": {"employee_no": "1024", "name": "王丽"},
    "customer": {"phone": "13800001234"},
    "segments": [
        {"speaker": "agent", "text": "早上好!工号1024为您服务,请问有什么可以帮您?"},
        {"speaker": "customer", "text": "我想把套餐改成包月的。"},
        {"speaker": "agent", "text": "不行就是不行,我帮您登记一下。"},
        {"speaker": "customer", "text": "好吧。"},
        {"speaker": "agent", "text": "请问您还有其他要补充的吗?"},
        {"speaker": "customer", "text": "没有了。"},
        {"speaker": "agent", "text": "感谢您的来电,再见!"},
    ],
}


@pytest.fixture
def people(transactional_db, config):  # noqa: ANN001, ARG001
    from kefu.accounts.models import Role, Team, User
    from kefu.quality.services import rulebook_invalidate

    rulebook_invalidate()
    hotline = Team.objects.create(code="hotline-1", name="热线一组", kind=Team.Kind.TEAM)
    User.objects.create_user(
        username="qc1",
        password="kefu2026",
        role=Role.INSPECTOR,
        employee_no="5001",
        display_name="质检小刘",
    )
    User.objects.create_user(
        username="agent1",
        password="kefu2026",
        role=Role.AGENT,
        employee_no="1024",
        team=hotline,
        display_name="王丽",
    )


def test_inspector_imports_a_call_and_overturns_a_finding(
    live_server, people, tmp_path, monkeypatch
):
    # Playwright's sync API runs an event loop in this thread; the checks below query the database
    # between page steps, never concurrently with it
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    from kefu.quality.models import Conversation, Finding

    SHOTS.mkdir(parents=True, exist_ok=True)
    upload = tmp_path / "calls-20261120.json"
    upload.write_text(json.dumps(CALL, ensure_ascii=False), encoding="utf-8")
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_context(
                locale="zh-CN", viewport={"width": 1400, "height": 1000}
            ).new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            # CSP refusals and script errors count; the 404 of /favicon.ico and the 400 of the
            # deliberately incomplete form below do not
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource")
                    else None
                ),
            )

            # 1. the inspector imports the file through the page
            login(page, base, "qc1")
            page.click("#nav-quality")
            page.click("#nav-import")
            expect(page).to_have_url(re.compile(r"/quality/import/"))
            page.set_input_files("#import-files", str(upload))
            page.click("#import-submit")
            expect(page.locator("#created-count")).to_have_text("1")
            expect(page.locator("#problem-count")).to_have_text("0")
            page.screenshot(path=str(SHOTS / "q1-import.png"), full_page=True)

            # 2. opens the conversation: the finding is highlighted in place, with its suggestion
            page.click(".imported-link")
            expect(page).to_have_url(re.compile(r"/quality/c/\d+/"))
            conv = Conversation.objects.get(external_id=CALL["id"])
            finding = Finding.objects.get(inspection=conv.latest_inspection)
            assert conv.agent is not None and conv.agent.username == "agent1"
            mark = page.locator("#seg-2 mark.q-hit")
            expect(mark).to_have_text("不行就是不行")
            expect(mark).to_have_class(re.compile(rf"q-hit-{finding.severity}"))
            assert finding.rule in (mark.get_attribute("title") or "")
            card = page.locator(f"#finding-{finding.pk}")
            expect(card).to_contain_text(finding.message)
            expect(card.locator(".suggestion")).to_contain_text(finding.suggestion)
            expect(card).to_contain_text("SCRIPT-9")
            score_before = f"{conv.score:g}"
            expect(page.locator("#score")).to_have_text(score_before)
            expect(page.locator("#verdict")).to_contain_text("不合格")
            page.screenshot(path=str(SHOTS / "q2-conversation.png"), full_page=True)

            # 3. an overturn without a reason is refused with the reason asked for
            card.locator(f"#overturn-{finding.pk}").click()
            expect(page.locator(f"#finding-{finding.pk}")).to_contain_text("撤销质检问题须填写理由")

            # 4. overturns it with a reason: the score changes and the reason is kept
            card = page.locator(f"#finding-{finding.pk}")
            card.locator("textarea").fill("客户所需业务确实无法办理,坐席随即登记,措辞可接受")
            card.locator(f"#overturn-{finding.pk}").click()
            expect(page.locator("#score")).to_contain_text("100")
            expect(page.locator("#original-score")).to_have_text(score_before)
            expect(page.locator("#verdict")).to_contain_text("合格")
            expect(page.locator(f"#finding-status-{finding.pk}")).to_have_text("已撤销")
            expect(page.locator("#seg-2 mark.q-hit")).to_have_class(re.compile("q-hit-overturned"))
            expect(page.locator(f"#finding-{finding.pk}")).to_contain_text("措辞可接受")
            expect(page.locator("#history")).to_contain_text("撤销问题")
            page.screenshot(path=str(SHOTS / "q3-overturned.png"), full_page=True)
            conv.refresh_from_db()
            assert conv.score == 100 and conv.verdict == "pass"

            # 5. the scorecard's weekly trend is drawn by the locally served plotly.js
            page.goto(f"{base}/quality/scorecards/?date_from=2026-11-01&date_to=2026-11-30")
            expect(page.locator("#scorecard-table")).to_contain_text("王丽")
            expect(page.locator("#quality-trend-chart .main-svg").first).to_be_visible()
            page.screenshot(path=str(SHOTS / "q4-scorecards.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
