"""Reads for agent assist: the rulebook in force, the phrase library, the opening for this moment,
the findings of a draft. No writes, nothing stored: a draft is checked and forgotten."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core.calendars import calendar_get
from kefu.domain.inspection import draft_check, expected_opening
from kefu.domain.inspection.normalize import normalise_phrase

if TYPE_CHECKING:
    from kefu.accounts.models import User
    from kefu.domain.inspection import CompiledRulebook
    from kefu.domain.inspection.report import Finding

# The channels a draft can be written for (the engine skips rules that do not apply to it).
DRAFT_CHANNELS: tuple[tuple[str, Any], ...] = (
    ("chat", _("在线客服")),
    ("email", _("邮件")),
    ("phone", _("电话")),
    ("walk_in", _("现场")),
)
DRAFT_CHANNEL_IDS = tuple(c for c, _label in DRAFT_CHANNELS)
# A work order's channel -> the channel its written reply is checked for.
TICKET_CHANNEL_TO_DRAFT = {
    "phone": "phone",
    "chat": "chat",
    "social": "chat",
    "email": "email",
    "letter": "email",
    "comment_card": "email",
    "walk_in": "walk_in",
}
MAX_DRAFT_CHARS = 10_000
LINES = ("normal", "vip")
FORBIDDEN_STANDARD = "SCRIPT-9"
# how often the workbench's opening box asks again (the time-of-day opening changes at noon, the
# holiday ones at midnight: a few minutes late is harmless)
OPENING_REFRESH_SECONDS = 180


def assist_rulebook() -> CompiledRulebook:
    """The site rulebook, as the quality app loads and caches it."""
    from kefu.quality.services import rulebook_get

    return rulebook_get()  # type: ignore[no-any-return]


# --- search normalisation -----------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Text as the engine matches it: simplified, half-width, lower case, no spaces/punctuation."""
    return normalise_phrase(str(text))


# --- phrase library -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LibraryScenario:
    id: str
    title: str
    standards: tuple[str, ...]
    correct: tuple[str, ...]
    wrong: tuple[str, ...]
    note: str = ""
    customer: str = ""  # what the customer says or does that calls for this response


@dataclass(frozen=True, slots=True)
class ForbiddenCategory:
    """One category of SCRIPT-9 (服务忌语): its phrases and what to say instead."""

    id: str
    title: str
    standards: tuple[str, ...]
    phrases: tuple[str, ...]
    alternatives: tuple[str, ...]
    message: str = ""
    note: str = ""


@dataclass(slots=True)
class PhraseLibrary:
    q: str
    scenarios: list[LibraryScenario] = field(default_factory=list)
    forbidden: list[ForbiddenCategory] = field(default_factory=list)
    scenario_total: int = 0
    forbidden_total: int = 0

    @property
    def empty(self) -> bool:
        return not self.scenarios and not self.forbidden


def _is_forbidden(standards: tuple[str, ...]) -> bool:
    return FORBIDDEN_STANDARD in standards


def _phrases_of(rule: Any) -> list[str]:
    """The phrases a rule flags, as written in the rulebook; whole-clause ones say so."""
    return [
        gettext("%(p)s(单独成句时)") % {"p": phrase} if whole else phrase
        for phrase, whole in rule.phrases
    ]


def _forbidden_categories(rb: CompiledRulebook) -> list[ForbiddenCategory]:
    """SCRIPT-9's categories: the rules that enforce SCRIPT-9, each with its forbidden phrases,
    its message and its standard wording."""
    return [
        ForbiddenCategory(
            id=r.id,
            title=r.title,
            standards=tuple(r.standards),
            phrases=tuple(_phrases_of(r)),
            alternatives=(r.suggestion,) if r.suggestion else (),
            message=r.message,
            note=r.note or "",
        )
        for r in rb.rules
        if _is_forbidden(tuple(r.standards))
    ]


def _matches(needle: str, texts: list[str]) -> bool:
    return any(needle in _normalise(t) or needle.lower() in t.lower() for t in texts)


def phrase_library(rb: CompiledRulebook, *, q: str = "") -> PhraseLibrary:
    """The scenarios (SCRIPT-7 and the rest) and the forbidden categories of SCRIPT-9, filtered by
    ``q`` over ids, titles, STANDARDS ids and phrases; traditional characters, full-width forms,
    spaces and punctuation in ``q`` do not matter."""
    q = (q or "").strip()
    needle = _normalise(q) if q else ""
    scenarios = [
        LibraryScenario(
            id=s.id,
            title=s.title,
            standards=tuple(s.standards),
            correct=tuple(s.correct),
            wrong=tuple(s.wrong),
            note=s.note or "",
            customer=getattr(s, "customer", "") or "",
        )
        for s in rb.scenarios
    ]
    forbidden = _forbidden_categories(rb)
    library = PhraseLibrary(q=q, scenario_total=len(scenarios), forbidden_total=len(forbidden))
    if not q:
        library.scenarios, library.forbidden = scenarios, forbidden
        return library
    if not needle:  # only punctuation or spaces: nothing to look for
        needle = q
    library.scenarios = [
        s
        for s in scenarios
        if _matches(needle, [s.id, s.title, *s.standards, *s.correct, *s.wrong, s.note, s.customer])
    ]
    library.forbidden = [
        c
        for c in forbidden
        if _matches(
            needle, [c.id, c.title, *c.standards, *c.phrases, *c.alternatives, c.message, c.note]
        )
    ]
    return library


# --- the opening for this moment ----------------------------------------------------------------


def agent_line(user: User | None) -> str:
    """ "vip" when the agent's team is the VIP line (贵宾专线), else "normal".

    Teams have no line field; a team is the VIP line when its code contains "vip" or its name
    contains "贵宾" (e.g. code ``vip-line``, name ``贵宾专线组``).
    """
    team = getattr(user, "team", None) if user is not None else None
    if team is None:
        return "normal"
    if "vip" in (team.code or "").lower() or "贵宾" in (team.name or ""):
        return "vip"
    return "normal"


@dataclass(frozen=True, slots=True)
class OpeningNow:
    text: str
    reason: str
    standards: tuple[str, ...]
    line: str
    at: datetime

    @property
    def refresh_seconds(self) -> int:
        return OPENING_REFRESH_SECONDS


def _opening_reason(opening: Any) -> str:
    """Why this opening, in the user's language."""
    labels = {
        "outbound": gettext("外呼"),
        "vip": gettext("贵宾专线"),
        "morning": gettext("上午"),
        "afternoon": gettext("下午和晚上"),
        "unknown": gettext("时间不明"),
    }
    if opening.occasion == "holiday":
        return gettext("%(holiday)s期间") % {"holiday": opening.holiday}
    return labels.get(opening.occasion, opening.reason)


def opening_now(*, at: datetime, line: str = "normal") -> OpeningNow:
    """The opening to say at ``at`` on ``line`` (SCRIPT-1/3/5), with the working calendar's
    holidays (春节 and 中秋 follow the lunar calendar)."""
    rb = assist_rulebook()
    opening = expected_opening(rb, at=at, line=line, calendar=calendar_get("working_days"))
    return OpeningNow(
        text=opening.text,
        reason=_opening_reason(opening),
        standards=tuple(opening.standards),
        line=line,
        at=at,
    )


def opening_for_user(user: User, *, at: datetime) -> OpeningNow:
    """The opening for this agent right now (the workbench box)."""
    return opening_now(at=at, line=agent_line(user))


# --- draft checking -----------------------------------------------------------------------------


def draft_channel(channel: str | None) -> str:
    """A work order's channel (or a draft channel) -> the draft channel it is checked for."""
    return TICKET_CHANNEL_TO_DRAFT.get(channel or "", "chat")


def draft_findings(*, text: str, channel: str = "chat") -> list[Finding]:
    """Forbidden and wrong phrases in a draft, in the order they appear."""
    if not text.strip():
        return []
    findings = draft_check(text, assist_rulebook(), channel=channel)
    return sorted(findings, key=lambda f: (f.span or (0, 0))[0])


@dataclass(frozen=True, slots=True)
class DraftPiece:
    """A run of the draft: plain text, or the evidence of findings (to highlight in place)."""

    text: str
    findings: tuple[Finding, ...] = ()


def draft_pieces(text: str, findings: list[Finding]) -> list[DraftPiece]:
    """The draft cut into plain runs and highlighted runs (overlapping spans are merged)."""
    spans = sorted(
        (
            (f.span[0], f.span[1], f)
            for f in findings
            if f.span is not None and 0 <= f.span[0] < f.span[1] <= len(text)
        ),
        key=lambda item: (item[0], item[1]),
    )
    merged: list[tuple[int, int, list[Finding]]] = []
    for start, end, f in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), [*last[2], f])
        else:
            merged.append((start, end, [f]))
    pieces: list[DraftPiece] = []
    at = 0
    for start, end, group in merged:
        if start > at:
            pieces.append(DraftPiece(text[at:start]))
        pieces.append(DraftPiece(text[start:end], tuple(group)))
        at = end
    if at < len(text):
        pieces.append(DraftPiece(text[at:]))
    return pieces
