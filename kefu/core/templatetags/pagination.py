"""`{% page_link param number %}`: the current URL's query with one page parameter replaced.

Django 5.2's `{% querystring %}` takes the parameter name only as a literal keyword, so one
pagination partial could not serve pages that paginate under `page`, `cb_page` or `std_page`.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_link(context: dict[str, Any], param: str, number: int) -> str:
    query = context["request"].GET.copy()
    query[param or "page"] = str(number)
    return "?" + query.urlencode()
