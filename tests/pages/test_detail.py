"""The work-order page: clocks, policy, timeline, customer card, and each action's form with its
bad input (message next to the field, nothing saved), permissions and stale versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import Role, Team, User
from kefu.tickets.models import Callback, ComplaintReport, Ticket, TicketEvent
from kefu.tickets.services import callback_promise, ticket_reply

pytestmark = pytest.mark.django_db


def _html(r: Any) -> str:
    return r.content.decode()


def _events(ticket: Ticket, action: str) -> int:
    return TicketEvent.objects.filter(ticket=ticket, action=action).count()


@pytest.fixture
def dave(db: None) -> User:
    other = Team.objects.create(code="hotline-2", name="热线二组", kind=Team.Kind.TEAM)
    return User.objects.create_user(
        username="dave",
        password="x",
        role=Role.AGENT,
        employee_no="2001",
        team=other,
        display_name="孙涛",
    )


@pytest.fixture
def as_dave(dave: User) -> Client:
    c = Client()
    c.force_login(dave)
    return c


# --- the page -----------------------------------------------------------------------------------


def test_it_shows_three_due_times_policy_and_standards(as_alice: Client, ticket: Ticket) -> None:
    html = _html(as_alice.get(ticket.get_absolute_url()))
    for key in ("first_response", "reply", "resolution"):
        assert f'id="clock-{key}"' in html
    for due in (ticket.first_response_due_at, ticket.reply_due_at, ticket.resolution_due_at):
        assert f'data-due="{timezone.localtime(due).isoformat()}"' in html
    assert "一般事项" in html and "SLA-1" in html and "自然时间(7x24)" in html
    assert ticket.status == "assigned" and "已分派" in html


def test_it_shows_the_customer_card_masked(as_alice: Client, ticket: Ticket) -> None:
    html = _html(as_alice.get(ticket.get_absolute_url()))
    assert 'id="customer-phone">138****5678<' in html
    assert "13812345678" not in html
    assert 'id="reveal-phone"' in html


def test_the_calendar_warning_is_visible(as_alice: Client, ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        calendar_warning="2031年的节假日安排尚未录入,按仅周末休息估算"
    )
    html = _html(as_alice.get(ticket.get_absolute_url()))
    assert 'id="calendar-warning"' in html and "2031年的节假日安排尚未录入" in html


def test_the_timeline_reads_in_chinese(as_alice: Client, alice: User, ticket: Ticket) -> None:
    ticket_reply(by=alice, ticket=ticket, body="您好,已为您查询。")
    html = _html(as_alice.get(ticket.get_absolute_url()))
    timeline = html.split('id="timeline"')[1]
    for text in ("受理工单", "分派", "回复客户", "状态变更", "您好,已为您查询。", "王丽(1024)"):
        assert text in timeline, text
    assert (
        '<span class="old">已分派</span><span class="arrow">→</span><span class="new">已回复</span>'
        in timeline
    )


def test_every_action_form_has_a_stable_id_and_the_version(as_lena: Client, ticket: Ticket) -> None:
    html = _html(as_lena.get(ticket.get_absolute_url()))
    for marker in (
        "reply-body",
        "note-body",
        "status-status",
        "transfer-department",
        "transfer-scope",
        "escalate-reason",
        "resolve-summary",
        "assign-assignee",
        "callback-hours",
        "callback-due_at",
        "attach-file",
        "reply-submit",
        "resolve-submit",
    ):
        assert f'id="{marker}"' in html, marker
    assert html.count(f'name="version" value="{ticket.version}"') >= 9


def test_someone_outside_the_team_only_reads(as_dave: Client, ticket: Ticket) -> None:
    r = as_dave.get(ticket.get_absolute_url())
    assert r.status_code == 200
    html = _html(r)
    assert 'id="read-only"' in html and 'id="reply-form"' not in html
    r = as_dave.post(
        f"/tickets/{ticket.number}/reply/", {"version": ticket.version, "body": "越权回复"}
    )
    assert r.status_code == 403
    assert "您无权操作" in _html(r)
    assert _events(ticket, "reply") == 0


def test_an_unknown_action_is_a_404_and_actions_need_a_post(
    as_alice: Client, ticket: Ticket
) -> None:
    assert as_alice.post(f"/tickets/{ticket.number}/explode/", {}).status_code == 404
    assert as_alice.get(f"/tickets/{ticket.number}/reply/").status_code == 405


# --- reply, note, stale version ------------------------------------------------------------------


def test_it_replies_to_the_customer(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/reply/", {"version": ticket.version, "body": "已为您办理"}
    )
    assert r.status_code == 302 and r["Location"] == ticket.get_absolute_url()
    ticket.refresh_from_db()
    assert ticket.status == "replied" and ticket.replied_at is not None
    assert "已回复客户" in _html(as_alice.get(ticket.get_absolute_url()))


def test_an_empty_reply_is_refused(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(f"/tickets/{ticket.number}/reply/", {"version": ticket.version, "body": "  "})
    assert r.status_code == 400
    html = _html(r)
    assert "回复内容不能为空" in html and 'id="action-failed"' in html
    assert _events(ticket, "reply") == 0


def test_a_stale_reply_keeps_the_text_and_saves_nothing(
    as_alice: Client, alice: User, ticket: Ticket
) -> None:
    seen = ticket.version
    ticket_reply(by=alice, ticket=ticket, body="同事先回复了")  # someone else changed it meanwhile
    ticket.refresh_from_db()
    r = as_alice.post(
        f"/tickets/{ticket.number}/reply/", {"version": seen, "body": "我写了很长的一段回复"}
    )
    html = _html(r)
    assert r.status_code == 409
    assert "此工单已被他人修改,请刷新后重试" in html
    assert "我写了很长的一段回复" in html
    assert f'name="version" value="{ticket.version}"' in html
    assert "同事先回复了" in html  # the page shows what changed
    assert _events(ticket, "reply") == 1


def test_a_missing_version_is_refused(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(f"/tickets/{ticket.number}/reply/", {"body": "没有版本号"})
    assert r.status_code == 400
    assert "没有版本号" in _html(r)
    assert _events(ticket, "reply") == 0


def test_it_adds_an_internal_note(as_alice: Client, ticket: Ticket) -> None:
    as_alice.post(
        f"/tickets/{ticket.number}/note/", {"version": ticket.version, "body": "客户情绪激动"}
    )
    assert TicketEvent.objects.get(ticket=ticket, action="note").public is False
    r = as_alice.post(
        f"/tickets/{ticket.number}/note/", {"version": ticket.version + 1, "body": ""}
    )
    assert "备注内容不能为空" in _html(r)


# --- status, transfer, escalate, resolve --------------------------------------------------------


def test_it_changes_the_status(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/status/",
        {"version": ticket.version, "status": "waiting_on_customer", "note": "等客户提供发票"},
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_customer"


def test_a_refused_status_change_names_the_move(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/status/", {"version": ticket.version, "status": "closed"}
    )
    html = _html(r)
    assert r.status_code == 400
    assert "工单状态不能从“已分派”变为“已关闭”" in html or "尚未回复客户的工单不能关闭" in html
    ticket.refresh_from_db()
    assert ticket.status == "assigned"
    r = as_alice.post(
        f"/tickets/{ticket.number}/status/", {"version": ticket.version, "status": ""}
    )
    assert "请选择新状态" in _html(r)


def test_resolved_cannot_be_set_before_a_reply(as_alice: Client, ticket: Ticket) -> None:
    # the status list offers neither "replied" nor "resolved": they come from replying and resolving
    html = _html(as_alice.get(ticket.get_absolute_url()))
    status_select = html.split('id="status-status"')[1].split("</select>")[0]
    assert 'value="resolved"' not in status_select and 'value="replied"' not in status_select
    r = as_alice.post(
        f"/tickets/{ticket.number}/status/", {"version": ticket.version, "status": "resolved"}
    )
    assert r.status_code == 400 and "请先回复客户" in _html(r)
    ticket.refresh_from_db()
    assert ticket.status == "assigned"


def test_it_transfers_to_a_department(
    as_alice: Client, ticket: Ticket, aftersales_dept: Team
) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/transfer/",
        {"version": ticket.version, "department": aftersales_dept.pk, "note": "请协助"},
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.department == aftersales_dept and ticket.scope == "cross_department"
    assert ticket.status == "transferred"
    html = _html(as_alice.get(ticket.get_absolute_url()))
    assert "转交部门" in html and "售后服务部" in html and "SLA-2" in html


def test_a_transfer_without_a_department_is_refused(
    as_alice: Client, ticket: Ticket, aftersales_dept: Team
) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/transfer/", {"version": ticket.version, "note": "请协助处理"}
    )
    html = _html(r)
    assert r.status_code == 400 and "请选择转交部门" in html and "请协助处理" in html
    assert 'id="transfer-panel" open' in html or (
        'id="transfer-panel"' in html and "has-error" in html
    )
    ticket.refresh_from_db()
    assert ticket.department is None


def test_it_escalates_with_a_reason(as_alice: Client, ticket: Ticket, lena: User) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/escalate/", {"version": ticket.version, "reason": ""}
    )
    assert "请说明升级原因" in _html(r)
    r = as_alice.post(
        f"/tickets/{ticket.number}/escalate/", {"version": ticket.version, "reason": "客户要求赔偿"}
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalated_to == lena and ticket.priority == "high"


def test_resolving_needs_a_reply_and_a_summary(
    as_alice: Client, alice: User, ticket: Ticket
) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/resolve/", {"version": ticket.version, "summary": "已处理"}
    )
    assert "请先回复客户" in _html(r)
    ticket_reply(by=alice, ticket=ticket, body="已处理")
    ticket.refresh_from_db()
    r = as_alice.post(
        f"/tickets/{ticket.number}/resolve/", {"version": ticket.version, "summary": ""}
    )
    assert "请填写处理结果" in _html(r)
    r = as_alice.post(
        f"/tickets/{ticket.number}/resolve/", {"version": ticket.version, "summary": "已退费"}
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


# --- assign -------------------------------------------------------------------------------------


def test_an_agent_may_not_reassign(as_alice: Client, ticket: Ticket, bob: User) -> None:
    html = _html(as_alice.get(ticket.get_absolute_url()))
    assert 'id="assign-form"' not in html
    r = as_alice.post(
        f"/tickets/{ticket.number}/assign/", {"version": ticket.version, "assignee": bob.pk}
    )
    assert r.status_code == 403
    assert "分派/改派工单" in _html(r)
    ticket.refresh_from_db()
    assert ticket.assignee != bob


def test_a_team_lead_reassigns(as_lena: Client, ticket: Ticket, bob: User) -> None:
    r = as_lena.post(
        f"/tickets/{ticket.number}/assign/", {"version": ticket.version, "assignee": bob.pk}
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == bob
    html = _html(as_lena.get(ticket.get_absolute_url()))
    assert "王丽(1024)" in html and "赵强(1025)" in html


def test_a_stale_reassign_is_refused(as_lena: Client, ticket: Ticket, bob: User) -> None:
    r = as_lena.post(
        f"/tickets/{ticket.number}/assign/", {"version": ticket.version - 1, "assignee": bob.pk}
    )
    assert r.status_code == 409
    assert "此工单已被他人修改,请刷新后重试" in _html(r)
    ticket.refresh_from_db()
    assert ticket.assignee != bob


# --- callbacks ----------------------------------------------------------------------------------


def test_it_promises_a_callback_in_hours(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/callback/",
        {
            "version": ticket.version,
            "hours": "2",
            "promise_text": "我们会在2小时内有专人和您联系",
            "reason": "promised",
        },
    )
    assert r.status_code == 302
    cb = Callback.objects.get(ticket=ticket)
    assert abs((cb.due_at - timezone.now()) - timedelta(hours=2)) < timedelta(minutes=1)
    assert cb.phone == "13812345678"


def test_it_promises_a_callback_at_a_time(as_alice: Client, ticket: Ticket) -> None:
    at = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    as_alice.post(
        f"/tickets/{ticket.number}/callback/",
        {"version": ticket.version, "due_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    assert Callback.objects.get(ticket=ticket).due_at == at


def test_a_callback_needs_a_time(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{ticket.number}/callback/", {"version": ticket.version, "hours": ""}
    )
    assert "请填写几小时内回电" in _html(r)
    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = as_alice.post(
        f"/tickets/{ticket.number}/callback/", {"version": ticket.version, "due_at": past}
    )
    assert "回电时间必须晚于现在" in _html(r)
    r = as_alice.post(
        f"/tickets/{ticket.number}/callback/", {"version": ticket.version, "due_at": "明天"}
    )
    assert r.status_code == 400
    assert not Callback.objects.filter(ticket=ticket).exists()


def test_it_fulfils_a_callback(as_alice: Client, alice: User, ticket: Ticket) -> None:
    cb = callback_promise(by=alice, ticket=ticket, hours=2)
    r = as_alice.post(
        f"/tickets/callbacks/{cb.pk}/fulfil/",
        {"outcome": "progress_only", "note": "告知仍在处理", "next": ticket.get_absolute_url()},
    )
    assert r.status_code == 302 and r["Location"] == ticket.get_absolute_url()
    cb.refresh_from_db()
    assert cb.state == "done" and cb.outcome == "progress_only" and cb.kept_on_time


def test_an_unreachable_customer_keeps_the_callback_open(
    as_alice: Client, alice: User, ticket: Ticket
) -> None:
    cb = callback_promise(by=alice, ticket=ticket, hours=2)
    r = as_alice.post(
        f"/tickets/callbacks/{cb.pk}/fulfil/",
        {"outcome": "unreachable", "note": "无人接听"},
        follow=True,
    )
    assert "未联系上客户" in _html(r)
    cb.refresh_from_db()
    assert cb.state == "open" and cb.attempts == 1


def test_a_callback_without_an_outcome_is_refused_on_the_ticket_page(
    as_alice: Client, alice: User, ticket: Ticket
) -> None:
    cb = callback_promise(by=alice, ticket=ticket, hours=2)
    r = as_alice.post(
        f"/tickets/callbacks/{cb.pk}/fulfil/",
        {"outcome": "", "note": "打了电话", "next": ticket.get_absolute_url()},
    )
    html = _html(r)
    assert r.status_code == 400
    assert "请选择回电结果" in html and "打了电话" in html and 'id="ticket-head"' in html
    cb.refresh_from_db()
    assert cb.state == "open" and cb.attempts == 0


# --- complaint report ----------------------------------------------------------------------------


@pytest.fixture
def complaint(make_ticket: Any) -> Ticket:
    return make_ticket(
        kind="complaint",
        complaint_category="service_attitude",
        subject="投诉坐席态度",
        description="客户投诉坐席说话不耐烦",
    )


def test_a_complaint_has_the_report_form(
    as_alice: Client, complaint: Ticket, ticket: Ticket
) -> None:
    html = _html(as_alice.get(complaint.get_absolute_url()))
    for field in (
        "facts",
        "evidence",
        "cause",
        "responsibility",
        "responsible_staff",
        "merchant",
        "measures",
        "explanation",
        "apologised",
        "major",
    ):
        assert f'id="complaint-{field}"' in html, field
    assert 'id="complaint-form"' not in _html(as_alice.get(ticket.get_absolute_url()))


def test_an_incomplete_report_shows_each_missing_field(as_alice: Client, complaint: Ticket) -> None:
    r = as_alice.post(
        f"/tickets/{complaint.number}/complaint/",
        {"version": complaint.version, "facts": "核实属实", "responsibility": "staff"},
    )
    html = _html(r)
    assert r.status_code == 400
    for message in (
        "请填写原因分析",
        "请填写处理与改进措施",
        "请填写向客户的解释",
        "责任归属为员工时必须指定责任员工",
    ):
        assert message in html, message
    assert "核实属实" in html
    assert not ComplaintReport.objects.exists()


def test_a_report_is_saved_and_verified_by_a_manager(
    as_alice: Client, as_mark: Client, complaint: Ticket, bob: User
) -> None:
    r = as_alice.post(
        f"/tickets/{complaint.number}/complaint/",
        {
            "version": complaint.version,
            "facts": "录音核实坐席语气生硬",
            "cause": "坐席疲劳",
            "responsibility": "staff",
            "responsible_staff": bob.pk,
            "measures": "培训",
            "explanation": "已向客户说明",
            "apologised": "on",
        },
    )
    assert r.status_code == 302
    report = ComplaintReport.objects.get()
    assert report.responsible_staff == bob and report.apologised and not report.major
    # an agent cannot verify
    complaint.refresh_from_db()
    assert 'id="verify-form"' not in _html(as_alice.get(complaint.get_absolute_url()))
    r = as_alice.post(
        f"/tickets/{complaint.number}/verify/", {"version": complaint.version, "verified": "1"}
    )
    assert r.status_code == 403
    html = _html(as_mark.get(complaint.get_absolute_url()))
    assert 'id="verify-form"' in html
    r = as_mark.post(
        f"/tickets/{complaint.number}/verify/",
        {"version": complaint.version, "verified": "1", "note": "属实"},
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.verified_at is not None


def test_a_report_based_on_an_old_page_is_refused(
    as_alice: Client, alice: User, complaint: Ticket
) -> None:
    seen = complaint.version
    ticket_reply(by=alice, ticket=complaint, body="先回复")
    r = as_alice.post(
        f"/tickets/{complaint.number}/complaint/",
        {
            "version": seen,
            "facts": "事实",
            "cause": "原因",
            "responsibility": "none",
            "measures": "措施",
            "explanation": "解释",
        },
    )
    assert r.status_code == 409
    html = _html(r)
    assert "此工单已被他人修改" in html and "事实" in html
    assert not ComplaintReport.objects.exists()


# --- attachments --------------------------------------------------------------------------------


def test_it_uploads_and_serves_an_attachment(
    as_alice: Client, ticket: Ticket, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("发票.txt", "发票内容".encode(), content_type="text/plain")
    r = as_alice.post(
        f"/tickets/{ticket.number}/attach/", {"version": ticket.version, "file": upload}
    )
    assert r.status_code == 302
    html = _html(as_alice.get(ticket.get_absolute_url()))
    assert "发票.txt" in html
    att = ticket.attachments.get()
    r = as_alice.get(f"/tickets/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == "发票内容".encode()


def test_an_upload_without_a_file_is_refused(as_alice: Client, ticket: Ticket) -> None:
    r = as_alice.post(f"/tickets/{ticket.number}/attach/", {"version": ticket.version})
    assert r.status_code == 400 and "请选择文件" in _html(r)
    assert not ticket.attachments.exists()
