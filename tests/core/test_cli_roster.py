"""`kefu roster generate|check` (issue 5 item 9): the mall month of seed 003 is generated and
accepted by the check; bad files and impossible months are answered line by line."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kefu.staffing.models import Leave, Roster, StaffProfile

HEADER = "date,employee_no,name,post,start,end,break_start,break_end,hours\n"


@pytest.fixture
def mall(db):  # noqa: ANN001
    from kefu.staffing.demo import demo_staffing_load

    demo_staffing_load(records=False)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("roster", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_generated_december_mall_roster_passes_the_check(mall, tmp_path: Path) -> None:
    target = tmp_path / "dec.csv"
    code, _out, err = run("generate", "--post", "mall", "--month", "2026-12", "--out", str(target))
    assert code == 0 and "124 个班次" in err and "OPTIMAL" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER.strip()
    assert len(lines) == 125
    assert lines[1].count("/") == 2  # lunch and supper in the break columns
    code, out, err = run("check", str(target))
    assert code == 0, out
    assert "排班文件通过" in err and out == ""
    assert not Roster.objects.exists()  # nothing saved without --save


def test_generate_for_one_post_writes_only_that_post(mall, tmp_path: Path) -> None:
    target = tmp_path / "1f.csv"
    code, _out, _err = run(
        "generate", "--post", "mall-1f", "--month", "2026-12", "--out", str(target)
    )
    rows = target.read_text(encoding="utf-8").splitlines()[1:]
    assert code == 0 and len(rows) == 62 and all(",1F服务中心," in r for r in rows)


def test_generate_with_save_stores_a_draft(mall, tmp_path: Path) -> None:
    run("generate", "--post", "mall", "--month", "2026-12", "--out", "-", "--save")
    roster = Roster.objects.get()
    assert roster.status == Roster.Status.DRAFT and roster.shifts.count() == 124


def test_impossible_month_names_the_post_and_the_days(mall, tmp_path: Path) -> None:
    Leave.objects.create(
        staff=StaffProfile.objects.get(user__username="svc1"),
        kind=Leave.Kind.ANNUAL,
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 31),
        state=Leave.State.APPROVED,
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="无法排班"):
        call_command(
            "roster",
            "generate",
            "--post",
            "mall",
            "--month",
            "2026-12",
            "--out",
            str(tmp_path / "x.csv"),
            stderr=err,
        )
    text = err.getvalue()
    assert "1F服务中心" in text and "需要 62 人次" in text and "12月" in text
    assert not (tmp_path / "x.csv").exists()


def test_check_lists_unknown_staff_overlaps_and_unreadable_rows(mall, tmp_path: Path) -> None:
    target = tmp_path / "dec.csv"
    run("generate", "--post", "mall", "--month", "2026-12", "--out", str(target))
    with target.open("a", encoding="utf-8") as f:
        f.write("2026-12-01,9999,张三,1F服务中心,09:00,22:00,,,11\n")
        f.write("2026-12-01,7101,唐悦,1F服务中心,10:00,12:00,,,2\n")
        f.write("2026-12-02,7102,范琳,1F服务中心,9点,22:00,,,11\n")
    code, out, err = run("check", str(target))
    assert code == 1
    assert "第128行 start:不是时间:9点" in out
    assert "第126行 9999 12月1日:员工编号 9999(张三)不在员工名单中" in out
    assert "时间重叠" in out and "127行" in out
    assert "排班文件未通过" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "--post", "nowhere", "--month", "2026-12", "--out", "-"), "nowhere"),
        (("generate", "--post", "mall", "--month", "2026-13", "--out", "-"), "YYYY-MM"),
        (("check", "/nonexistent/roster.csv"), "找不到文件"),
    ],
)
def test_bad_arguments_stop_with_a_message(mall, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("roster", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_check_refuses_a_file_without_the_contract_columns(mall, tmp_path: Path) -> None:
    target = tmp_path / "bad.csv"
    target.write_text("date,employee_no\n2026-12-01,7101\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头缺少列"):
        call_command("roster", "check", str(target), stdout=io.StringIO(), stderr=io.StringIO())
