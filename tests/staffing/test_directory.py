"""Staff directory and leave (issue 5, item 1): the services (permissions, validation, audit) and
the pages (who may open what, search and filters, forms with field messages)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import Role, User
from kefu.core.models import AuditEntry, Notification
from kefu.staffing.models import Leave, Post, Roster, RosterEvent, Shift, StaffProfile
from kefu.staffing.seed import HOTLINE_POST, MALL_SERVICE
from kefu.staffing.services import directory as services

TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # noqa: ANN001
    """The services' and pages' "today" is 2026-12-01 (local)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


@pytest.fixture
def hotline_post(staffing_seed) -> Post:  # noqa: ANN001
    return Post.objects.get(code=HOTLINE_POST)


@pytest.fixture
def mall_post(staffing_seed) -> Post:  # noqa: ANN001
    return Post.objects.get(code=MALL_SERVICE)


def make_profile(user: User, *posts: Post, **values) -> StaffProfile:  # noqa: ANN003
    profile = StaffProfile.objects.create(user=user, **values)
    profile.posts.set(posts)
    return profile


@pytest.fixture
def alice_p(alice: User, hotline_post: Post) -> StaffProfile:
    return make_profile(alice, hotline_post, title="坐席", skills=["VIP", "粤语"])


@pytest.fixture
def bob_p(bob: User, hotline_post: Post) -> StaffProfile:
    return make_profile(bob, hotline_post, title="坐席")


@pytest.fixture
def lena_p(lena: User, hotline_post: Post) -> StaffProfile:
    return make_profile(lena, hotline_post, title="班长")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def fields(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- staff profiles: services ---------------------------------------------------------------------


def test_a_manager_adds_an_account_to_the_directory(mark: User, alice: User, hotline_post: Post):
    profile = services.staff_profile_create(
        by=mark,
        user=alice,
        title="坐席",
        posts=[hotline_post],
        skills="VIP、粤语, 投诉,VIP",
        contract_hours="166",
    )
    assert profile.skills == ["VIP", "粤语", "投诉"]
    assert profile.contract_hours == Decimal("166.0")
    assert list(profile.posts.all()) == [hotline_post]
    entry = AuditEntry.objects.get(action="staff_profile_create")
    assert entry.actor == mark and entry.object_id == str(profile.pk)
    assert entry.detail["posts"] == [HOTLINE_POST]


def test_an_account_gets_one_profile_and_an_agent_may_not_add_one(
    mark: User, alice: User, alice_p: StaffProfile, bob: User
):
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_create(by=mark, user=alice)
    assert "已有员工档案" in fields(exc)["user"][0]
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_create(by=mark, user=None)
    assert fields(exc)["user"] == ["请选择账号"]
    with pytest.raises(PermissionDenied):
        services.staff_profile_create(by=alice, user=bob)
    assert not StaffProfile.objects.filter(user=bob).exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"contract_hours": "0"}, "contract_hours", "每月工时上限必须大于 0 且不超过 744 小时"),
        ({"contract_hours": "800"}, "contract_hours", "每月工时上限必须大于 0 且不超过 744 小时"),
        ({"contract_hours": "abc"}, "contract_hours", "每月工时上限不是数字:abc"),
        ({"skills": "、".join(f"技能{i}" for i in range(21))}, "skills", "技能最多 20 项"),
        ({"skills": "一" * 21}, "skills", "每项技能最多 20 个字:" + "一" * 21),
        ({"phone": "call me"}, "phone", "联系电话只能包含数字、+、-、括号和空格,最多 20 位"),
        ({"title": "长" * 41}, "title", "职务最多 40 个字"),
    ],
)
def test_bad_profile_values_are_refused_by_field(
    mark: User, alice_p: StaffProfile, values: dict, field: str, message: str
):
    base = {
        "title": "坐席",
        "posts": [],
        "skills": "",
        "contract_hours": "174",
        "relief": False,
        "active": True,
    }
    with pytest.raises(ValidationError) as exc:
        services.staff_profile_save(by=mark, profile=alice_p, **(base | values))
    assert fields(exc)[field] == [message]
    alice_p.refresh_from_db()
    assert alice_p.skills == ["VIP", "粤语"]


def test_saving_a_profile_audits_only_what_changed(
    mark: User, alice_p: StaffProfile, hotline_post: Post, mall_post: Post
):
    services.staff_profile_save(
        by=mark,
        profile=alice_p,
        title="坐席",
        posts=[hotline_post, mall_post],
        skills=["VIP", "粤语"],
        contract_hours=Decimal("160"),
        relief=True,
        active=True,
    )
    entry = AuditEntry.objects.get(action="staff_profile_update")
    assert set(entry.detail) == {"posts", "contract_hours", "relief"}
    assert entry.detail["contract_hours"] == ["174.0", "160.0"]
    services.staff_profile_save(
        by=mark,
        profile=alice_p,
        title="坐席",
        posts=[hotline_post, mall_post],
        skills="VIP 粤语",
        contract_hours="160",
        relief=True,
        active=True,
    )
    assert AuditEntry.objects.filter(action="staff_profile_update").count() == 1


# --- leave: services ------------------------------------------------------------------------------


def test_staff_request_leave_for_themselves_and_a_manager_approves(
    alice: User, alice_p: StaffProfile, lena: User
):
    leave = services.leave_request(
        by=alice, kind="annual", first_day=date(2026, 12, 10), last_day=date(2026, 12, 12)
    )
    assert leave.state == Leave.State.REQUESTED and leave.staff == alice_p
    services.leave_decide(by=lena, leave=leave, approve=True, note="同意")
    leave.refresh_from_db()
    assert leave.state == Leave.State.APPROVED and leave.decided_by == lena
    assert [e.action for e in AuditEntry.objects.order_by("at", "pk")] == [
        "leave_request",
        "leave_approve",
    ]
    assert Notification.objects.filter(user=alice, message__contains="已批准").exists()


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (date(2026, 12, 5), date(2026, 12, 4), "last_day", "结束日期 2026-12-04 早于开始日期 2026-12-05"),
        (date(2026, 12, 5), date(2028, 12, 4), "last_day", "一次请假最多 366 天"),
        (None, date(2026, 12, 4), "first_day", "请填写开始日期"),
        (date(2026, 11, 30), date(2026, 11, 30), "first_day", "开始日期不能早于今天;已发生的请假或病假请由班长补登"),
    ],
)  # fmt: skip
def test_bad_leave_requests(
    alice: User, alice_p: StaffProfile, first: date | None, last: date, field: str, message: str
):
    with pytest.raises(ValidationError) as exc:
        services.leave_request(by=alice, kind="annual", first_day=first, last_day=last)
    assert fields(exc)[field] == [message]
    assert not Leave.objects.exists()


def test_without_a_profile_no_leave_can_be_requested(bob: User):
    with pytest.raises(PermissionDenied, match="还没有员工档案"):
        services.leave_request(
            by=bob, kind="annual", first_day=date(2026, 12, 2), last_day=date(2026, 12, 2)
        )


def test_a_manager_records_sickness_approved_at_once_even_for_past_days(
    lena: User, alice_p: StaffProfile
):
    leave = services.leave_record(
        by=lena,
        staff=alice_p,
        kind="sick",
        first_day=date(2026, 11, 30),
        last_day=date(2026, 12, 1),
        reason="发烧",
    )
    assert leave.state == Leave.State.APPROVED and leave.decided_by == lena
    entry = AuditEntry.objects.get(action="leave_record")
    assert entry.detail["kind"] == "sick" and entry.detail["staff"] == "1024"


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 12, 12), date(2026, 12, 14), "与已批准的请假重叠:年假 2026-12-10 至 2026-12-12"),
        (date(2026, 12, 1), date(2026, 12, 10), "与已批准的请假重叠:年假 2026-12-10 至 2026-12-12"),
        (date(2026, 12, 11), date(2026, 12, 11), "与已批准的请假重叠:年假 2026-12-10 至 2026-12-12"),
    ],
)  # fmt: skip
def test_overlapping_leave_of_the_same_person_is_refused(
    lena: User, alice_p: StaffProfile, bob_p: StaffProfile, first: date, last: date, message: str
):
    services.leave_record(
        by=lena,
        staff=alice_p,
        kind="annual",
        first_day=date(2026, 12, 10),
        last_day=date(2026, 12, 12),
    )
    with pytest.raises(ValidationError) as exc:
        services.leave_record(by=lena, staff=alice_p, kind="sick", first_day=first, last_day=last)
    assert fields(exc)["first_day"] == [message]
    # another person's leave on the same days is fine
    services.leave_record(by=lena, staff=bob_p, kind="sick", first_day=first, last_day=last)
    # and so are the days right after
    services.leave_record(
        by=lena,
        staff=alice_p,
        kind="sick",
        first_day=date(2026, 12, 13),
        last_day=date(2026, 12, 13),
    )


def test_a_pending_request_blocks_a_second_one_and_approval_rechecks(
    alice: User, alice_p: StaffProfile, lena: User, mark: User
):
    first = services.leave_request(
        by=alice, kind="annual", first_day=date(2026, 12, 10), last_day=date(2026, 12, 11)
    )
    with pytest.raises(ValidationError) as exc:
        services.leave_request(
            by=alice, kind="personal", first_day=date(2026, 12, 11), last_day=date(2026, 12, 11)
        )
    assert "与待审批的请假申请重叠" in fields(exc)["first_day"][0]
    # the request was made; meanwhile the manager recorded sickness on one of its days
    Leave.objects.create(
        staff=alice_p,
        kind="sick",
        first_day=date(2026, 12, 11),
        last_day=date(2026, 12, 11),
        state=Leave.State.APPROVED,
    )
    with pytest.raises(ValidationError) as exc:
        services.leave_decide(by=mark, leave=first, approve=True)
    assert "与已批准的请假重叠" in fields(exc)["first_day"][0]
    services.leave_decide(by=mark, leave=first, approve=False, note="已按病假登记")
    first.refresh_from_db()
    assert first.state == Leave.State.REJECTED
    with pytest.raises(ValidationError, match="不能再审批"):
        services.leave_decide(by=mark, leave=first, approve=True)


@pytest.mark.parametrize(
    ("staff", "message"), [("none", "未知的员工,请从员工档案中选择"), ("gone", "王丽 已离职,不能登记请假")]
)  # fmt: skip
def test_leave_for_an_unknown_or_departed_person_is_refused(
    lena: User, alice_p: StaffProfile, staff: str, message: str
):
    if staff == "gone":
        alice_p.active = False
        alice_p.save()
    with pytest.raises(ValidationError) as exc:
        services.leave_record(
            by=lena,
            staff=alice_p if staff == "gone" else None,
            kind="sick",
            first_day=TODAY,
            last_day=TODAY,
        )
    assert fields(exc)["staff"] == [message]


def test_who_may_decide_and_cancel(
    alice: User, alice_p: StaffProfile, bob: User, bob_p: StaffProfile, lena: User, lena_p, mark
):  # noqa: ANN001
    own = services.leave_request(by=lena, kind="annual", first_day=TODAY, last_day=TODAY)
    with pytest.raises(PermissionDenied, match="不能审批自己的请假申请"):
        services.leave_decide(by=lena, leave=own, approve=True)
    mine = services.leave_request(by=alice, kind="annual", first_day=TODAY, last_day=TODAY)
    with pytest.raises(PermissionDenied):
        services.leave_decide(by=bob, leave=mine, approve=True)
    with pytest.raises(PermissionDenied):
        services.leave_record(by=alice, staff=bob_p, kind="sick", first_day=TODAY, last_day=TODAY)
    with pytest.raises(PermissionDenied):
        services.leave_cancel(by=bob, leave=mine)
    # a request may be withdrawn by its owner
    services.leave_cancel(by=alice, leave=mine)
    mine.refresh_from_db()
    assert mine.state == Leave.State.CANCELLED
    with pytest.raises(ValidationError, match="不能撤销"):
        services.leave_cancel(by=alice, leave=mine)
    # approved leave that has started is the manager's to cancel
    started = services.leave_record(
        by=mark, staff=alice_p, kind="annual", first_day=TODAY, last_day=TODAY + timedelta(days=1)
    )
    with pytest.raises(PermissionDenied, match="尚未开始"):
        services.leave_cancel(by=alice, leave=started)
    services.leave_cancel(by=lena, leave=started)
    assert Notification.objects.filter(user=alice, message__contains="撤销").exists()
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="leave_cancel")] == [
        "leave_cancel",
        "leave_cancel",
    ]


def test_approved_leave_on_rostered_days_goes_to_the_roster_history(
    lena: User, alice_p: StaffProfile, hotline_post: Post
):
    roster = Roster.objects.create(unit=hotline_post.unit, month=date(2026, 12, 1))
    for day in (date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 8)):
        Shift.objects.create(
            roster=roster,
            staff=alice_p,
            day=day,
            post=hotline_post,
            start=time(8),
            end=time(16, 30),
            hours=8,
        )
    leave = services.leave_record(
        by=lena, staff=alice_p, kind="sick", first_day=date(2026, 12, 3), last_day=date(2026, 12, 5)
    )
    assert [s.day for s in services.leave_conflicts(leave)] == [
        date(2026, 12, 3),
        date(2026, 12, 4),
    ]
    event = RosterEvent.objects.get(roster=roster)
    assert event.action == "leave_recorded" and event.actor == lena
    assert event.warnings == [
        "王丽 2026-12-03 有 热线坐席 班次 08:00-16:30,但已请假,请调整排班",
        "王丽 2026-12-04 有 热线坐席 班次 08:00-16:30,但已请假,请调整排班",
    ]


# --- pages ----------------------------------------------------------------------------------------


def test_the_directory_is_for_roster_managers(alice: User, alice_p: StaffProfile, lena: User):
    assert client_for(alice).get(reverse("staffing:directory")).status_code == 403
    anonymous = Client().get(reverse("staffing:directory"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    page = client_for(lena).get(reverse("staffing:directory"))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("工号", "1024", "王丽", "坐席", "热线坐席", "VIP", "粤语", "174", "当前请假"):
        assert text in html


def test_directory_search_and_filters(
    lena: User, alice_p: StaffProfile, bob_p: StaffProfile, lena_p: StaffProfile, mall_post: Post
):
    bob_p.active = False
    bob_p.save()
    alice_p.posts.add(mall_post)
    Leave.objects.create(
        staff=alice_p, kind="annual", first_day=TODAY, last_day=date(2026, 12, 3), state="approved"
    )
    c = client_for(lena)
    url = reverse("staffing:directory")

    def rows(query: dict) -> list[str]:
        page = c.get(url, query)
        assert page.status_code == 200
        return [str(p.employee_no) for p in page.context["page"]]

    assert rows({}) == ["1001", "1024"]  # employed only by default
    assert rows({"active": ""}) == ["1001", "1024", "1025"]
    assert rows({"active": "0"}) == ["1025"]
    assert rows({"q": "王"}) == ["1024"]
    assert rows({"q": "1001"}) == ["1001"]
    assert rows({"role": Role.TEAM_LEAD}) == ["1001"]
    assert rows({"post": mall_post.pk}) == ["1024"]
    html = c.get(url).content.decode()
    assert "年假" in html and "至 12-03" in html
    assert c.get(url, {"role": "pilot"}).status_code == 400


def test_directory_paginates(lena: User, hotline_post: Post):
    for i in range(55):
        user = User.objects.create_user(
            username=f"u{i}", password="x", employee_no=f"2{i:03d}", display_name=f"员工{i}"
        )
        make_profile(user, hotline_post)
    c = client_for(lena)
    first = c.get(reverse("staffing:directory"))
    assert len(first.context["page"]) == 50 and "1 / 2" in first.content.decode()
    second = c.get(reverse("staffing:directory"), {"page": 2})
    assert len(second.context["page"]) == 5


def test_staff_see_their_own_profile_only(
    alice: User, alice_p: StaffProfile, bob_p: StaffProfile, hotline_post: Post
):
    roster = Roster.objects.create(unit=hotline_post.unit, month=date(2026, 12, 1))
    Shift.objects.create(
        roster=roster, staff=alice_p, day=date(2026, 12, 2), post=hotline_post,
        start=time(13, 30), end=time(22), hours=8,
    )  # fmt: skip
    Shift.objects.create(
        roster=roster, staff=alice_p, day=date(2026, 11, 30), post=hotline_post,
        start=time(8), end=time(16, 30), hours=8,
    )  # fmt: skip
    c = client_for(alice)
    page = c.get(reverse("staffing:staff_detail", args=[alice_p.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "王丽" in html and "13:30-22:00" in html
    assert "08:00-16:30" not in html  # past shifts are not upcoming
    assert 'id="staff-edit-form"' not in html
    assert c.get(reverse("staffing:staff_detail", args=[bob_p.pk])).status_code == 403
    assert c.post(reverse("staffing:staff_detail", args=[alice_p.pk]), {}).status_code == 403
    me = c.get(reverse("staffing:staff_me"))
    assert me["Location"] == reverse("staffing:staff_detail", args=[alice_p.pk])


def test_a_manager_edits_a_profile_and_sees_field_messages(
    lena: User, alice_p: StaffProfile, hotline_post: Post, mall_post: Post
):
    c = client_for(lena)
    url = reverse("staffing:staff_detail", args=[alice_p.pk])
    data = {
        "profile-title": "高级坐席",
        "profile-posts": [hotline_post.pk, mall_post.pk],
        "profile-skills": "VIP,粤语,闽南语",
        "profile-contract_hours": "0",
        "profile-active": "on",
    }
    bad = c.post(url, data)
    assert bad.status_code == 400
    assert "每月工时上限必须大于 0 且不超过 744 小时" in bad.content.decode()
    good = c.post(url, data | {"profile-contract_hours": "168"})
    assert good.status_code == 302
    alice_p.refresh_from_db()
    assert alice_p.title == "高级坐席" and alice_p.skills == ["VIP", "粤语", "闽南语"]
    assert alice_p.contract_hours == Decimal("168.0") and alice_p.posts.count() == 2


def test_adding_a_profile_from_the_page(lena: User, bob: User, hotline_post: Post):
    c = client_for(lena)
    url = reverse("staffing:staff_create")
    page = c.get(url)
    assert page.status_code == 200 and "赵强(1025)" in page.content.decode()
    r = c.post(
        url,
        {"user": bob.pk, "title": "坐席", "posts": [hotline_post.pk], "skills": "投诉",
         "contract_hours": "174"},
    )  # fmt: skip
    profile = StaffProfile.objects.get(user=bob)
    assert r["Location"] == reverse("staffing:staff_detail", args=[profile.pk])
    assert profile.skills == ["投诉"]
    assert "赵强(1025)" not in c.get(url).content.decode()


def test_leave_pages_request_record_decide(
    alice: User, alice_p: StaffProfile, bob_p: StaffProfile, lena: User
):
    agent = client_for(alice)
    page = agent.get(reverse("staffing:leave_list"))
    assert page.status_code == 200 and 'id="leave-request-form"' in page.content.decode()
    assert 'id="leave-record-form"' not in page.content.decode()
    bad = agent.post(
        reverse("staffing:leave_request"),
        {"req-kind": "annual", "req-first_day": "2026-12-10", "req-last_day": "2026-12-08"},
    )
    assert bad.status_code == 400
    assert "结束日期 2026-12-08 早于开始日期 2026-12-10" in bad.content.decode()
    ok = agent.post(
        reverse("staffing:leave_request"),
        {"req-kind": "annual", "req-first_day": "2026-12-10", "req-last_day": "2026-12-11"},
    )
    assert ok.status_code == 302
    leave = Leave.objects.get()
    # the agent may not record leave for others
    assert agent.post(reverse("staffing:leave_record"), {"rec-staff": bob_p.pk}).status_code == 403
    manager = client_for(lena)
    listing = manager.get(reverse("staffing:leave_list")).content.decode()
    assert "有 1 条请假申请待审批" in listing and f'id="approve-{leave.pk}"' in listing
    r = manager.post(reverse("staffing:leave_decide", args=[leave.pk]), {"op": "approve"})
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.state == Leave.State.APPROVED
    overlap = manager.post(
        reverse("staffing:leave_record"),
        {"rec-staff": alice_p.pk, "rec-kind": "sick", "rec-first_day": "2026-12-11",
         "rec-last_day": "2026-12-12"},
    )  # fmt: skip
    assert overlap.status_code == 400
    assert "与已批准的请假重叠:年假 2026-12-10 至 2026-12-11" in overlap.content.decode()
    unknown = manager.post(
        reverse("staffing:leave_record"),
        {"rec-staff": 99999, "rec-kind": "sick", "rec-first_day": "2026-12-11",
         "rec-last_day": "2026-12-12"},
    )  # fmt: skip
    assert unknown.status_code == 400 and "未知的员工" in unknown.content.decode()
    recorded = manager.post(
        reverse("staffing:leave_record"),
        {"rec-staff": bob_p.pk, "rec-kind": "sick", "rec-first_day": "2026-12-01",
         "rec-last_day": "2026-12-01"},
        follow=True,
    )  # fmt: skip
    assert "已登记 赵强 的病假" in recorded.content.decode()
    # the agent sees only their own leave
    mine = agent.get(reverse("staffing:leave_list"))
    assert [lv.staff for lv in mine.context["page"]] == [alice_p]
