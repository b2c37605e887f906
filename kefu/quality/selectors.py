"""Reads for the quality pages and API: visible conversations, the review queue, scorecards, rule
statistics, the transcript with its findings in place, and the report JSON."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User

from .models import Appeal, Commitment, Conversation, Finding, Inspection, QualityEvent
from .permissions import sees_all

SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}
MAX_SAMPLE = 200


# --- visibility ---------------------------------------------------------------------------------


def conversations_visible(user: User) -> QuerySet[Conversation]:
    """Inspectors, team leads, managers and admins see every conversation; others their own."""
    qs = Conversation.objects.all()
    if sees_all(user):
        return qs
    return qs.filter(agent=user)


def conversation_get(user: User, pk: int) -> Conversation:
    conv = (
        Conversation.objects.select_related(
            "agent", "ticket", "customer", "imported_by", "latest_inspection"
        )
        .filter(pk=pk)
        .first()
    )
    if conv is None:
        raise Conversation.DoesNotExist
    if not sees_all(user) and conv.agent_id != user.pk:
        raise PermissionDenied(_("您只能查看自己的质检对话"))
    return conv


def conversation_by_external_id(user: User, external_id: str) -> Conversation:
    conv = Conversation.objects.filter(external_id=external_id).only("pk").first()
    if conv is None:
        raise Conversation.DoesNotExist
    return conversation_get(user, conv.pk)


# --- filters ------------------------------------------------------------------------------------


def local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _date_range(qs: QuerySet[Any], prefix: str, start: date | None, end: date | None) -> Any:
    if start is not None:
        qs = qs.filter(**{f"{prefix}occurred_at__gte": local_day_start(start)})
    if end is not None:
        qs = qs.filter(**{f"{prefix}occurred_at__lt": local_day_start(end + timedelta(days=1))})
    return qs


@dataclass
class ConversationFilter:
    q: str = ""
    agent_id: int | None = None
    verdict: str = ""
    score_min: float | None = None
    score_max: float | None = None
    rule: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None


def conversation_list(user: User, f: ConversationFilter) -> QuerySet[Conversation]:
    qs = conversations_visible(user).select_related("agent", "ticket")
    if f.q:
        qs = qs.filter(external_id__icontains=f.q.strip())
    if f.agent_id:
        qs = qs.filter(agent_id=f.agent_id)
    if f.verdict == "none":
        qs = qs.filter(latest_inspection__isnull=True)
    elif f.verdict:
        qs = qs.filter(verdict=f.verdict)
    if f.score_min is not None:
        qs = qs.filter(score__gte=f.score_min)
    if f.score_max is not None:
        qs = qs.filter(score__lte=f.score_max)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.rule:
        hit = Finding.objects.filter(
            conversation=OuterRef("pk"), is_latest=True, rule=f.rule
        ).exclude(status=Finding.Status.OVERTURNED)
        qs = qs.filter(Exists(hit))
    qs = _date_range(qs, "", f.date_from, f.date_to)
    return qs.order_by("-occurred_at", "-id")


def rule_choices() -> list[tuple[str, str]]:
    """(rule id, "id 标题") of the site rulebook, plus rules only seen in stored findings."""
    from .services import rulebook_get

    out: dict[str, str] = {}
    try:
        for rule in rulebook_get().rules:
            out[rule.id] = f"{rule.id} {rule.title}".strip()
    except Exception:  # noqa: BLE001 - a bad rulebook must not break the filter form
        pass
    seen = Finding.objects.filter(is_latest=True).order_by().values_list("rule", flat=True)
    for rule in seen.distinct()[:500]:
        out.setdefault(rule, rule)
    return sorted(out.items())


# --- the conversation page ----------------------------------------------------------------------


@dataclass
class Piece:
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def marked(self) -> bool:
        return bool(self.findings)

    @property
    def standing(self) -> list[Finding]:
        return [f for f in self.findings if f.standing]

    @property
    def severity(self) -> str:
        """The most severe standing finding's severity; "overturned" if none stands."""
        standing = self.standing
        if not standing:
            return "overturned"
        return min((f.severity for f in standing), key=lambda s: SEVERITY_RANK.get(s, 9))

    @property
    def label(self) -> str:
        return ";".join(f"{f.rule}:{f.message}" for f in self.findings)


@dataclass
class TranscriptLine:
    index: int
    speaker: str
    speaker_label: str
    text: str
    start_ms: int | None
    at: str | None
    pieces: list[Piece]
    findings: list[Finding]

    @property
    def clock(self) -> str:
        if self.start_ms is None:
            return ""
        seconds = self.start_ms // 1000
        return f"{seconds // 60:02d}:{seconds % 60:02d}"


SPEAKER_LABELS = {
    "agent": gettext_lazy("坐席"),
    "customer": gettext_lazy("客户"),
    "system": gettext_lazy("系统"),
}


def _pieces(text: str, findings: list[Finding]) -> list[Piece]:
    """The segment's text cut at every span boundary; each piece knows the findings covering it."""
    spans = []
    for f in findings:
        if f.span_start is None or f.span_end is None:
            continue
        start = max(0, min(len(text), f.span_start))
        end = max(start, min(len(text), f.span_end))
        if end > start:
            spans.append((start, end, f))
    if not spans:
        return [Piece(text)]
    cuts = sorted({0, len(text), *[s for s, _e, _f in spans], *[e for _s, e, _f in spans]})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [f for s, e, f in spans if s <= a and b <= e]
        pieces.append(Piece(text[a:b], covering))
    return pieces


def transcript(conversation: Conversation, findings: list[Finding]) -> list[TranscriptLine]:
    by_segment: dict[int, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.segment is not None:
            by_segment[f.segment].append(f)
    lines = []
    for i, seg in enumerate(conversation.payload.get("segments") or []):
        text = str(seg.get("text") or "")
        speaker = str(seg.get("speaker") or "")
        lines.append(
            TranscriptLine(
                index=i,
                speaker=speaker,
                speaker_label=str(SPEAKER_LABELS.get(speaker, speaker)),
                text=text,
                start_ms=seg.get("start_ms"),
                at=seg.get("at"),
                pieces=_pieces(text, by_segment.get(i, [])),
                findings=by_segment.get(i, []),
            )
        )
    return lines


def conversation_findings(conversation: Conversation) -> list[Finding]:
    if conversation.latest_inspection_id is None:
        return []
    return list(
        Finding.objects.filter(inspection_id=conversation.latest_inspection_id)
        .select_related("reviewed_by", "appeal", "appeal__by", "appeal__decided_by")
        .order_by("index")
    )


def conversation_commitments(conversation: Conversation) -> list[Commitment]:
    return list(
        Commitment.objects.filter(conversation=conversation)
        .select_related("callback", "callback__ticket")
        .order_by("segment", "id")
    )


def conversation_events(conversation: Conversation) -> QuerySet[QualityEvent]:
    return QualityEvent.objects.filter(conversation=conversation).select_related("finding")


# --- review queue -------------------------------------------------------------------------------


@dataclass
class QueueFilter:
    rule: str = ""
    agent_id: int | None = None
    score_min: float | None = None
    score_max: float | None = None
    status: str = "open"  # open | confirmed | overturned | appealed | all
    date_from: date | None = None
    date_to: date | None = None


def review_queue(user: User, f: QueueFilter) -> QuerySet[Finding]:
    if not sees_all(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以查看复核队列"))
    qs = Finding.objects.filter(is_latest=True).select_related(
        "conversation", "conversation__agent", "appeal"
    )
    if f.status == "appealed":
        qs = qs.filter(appeal__isnull=False, appeal__decided_at__isnull=True)
    elif f.status in Finding.Status.values:
        qs = qs.filter(status=f.status)
    if f.rule:
        qs = qs.filter(rule=f.rule)
    if f.agent_id:
        qs = qs.filter(conversation__agent_id=f.agent_id)
    if f.score_min is not None:
        qs = qs.filter(conversation__score__gte=f.score_min)
    if f.score_max is not None:
        qs = qs.filter(conversation__score__lte=f.score_max)
    qs = _date_range(qs, "conversation__", f.date_from, f.date_to)
    return qs.order_by("-conversation__occurred_at", "conversation_id", "index")


def sample_ids(qs: QuerySet[Finding], n: int, seed: int) -> list[int]:
    """n findings drawn at random (repeatable with the same seed, so the pages of a sample agree)."""
    ids = list(qs.order_by("id").values_list("id", flat=True)[:100_000])
    n = max(1, min(n, MAX_SAMPLE, len(ids))) if ids else 0
    return sorted(random.Random(seed).sample(ids, n)) if n else []


# --- scorecards ---------------------------------------------------------------------------------


@dataclass
class ScoreRow:
    agent_id: int | None
    label: str
    employee_no: str
    conversations: int
    average: float | None
    passed: int
    findings: int
    top_rules: list[tuple[str, int]]

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.conversations if self.conversations else None

    @property
    def findings_per_conversation(self) -> float | None:
        return self.findings / self.conversations if self.conversations else None


@dataclass
class WeekPoint:
    week: date
    conversations: int
    average: float | None
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.conversations if self.conversations else None


@dataclass
class Scorecards:
    rows: list[ScoreRow]
    total: ScoreRow
    weeks: list[WeekPoint]


def _inspected(
    user: User,
    date_from: date | None,
    date_to: date | None,
    agent_id: int | None,
    team_id: int | None,
) -> QuerySet[Conversation]:
    qs = conversations_visible(user).filter(latest_inspection__isnull=False)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    if team_id:
        qs = qs.filter(agent__team_id=team_id)
    return _date_range(qs, "", date_from, date_to)


def scorecards(
    user: User,
    *,
    date_from: date | None,
    date_to: date | None,
    agent_id: int | None = None,
    team_id: int | None = None,
) -> Scorecards:
    """Per agent: conversations, average score, pass rate, findings per conversation, top rules;
    and the weekly trend (average score and pass rate) of the same selection."""
    qs = _inspected(user, date_from, date_to, agent_id, team_id)
    per_agent = list(
        qs.order_by()
        .values("agent")
        .annotate(
            n=Count("id"),
            avg=Avg("score"),
            passed=Count("id", filter=Q(verdict="pass")),
            hits=Sum("finding_count"),
        )
    )
    hits = (
        Finding.objects.filter(is_latest=True, conversation__in=qs.values("pk"))
        .exclude(status=Finding.Status.OVERTURNED)
        .order_by()
        .values("conversation__agent", "rule")
        .annotate(n=Count("id"))
    )
    top: dict[int | None, Counter[str]] = defaultdict(Counter)
    for h in hits:
        top[h["conversation__agent"]][h["rule"]] += h["n"]
    users = User.objects.in_bulk([r["agent"] for r in per_agent if r["agent"]])
    rows = []
    for r in per_agent:
        u = users.get(r["agent"]) if r["agent"] else None
        rows.append(
            ScoreRow(
                agent_id=r["agent"],
                label=str(u) if u else _("未匹配坐席"),
                employee_no=(u.employee_no or "") if u else "",
                conversations=r["n"],
                average=r["avg"],
                passed=r["passed"],
                findings=r["hits"] or 0,
                top_rules=top[r["agent"]].most_common(3),
            )
        )
    rows.sort(key=lambda r: (r.average is None, r.average or 0, r.label))
    total_n = sum(r.conversations for r in rows)
    overall = Counter[str]()
    for c in top.values():
        overall.update(c)
    avg_all = qs.aggregate(a=Avg("score"))["a"]
    total = ScoreRow(
        agent_id=None,
        label=_("合计"),
        employee_no="",
        conversations=total_n,
        average=avg_all,
        passed=sum(r.passed for r in rows),
        findings=sum(r.findings for r in rows),
        top_rules=overall.most_common(3),
    )
    tz = timezone.get_current_timezone()
    weeks = [
        WeekPoint(
            week=w["week"].date() if isinstance(w["week"], datetime) else w["week"],
            conversations=w["n"],
            average=w["avg"],
            passed=w["passed"],
        )
        for w in qs.order_by()
        .annotate(week=TruncWeek("occurred_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"), avg=Avg("score"), passed=Count("id", filter=Q(verdict="pass")))
        .order_by("week")
    ]
    return Scorecards(rows=rows, total=total, weeks=weeks)


# --- rule statistics ----------------------------------------------------------------------------


@dataclass
class RuleRow:
    rule: str
    title: str
    standards: list[str]
    severity: str
    total: int
    overturned: int
    confirmed: int
    open: int
    conversations: int

    @property
    def hits(self) -> int:
        """Findings that stand (overturned ones leave the statistics)."""
        return self.total - self.overturned

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.total if self.total else None


@dataclass
class StandardRow:
    standard: str
    hits: int
    overturned: int
    rules: list[str]


@dataclass
class RuleStats:
    rules: list[RuleRow]
    standards: list[StandardRow]
    inspected: int


def rule_stats(
    user: User,
    *,
    date_from: date | None,
    date_to: date | None,
    agent_id: int | None = None,
    team_id: int | None = None,
) -> RuleStats:
    if not sees_all(user):
        raise PermissionDenied(_("只有质检员、班长和经理可以查看规则统计"))
    conversations = _inspected(user, date_from, date_to, agent_id, team_id)
    findings = Finding.objects.filter(is_latest=True, conversation__in=conversations.values("pk"))
    grouped = (
        findings.order_by()
        .values("rule")
        .annotate(
            total=Count("id"),
            overturned=Count("id", filter=Q(status=Finding.Status.OVERTURNED)),
            confirmed=Count("id", filter=Q(status=Finding.Status.CONFIRMED)),
            open=Count("id", filter=Q(status=Finding.Status.OPEN)),
            convs=Count("conversation", distinct=True, filter=~Q(status=Finding.Status.OVERTURNED)),
        )
    )
    from .services import rulebook_get

    try:
        rulebook = rulebook_get()
    except Exception:  # noqa: BLE001 - statistics still show from the stored findings
        rulebook = None
    rows = []
    for g in grouped:
        rule = rulebook.rule(g["rule"]) if rulebook is not None else None
        sample = (
            findings.filter(rule=g["rule"]).values("standards", "severity", "title").first() or {}
        )
        rows.append(
            RuleRow(
                rule=g["rule"],
                title=(rule.title if rule is not None else sample.get("title", "")) or "",
                standards=list(
                    rule.standards if rule is not None else sample.get("standards") or []
                ),
                severity=(rule.severity if rule is not None else sample.get("severity", "")) or "",
                total=g["total"],
                overturned=g["overturned"],
                confirmed=g["confirmed"],
                open=g["open"],
                conversations=g["convs"],
            )
        )
    rows.sort(key=lambda r: (-r.hits, r.rule))
    per_standard: dict[str, StandardRow] = {}
    for r in rows:
        for s in r.standards:
            row = per_standard.setdefault(
                s, StandardRow(standard=s, hits=0, overturned=0, rules=[])
            )
            row.hits += r.hits
            row.overturned += r.overturned
            row.rules.append(r.rule)
    standards = sorted(per_standard.values(), key=lambda s: (-s.hits, _standard_key(s.standard)))
    return RuleStats(rules=rows, standards=standards, inspected=conversations.count())


def _standard_key(code: str) -> tuple[str, int]:
    prefix, _sep, number = code.partition("-")
    return (prefix, int(number) if number.isdigit() else 0)


# --- the report JSON (kefu.inspection/1) --------------------------------------------------------


def report_json(inspection: Inspection) -> dict[str, Any]:
    """The stored report with the reviewed result: `score`/`verdict` are current, `findings` are
    the findings that stand; overturned ones move to `overturned` with the reason (an optional
    extension of kefu.inspection/1). Unreviewed, it is exactly what the engine returned."""
    report = dict(inspection.report)
    findings = list(inspection.findings.order_by("index"))
    if not any(f.status == Finding.Status.OVERTURNED for f in findings):
        return report
    original = list(report.get("findings") or [])
    standing, overturned = [], []
    for f in findings:
        item = original[f.index] if f.index < len(original) else {"rule": f.rule}
        if f.status == Finding.Status.OVERTURNED:
            overturned.append({**item, "review_reason": f.review_reason})
        else:
            standing.append(item)
    report["score"] = int(inspection.score) if inspection.score.is_integer() else inspection.score
    report["verdict"] = inspection.verdict
    report["findings"] = standing
    report["overturned"] = overturned
    return report


def appeals_pending() -> QuerySet[Appeal]:
    return Appeal.objects.filter(decided_at__isnull=True).select_related(
        "finding", "finding__conversation", "by"
    )
