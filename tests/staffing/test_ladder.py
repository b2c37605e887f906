"""The accountability ladder (issue 5, item 7; MALL-6): verified staff-caused complaints counted
per calendar year (Asia/Shanghai) with the step each reaches, reversal, a custom ladder, who may see
the report, and the pages' numbers and links."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kefu.accounts.models import User
from kefu.core.models import AuditEntry, Notification
from kefu.customers.models import Customer
from kefu.staffing import selectors_ladder as sel
from kefu.staffing.models import LadderStep
from kefu.staffing.services import ladder as services
from kefu.tickets.complaints import complaint_report_save, complaint_report_verify
from kefu.tickets.models import ComplaintReport
from kefu.tickets.services import ticket_create

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture
def ladder_complaint(config, alice: User, mark: User, customer: Customer):  # noqa: ANN001, ANN201
    """Makes a complaint whose report names ``staff`` responsible, verified by mark at ``when``."""

    def make(staff: User | None, when: datetime, *, responsibility: str = "staff"):  # noqa: ANN202
        with time_machine.travel(when, tick=False):
            ticket, _ = ticket_create(
                by=alice,
                customer=customer,
                data={
                    "kind": "complaint",
                    "channel": "walk_in",
                    "complaint_category": "service_attitude",
                    "subject": f"投诉服务态度 {when:%m-%d %H:%M}",
                    "description": "顾客投诉员工态度生硬",
                },
                assignee=alice,
            )
            report = complaint_report_save(
                by=alice,
                ticket=ticket,
                data={
                    "facts": "录音核实属实",
                    "cause": "服务意识不足",
                    "responsibility": responsibility,
                    "responsible_staff": staff,
                    "merchant": "某商户" if responsibility == "merchant" else "",
                    "measures": "培训",
                    "explanation": "已致歉",
                },
            )
            return complaint_report_verify(by=mark, report=report, verified=True)

    return make


def standing(person: User, year: int) -> sel.StandingRow:
    return sel.standing_of(by=person, person=person, year=year)


@pytest.mark.parametrize(
    ("n", "action", "label"),
    [
        (0, None, None),
        (1, "month_bonus", "扣发当月奖金"),
        (2, "year_bonus", "扣发全年奖金"),
        (3, "termination", "建议解除劳动合同(严重违纪)"),
        (4, "termination", "建议解除劳动合同(严重违纪)"),  # beyond the last step
    ],
)
def test_each_verified_complaint_of_the_year_takes_the_next_step(
    ladder_complaint, bob: User, n: int, action: str | None, label: str | None
) -> None:  # noqa: ANN001
    for i in range(n):
        ladder_complaint(bob, sh(2026, 3 + i, 10, 15))
    row = standing(bob, 2026)
    assert row.count == n
    assert (row.step.action if row.step else None) == action
    assert (row.step.label if row.step else None) == label
    assert [c.n for c in row.consequences] == list(range(1, n + 1))
    if n:
        assert row.consequences[0].detail == "2026年3月"  # that month's bonus
    if n >= 2:
        assert row.consequences[1].detail == "2026年度"


def test_only_verified_staff_caused_complaints_of_the_calendar_year_count(
    ladder_complaint, bob: User, mark: User
) -> None:  # noqa: ANN001
    # 2025-12-31 23:30 in Shanghai is still 2025; 2026-01-01 00:30 is 2026 (16:30 UTC the day before)
    ladder_complaint(bob, sh(2025, 12, 31, 23, 30))
    ladder_complaint(bob, sh(2026, 1, 1, 0, 30))
    ladder_complaint(None, sh(2026, 2, 1, 10), responsibility="merchant")
    unverified = ladder_complaint(bob, sh(2026, 2, 2, 10))
    complaint_report_verify(by=mark, report=unverified, verified=False)
    assert standing(bob, 2025).count == 1
    row = standing(bob, 2026)
    assert row.count == 1 and row.step.action == "month_bonus"
    assert row.consequences[0].verified_on.isoformat() == "2026-01-01"


def test_reversing_a_verification_reverses_its_step(
    ladder_complaint, bob: User, mark: User
) -> None:  # noqa: ANN001
    first = ladder_complaint(bob, sh(2026, 4, 1, 9))
    ladder_complaint(bob, sh(2026, 5, 1, 9))
    assert standing(bob, 2026).step.action == "year_bonus"
    complaint_report_verify(by=mark, report=first, verified=False, note="复核不属实")
    row = standing(bob, 2026)
    assert row.count == 1 and row.step.action == "month_bonus"
    # the May complaint is now the first of the year: May's bonus
    assert row.consequences[0].detail == "2026年5月"
    # verifying it again restores the second step
    with time_machine.travel(sh(2026, 6, 1, 9), tick=False):
        complaint_report_verify(by=mark, report=first, verified=True)
    assert standing(bob, 2026).step.action == "year_bonus"


def test_a_custom_ladder_from_ladder_step_rows(ladder_complaint, bob: User) -> None:  # noqa: ANN001
    LadderStep.objects.create(count=1, action="warning", label="书面警告")
    LadderStep.objects.create(count=3, action="month_bonus", label="扣发当月奖金")
    LadderStep.objects.create(count=5, action="termination", label="建议解除劳动合同")
    expected = ["书面警告", "书面警告", "扣发当月奖金", "扣发当月奖金", "建议解除劳动合同"]
    for i, label in enumerate(expected):
        ladder_complaint(bob, sh(2026, 2, 1 + i, 10))
        assert standing(bob, 2026).step.label == label


def test_the_ladder_is_configured_as_a_whole_and_audited(mark: User, alice: User) -> None:
    with pytest.raises(PermissionDenied):
        services.ladder_configure(by=alice, steps=[(1, "warning", "警告")])
    with pytest.raises(ValidationError) as info:
        services.ladder_configure(by=mark, steps=[(1, "warning", "警告"), (2, "year_bonus", " ")])
    assert info.value.message_dict == {"steps": ["第2次的处理说明不能为空"]}
    with pytest.raises(ValidationError) as info:
        services.ladder_configure(by=mark, steps=[(1, "fine", "罚款")])
    assert "请选择处理方式" in info.value.message_dict["steps"][0]
    assert not LadderStep.objects.exists()
    services.ladder_configure(
        by=mark, steps=[(2, "termination", "解除合同"), (1, "month_bonus", "扣奖金")]
    )
    assert [(s.count, s.label) for s in sel.ladder_config()] == [(1, "扣奖金"), (2, "解除合同")]
    assert AuditEntry.objects.filter(action="ladder_configure").count() == 1


def test_ladder_notify_tells_the_manager_and_the_person(
    ladder_complaint, bob: User, mark: User
) -> None:  # noqa: ANN001
    report = ladder_complaint(bob, sh(2026, 3, 3, 10))
    Notification.objects.all().delete()
    services.ladder_notify(report=report)
    to_mark = Notification.objects.get(user=mark)
    assert "2026年第 1 次" in to_mark.message and "扣发当月奖金" in to_mark.message
    assert to_mark.link == reverse("staffing:ladder_report")
    assert Notification.objects.get(user=bob).link == reverse("staffing:my_standing")


# --- pages --------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_only_ladder_viewers_open_the_report(alice: User, lena: User, mark: User) -> None:
    assert _client(alice).get(reverse("staffing:ladder_report")).status_code == 403
    assert _client(lena).get(reverse("staffing:ladder_report")).status_code == 403
    assert _client(mark).get(reverse("staffing:ladder_report")).status_code == 200
    r = _client(alice).post(reverse("staffing:ladder_config"), {"row": ["0"]})
    assert r.status_code == 403


def test_the_report_lists_the_worst_first_with_links_to_each_complaint(
    ladder_complaint, alice: User, bob: User, mark: User
) -> None:  # noqa: ANN001
    a1 = ladder_complaint(alice, sh(2026, 6, 1, 10))
    b1 = ladder_complaint(bob, sh(2026, 2, 1, 10))
    b2 = ladder_complaint(bob, sh(2026, 3, 1, 10))
    ladder_complaint(bob, sh(2025, 3, 1, 10))  # last year
    with time_machine.travel(sh(2026, 7, 1, 9), tick=False):
        page = _client(mark).get(reverse("staffing:ladder_report")).content.decode()
    assert page.index('data-person="bob"') < page.index('data-person="alice"')
    bob_row = page[page.index('data-person="bob"') : page.index('data-person="alice"')]
    assert "第2次 · 扣发全年奖金" in bob_row
    for report in (b1, b2):
        assert reverse("tickets:detail", args=[report.ticket.number]) in bob_row
    assert reverse("tickets:detail", args=[a1.ticket.number]) in page
    assert "扣发当月奖金(2026年2月)" in bob_row
    # the configured ladder is shown; another year is chosen with ?year=
    assert "建议解除劳动合同(严重违纪)" in page
    with time_machine.travel(sh(2026, 7, 1, 9), tick=False):
        page = _client(mark).get(reverse("staffing:ladder_report"), {"year": "2025"})
    html = page.content.decode()
    assert 'data-person="bob"' in html and 'data-person="alice"' not in html


def test_three_complaints_are_flagged_for_termination(
    ladder_complaint, bob: User, mark: User
) -> None:  # noqa: ANN001
    for month in (2, 3, 4):
        ladder_complaint(bob, sh(2026, month, 1, 10))
    with time_machine.travel(sh(2026, 7, 1, 9), tick=False):
        page = _client(mark).get(reverse("staffing:ladder_report")).content.decode()
    assert 'id="termination-alert"' in page
    assert 'class="row-overdue" data-person="bob"' in page


def test_a_person_sees_their_own_standing_with_links(
    ladder_complaint, bob: User, alice: User
) -> None:  # noqa: ANN001
    report = ladder_complaint(bob, sh(2026, 2, 1, 10))
    with time_machine.travel(sh(2026, 7, 1, 9), tick=False):
        mine = _client(bob).get(reverse("staffing:my_standing")).content.decode()
        other = _client(alice).get(reverse("staffing:my_standing")).content.decode()
    assert "扣发当月奖金" in mine and reverse("tickets:detail", args=[report.ticket.number]) in mine
    assert 'id="no-complaints"' in other and report.ticket.number not in other


def test_the_ladder_form_refuses_a_bad_ladder_and_keeps_the_old_one(mark: User) -> None:
    c = _client(mark)
    r = c.post(
        reverse("staffing:ladder_config"),
        {"row": ["0", "1"], "count_0": "1", "action_0": "warning", "label_0": "警告",
         "count_1": "1", "action_1": "termination", "label_1": "解除"},
    )  # fmt: skip
    assert r.status_code == 400 and "处罚阶梯的次数应从1起逐级递增" in r.content.decode()
    assert not LadderStep.objects.exists()
    r = c.post(
        reverse("staffing:ladder_config"),
        {"row": ["0", "1", "2"], "count_0": "1", "action_0": "warning", "label_0": "警告",
         "count_1": "2", "action_1": "termination", "label_1": "解除",
         "count_2": "", "action_2": "", "label_2": ""},
    )  # fmt: skip
    assert r.status_code == 302
    assert list(LadderStep.objects.values_list("count", "label")) == [(1, "警告"), (2, "解除")]


def test_the_demo_records_load_once(config) -> None:  # noqa: ANN001
    from kefu.staffing.demo import demo_staffing_load
    from kefu.staffing.demo_records import demo_records_load
    from kefu.staffing.models import ActionItem, ClockRecord, Meeting

    demo_staffing_load(records=False)
    made = demo_records_load()
    assert made["complaints"] == 3 and made["meetings"] == 1 and made["clock_records"] > 40
    manager = User.objects.get(username="mallmgr")
    year = ComplaintReport.objects.first().verified_at.astimezone(SH).year
    rows = sel.ladder_report(by=manager, year=year)
    assert [(r.person.username, r.count, r.step.action) for r in rows] == [
        ("svc2", 2, "year_bonus"),
        ("mem3", 1, "month_bonus"),
    ]
    assert ClockRecord.objects.filter(out_missing=True).count() == 1
    assert ActionItem.objects.filter(done_at__isnull=True).count() == 2
    assert demo_records_load() == {"clock_records": 0, "complaints": 0, "meetings": 0}
    assert Meeting.objects.count() == 1
