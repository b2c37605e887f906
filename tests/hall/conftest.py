"""Fixtures for the service-hall tests: a hall open round the clock (the opening-hours test sets
its own), the seeded catalogue (data migration), two counters and the people working them."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Role, User
from kefu.hall.models import BusinessType, Counter, CounterBusiness, Hall

ALL_DAY = {str(d): [["00:00", "24:00"]] for d in range(7)}


def make_user(username: str, role: str, employee_no: str, name: str) -> User:
    return User.objects.create_user(
        username=username,
        password="kefu-pass-123",
        role=role,
        employee_no=employee_no,
        display_name=name,
    )


def make_counter(hall: Hall, number: int, codes: list[str]) -> Counter:
    counter = Counter.objects.create(hall=hall, number=number)
    for priority, code in enumerate(codes):
        CounterBusiness.objects.create(
            counter=counter, business=BusinessType.objects.get(code=code), priority=priority
        )
    return counter


@pytest.fixture
def hall(db) -> Hall:  # noqa: ANN001
    from kefu.hall.seed import seed_hall

    seed_hall()  # the data migration's rows are gone after a transactional test flushed them
    return Hall.objects.create(name="人民路营业厅", opening_hours=ALL_DAY, recall_limit=2)


@pytest.fixture
def pay(hall: Hall) -> BusinessType:
    return BusinessType.objects.get(code="A02")  # 缴费, self-service can do it


@pytest.fixture
def new_account(hall: Hall) -> BusinessType:
    return BusinessType.objects.get(code="A01")


@pytest.fixture
def topup(hall: Hall) -> BusinessType:
    return BusinessType.objects.get(code="B02")


@pytest.fixture
def clerk(db) -> User:  # noqa: ANN001
    return make_user("clerk1", Role.COUNTER, "7001", "陈前台")


@pytest.fixture
def clerk2(db) -> User:  # noqa: ANN001
    return make_user("clerk2", Role.COUNTER, "7002", "林前台")


@pytest.fixture
def walker(db) -> User:  # noqa: ANN001
    return make_user("walker", Role.FLOOR_WALKER, "7101", "周流动")


@pytest.fixture
def counter1(hall: Hall) -> Counter:
    return make_counter(hall, 1, ["A01", "A02", "B02"])


@pytest.fixture
def counter2(hall: Hall) -> Counter:
    return make_counter(hall, 2, ["B02", "A02"])


@pytest.fixture
def open1(counter1: Counter, clerk: User) -> Counter:
    from kefu.hall.services import counter_sign_in

    return counter_sign_in(counter=counter1, by=clerk)
