"""Complaint reports (WO-9, WO-10) and their manager verification; the responsible staff member is
recorded so that the accountability ladder (MALL-6) can count verified complaints later."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.permissions import MANAGERS, require

from .events import record_event
from .models import ComplaintReport, Kind, Ticket
from .services import _lock, _may_handle, _save

REQUIRED = {
    "facts": _("请填写核实的事实"),
    "cause": _("请填写原因分析"),
    "measures": _("请填写处理与改进措施"),
    "explanation": _("请填写向客户的解释"),
}


@transaction.atomic
def complaint_report_save(*, by: User, ticket: Ticket, data: dict[str, Any]) -> ComplaintReport:
    t = _lock(ticket, None)
    _may_handle(by, t)
    errors: dict[str, list[str]] = {}
    if t.kind != Kind.COMPLAINT:
        raise ValidationError({"ticket": [_("只有投诉工单需要投诉报告")]})
    values: dict[str, Any] = {}
    for field, message in REQUIRED.items():
        values[field] = str(data.get(field) or "").strip()
        if not values[field]:
            errors.setdefault(field, []).append(str(message))
    values["evidence"] = str(data.get("evidence") or "").strip()
    values["merchant"] = str(data.get("merchant") or "").strip()
    responsibility = data.get("responsibility") or ""
    if responsibility not in ComplaintReport.Responsibility.values:
        errors.setdefault("responsibility", []).append(_("请选择责任归属"))
    staff = data.get("responsible_staff")
    if isinstance(staff, (int, str)) and str(staff).strip():
        staff = (
            User.objects.filter(pk=staff).first()
            if str(staff).isdigit()
            else User.objects.filter(employee_no=staff).first()
        )
        if staff is None:
            errors.setdefault("responsible_staff", []).append(_("找不到该员工"))
    elif not isinstance(staff, User):
        staff = None
    if (
        responsibility == ComplaintReport.Responsibility.STAFF
        and staff is None
        and "responsible_staff" not in errors
    ):
        errors.setdefault("responsible_staff", []).append(_("责任归属为员工时必须指定责任员工"))
    if responsibility == ComplaintReport.Responsibility.MERCHANT and not values["merchant"]:
        errors.setdefault("merchant", []).append(_("责任归属为商户时请填写商户名称"))
    if errors:
        raise ValidationError(errors)
    values["responsibility"] = responsibility
    values["responsible_staff"] = (
        staff if responsibility == ComplaintReport.Responsibility.STAFF else None
    )
    values["apologised"] = bool(data.get("apologised"))
    values["major"] = bool(data.get("major"))
    report = ComplaintReport.objects.filter(ticket=t).first()
    before: dict[str, Any] = {}
    if report is None:
        report = ComplaintReport(ticket=t)
    else:
        before = {
            "responsibility": report.responsibility,
            "responsible_staff": report.responsible_staff_id,
            "verified": report.verified_at is not None,
        }
        if report.verified_at is not None:
            # a changed report must be verified again
            report.verified_at = None
            report.verified_by = None
    for key, value in values.items():
        setattr(report, key, value)
    report.written_by = by
    report.save()
    record_event(
        t,
        by=by,
        action="complaint_report",
        before=before,
        after={
            "responsibility": report.responsibility,
            "responsible_staff": report.responsible_staff_id,
            "major": report.major,
            "apologised": report.apologised,
        },
        body=report.facts,
    )
    _save(t)
    return report


@transaction.atomic
def complaint_report_verify(
    *, by: User, report: ComplaintReport, verified: bool = True, note: str = ""
) -> ComplaintReport:
    require(by, MANAGERS, _("核实投诉报告"))
    report = ComplaintReport.objects.select_for_update().get(pk=report.pk)
    t = _lock(report.ticket, None)
    if verified == (report.verified_at is not None):
        return report
    report.verified_at = timezone.now() if verified else None
    report.verified_by = by if verified else None
    report.save(update_fields=["verified_at", "verified_by"])
    record_event(
        t,
        by=by,
        action="complaint_verified" if verified else "complaint_unverified",
        after={"responsible_staff": report.responsible_staff_id},
        body=note,
    )
    _save(t)
    # MALL-6: the person responsible and the managers learn the new step of the ladder
    from kefu.staffing.services.ladder import ladder_notify

    ladder_notify(report=report)
    return report
