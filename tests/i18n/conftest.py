"""The service-hall fixtures (tests/hall/conftest.py) for the hall's English pages: a hall open
round the clock with the seeded catalogue, its counters and the people working them."""

from tests.hall.conftest import (  # noqa: F401
    clerk,
    counter1,
    counter2,
    hall,
    open1,
    pay,
    walker,
)
