"""Demand (issue 5, item 2): forecasts entered, imported (all or nothing) and taken from history;
the agents Erlang C asks for next to those scheduled; the page, its what-if targets, chart and
CSV export; bad input answered with field messages."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.models import AuditEntry
from kefu.staffing.models import DemandInterval, Post, Roster, Shift, StaffProfile
from kefu.staffing.seed import HOTLINE_POST, MALL_SERVICE
from kefu.staffing.selectors_demand import (
    Targets,
    demand_plan,
    plan_csv_rows,
    scheduled_per_interval,
    span_days,
    targets_check,
)
from kefu.staffing.services import demand as services

DEC1 = date(2026, 12, 1)  # a Tuesday


@pytest.fixture(autouse=True)
def _today(monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DEC1)


@pytest.fixture
def hotline_post(staffing_seed) -> Post:  # noqa: ANN001
    return Post.objects.get(code=HOTLINE_POST)


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def staff(n: int, post: Post) -> list[StaffProfile]:
    people = []
    for i in range(n):
        user = User.objects.create_user(
            username=f"a{i}", password="x", employee_no=f"3{i:03d}", display_name=f"坐席{i}"
        )
        profile = StaffProfile.objects.create(user=user)
        profile.posts.add(post)
        people.append(profile)
    return people


def schedule(post: Post, people: list[StaffProfile], day: date, start: time, end: time) -> None:
    roster, _ = Roster.objects.get_or_create(unit=post.unit, month=day.replace(day=1))
    for p in people:
        Shift.objects.create(
            roster=roster, staff=p, day=day, post=post, start=start, end=end, hours=8
        )


def forecast(post: Post, day: date, start: time, calls: float, aht: int | None = None) -> None:
    DemandInterval.objects.create(
        post=post, day=day, start=start, calls=Decimal(str(calls)), aht_seconds=aht, source="manual"
    )


def worked_example(post: Post) -> None:
    """100 calls in the 09:00 half hour, AHT 180 s; 20 people on the early shift."""
    forecast(post, DEC1, time(9), 100)
    schedule(post, staff(20, post), DEC1, time(8), time(16, 30))


# --- the plan --------------------------------------------------------------------------------------


def test_the_worked_example_needs_14_agents_and_20_scheduled(hotline_post: Post):
    worked_example(hotline_post)
    plan = demand_plan(hotline_post, [DEC1], Targets.of_post(hotline_post))
    nine = next(r for r in plan.rows if r.start == time(9))
    assert nine.calls == 100 and nine.aht == 180
    assert nine.need.traffic == pytest.approx(10.0)
    assert (nine.agents, nine.needed, nine.scheduled, nine.gap) == (14, 20, 20, 0)
    assert nine.need.service_level == pytest.approx(0.888, abs=5e-4)
    # 20 people less 30% shrinkage leave 14 on the phones: the target is reached
    assert nine.reached == pytest.approx(nine.need.service_level)
    # intervals with people but no forecast are listed too, with nothing needed
    assert [r.start for r in plan.rows][:2] == [time(8), time(8, 30)]
    assert plan.rows[0].need is None and plan.rows[0].scheduled == 20
    assert plan.peak_needed == 20 and plan.short_intervals == 0


@pytest.mark.parametrize(
    ("changes", "agents", "needed"),
    [
        ({}, 14, 20),
        ({"level": 0.9, "seconds": 10}, 15, 22),  # 90/10
        ({"shrinkage": 0.0}, 14, 14),
        ({"aht": 360}, 25, 36),
        ({"max_occupancy": 0.5}, 20, 29),
    ],
)
def test_what_if_targets_change_the_answer(
    hotline_post: Post, changes: dict, agents: int, needed: int
):
    forecast(hotline_post, DEC1, time(9), 100)
    row = demand_plan(hotline_post, [DEC1], Targets.of_post(hotline_post).changed(**changes)).rows[
        0
    ]
    assert (row.agents, row.needed) == (agents, needed)


def test_an_interval_s_own_aht_wins_over_the_post_s(hotline_post: Post):
    forecast(hotline_post, DEC1, time(9), 100, aht=360)
    row = demand_plan(hotline_post, [DEC1], Targets.of_post(hotline_post).changed(aht=60)).rows[0]
    assert row.aht == 360 and row.agents == 25


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"level": 1.0, "seconds": 0}, "target_level", "100% 无法保证"),
        ({"level": 0.0}, "target_level", "目标服务水平必须在 0 与 1 之间"),
        ({"seconds": -5}, "target_seconds", "目标应答时间不能为负数"),
        ({"aht": 0}, "aht", "平均处理时长必须大于 0 秒"),
        ({"shrinkage": 1.0}, "shrinkage", "缩减率必须在 0(含)与 1(不含)之间"),
        ({"max_occupancy": 0}, "max_occupancy", "占用率上限必须在 0(不含)与 1(含)之间"),
        ({"interval_minutes": 35}, "interval_minutes", "时段长度必须能整除一天"),
    ],
)
def test_impossible_targets_are_named_by_field(
    hotline_post: Post, changes: dict, field: str, message: str
):
    with pytest.raises(ValidationError) as exc:
        targets_check(Targets.of_post(hotline_post).changed(**changes))
    assert list(exc.value.message_dict) == [field]
    assert message in exc.value.message_dict[field][0]


def test_scheduled_counts_shifts_covering_each_interval_start(hotline_post: Post):
    people = staff(3, hotline_post)
    schedule(hotline_post, people[:1], DEC1, time(8), time(16, 30))
    schedule(hotline_post, people[1:2], DEC1, time(13, 30), time(22))
    # a night shift of the day before runs into the first hours of the day
    schedule(hotline_post, people[2:], DEC1 - timedelta(days=1), time(22), time(6))
    counts = scheduled_per_interval(hotline_post, [DEC1], 30)
    assert counts[(DEC1, time(0))] == 1 and counts[(DEC1, time(5, 30))] == 1
    assert counts[(DEC1, time(6))] == 0
    assert counts[(DEC1, time(8))] == 1 and counts[(DEC1, time(13))] == 1
    assert counts[(DEC1, time(13, 30))] == 2 and counts[(DEC1, time(16))] == 2
    assert counts[(DEC1, time(16, 30))] == 1  # the early shift has ended
    assert counts[(DEC1, time(22))] == 0
    assert (DEC1 - timedelta(days=1), time(23)) not in counts


def test_span_days_is_the_day_or_its_monday_to_sunday_week():
    assert span_days(DEC1, "day") == [DEC1]
    week = span_days(DEC1, "week")
    assert week[0] == date(2026, 11, 30) and week[-1] == date(2026, 12, 6)


# --- entering, importing ---------------------------------------------------------------------------


def test_typed_calls_are_saved_changed_or_removed(lena: User, hotline_post: Post):
    forecast(hotline_post, DEC1, time(9), 50)
    forecast(hotline_post, DEC1, time(10), 30)
    changed = services.forecast_save(
        by=lena,
        post=hotline_post,
        day=DEC1,
        entries=[
            services.Entry(time(9), Decimal("50")),  # unchanged
            services.Entry(time(9, 30), Decimal("60.25"), 200),
            services.Entry(time(10), None),  # removed
        ],
    )
    assert changed == 2
    rows = {r.start: r for r in DemandInterval.objects.filter(post=hotline_post)}
    assert set(rows) == {time(9), time(9, 30)}
    assert rows[time(9, 30)].calls == Decimal("60.3") and rows[time(9, 30)].aht_seconds == 200
    assert rows[time(9, 30)].source == "manual"
    assert AuditEntry.objects.get(action="forecast_save").detail["count"] == 2


def test_typed_calls_are_checked_field_by_field(lena: User, alice: User, hotline_post: Post):
    with pytest.raises(ValidationError) as exc:
        services.forecast_save(
            by=lena,
            post=hotline_post,
            day=DEC1,
            entries=[
                services.Entry(time(9), Decimal("-1")),
                services.Entry(time(9, 30), Decimal("5"), 0),
                services.Entry(time(9, 45), Decimal("5")),
            ],
        )
    assert exc.value.message_dict == {
        "calls_0900": ["09:00 的来电量必须在 0 到 9999999 之间"],
        "aht_0930": ["09:30 的平均处理时长必须大于 0 且不超过 86400 秒"],
        "calls_0945": ["09:45 不是 30 分钟时段的起点"],
    }
    assert not DemandInterval.objects.exists()
    with pytest.raises(PermissionDenied):
        services.forecast_save(by=alice, post=hotline_post, day=DEC1, entries=[])


def test_a_good_file_is_imported_and_replaces_those_intervals(lena: User, hotline_post: Post):
    forecast(hotline_post, DEC1, time(9), 1)
    forecast(hotline_post, DEC1, time(12), 7)
    result = services.forecast_import(
        by=lena,
        post=hotline_post,
        content=b"date,interval_start,calls,aht\n"
        b"2026-12-01,09:00,100,\n2026-12-01,09:30,120,240\n2026-12-02,09:00,90,\n",
        filename="dec.csv",
    )
    assert result.intervals == 3 and result.days == [DEC1, date(2026, 12, 2)]
    rows = {(r.day, r.start): r for r in DemandInterval.objects.all()}
    assert rows[(DEC1, time(9))].calls == 100 and rows[(DEC1, time(9))].source == "import"
    assert rows[(DEC1, time(9, 30))].aht_seconds == 240
    assert rows[(DEC1, time(12))].calls == 7  # not in the file: kept
    entry = AuditEntry.objects.get(action="forecast_import")
    assert entry.detail == {
        "file": "dec.csv",
        "intervals": 3,
        "first_day": "2026-12-01",
        "last_day": "2026-12-02",
    }


def test_a_file_without_dates_takes_the_chosen_day_and_may_be_gbk(lena: User, hotline_post: Post):
    text = "interval_start,calls,备注\n09:00,100,早高峰\n"
    services.forecast_import(by=lena, post=hotline_post, content=text.encode("gbk"), day=DEC1)
    assert DemandInterval.objects.get().day == DEC1


BAD_FILE = (
    "date,interval_start,calls,aht\n"
    "2026-12-01,09:00,100,\n"  # good
    "2026-12-01,09:30,abc,\n"  # 3: calls
    "2026-12-01,10:00,-5,\n"  # 4: calls
    "2026-12-01,noon,10,\n"  # 5: interval_start
    "2026-12-32,10:30,10,\n"  # 6: date
    "2026-12-01,11:00,10,0\n"  # 7: aht
    "2026-12-01,11:10,10,\n"  # 8: off the grid
    "2026-12-01,09:00,10,\n"  # 9: twice
    "2026-12-01,12:00,10,180,x\n"  # 10: too many columns
)


def test_a_file_with_bad_rows_saves_nothing_and_names_every_problem(lena: User, hotline_post: Post):
    forecast(hotline_post, DEC1, time(9), 1)
    with pytest.raises(ValidationError) as exc:
        services.forecast_import(by=lena, post=hotline_post, content=BAD_FILE.encode())
    assert exc.value.message_dict["file"] == [
        "第3行:calls 不是数字:abc",
        "第4行:calls 不能为负数:-5",
        "第5行:interval_start 不是时间:noon,应为 09:30 或 2026-12-01T09:30",
        "第6行:date 不是日期:2026-12-32,应为 2026-12-01",
        "第7行:aht 必须大于 0 且不超过 86400 秒:0",
        "第8行:interval_start 不是 30 分钟时段的起点:11:10",
        "第9行:时段重复:与第2行相同(09:00)",
        "第10行:列数多于表头",
    ]
    # nothing saved partially: the good row 2 did not replace the stored 09:00
    assert [(r.start, r.calls) for r in DemandInterval.objects.all()] == [(time(9), 1)]
    assert not AuditEntry.objects.filter(action="forecast_import").exists()


@pytest.mark.parametrize(
    ("content", "day", "message"),
    [
        (b"", DEC1, "预测文件为空"),
        (b"start,volume\n09:00,1\n", DEC1, "预测文件缺少列:interval_start, calls"),
        (b"interval_start,calls\n", DEC1, "预测文件没有数据行"),
        (b"interval_start,calls\n09:00,1\n", None, "第2行:date 为空:请在文件中加 date 列或在表单中选择日期"),
    ],
)  # fmt: skip
def test_unusable_files(lena: User, hotline_post: Post, content: bytes, day, message: str):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        services.forecast_import(by=lena, post=hotline_post, content=content, day=day)
    assert exc.value.message_dict["file"][0].startswith(message)
    assert not DemandInterval.objects.exists()


def test_a_hundred_problems_are_listed_and_the_rest_counted(lena: User, hotline_post: Post):
    text = "interval_start,calls\n" + "09:00,x\n" * 130
    with pytest.raises(ValidationError) as exc:
        services.forecast_import(by=lena, post=hotline_post, content=text, day=DEC1)
    problems = exc.value.message_dict["file"]
    assert len(problems) == 101 and problems[-1] == "……另有 30 处问题未列出"


def test_only_managers_import_and_only_for_call_posts(alice: User, lena: User, hotline_post: Post):
    with pytest.raises(PermissionDenied):
        services.forecast_import(by=alice, post=hotline_post, content=b"interval_start,calls\n")
    mall = Post.objects.get(code=MALL_SERVICE)
    with pytest.raises(ValidationError) as exc:
        services.forecast_import(by=lena, post=mall, content=b"interval_start,calls\n")
    assert "不按来电量排班" in exc.value.message_dict["post"][0]


# --- from history ----------------------------------------------------------------------------------


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def ticket(customer, channel: str, at: datetime, n: list[int] = [0]):  # noqa: ANN001, ANN201, B006
    from kefu.tickets.models import Ticket

    n[0] += 1
    return Ticket.objects.create(
        number=f"KF-T{n[0]:04d}",
        kind="consultation",
        channel=channel,
        subject="咨询",
        description="咨询",
        customer=customer,
        received_at=at,
    )


def conversation(channel: str, at: datetime | None, n: list[int] = [0]):  # noqa: ANN201, B006
    from kefu.quality.models import Conversation

    n[0] += 1
    return Conversation.objects.create(
        external_id=f"call-{n[0]}",
        channel=channel,
        started_at=at,
        occurred_at=at or timezone.now(),
        payload={},
        imported_at=timezone.now(),
    )


def test_history_averages_per_weekday_and_interval(lena: User, hotline_post: Post, customer):  # noqa: ANN001
    # two weeks before Tuesday 1 December: 17-30 November
    for at in [local(2026, 11, 17, 9, 5), local(2026, 11, 17, 9, 6), local(2026, 11, 17, 9, 29),
               local(2026, 11, 24, 9, 10)]:  # fmt: skip
        ticket(customer, "phone", at)
    ticket(customer, "chat", local(2026, 11, 24, 9, 10))  # another channel
    ticket(customer, "phone", local(2026, 11, 10, 9, 10))  # before the two weeks
    conversation("phone", local(2026, 11, 23, 10, 0))
    conversation("phone", local(2026, 11, 30, 10, 20))
    conversation("phone", None)  # no start time: not counted
    forecast(hotline_post, date(2026, 12, 8), time(20), 9)  # replaced
    result = services.forecast_from_history(
        by=lena, post=hotline_post, days=[date(2026, 12, 7), date(2026, 12, 8)], weeks=2, today=DEC1
    )
    assert (result.events, result.intervals) == (6, 2)
    assert (result.first_day, result.last_day) == (date(2026, 11, 17), date(2026, 11, 30))
    rows = [(r.day, r.start, r.calls, r.source) for r in DemandInterval.objects.all()]
    assert rows == [
        (date(2026, 12, 7), time(10), Decimal("1.0"), "history"),  # Mondays: 2 calls / 2 weeks
        (date(2026, 12, 8), time(9), Decimal("2.0"), "history"),  # Tuesdays: 4 / 2
    ]
    entry = AuditEntry.objects.get(action="forecast_history")
    assert entry.detail["history"] == ["2026-11-17", "2026-11-30"] and entry.detail["events"] == 6


def test_history_choices_and_bad_input(lena: User, hotline_post: Post, customer):  # noqa: ANN001
    ticket(customer, "phone", local(2026, 11, 24, 9, 10))
    conversation("phone", local(2026, 11, 24, 9, 10))
    only_tickets = services.forecast_from_history(
        by=lena, post=hotline_post, days=[date(2026, 12, 8)], weeks=1, conversations=False
    )
    assert only_tickets.events == 1
    with pytest.raises(ValidationError) as exc:
        services.forecast_from_history(
            by=lena, post=hotline_post, days=[], weeks=0, tickets=False, conversations=False
        )
    assert set(exc.value.message_dict) == {"weeks", "tickets", "day"}
    # nothing is lost when history has nothing for the days: no records at all, or none on
    # their weekday (9 December is a Wednesday, the history has a Tuesday)
    forecast(hotline_post, date(2026, 12, 9), time(9), 5)
    with pytest.raises(ValidationError) as exc:
        services.forecast_from_history(
            by=lena, post=hotline_post, days=[date(2026, 12, 9)], weeks=1, today=date(2026, 1, 1)
        )
    assert exc.value.message_dict["weeks"] == [
        "2025-12-25 至 2025-12-31 没有该岗位渠道的工单或对话记录,无法按历史预测"
    ]
    with pytest.raises(ValidationError) as exc:
        services.forecast_from_history(
            by=lena, post=hotline_post, days=[date(2026, 12, 9)], weeks=1
        )
    assert exc.value.message_dict["weeks"] == [
        "2026-11-24 至 2026-11-30 在所选日期对应的星期没有记录,未生成预测"
    ]
    assert DemandInterval.objects.filter(day=date(2026, 12, 9)).count() == 1


def test_saving_what_if_targets_on_the_post(lena: User, hotline_post: Post):
    targets = Targets.of_post(hotline_post).changed(level=0.9, seconds=15, shrinkage=0.25)
    services.post_targets_save(by=lena, post=hotline_post, targets=targets)
    hotline_post.refresh_from_db()
    assert hotline_post.target_level == Decimal("0.900") and hotline_post.target_seconds == 15
    assert hotline_post.shrinkage == Decimal("0.250")
    entry = AuditEntry.objects.get(action="post_targets_save")
    assert entry.detail["before"]["level"] == 0.8 and entry.detail["after"]["level"] == 0.9
    with pytest.raises(ValidationError) as exc:
        services.post_targets_save(by=lena, post=hotline_post, targets=targets.changed(level=1.0))
    assert "target_level" in exc.value.message_dict


# --- pages -----------------------------------------------------------------------------------------


def test_the_demand_page_is_for_roster_managers(alice: User, hotline_post: Post):
    c = client_for(alice)
    assert c.get(reverse("staffing:demand")).status_code == 403
    assert c.get(reverse("staffing:demand_csv")).status_code == 403
    upload = SimpleUploadedFile("f.csv", b"interval_start,calls\n09:00,1\n")
    r = c.post(reverse("staffing:demand_import"), {"post": HOTLINE_POST, "imp-file": upload})
    assert r.status_code == 403 and not DemandInterval.objects.exists()
    assert Client().get(reverse("staffing:demand")).status_code == 302


def test_the_page_shows_the_worked_example_as_chart_and_table(lena: User, hotline_post: Post):
    worked_example(hotline_post)
    page = client_for(lena).get(
        reverse("staffing:demand"), {"post": HOTLINE_POST, "day": "2026-12-01"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    row = html.split('data-start="2026-12-01T09:00"')[1].split("</tr>")[0]
    assert '<td class="right num calls">100</td>' in row
    assert '<td class="right num agents">14</td>' in row
    assert '<td class="right num needed">20</td>' in row
    assert '<td class="right num scheduled">20</td>' in row
    assert "88.8%" in row
    chart = page.context["chart"]
    i = chart["x"].index("09:00")
    assert (chart["needed"][i], chart["agents"][i], chart["scheduled"][i], chart["calls"][i]) == (
        20,
        14,
        20,
        100.0,
    )
    assert 'id="demand-chart-data"' in html and "staffing/demand.js" in html
    assert "/reports/assets/plotly-" in html and "cdn" not in html.lower()
    assert "<script>" not in html  # CSP: static files and JSON data only


def test_an_impossible_what_if_is_a_field_message_not_an_error_page(lena: User, hotline_post: Post):
    worked_example(hotline_post)
    page = client_for(lena).get(
        reverse("staffing:demand"),
        {"post": HOTLINE_POST, "day": "2026-12-01", "target_level": "100", "target_seconds": "0"},
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-field="target_level"' in html and "100% 无法保证" in html
    assert page.context["plan"] is None and "Traceback" not in html


def test_what_if_on_the_page_and_saving_it(lena: User, hotline_post: Post):
    worked_example(hotline_post)
    c = client_for(lena)
    page = c.get(
        reverse("staffing:demand"),
        {"post": HOTLINE_POST, "day": "2026-12-01", "target_level": "90", "target_seconds": "10"},
    )
    assert '<td class="right num agents">15</td>' in page.content.decode()
    assert 'id="targets-save-form"' in page.content.decode()
    r = c.post(
        reverse("staffing:demand_targets"),
        {"post": HOTLINE_POST, "day": "2026-12-01", "span": "day", "target_level": "90",
         "target_seconds": "10", "aht": "180", "shrinkage": "30", "max_occupancy": "85"},
    )  # fmt: skip
    assert r.status_code == 302
    hotline_post.refresh_from_db()
    assert hotline_post.target_level == Decimal("0.900") and hotline_post.target_seconds == 10


def test_importing_on_the_page(lena: User, hotline_post: Post):
    c = client_for(lena)
    url = reverse("staffing:demand_import")
    bad = c.post(
        url,
        {"post": HOTLINE_POST, "day": "2026-12-01", "span": "day",
         "imp-file": SimpleUploadedFile("f.csv", BAD_FILE.encode()), "imp-day": "2026-12-01"},
    )  # fmt: skip
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "文件有误,未保存任何数据" in html
    assert "第3行:calls 不是数字:abc" in html and "第10行:列数多于表头" in html
    assert not DemandInterval.objects.exists()
    good = c.post(
        url,
        {"post": HOTLINE_POST, "day": "2026-12-01", "span": "day",
         "imp-file": SimpleUploadedFile("f.csv", b"interval_start,calls\n09:00,100\n09:30,80\n"),
         "imp-day": "2026-12-03"},
    )  # fmt: skip
    assert good.status_code == 302 and "day=2026-12-03" in good["Location"]
    assert DemandInterval.objects.filter(day=date(2026, 12, 3)).count() == 2


def test_typing_calls_on_the_page(lena: User, hotline_post: Post):
    c = client_for(lena)
    base = {"post": HOTLINE_POST, "day": "2026-12-01", "span": "day"}
    bad = c.post(reverse("staffing:demand_edit"), base | {"f-calls_0900": "12", "f-aht_0900": "0"})
    assert bad.status_code == 400
    assert "09:00 的平均处理时长必须大于 0 且不超过 86400 秒" in bad.content.decode()
    assert not DemandInterval.objects.exists()
    ok = c.post(reverse("staffing:demand_edit"), base | {"f-calls_0900": "12", "f-calls_0930": "8"})
    assert ok.status_code == 302
    assert [(r.start, r.calls) for r in DemandInterval.objects.all()] == [
        (time(9), 12),
        (time(9, 30), 8),
    ]


def test_history_on_the_page(lena: User, hotline_post: Post, customer):  # noqa: ANN001
    ticket(customer, "phone", local(2026, 11, 24, 9, 10))
    c = client_for(lena)
    base = {"post": HOTLINE_POST, "day": "2026-12-01", "span": "week"}
    r = c.post(
        reverse("staffing:demand_history"),
        base | {"hist-weeks": "4", "hist-tickets": "on", "hist-conversations": "on"},
    )
    assert r.status_code == 302
    assert [(r.day, r.start) for r in DemandInterval.objects.all()] == [(DEC1, time(9))]
    bad = c.post(reverse("staffing:demand_history"), base | {"hist-weeks": "4"})
    assert bad.status_code == 400 and "请至少选择一种历史数据" in bad.content.decode()


def test_the_staffing_csv_export(lena: User, hotline_post: Post):
    worked_example(hotline_post)
    r = client_for(lena).get(
        reverse("staffing:demand_csv"), {"post": HOTLINE_POST, "day": "2026-12-01"}
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert 'filename="demand-hotline-2026-12-01.csv"' in r["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    nine = next(x for x in rows if x["interval_start"] == "09:00")
    assert nine["date"] == "2026-12-01" and nine["calls"] == "100"
    assert (nine["agents"], nine["needed"], nine["scheduled"], nine["gap"]) == (
        "14",
        "20",
        "20",
        "0",
    )
    assert nine["service_level"] == "0.8884"
    # the export imports again as a forecast
    plan = demand_plan(hotline_post, [DEC1], Targets.of_post(hotline_post))
    assert plan_csv_rows(plan)[0][:4] == ["2026-12-01", "08:00", "", "180"]


def test_the_week_view_sums_up_each_day_and_links_to_it(lena: User, hotline_post: Post):
    worked_example(hotline_post)
    forecast(hotline_post, date(2026, 12, 2), time(10), 30)
    page = client_for(lena).get(
        reverse("staffing:demand"),
        {"post": HOTLINE_POST, "day": "2026-12-02", "span": "week", "target_level": "90"},
    )
    assert page.status_code == 200
    summaries = {s.day: (s, q) for s, q in page.context["summaries"]}
    assert list(summaries)[0] == date(2026, 11, 30) and len(summaries) == 7
    dec1, query = summaries[DEC1]
    assert (dec1.calls, dec1.intervals, dec1.peak_scheduled) == (100, 1, 20)
    assert "span=day" in query and "day=2026-12-01" in query and "target_level=90" in query
    html = page.content.decode()
    assert 'id="demand-week"' in html and 'id="demand-table"' not in html
    assert len(page.context["chart"]["x"]) == len(page.context["plan"].rows)
    assert page.context["chart"]["x"][0] == "12-01 08:00"
