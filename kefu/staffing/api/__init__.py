"""Staffing HTTP API: one router per area, mounted under /api/staffing/ by kefu/api.py."""

from __future__ import annotations

from ninja import Router

from .attendance import router as attendance_router
from .roster import router as roster_router

router = Router(tags=["排班 staffing"])
router.add_router("/attendance", attendance_router)
router.add_router("/rosters", roster_router)
