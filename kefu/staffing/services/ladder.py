"""Accountability ladder writes (MALL-6): the site's ladder, and telling the manager and the
person where a newly verified (or reversed) complaint leaves them.

Standings themselves are never stored: kefu/staffing/selectors_ladder.py recomputes them from the
verified complaint reports, so reversing a verification reverses its step without a write here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import User
from kefu.core.messages import Message
from kefu.core.models import Notification
from kefu.core.services import audit_record, notify
from kefu.domain import ladder as dl
from kefu.tickets.models import ComplaintReport

from ..models import LadderStep
from ..permissions import LADDER_VIEWERS, require
from ..selectors_ladder import standing_of


@transaction.atomic
def ladder_configure(*, by: User, steps: Sequence[tuple[int, str, str]]) -> list[LadderStep]:
    """Replaces the ladder with ``steps`` (count, action, label); checked as a whole, so a bad
    ladder leaves the old one in place. Audited."""
    require(by, LADDER_VIEWERS, _("设置投诉处理阶梯"))
    errors: list[str] = []
    clean: list[dl.LadderStep] = []
    for count, action, label in steps:
        if action not in LadderStep.Action.values:
            errors.append(_("第%(n)s次:请选择处理方式") % {"n": count})
        clean.append(dl.LadderStep(int(count), action, (label or "").strip()))
    if not errors:
        try:
            dl.ladder_check(sorted(clean, key=lambda s: s.count))
        except ValueError as exc:
            errors.append(str(exc))
        counts = [s.count for s in clean]
        if len(set(counts)) != len(counts):
            errors.append(_("同一次数只能设置一个处理"))
    if errors:
        raise ValidationError({"steps": errors})
    before = [(s.count, s.action, s.label) for s in LadderStep.objects.order_by("count")]
    LadderStep.objects.all().delete()
    rows = [
        LadderStep.objects.create(count=s.count, action=s.action, label=s.label)
        for s in sorted(clean, key=lambda s: s.count)
    ]
    audit_record(
        actor=by,
        action="ladder_configure",
        obj=rows[0],
        detail={"before": before, "after": [(s.count, s.action, s.label) for s in clean]},
    )
    return rows


def ladder_notify(*, report: ComplaintReport) -> None:
    """After a complaint report's verification changed: tells the managers (LADDER_VIEWERS) and
    the person responsible their standing this year. Meant to be called by the complaint
    verification (kefu/tickets/complaints.py) inside its transaction; does nothing for a report
    that names no staff member."""
    person = report.responsible_staff
    if report.responsibility != ComplaintReport.Responsibility.STAFF or person is None:
        return
    at = report.verified_at or timezone.now()
    year = timezone.localtime(at).year
    standing = standing_of(by=person, person=person, year=year)
    facts = {"name": standing.name, "no": report.ticket.number, "y": year, "n": standing.count}
    if report.verified_at is None:
        text = Message.of(
            gettext_noop("%(name)s 的投诉 %(no)s 已撤销核实;%(y)s年累计 %(n)s 次"), **facts
        )
    else:
        text = Message.of(
            gettext_noop("%(name)s 的投诉 %(no)s 已核实为员工责任:%(y)s年第 %(n)s 次,%(step)s"),
            **facts,
            step=standing.step.label if standing.step else Message(gettext_noop("未达处理阶梯")),
        )
    level = Notification.Level.BREACH if standing.termination else Notification.Level.WARNING
    managers = list(
        User.objects.filter(Q(role__in=LADDER_VIEWERS) | Q(is_superuser=True), is_active=True)
        .exclude(pk=person.pk)
        .order_by("pk")
    )
    notify(users=managers, message=text, level=level, link=reverse("staffing:ladder_report"))
    notify(users=[person], message=text, level=level, link=reverse("staffing:my_standing"))
