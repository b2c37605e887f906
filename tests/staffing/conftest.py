"""Fixtures shared by the staffing tests: the seeded units, posts and patterns (mall and hotline)."""

from __future__ import annotations

import pytest


@pytest.fixture
def staffing_seed(db):  # noqa: ANN001
    from kefu.staffing.seed import seed_staffing

    seed_staffing()
