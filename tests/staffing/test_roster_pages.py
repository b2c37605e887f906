"""Roster pages and API: generate from the page, the grid, publish, swap (refused with its
reason), the roster file, the printable roster with breaks, one's own shifts and the iCal feed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from kefu.accounts.models import User
from kefu.staffing.models import Roster, RosterUnit, Shift, StaffProfile
from kefu.staffing.selectors_roster import calendar_token
from kefu.staffing.services import roster as services

DECEMBER = date(2026, 12, 1)


@pytest.fixture
def mall(db):  # noqa: ANN001
    from kefu.staffing.demo import demo_staffing_load

    demo_staffing_load(records=False)
    return RosterUnit.objects.get(code="mall")


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def roster(mall: RosterUnit) -> Roster:
    return services.roster_generate(
        by=User.objects.get(username="mallmgr"), unit=mall, month=DECEMBER
    )


def test_manager_generates_a_roster_from_the_page(mall) -> None:
    client = login("mallmgr")
    response = client.post("/staffing/rosters/", {"unit": mall.pk, "month": "2026-12"})
    made = Roster.objects.get(unit=mall, month=DECEMBER)
    assert response.status_code == 302 and response.url == f"/staffing/rosters/{made.pk}/"
    page = client.get(response.url).content.decode()
    assert 'id="roster-grid"' in page and "唐悦" in page
    assert made.shifts.count() == 124


@pytest.mark.parametrize(
    ("month", "message"), [("2026-13", "月份格式应为 YYYY-MM"), ("", "这个字段是必填项")]
)
def test_bad_month_is_refused_naming_the_field(mall, month: str, message: str) -> None:
    response = login("mallmgr").post("/staffing/rosters/", {"unit": mall.pk, "month": month})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Roster.objects.exists()


def test_impossible_month_is_explained_on_the_page(mall) -> None:
    from kefu.staffing.models import Leave

    Leave.objects.create(
        staff=StaffProfile.objects.get(user__username="svc1"),
        kind=Leave.Kind.ANNUAL,
        first_day=DECEMBER,
        last_day=date(2026, 12, 31),
        state=Leave.State.APPROVED,
    )
    response = login("mallmgr").post("/staffing/rosters/", {"unit": mall.pk, "month": "2026-12"})
    text = response.content.decode()
    assert response.status_code == 400 and 'id="problems"' in text
    assert "1F服务中心" in text and "需要 62 人次" in text


def test_agents_and_desk_staff_cannot_open_rosters(mall) -> None:
    made = roster(mall)
    for username in ("svc1",):
        client = login(username)
        assert client.get("/staffing/rosters/").status_code == 403
        assert client.get(f"/staffing/rosters/{made.pk}/").status_code == 403
        assert (
            client.post(f"/staffing/rosters/{made.pk}/action/", {"action": "publish"}).status_code
            == 403
        )
    made.refresh_from_db()
    assert made.status == Roster.Status.DRAFT


def test_publish_then_staff_see_their_month(mall) -> None:
    made = roster(mall)
    manager = login("mallmgr")
    response = manager.post(f"/staffing/rosters/{made.pk}/action/", {"action": "publish"})
    assert response.status_code == 302
    page = login("svc1").get("/staffing/my-shifts/?month=2026-12").content.decode()
    assert page.count("1F服务中心") >= 15 and "165" in page


def test_refused_swap_shows_the_reason_and_changes_nothing(mall) -> None:
    made = roster(mall)
    svc1 = StaffProfile.objects.get(user__username="svc1")
    a = made.shifts.filter(staff=svc1).order_by("day").first()
    b = made.shifts.filter(post__code="mall-1f", day=a.day + timedelta(days=1)).first()
    response = login("mallmgr").post(
        f"/staffing/rosters/{made.pk}/action/",
        {
            "action": "swap",
            "swap-first_staff": svc1.pk,
            "swap-first_day": a.day.isoformat(),
            "swap-second_staff": b.staff_id,
            "swap-second_day": b.day.isoformat(),
        },
    )
    text = response.content.decode()
    assert response.status_code == 400 and "连续工作" in text
    assert Shift.objects.get(pk=a.pk).staff == svc1


def test_swap_form_names_a_missing_shift(mall) -> None:
    made = roster(mall)
    svc1 = StaffProfile.objects.get(user__username="svc1")
    off_day = next(
        DECEMBER + timedelta(days=i)
        for i in range(31)
        if not made.shifts.filter(staff=svc1, day=DECEMBER + timedelta(days=i)).exists()
    )
    response = login("mallmgr").post(
        f"/staffing/rosters/{made.pk}/action/",
        {
            "action": "swap",
            "swap-first_staff": svc1.pk,
            "swap-first_day": off_day.isoformat(),
            "swap-second_staff": svc1.pk,
            "swap-second_day": off_day.isoformat(),
        },
    )
    assert response.status_code == 400 and "没有班次" in response.content.decode()


def test_roster_file_download_is_the_contract_csv(mall) -> None:
    made = roster(mall)
    response = login("mallmgr").get(f"/staffing/rosters/{made.pk}/roster.csv")
    text = response.content.decode("utf-8-sig")
    assert (
        text.splitlines()[0] == "date,employee_no,name,post,start,end,break_start,break_end,hours"
    )
    assert len(text.splitlines()) == 125


def test_print_view_lists_each_days_meal_breaks(mall) -> None:
    made = roster(mall)
    page = login("mallmgr").get(f"/staffing/rosters/{made.pk}/print/").content.decode()
    assert page.count("11:30–12:30") == 62 and page.count("18:00–19:00") == 62


def test_ical_feed_needs_the_right_token(mall) -> None:
    made = roster(mall)
    services.roster_publish(by=User.objects.get(username="mallmgr"), roster=made)
    user = User.objects.get(username="svc1")
    client = Client()
    bad = client.get(f"/staffing/ical/{user.pk}/{'0' * 32}.ics")
    assert bad.status_code == 404
    import time_machine

    with time_machine.travel(date(2026, 12, 10), tick=False):
        good = client.get(f"/staffing/ical/{user.pk}/{calendar_token(user)}.ics")
    body = good.content.decode()
    assert good["Content-Type"].startswith("text/calendar")
    assert body.count("BEGIN:VEVENT") == 15 and "1F服务中心" in body


def test_api_generate_publish_and_my_shifts(mall) -> None:
    manager = login("mallmgr")
    response = manager.post(
        "/api/staffing/rosters/generate",
        {"unit": "mall", "month": "2026-12"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["shifts"]) == 124 and body["violations"] == []
    assert manager.post(f"/api/staffing/rosters/{body['id']}/publish").status_code == 200
    mine = login("svc1").get("/api/staffing/rosters/mine?month=2026-12").json()
    assert len(mine["shifts"]) == 15 and mine["hours"] == 165 and mine["cap"] == 174


def test_api_bad_month_and_unknown_unit_are_field_errors(mall) -> None:
    manager = login("mallmgr")
    response = manager.post(
        "/api/staffing/rosters/generate",
        {"unit": "nowhere", "month": "2026-12"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "unit" in response.json()["errors"]
    response = manager.get("/api/staffing/rosters?month=12-2026")
    assert response.status_code == 400 and "month" in response.json()["errors"]


def test_staff_record_a_wish_the_solver_then_weighs(mall) -> None:
    import time_machine

    from kefu.staffing.models import ShiftPreference

    client = login("svc1")
    with time_machine.travel(date(2026, 11, 20), tick=False):
        response = client.post(
            "/staffing/my-shifts/",
            {"wish-day": "2026-12-02", "wish-wants_work": "1", "wish-note": "想换休"},
        )
        assert response.status_code == 302
        wish = ShiftPreference.objects.get()
        assert wish.wants_work and wish.staff.user.username == "svc1"
        made = services.roster_generate(
            by=User.objects.get(username="mallmgr"), unit=mall, month=DECEMBER
        )
    assert made.shifts.filter(staff=wish.staff, day=date(2026, 12, 2)).exists()


def test_a_wish_for_a_past_day_is_refused_naming_the_field(mall) -> None:
    from kefu.staffing.models import ShiftPreference

    response = login("svc1").post(
        "/staffing/my-shifts/", {"wish-day": "2020-01-01", "wish-wants_work": "0"}
    )
    assert response.status_code == 400
    assert "只能登记明天及以后的排班意愿" in response.content.decode()
    assert not ShiftPreference.objects.exists()
