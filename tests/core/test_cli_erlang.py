"""`kefu erlang` (issue 5, items 2 and 9; docs/staffing.md)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def forecast(tmp_path: Path, text: str) -> str:
    path = tmp_path / "forecast.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_classic_example_as_json() -> None:
    code, out, _ = run("erlang", "--calls", "100", "--aht", "180")
    assert code == 0
    data = json.loads(out)
    assert data["traffic"] == 10.0
    assert data["agents"] == 14
    assert data["scheduled"] == 20
    assert data["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert data["asa_seconds"] == pytest.approx(7.8, abs=0.05)
    assert data["occupancy"] == pytest.approx(0.714, abs=5e-4)


@pytest.mark.parametrize("target", [["--target", "0.9", "--within", "10"], ["--target", "90/10"]])
def test_target_as_fraction_or_percent_over_seconds(target: list[str]) -> None:
    code, out, _ = run("erlang", "--calls", "100", "--aht", "180", *target)
    assert code == 0
    assert json.loads(out)["agents"] == 15


def test_options_change_the_answer() -> None:
    code, out, _ = run(
        "erlang",
        "--calls",
        "200",
        "--aht",
        "180",
        "--interval-minutes",
        "60",
        "--shrinkage",
        "0",
        "--max-occupancy",
        "0.5",
    )
    assert code == 0
    data = json.loads(out)
    assert data["traffic"] == 10.0
    assert data["agents"] == data["scheduled"] == 20  # occupancy cap 50% binds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "-3", "--aht", "180"], "来电量不能为负数"),
        (["--calls", "100", "--aht", "0"], "平均处理时长必须大于 0 秒"),
        (["--calls", "100"], "需要 --aht"),
        (["--calls", "100", "--aht", "180", "--target", "100/0"], "100% 无法保证"),
        (["--calls", "100", "--aht", "180", "--target", "abc"], "--target 格式错误"),
        (["--calls", "100", "--aht", "180", "--shrinkage", "1"], "缩减率"),
    ],
)
def test_bad_single_interval_input_is_refused(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("erlang", *args, stdout=StringIO(), stderr=StringIO())


def test_forecast_prints_json_lines(tmp_path: Path) -> None:
    path = forecast(
        tmp_path,
        "interval_start,calls,aht\n"
        "2026-12-01T09:00,100,\n"
        "2026-12-01T09:30,250,240\n"
        "2026-12-01T10:00,0,\n",
    )
    code, out, err = run("erlang", "--forecast", path, "--aht", "180")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["interval_start"] for r in rows] == [
        "2026-12-01T09:00",
        "2026-12-01T09:30",
        "2026-12-01T10:00",
    ]
    assert [r["agents"] for r in rows] == [14, 40, 0]
    assert rows[1]["aht_seconds"] == 240.0
    assert "已计算 3 个时段" in err


def test_forecast_aht_column_alone_is_enough(tmp_path: Path) -> None:
    path = forecast(tmp_path, "\ufeffinterval_start, calls, aht\n09:00,100,180\n")
    code, out, _ = run("erlang", "--forecast", path)
    assert code == 0
    assert json.loads(out)["agents"] == 14


def test_bad_lines_are_named_and_the_good_ones_still_printed(tmp_path: Path) -> None:
    path = forecast(
        tmp_path,
        "interval_start,calls\n"
        "09:00,100\n"
        "09:30,abc\n"
        "10:00,-5\n"
        ",10\n"
        "noon,10\n"
        "11:00,\n"
        "11:30,80,9\n"
        "12:00,50\n",
    )
    code, out, err = run("erlang", "--forecast", path, "--aht", "180")
    assert code == 1
    assert [json.loads(line)["interval_start"] for line in out.splitlines()] == ["09:00", "12:00"]
    assert "第3行:calls 不是数字:abc" in err
    assert "第4行:calls 不能为负数:-5" in err
    assert "第5行:interval_start 为空" in err
    assert "第6行:interval_start 不是时间:noon" in err
    assert "第7行:calls 为空" in err
    assert "第8行:列数多于表头" in err
    assert "已计算 2 个时段,6 行被拒绝" in err


def test_missing_columns_stop_with_a_message(tmp_path: Path) -> None:
    path = forecast(tmp_path, "start,volume\n09:00,100\n")
    with pytest.raises(CommandError, match="缺少列:interval_start, calls"):
        call_command("erlang", "--forecast", path, "--aht", "180", stdout=StringIO())


def test_missing_aht_everywhere_is_refused(tmp_path: Path) -> None:
    path = forecast(tmp_path, "interval_start,calls\n09:00,100\n")
    with pytest.raises(CommandError, match="需要 --aht 或预测文件中的 aht 列"):
        call_command("erlang", "--forecast", path, stdout=StringIO())


def test_empty_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="预测文件为空"):
        call_command(
            "erlang", "--forecast", forecast(tmp_path, ""), "--aht", "1", stdout=StringIO()
        )
    with pytest.raises(CommandError, match="无法读取预测文件"):
        call_command("erlang", "--forecast", str(tmp_path / "nope.csv"), "--aht", "1")
    code, out, err = run(
        "erlang", "--forecast", forecast(tmp_path, "interval_start,calls\n"), "--aht", "1"
    )
    assert code == 1 and out == "" and "没有数据行" in err


def test_gbk_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("interval_start,calls,备注\n09:00,100,早班\n".encode("gbk"))
    with pytest.raises(CommandError, match="不是 UTF-8"):
        call_command("erlang", "--forecast", str(path), "--aht", "180", stdout=StringIO())


def test_table_format_has_a_bar_per_interval(tmp_path: Path) -> None:
    path = forecast(tmp_path, "interval_start,calls\n09:00,100\n09:30,200\n10:00,0\n10:30,x\n")
    code, out, err = run("erlang", "--forecast", path, "--aht", "180", "--format", "table")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == [
        "时段",
        "来电",
        "话务量",
        "坐席",
        "排班",
        "服务水平",
        "ASA秒",
        "占用率",
    ]
    nine, half_past, ten = lines[1:4]
    assert nine.startswith("09:00") and " 14 " in nine and " 20 " in nine
    assert nine.count("█") == 14 and nine.count("░") == 6
    assert half_past.count("█") > nine.count("█")
    assert "█" not in ten
    assert "缩减率 30%" in lines[-1]
    assert "第5行" in err


@pytest.fixture
def hotline_forecast(db):  # noqa: ANN001
    from kefu.staffing.demo_demand import demo_demand_load
    from kefu.staffing.seed import seed_staffing

    seed_staffing()
    demo_demand_load()


def test_post_plan_shows_required_next_to_rostered(hotline_forecast) -> None:
    import io
    import json as _json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("erlang", "--post", "hotline", "--date", "2026-12-01", stdout=out)
    rows = [_json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 28 and rows[0]["interval_start"] == "2026-12-01T08:00"
    assert all(r["rostered"] == 0 and r["gap"] == -r["required"] for r in rows)
    assert max(r["required"] for r in rows) >= 8
    table = io.StringIO()
    call_command(
        "erlang", "--post", "hotline", "--date", "2026-12-01", "--format", "table", stdout=table
    )
    assert "已排" in table.getvalue() and "│" in table.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--post", "nowhere"), "没有代码为 nowhere 的岗位"),
        (("--post", "hotline", "--date", "2026-13-01"), "YYYY-MM-DD"),
        (("--post", "hotline", "--date", "2027-03-01"), "没有话务预测"),
    ],
)
def test_post_plan_bad_arguments(hotline_forecast, args: tuple[str, ...], message: str) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=message):
        call_command("erlang", *args)
