"""The `kefu` commands of CONTRACTS.md section 3: sla deadline, calendar show/import."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sla_deadline_gives_the_worked_sla3_example(config):
    out, _err = _run(
        "sla",
        "deadline",
        "--kind",
        "consultation",
        "--scope",
        "cross_province",
        "--received",
        "2026-09-30T16:00:00+08:00",
    )
    result = json.loads(out)
    assert result["reply_due_at"] == "2026-10-10T16:00:00+08:00"
    assert "SLA-3" in result["standards"]
    assert result["calendar"] == "working_days"
    assert set(result) >= {
        "policy",
        "standards",
        "reply_due_at",
        "first_response_due_at",
        "resolution_due_at",
        "calendar",
    }


def test_sla_deadline_accepts_utc_input_and_answers_in_beijing_time(config):
    out, _err = _run(
        "sla", "deadline", "--kind", "consultation", "--received", "2026-09-30T08:00:00Z"
    )
    assert json.loads(out)["reply_due_at"] == "2026-10-01T16:00:00+08:00"


@pytest.mark.parametrize(
    ("args", "due"),
    [
        (["--kind", "consultation"], "2026-11-25T09:00:00+08:00"),
        (["--kind", "after_sales", "--scope", "cross_department"], "2026-11-26T09:00:00+08:00"),
        (
            ["--kind", "complaint", "--customer-class", "vip", "--complaint-category", "billing"],
            "2026-11-24T21:00:00+08:00",
        ),
        (
            [
                "--kind",
                "suggestion",
                "--scope",
                "special",
                "--special-due",
                "2026-11-30T12:00:00+08:00",
            ],
            "2026-11-30T12:00:00+08:00",
        ),
    ],
)
def test_sla_deadline_table(config, args, due):
    out, _err = _run("sla", "deadline", "--received", "2026-11-24T09:00:00+08:00", *args)
    assert json.loads(out)["reply_due_at"] == due


def test_sla_deadline_warns_for_a_year_without_calendar_data(config):
    out, err = _run(
        "sla",
        "deadline",
        "--kind",
        "consultation",
        "--scope",
        "cross_province",
        "--received",
        "2030-01-02T10:00:00+08:00",
    )
    result = json.loads(out)
    assert result["warnings"]
    assert "2030" in err


def test_sla_deadline_rejects_bad_input_with_a_message(config):
    with pytest.raises(CommandError, match="ISO 8601"):
        _run("sla", "deadline", "--kind", "consultation", "--received", "yesterday")
    with pytest.raises(CommandError, match="special-due"):
        _run(
            "sla",
            "deadline",
            "--kind",
            "consultation",
            "--scope",
            "special",
            "--received",
            "2026-11-24T09:00:00+08:00",
        )


def test_calendar_show_prints_holidays_and_make_up_days(config):
    out, _err = _run("calendar", "show", "2026")
    lines = out.splitlines()
    assert "2026-10-01 holiday 国庆节" in lines
    assert "2026-10-10 workday 国庆节调休" in lines
    assert "2026-02-14 workday 春节调休" in lines
    assert lines == sorted(lines)


def test_calendar_import_keeps_good_lines_and_reports_bad_ones(config, tmp_path):
    text = "2027-01-01 holiday 元旦\n2027-13-01 holiday 坏日期\n2027-02-06 holiday 春节\n2027-02-20 workday 春节调休\n"
    path = tmp_path / "2027.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit):
        _run("calendar", "import", str(path))
    assert CalendarYear.objects.filter(year=2027).exists()
    assert set(CalendarDay.objects.filter(day__year=2027).values_list("name", flat=True)) == {
        "元旦",
        "春节",
        "春节调休",
    }
    out, err = _run("calendar", "show", "2027")
    assert "2027-02-20 workday 春节调休" in out
    assert err == ""


def test_imported_year_changes_deadlines(config, tmp_path):
    before, _ = _run(
        "sla",
        "deadline",
        "--kind",
        "consultation",
        "--scope",
        "cross_province",
        "--received",
        "2027-01-29T10:00:00+08:00",
    )
    path = tmp_path / "2027.txt"
    path.write_text("2027-02-01 holiday 测试假日\n", encoding="utf-8")
    _run("calendar", "import", str(path))
    after, _ = _run(
        "sla",
        "deadline",
        "--kind",
        "consultation",
        "--scope",
        "cross_province",
        "--received",
        "2027-01-29T10:00:00+08:00",
    )
    assert json.loads(before)["warnings"] and not json.loads(after)["warnings"]
    assert json.loads(after)["reply_due_at"] > json.loads(before)["reply_due_at"]
