"""Conversations to inspect (`kefu.conversation/1`, CONTRACTS.md 1): the model and its parsers.

A conversation is a call, a chat, an email thread or a counter conversation: who spoke, what was
said (segments, in spoken or written order) and, for calls, the switch events (ring, answer, hold,
mute, transfer, hangup) with times in milliseconds from ``started_at``.

Parsers turn JSON (one object, an array or JSON Lines), SRT/WebVTT with speaker tags and CSV into
`Conversation` objects. A malformed conversation never stops a batch: it becomes a `ParseProblem`
naming the source, where (line or index), the field and the reason, and the others are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

Speaker = Literal["agent", "customer", "system"]
Channel = Literal["phone", "chat", "email", "walk_in"]
Line = Literal["normal", "vip", "secretary"]
Direction = Literal["inbound", "outbound"]
EventType = Literal[
    "ring",
    "answer",
    "hold_start",
    "hold_end",
    "mute_start",
    "mute_end",
    "transfer",
    "hangup",
]

SPEAKERS: tuple[str, ...] = get_args(Speaker)
CHANNELS: tuple[str, ...] = get_args(Channel)
LINES: tuple[str, ...] = get_args(Line)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
CUSTOMER_CLASSES: tuple[str, ...] = ("normal", "vip")
HANGUP_BY: tuple[str, ...] = ("agent", "customer")


@dataclass(frozen=True, slots=True)
class Segment:
    speaker: Speaker
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    at: datetime | None = None  # chat: the time the message was sent


@dataclass(frozen=True, slots=True)
class CallEvent:
    type: EventType
    at_ms: int
    by: str | None = None  # hangup: agent | customer
    to: str | None = None  # transfer: where to


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    channel: Channel
    segments: tuple[Segment, ...]
    line: Line = "normal"
    # Extension of kefu.conversation/1 (optional, default inbound): outbound calls have their
    # own opening (SCRIPT-2 "您好,请问是XX先生/小姐吗?…").
    direction: Direction = "inbound"
    started_at: datetime | None = None  # aware; the local wall-clock time decides greetings
    agent: dict[str, Any] = field(default_factory=dict)  # id, employee_no, name
    customer: dict[str, Any] = field(default_factory=dict)  # id, phone, class
    events: tuple[CallEvent, ...] = ()

    @property
    def customer_class(self) -> str:
        value = self.customer.get("class") if self.customer else None
        return value if value in CUSTOMER_CLASSES else "normal"

    @property
    def is_vip(self) -> bool:
        return self.line == "vip" or self.customer_class == "vip"


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Why one conversation (or a whole file) was rejected; every part is shown to the user."""

    source: str  # file name or "<upload>"
    where: str  # "第3行", "第2个对话", "segments[4]" …
    field: str  # the field at fault, "" for the file as a whole
    reason: str  # in Chinese

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field]
        return ":".join(p for p in parts if p) + f":{self.reason}"
