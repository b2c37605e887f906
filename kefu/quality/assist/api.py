"""Agent assist over HTTP: check a draft reply, ask for the opening of a moment.

``POST /api/assist/check`` {"text", "channel"} -> {"findings": [...], "ok": bool}
``GET /api/assist/opening?line=normal|vip&at=ISO`` -> {"text", "reason", "standards", "line", "at"}

Authentication as the other routers (token or session with CSRF); see docs/assist.md.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from kefu.accounts.api_auth import api_user, local_iso, parse_instant

from . import selectors

router = Router(tags=["坐席辅助 assist"])

DraftChannel = Literal["chat", "email", "phone", "walk_in"]


class DraftIn(Schema):
    text: str = Field(
        ..., max_length=selectors.MAX_DRAFT_CHARS, description="回复草稿(最多 10000 字)"
    )
    channel: DraftChannel = Field("chat", description="渠道:chat / email / phone / walk_in")


class DraftOut(Schema):
    findings: list[dict[str, Any]] = Field(
        ..., description="发现的忌语/不当用语,格式同质检报告的 finding(segment 恒为 0)"
    )
    ok: bool = Field(..., description="未发现任何问题时为 true")


class OpeningOut(Schema):
    text: str
    reason: str
    standards: list[str]
    line: str
    at: str


@router.post("/check", response=DraftOut, summary="检查回复草稿中的服务忌语")
def check_draft(request: HttpRequest, payload: DraftIn) -> dict[str, Any]:
    findings = selectors.draft_findings(text=payload.text, channel=payload.channel)
    return {"findings": [f.to_json() for f in findings], "ok": not findings}


@router.get("/opening", response=OpeningOut, summary="此刻应使用的开场白")
def opening(
    request: HttpRequest,
    line: Literal["normal", "vip"] | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    when = parse_instant(at, "at") or timezone.now()
    chosen = line or selectors.agent_line(api_user(request))
    o = selectors.opening_now(at=when, line=chosen)
    return {
        "text": o.text,
        "reason": o.reason,
        "standards": list(o.standards),
        "line": o.line,
        "at": local_iso(o.at),
    }
