from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Customer
from .services import normalize_phone


def customer_search(query: str) -> QuerySet[Customer]:
    """By phone (exact or trailing digits), member number or name."""
    query = (query or "").strip()
    qs = Customer.objects.all()
    if not query:
        return qs.order_by("-id")
    digits = normalize_phone(query)
    if digits.isdigit() and len(digits) >= 4:
        if len(digits) >= 7:
            cond = Q(phone=digits) | Q(phone2=digits) | Q(member_no=query)
        else:
            cond = Q(phone__endswith=digits) | Q(phone2__endswith=digits) | Q(member_no=query)
        return qs.filter(cond).order_by("-id")
    return qs.filter(
        Q(name__icontains=query) | Q(member_no=query) | Q(organisation__icontains=query)
    ).order_by("-id")
