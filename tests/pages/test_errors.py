"""403/404 pages, and the Content-Security-Policy rules every page keeps (no inline script)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""href\s*=\s*["']\s*javascript:""", re.I)


def test_an_unknown_ticket_is_a_404_page(as_alice: Client) -> None:
    r = as_alice.get("/tickets/KF19990101-9999/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "找不到工单 KF19990101-9999" in html
    assert "返回工作台" in html


def test_a_refused_page_is_a_403_with_the_reason(as_alice: Client) -> None:
    r = as_alice.get("/tickets/team/")
    assert r.status_code == 403
    assert "您的角色无权执行此操作:查看班组看板" in r.content.decode()


def test_pages_carry_no_inline_script(
    as_lena: Client, ticket: Any, customer: Customer, client: Client
) -> None:
    urls = [
        "/tickets/workbench/",
        "/tickets/",
        "/tickets/callbacks/",
        "/tickets/team/",
        f"/tickets/{ticket.number}/",
        "/tickets/new/?phone=13812345678",
        f"/tickets/new/?customer={customer.pk}",
        "/customers/",
        f"/customers/{customer.pk}/",
        "/customers/new/",
        f"/customers/{customer.pk}/edit/",
        "/notifications/",
    ]
    for url in urls:
        r = as_lena.get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert not JS_URL.search(html), url
        assert "script-src 'self'" in r["Content-Security-Policy"]
        # no CDN: every script and stylesheet is served by the site itself
        for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert src.startswith("/"), (url, src)
    r = client.get("/accounts/login/")
    assert not INLINE_SCRIPT.search(r.content.decode())


def test_the_500_page_renders_without_a_request_or_context() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统出错了" in html and "kefu/kefu.css" in html
    assert not INLINE_SCRIPT.search(html)
