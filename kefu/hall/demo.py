"""Demo service hall: one hall with 4 counters, counter staff signed in, a floor walker, and a
morning's queue (some served, some waiting) created through the services."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Role, User

from . import services
from .models import BusinessType, Counter, CounterBusiness, Hall
from .seed import seed_hall

PASSWORD = "kefu2026"

STAFF = [
    # username, role, employee no, name
    ("counter1", Role.COUNTER, "6001", "陈晓"),
    ("counter2", Role.COUNTER, "6002", "林静"),
    ("counter3", Role.COUNTER, "6003", "黄磊"),
    ("counter4", Role.COUNTER, "6004", "许婷"),
    ("walker1", Role.FLOOR_WALKER, "6101", "周敏"),
]

# counter number -> business codes in priority order
COUNTERS = {
    1: ["A01", "A03", "A06", "A09", "A10", "A11", "A13", "A16", "A17", "A02"],
    2: ["A02", "A04", "A05", "A07", "A08", "A12", "A14", "A15", "A01"],
    3: ["B01", "B03", "B06", "B09", "B10", "B02", "B04", "B05", "B07", "B08"],
    4: ["A16", "B09", "A02", "B02", "A05", "B08"],
}


def _user(username: str, role: str, no: str, name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=PASSWORD, role=role, employee_no=no, display_name=name
        )
    return user


@transaction.atomic
def demo_hall_load(*, customers: int = 24) -> Hall:
    """Creates (once) 人民路营业厅 with its counters and staff and a queue; returns the hall."""
    seed_hall()
    hall = Hall.objects.filter(name="人民路营业厅").first()
    if hall is not None:
        return hall
    hall = Hall.objects.create(
        name="人民路营业厅",
        address="人民路 88 号",
        opening_hours={str(d): [["08:30", "20:00"]] for d in range(7)},
    )
    staff = [_user(*row) for row in STAFF]
    codes = {b.code: b for b in BusinessType.objects.all()}
    counters = []
    for number, business_codes in COUNTERS.items():
        c = Counter.objects.create(hall=hall, number=number)
        for priority, code in enumerate(business_codes):
            CounterBusiness.objects.create(counter=c, business=codes[code], priority=priority)
        counters.append(c)
    for c, person in zip(counters, staff[:4], strict=True):
        services.counter_sign_in(counter=c, by=person)
    if not services.hall_is_open(hall, timezone.now()):
        # outside the demo hall's hours: open it all day so the queue below can be taken
        hall.opening_hours = {str(d): [["00:00", "24:00"]] for d in range(7)}
        hall.save(update_fields=["opening_hours"])
    mix = ["A02", "A02", "B02", "A01", "A05", "B04", "A16", "A08", "B01", "A02", "B02", "A15"]
    for i in range(customers):
        services.number_take(hall=hall, business=codes[mix[i % len(mix)]], vip=i % 9 == 4)
    # the first few are served, one is at each counter now
    for c, person in zip(counters, staff[:4], strict=True):
        for _round in range(2):
            n = services.number_call_next(counter=c, by=person)
            if n is None:
                break
            services.number_start(number=n, by=person)
            services.number_finish(number=n, by=person)
        services.number_call_next(counter=c, by=person)
    return hall
