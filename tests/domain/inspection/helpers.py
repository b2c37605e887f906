"""Building conversations tersely for table-driven inspection tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.domain.conversation import CallEvent, Conversation, Segment
from kefu.domain.inspection import InspectionReport, default_rulebook, inspect

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning that is an ordinary working day.
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 15, tzinfo=SHANGHAI)
TUESDAY_AFTERNOON = datetime(2026, 11, 24, 15, 5, tzinfo=SHANGHAI)

GOOD_OPENING = "早上好!工号1024为您服务,请问有什么可以帮您?"
GOOD_CLOSING = "请问您还有其他要补充的吗?"


def conv(
    *turns: tuple[str, str] | tuple[str, str, int, int],
    channel: str = "phone",
    started_at: datetime | None = TUESDAY_MORNING,
    events: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Conversation:
    segments = []
    for turn in turns:
        speaker, text, *times = turn
        start, end = (times + [None, None])[:2] if times else (None, None)
        segments.append(Segment(speaker=speaker, text=text, start_ms=start, end_ms=end))  # type: ignore[arg-type]
    return Conversation(
        id=extra.pop("id", "test"),
        channel=channel,  # type: ignore[arg-type]
        segments=tuple(segments),
        started_at=started_at,
        events=tuple(CallEvent(**e) for e in (events or [])),
        **extra,
    )


def clean_call(*middle: tuple[str, str], **kw: Any) -> Conversation:
    """A well-behaved morning call with ``middle`` turns in the middle."""
    return conv(
        ("agent", GOOD_OPENING),
        *middle,
        ("agent", GOOD_CLOSING),
        ("customer", "没有了。"),
        ("agent", "感谢您的来电,再见!"),
        **kw,
    )


def rules_of(report: InspectionReport) -> set[str]:
    return {f.rule for f in report.findings}


def run(conversation: Conversation) -> InspectionReport:
    return inspect(conversation, default_rulebook())
