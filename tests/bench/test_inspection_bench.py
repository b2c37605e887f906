"""Smoke test of bench.inspection: the batch it builds and the report it prints (no timing is
asserted: figures belong in docs/benchmarks.md)."""

from __future__ import annotations

import re

import pytest

from bench import inspection as bench
from kefu.domain.inspection import compiled, default_rulebook, inspect


def test_the_batch_is_what_the_benchmark_says() -> None:
    batch = bench.make_batch(200)
    assert len({c.id for c in batch}) == 200
    turns = [len(c.segments) for c in batch]
    chars = [sum(len(s.text) for s in c.segments) for c in batch]
    assert 28 <= sum(turns) / len(turns) <= 34
    assert 1200 <= sum(chars) / len(chars) <= 1600
    assert bench.make_batch(5) == bench.make_batch(5)  # reproducible
    # some break a standard, most do not
    failed = sum(inspect(c, default_rulebook()).verdict == "fail" for c in batch)
    assert 0 < failed < len(batch) // 2


def test_the_report_names_the_engine_the_ratios_and_the_memory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(["--n", "30", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"engine: {compiled.status}")
    assert re.search(r"ratio inspect / bare scan: \d+\.\dx  \(goal: within 5x\)", out)
    assert re.search(r"ratio inspect / DFA scan : \d+\.\dx", out)
    assert "peak memory:" in out and "goal >= 1,000 conversations/s" in out


def test_rounds_interleave_the_runs() -> None:
    calls: list[str] = []
    best = bench.best_of_interleaved(2, lambda: calls.append("a"), lambda: calls.append("b"))
    assert calls == ["a", "b", "a", "b"] and len(best) == 2
