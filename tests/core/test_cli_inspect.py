"""`kefu inspect` and `kefu rulebook check` (CONTRACTS.md 3)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.domain.inspection import DEFAULT_RULEBOOK

SAMPLES = Path(__file__).resolve().parents[1] / "domain" / "data" / "conversations"

CALL = {
    "id": "call-1",
    "channel": "phone",
    "started_at": "2026-11-24T09:15:00+08:00",
    "segments": [
        {"speaker": "agent", "text": "早上好!工号1024为您服务,请问有什么可以帮您?"},
        {"speaker": "customer", "text": "我想查话费。"},
        {"speaker": "agent", "text": "你到底想怎么样?"},
    ],
}


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_inspect_writes_one_report_per_line(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([CALL, {**CALL, "id": "call-2"}]), encoding="utf-8")
    code, out, err = run("inspect", str(tmp_path), "--format", "json")
    assert code == 0
    reports = [json.loads(line) for line in out.splitlines()]
    assert [r["conversation_id"] for r in reports] == ["call-1", "call-2"]
    assert reports[0]["verdict"] == "fail"
    [questioning] = [f for f in reports[0]["findings"] if f["rule"] == "forbidden.questioning"]
    assert questioning["evidence"] == "你到底想怎么样"
    assert questioning["segment"] == 2 and questioning["span"] == [0, 7]
    assert "已检查 2 个对话" in err


@pytest.mark.django_db
def test_bad_inputs_are_reported_and_skipped_the_rest_inspected(tmp_path: Path) -> None:
    bad = {**CALL, "id": "bad", "segments": [{"text": "没有说话人"}]}
    (tmp_path / "mixed.json").write_text(json.dumps([CALL, bad]), encoding="utf-8")
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    (tmp_path / "gbk.json").write_bytes(json.dumps(CALL, ensure_ascii=False).encode("gbk"))
    code, out, err = run("inspect", str(tmp_path))
    assert code == 1
    assert [json.loads(line)["conversation_id"] for line in out.splitlines()] == ["call-1"]
    assert "第2个对话" in err and "segments[0].speaker" in err
    assert "文件为空" in err
    assert "GBK" in err
    assert "已检查 1 个对话,3 处输入被拒绝" in err


@pytest.mark.django_db
def test_inspect_reads_every_sample_format() -> None:
    code, out, err = run("inspect", str(SAMPLES))
    assert code == 0, err
    reports = [json.loads(line) for line in out.splitlines()]
    assert len(reports) >= 8
    assert all(r["rulebook"] == {"name": "default", "version": "2026.11"} for r in reports)


@pytest.mark.django_db
def test_table_format_is_readable(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(CALL), encoding="utf-8")
    code, out, _ = run("inspect", str(tmp_path / "a.json"), "--format", "table")
    assert code == 0
    assert "call-1  78分  不合格" in out
    assert "forbidden.questioning (SCRIPT-9)" in out
    assert "建议:" in out


@pytest.mark.django_db
def test_srt_with_metadata_from_options(tmp_path: Path) -> None:
    srt = tmp_path / "c.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:04,000\n客服:您好!请问有什么可以帮您?\n\n"
        "2\n00:00:05,000 --> 00:00:06,000\n客户:查话费\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        "inspect", str(srt), "--channel", "chat", "--started-at", "2026-11-24T15:00:00+08:00"
    )
    assert code == 0
    report = json.loads(out)
    assert report["conversation_id"] == "c"
    assert report["findings"] == []


@pytest.mark.django_db
def test_bad_rulebook_option_stops_with_the_problems(tmp_path: Path) -> None:
    book = tmp_path / "site.yaml"
    book.write_text(
        "name: x\nversion: '1'\nrules: [{id: a.b, severity: fatal}]\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as caught:
        call_command(
            "inspect", str(SAMPLES), "--rulebook", str(book), stdout=StringIO(), stderr=StringIO()
        )
    assert "规则 a.b 的字段 severity" in str(caught.value)


@pytest.mark.django_db
def test_missing_path_is_reported(tmp_path: Path) -> None:
    code, out, err = run("inspect", str(tmp_path / "nope.json"))
    assert code == 1 and out == ""
    assert "nope.json" in err


def test_rulebook_check_accepts_the_default() -> None:
    code, out, _ = run("rulebook", "check", str(DEFAULT_RULEBOOK))
    assert code == 0
    assert "规则库 default 2026.11 有效" in out
    assert "SCRIPT-9" in out


def test_rulebook_check_lists_each_problem_and_exits_1(tmp_path: Path) -> None:
    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8")
    text = text.replace("severity: major", "severity: serious", 1).replace(
        "deduction: 20", "deduction: 200", 1
    )
    book = tmp_path / "site.yaml"
    book.write_text(text, encoding="utf-8")
    code, out, err = run("rulebook", "check", str(book))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert "规则 greeting.time_of_day 的字段 severity" in lines[0]
    assert "的字段 deduction" in lines[1]
    assert "2 处问题" in err


@pytest.mark.django_db
def test_site_rulebook_from_settings_is_used(tmp_path: Path, settings) -> None:  # noqa: ANN001
    text = DEFAULT_RULEBOOK.read_text(encoding="utf-8").replace("name: default", "name: site-a", 1)
    book = tmp_path / "site.yaml"
    book.write_text(text, encoding="utf-8")
    settings.KEFU_RULEBOOK = str(book)
    (tmp_path / "a.json").write_text(json.dumps(CALL), encoding="utf-8")
    code, out, _ = run("inspect", str(tmp_path / "a.json"))
    assert code == 0
    assert json.loads(out)["rulebook"]["name"] == "site-a"
