"""One pagination partial for every list, whatever the page parameter is called."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_page_links_keep_the_filters_and_replace_only_their_own_parameter() -> None:
    request = RequestFactory().get("/x/", {"q": "话费", "page": "2", "cb_page": "2"})
    page = Paginator(list(range(100)), 10).get_page(2)
    html = render_to_string(
        "core/_pagination.html", {"page": page, "param": "cb_page", "request": request}
    )
    assert "cb_page=3" in html and "cb_page=1" in html and "cb_page=10" in html
    assert "page=2" in html  # the other list's page is kept
    assert "q=%E8%AF%9D%E8%B4%B9" in html


def test_default_parameter_is_page_and_a_single_page_shows_only_the_count() -> None:
    request = RequestFactory().get("/x/")
    many = Paginator(list(range(30)), 10).get_page(1)
    assert "?page=2" in render_to_string(
        "core/_pagination.html", {"page": many, "request": request}
    )
    one = Paginator([1, 2], 10).get_page(1)
    html = render_to_string("core/_pagination.html", {"page": one, "request": request})
    assert "rel=" not in html and "2" in html
