"""Attendance (issue 5, item 6): clock in and out (services, page, API), worked hours against the
contract cap, overtime, lateness and early leave, missing clock-outs, manual records by
supervisors (audited), the month report with CSV, and bad input with field messages."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kefu.accounts.api_auth import token_cache_clear, token_create
from kefu.accounts.models import Role, User
from kefu.core.models import AuditEntry
from kefu.staffing import selectors_attendance as sel
from kefu.staffing.models import ClockRecord, Post, Roster, RosterUnit, Shift, StaffProfile
from kefu.staffing.seed import MALL_SERVICE, MALL_UNIT
from kefu.staffing.services import attendance as services

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)  # a Monday
MALL_BREAKS = [["11:30", "12:30"], ["17:00", "18:00"]]


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@pytest.fixture
def attendance_post(staffing_seed) -> Post:  # noqa: ANN001
    return Post.objects.get(code=MALL_SERVICE)


@pytest.fixture
def attendance_roster(attendance_post: Post) -> Roster:
    unit = RosterUnit.objects.get(code=MALL_UNIT)
    return Roster.objects.create(
        unit=unit, month=DAY.replace(day=1), status=Roster.Status.PUBLISHED
    )


@pytest.fixture
def tang(db) -> User:  # noqa: ANN001
    return User.objects.create_user(
        username="tang", password="kefu-pass-123", role=Role.DESK, employee_no="7101",
        display_name="唐悦",
    )  # fmt: skip


@pytest.fixture
def attendance_tang(tang: User, attendance_post: Post) -> StaffProfile:
    profile = StaffProfile.objects.create(user=tang, title="客服专员")
    profile.posts.set([attendance_post])
    return profile


def mall_shift(roster: Roster, staff: StaffProfile, day: date = DAY) -> Shift:
    return Shift.objects.create(
        roster=roster,
        staff=staff,
        day=day,
        post=roster.unit.posts.get(code=MALL_SERVICE),
        start=time(9),
        end=time(22),
        breaks=MALL_BREAKS,
        hours=Decimal(11),
    )


@pytest.fixture
def attendance_shift(attendance_roster: Roster, attendance_tang: StaffProfile) -> Shift:
    return mall_shift(attendance_roster, attendance_tang)


def clock(user: User, start: datetime, end: datetime | None, **kw) -> ClockRecord:  # noqa: ANN003
    with time_machine.travel(start, tick=False):
        record = services.clock_in(by=user, **kw)
    if end is not None:
        with time_machine.travel(end, tick=False):
            record = services.clock_out(by=user, **kw)
    return record


# --- services -----------------------------------------------------------------------------------


def test_a_day_is_clocked_linked_to_the_shift_and_counted_without_the_meal_breaks(
    tang: User, attendance_shift: Shift
) -> None:
    record = clock(tang, at(8, 55), at(22, 5))
    assert record.shift == attendance_shift
    assert record.source == ClockRecord.Source.PAGE
    assert record.clock_in == at(8, 55) and record.clock_out == at(22, 5)
    # 13 h 10 min clocked, the two meal hours are not paid
    assert sel.worked_seconds(record) == (11 * 60 + 10) * 60
    with time_machine.travel(at(23), tick=False):
        pm = sel.person_month(by=tang, staff=attendance_shift.staff, month=DAY.replace(day=1))
    assert (pm.shifts, pm.days_worked, pm.worked_hours) == (1, 1, Decimal("11.17"))
    assert pm.beyond_roster_hours == Decimal("0.17")
    assert (pm.late_count, pm.early_count, pm.missing_out, pm.over_cap) == (0, 0, 0, False)


@pytest.mark.parametrize(
    ("clock_in", "linked"),
    [((6, 30), True), ((12, 0), True), ((21, 59), True), ((22, 30), False)],
)
def test_a_clock_in_is_linked_to_todays_shift_until_it_ends(
    tang: User, attendance_shift: Shift, clock_in: tuple[int, int], linked: bool
) -> None:
    record = clock(tang, at(*clock_in), None)
    assert (record.shift == attendance_shift) is linked


def test_a_clock_in_after_midnight_belongs_to_the_overnight_shift(
    tang: User, attendance_roster: Roster, attendance_tang: StaffProfile
) -> None:
    night = mall_shift(attendance_roster, attendance_tang, date(2026, 11, 22))
    night.start, night.end, night.breaks = time(22), time(6), []
    night.save()
    record = clock(tang, at(0, 10), at(6))
    assert record.shift == night


def test_a_clock_in_without_a_shift_counts_all_its_time_beyond_the_roster(
    tang: User, attendance_tang: StaffProfile
) -> None:
    record = clock(tang, at(10), at(14, 30))
    assert record.shift is None
    with time_machine.travel(at(23), tick=False):
        pm = sel.person_month(by=tang, staff=attendance_tang, month=DAY.replace(day=1))
    assert pm.worked_hours == Decimal("4.50") and pm.beyond_roster_hours == Decimal("4.50")


@pytest.mark.parametrize(
    ("clock_in", "clock_out", "grace", "late", "early"),
    [
        ((8, 50), (22, 0), None, 0, 0),
        ((9, 5), (22, 0), None, 0, 0),  # within the 5-minute grace
        ((9, 6), (22, 0), None, 6, 0),  # minutes counted from the start
        ((9, 30), (21, 30), None, 30, 30),
        ((9, 6), (21, 55), 10, 0, 0),  # KEFU_LATE_GRACE_MINUTES
        ((9, 0), (21, 54), None, 0, 6),
    ],
)
def test_lateness_and_early_leave_against_the_shift(
    settings, tang, attendance_shift, clock_in, clock_out, grace, late, early
) -> None:  # noqa: ANN001
    if grace is not None:
        settings.KEFU_LATE_GRACE_MINUTES = grace
    clock(tang, at(*clock_in), at(*clock_out))
    with time_machine.travel(at(23), tick=False):
        pm = sel.person_month(by=tang, staff=attendance_shift.staff, month=DAY.replace(day=1))
    assert (pm.late_count, pm.late_minutes) == (1 if late else 0, late)
    assert (pm.early_count, pm.early_minutes) == (1 if early else 0, early)


def test_hours_above_the_contract_cap_are_overtime(
    tang: User, attendance_roster: Roster, attendance_tang: StaffProfile
) -> None:
    attendance_tang.contract_hours = Decimal(20)
    attendance_tang.save()
    for day in (date(2026, 11, 2), date(2026, 11, 4)):
        mall_shift(attendance_roster, attendance_tang, day)
        clock(tang, at(9, 0, day), at(22, 0, day))
    mall_shift(attendance_roster, attendance_tang, date(2026, 11, 6))  # not clocked
    with time_machine.travel(at(23), tick=False):
        pm = sel.person_month(by=tang, staff=attendance_tang, month=date(2026, 11, 1))
    assert (pm.worked_hours, pm.cap, pm.over_cap, pm.over_cap_hours) == (
        Decimal("22.00"), Decimal(20), True, Decimal("2.00")
    )  # fmt: skip
    assert pm.beyond_roster_hours == 0 and pm.overtime_hours == Decimal("2.00")
    # the rostered day without a clock-in is an absence
    assert pm.absent == 1 and pm.shifts == 3


@pytest.mark.parametrize(
    ("steps", "field", "message"),
    [
        (["in", "in"], "clock_in", "您已于 11-23 09:00 上班打卡,请先下班打卡"),
        (["out"], "clock_out", "您还没有上班打卡,无法下班打卡"),
        (["in", "out", "out"], "clock_out", "您还没有上班打卡,无法下班打卡"),
    ],
)
def test_clocking_twice_is_refused_with_a_field_message(
    tang: User, attendance_shift: Shift, steps: list[str], field: str, message: str
) -> None:
    with time_machine.travel(at(9), tick=True):
        for step in steps[:-1]:
            (services.clock_in if step == "in" else services.clock_out)(by=tang)
        before = list(ClockRecord.objects.values_list("pk", "clock_out"))
        with pytest.raises(ValidationError) as info:
            (services.clock_in if steps[-1] == "in" else services.clock_out)(by=tang)
    assert info.value.message_dict == {field: [message]}
    assert list(ClockRecord.objects.values_list("pk", "clock_out")) == before


def test_someone_without_a_staff_profile_cannot_clock(alice: User) -> None:
    with pytest.raises(ValidationError) as info:
        services.clock_in(by=alice)
    assert "staff" in info.value.message_dict
    assert not ClockRecord.objects.exists()


def test_a_forgotten_clock_out_is_marked_missing_at_the_next_clock_in(
    tang: User, attendance_roster: Roster, attendance_tang: StaffProfile
) -> None:
    mall_shift(attendance_roster, attendance_tang, date(2026, 11, 21))
    first = clock(tang, at(9, 0, date(2026, 11, 21)), None)
    # 2 days later clocking out is refused: a supervisor must enter the real time
    with time_machine.travel(at(22, 0), tick=False), pytest.raises(ValidationError) as info:
        services.clock_out(by=tang)
    assert "超过 16 小时" in info.value.message_dict["clock_out"][0]
    second = clock(tang, at(9), at(22))
    first.refresh_from_db()
    assert first.out_missing and first.clock_out is None
    assert second.clock_out == at(22)
    assert AuditEntry.objects.filter(action="clock_out_missing", object_id=str(first.pk)).exists()
    with time_machine.travel(at(23), tick=False):
        pm = sel.person_month(by=tang, staff=attendance_tang, month=date(2026, 11, 1))
    assert pm.missing_out == 1
    assert pm.worked_hours == Decimal("13.00")  # the missing day counts nothing yet


def test_a_supervisor_records_for_someone_else_with_a_note_and_it_is_audited(
    tang: User, lena: User, alice: User, attendance_shift: Shift
) -> None:
    staff = attendance_shift.staff
    with time_machine.travel(at(9, 30), tick=False):
        with pytest.raises(PermissionDenied):
            services.clock_in(by=alice, staff=staff, note="代打卡")
        with pytest.raises(ValidationError) as info:
            services.clock_in(by=lena, staff=staff)
        assert info.value.message_dict == {"note": ["补录考勤时请填写说明(原因)"]}
        record = services.clock_in(by=lena, staff=staff, at=at(9, 2), note="门禁故障")
    assert record.source == ClockRecord.Source.MANUAL and record.recorded_by == lena
    assert record.clock_in == at(9, 2) and record.shift == attendance_shift
    with time_machine.travel(at(22, 30), tick=False):
        services.clock_out(by=lena, staff=staff, at=at(22), note="门禁故障")
    actions = list(
        AuditEntry.objects.filter(object_id=str(record.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["clock_in_manual", "clock_out_manual"]
    # a person may not backdate their own clock-in
    with time_machine.travel(at(23), tick=False), pytest.raises(PermissionDenied):
        services.clock_in(by=tang, at=at(22, 30), note="忘了")


def test_a_manual_day_is_checked_as_a_whole(lena: User, attendance_shift: Shift) -> None:
    staff = attendance_shift.staff
    with time_machine.travel(at(23), tick=False):
        with pytest.raises(ValidationError) as info:
            services.clock_record_add(
                by=lena, staff=staff, clock_in_at=at(22), clock_out_at=at(9), note=""
            )
        assert set(info.value.message_dict) == {"note", "clock_out"}
        record = services.clock_record_add(
            by=lena, staff=staff, clock_in_at=at(9), clock_out_at=at(22), note="补录"
        )
        with pytest.raises(ValidationError) as info:
            services.clock_record_add(
                by=lena, staff=staff, clock_in_at=at(21), clock_out_at=at(22, 30), note="补录"
            )
        assert "重叠" in info.value.message_dict["clock_in"][0]
    assert ClockRecord.objects.count() == 1
    assert record.shift == attendance_shift and record.source == ClockRecord.Source.MANUAL
    assert AuditEntry.objects.filter(action="clock_record_add").count() == 1


def test_a_supervisor_closes_a_missing_clock_out(
    tang: User, lena: User, attendance_tang: StaffProfile
) -> None:
    first = clock(tang, at(9, 0, date(2026, 11, 21)), None)
    clock(tang, at(9), None)  # marks the first one missing
    first.refresh_from_db()
    with time_machine.travel(at(10), tick=False):
        assert sel.stale_open_records(by=lena) == [first]
        services.clock_record_close(
            by=lena, record=first, at=at(21, 0, date(2026, 11, 21)), note="监控核实"
        )
    first.refresh_from_db()
    assert first.clock_out == at(21, 0, date(2026, 11, 21)) and first.out_missing
    assert "监控核实" in first.note


# --- pages --------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_clock_page_clocks_in_and_out_and_shows_the_month(
    tang: User, attendance_shift: Shift
) -> None:
    c = _client(tang)
    with time_machine.travel(at(8, 58), tick=False):
        page = c.get(reverse("staffing:clock")).content.decode()
        assert "09:00–22:00" in page and 'id="clock-in"' in page
        r = c.post(reverse("staffing:clock"), {"action": "in"})
        assert r.status_code == 302
        page = c.get(reverse("staffing:clock")).content.decode()
        assert "已于 08:58 上班打卡" in page and 'id="clock-out"' in page
        r = c.post(reverse("staffing:clock"), {"action": "in"})
        assert r.status_code == 400 and "您已于 11-23 08:58 上班打卡" in r.content.decode()
    with time_machine.travel(at(22, 2), tick=False):
        r = c.post(reverse("staffing:clock"), {"action": "out"}, follow=True)
        page = r.content.decode()
        assert "下班打卡成功:22:02,本次计 11.07 小时" in page
        assert "11.1" in page and "上限 174" in page
        r = c.post(reverse("staffing:clock"), {"action": "out"})
        assert r.status_code == 400 and "您还没有上班打卡,无法下班打卡" in r.content.decode()
    assert ClockRecord.objects.count() == 1


def test_only_supervisors_open_the_attendance_report(
    alice: User, tang: User, lena: User, attendance_tang: StaffProfile
) -> None:
    for user in (alice, tang):
        assert _client(user).get(reverse("staffing:attendance_report")).status_code == 403
    assert _client(lena).get(reverse("staffing:attendance_report")).status_code == 200
    # one's own month, not someone else's
    own = reverse("staffing:attendance_person", args=[attendance_tang.pk])
    assert _client(tang).get(own).status_code == 200
    assert _client(alice).get(own).status_code == 403


def test_the_report_shows_each_persons_numbers_highlights_over_cap_and_downloads_csv(
    tang: User, lena: User, attendance_roster: Roster, attendance_tang: StaffProfile
) -> None:
    attendance_tang.contract_hours = Decimal(20)
    attendance_tang.save()
    for day, start in ((date(2026, 11, 2), (9, 10)), (date(2026, 11, 4), (8, 55))):
        mall_shift(attendance_roster, attendance_tang, day)
        clock(tang, at(*start, day), at(22, 0, day))
    c = _client(lena)
    with time_machine.travel(at(23), tick=False):
        page = c.get(reverse("staffing:attendance_report"), {"month": "2026-11"}).content.decode()
        start = page.rindex("<tr", 0, page.index('data-staff="7101"'))
        row = page[start : page.index("</tr>", start)]
        assert 'class="row-overdue over-cap"' in row
        assert "21.92 / 20" in row and "1 / 10" in row  # late once by 10 minutes
        r = c.get(reverse("staffing:attendance_report"), {"month": "2026-11", "format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("工号,姓名,月份,排班次数")
    assert "7101,唐悦,2026-11,2,22.00,2,21.92,20.0,1.92,0.08,1,10,0,0,0,0" in lines


def test_a_manual_record_from_the_report_page_names_the_bad_field(
    lena: User, attendance_tang: StaffProfile
) -> None:
    c = _client(lena)
    with time_machine.travel(at(23), tick=False):
        r = c.post(
            reverse("staffing:attendance_manual"),
            {"staff": attendance_tang.pk, "day": "2026-11-23", "clock_in": "09:00",
             "clock_out": "", "note": ""},
        )  # fmt: skip
        assert r.status_code == 400
        assert "下班时间" in r.content.decode()
        r = c.post(
            reverse("staffing:attendance_manual"),
            {"staff": attendance_tang.pk, "day": "2026-11-23", "clock_in": "09:00",
             "clock_out": "22:00", "note": ""},
        )  # fmt: skip
        assert r.status_code == 400 and "补录考勤时请填写说明" in r.content.decode()
        assert not ClockRecord.objects.exists()
        r = c.post(
            reverse("staffing:attendance_manual"),
            {"staff": attendance_tang.pk, "day": "2026-11-23", "clock_in": "09:00",
             "clock_out": "22:00", "note": "忘记打卡"},
        )  # fmt: skip
        assert r.status_code == 302
    assert ClockRecord.objects.get().source == ClockRecord.Source.MANUAL


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def attendance_api(tang: User, attendance_shift: Shift):  # noqa: ANN201
    token_cache_clear()

    def client(user: User):  # noqa: ANN202
        _, key = token_create(user=user, name=f"tests-{user.username}")
        c = Client(headers={"Authorization": f"Bearer {key}"})

        def post(url: str, body: dict | None = None):  # noqa: ANN202
            return c.post(url, json.dumps(body or {}), content_type="application/json")

        c.post_json = post  # type: ignore[attr-defined]
        return c

    yield client
    token_cache_clear()


def test_api_clocks_in_and_out_with_field_errors_as_json(
    attendance_api, tang: User, attendance_shift: Shift
) -> None:  # noqa: ANN001
    c = attendance_api(tang)
    with time_machine.travel(at(8, 59), tick=False):
        r = c.post_json("/api/staffing/attendance/clock-in")
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["employee_no"] == "7101" and body["source"] == "api"
        assert body["clock_in"] == "2026-11-23T08:59:00+08:00"
        assert body["shift"]["start"] == "09:00"
        r = c.post_json("/api/staffing/attendance/clock-in")
        assert r.status_code == 400
        assert r.json()["errors"] == {"clock_in": ["您已于 11-23 08:59 上班打卡,请先下班打卡"]}
    with time_machine.travel(at(22), tick=False):
        r = c.post_json("/api/staffing/attendance/clock-out", {"note": "正常下班"})
        assert r.status_code == 200
        assert r.json()["worked_hours"] == 11.02 and r.json()["note"] == "正常下班"
        # an empty body is fine too (curl -X POST)
        r = c.post("/api/staffing/attendance/clock-out", "", content_type="application/json")
        assert r.status_code == 400
        assert r.json()["errors"] == {"clock_out": ["您还没有上班打卡,无法下班打卡"]}
        r = c.get("/api/staffing/attendance/month", {"month": "2026-11"})
    assert r.status_code == 200
    person = r.json()["people"][0]
    assert person["worked_hours"] == 11.02 and person["cap_hours"] == 174.0
    assert person["late"] == {"count": 0, "minutes": 0}


def test_api_records_for_someone_else_only_as_a_supervisor(
    attendance_api, tang: User, alice: User, lena: User, attendance_shift: Shift
) -> None:  # noqa: ANN001
    with time_machine.travel(at(9, 10), tick=False):
        r = attendance_api(alice).post_json(
            "/api/staffing/attendance/clock-in", {"employee_no": "7101", "note": "代打"}
        )
        assert r.status_code == 403
        lead = attendance_api(lena)
        r = lead.post_json("/api/staffing/attendance/clock-in", {"employee_no": "9999"})
        assert r.status_code == 400 and "employee_no" in r.json()["errors"]
        r = lead.post_json(
            "/api/staffing/attendance/clock-in",
            {"employee_no": "7101", "at": "2026-11-23T09:01:00+08:00", "note": "打卡机故障"},
        )
        assert r.status_code == 201 and r.json()["source"] == "manual"
        r = lead.post_json("/api/staffing/attendance/clock-in", {"at": "昨天"})
        assert r.status_code == 400 and "at" in r.json()["errors"]
    with time_machine.travel(at(23), tick=False):
        r = lead.get("/api/staffing/attendance/month", {"month": "2026-13"})
        assert r.status_code == 400 and "month" in r.json()["errors"]
        r = lead.get("/api/staffing/attendance/month", {"month": "2026-11"})
        assert [p["employee_no"] for p in r.json()["people"]] == ["7101"]
        r = attendance_api(alice).get(
            "/api/staffing/attendance/month", {"month": "2026-11", "employee_no": "7101"}
        )
        assert r.status_code == 403
    assert AuditEntry.objects.filter(action="clock_in_manual").count() == 1
