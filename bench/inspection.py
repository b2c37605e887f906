"""Inspection throughput: `python -m bench.inspection [--n 10000] [--repeat 3]`.

Builds a reproducible batch of phone conversations of about 1,500 characters and 30 turns each
(realistic agent and customer sentences spoken at about 120 characters a minute, ring/answer/hold/hangup events, segment times; about one
in five carries a forbidden phrase, a missing response or a number not read back), then times on
one core, best of --repeat rounds in which the runs take turns:

- ``inspect``: `kefu.domain.inspection.inspect` with the default rulebook over the whole batch;
- ``inspect+json``: the same plus `InspectionReport.to_json()` and `json.dumps` of each report
  (what `kefu inspect` writes);
- ``bare scan``: the baseline, one `ahocorasick_rs` scan (overlapping matches, as the engine
  does) of each conversation's text, its segments joined, against the same phrases, with the
  library's default automaton; and the same scan with the DFA automaton the engine builds (faster
  on texts of this size), so the ratio can be read against either.

The engine runs compiled with mypyc when its build is current (`make run` and `make test` build
it; see `kefu.domain.inspection.compiled`), else as pure Python; the first line says which.
`KEFU_PURE_PYTHON=1 python -m bench.inspection` measures the pure-Python engine.

It prints conversations per second, the ratio of inspect to the bare scan, and the peak memory
(tracemalloc peak during one inspection pass, and the process's maximum resident set size).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import ahocorasick_rs

from kefu.domain.conversation import CallEvent, Conversation, Segment
from kefu.domain.holidays import default_calendar
from kefu.domain.inspection import compiled, default_rulebook, inspect

SHANGHAI = ZoneInfo("Asia/Shanghai")

AGENT_LINES = [
    "好的,我帮您查询一下您的话费账单,请您稍候。",
    "您本月的套餐是五十八元的畅享套餐,包含三十G的国内流量和五百分钟的通话。",
    "您上个月的流量超出了两个G,按照套餐外资费每G五元计算,所以多收了十元。",
    "我这边已经为您登记了,您反映的问题我会记录下来并尽快核实处理。",
    "如果您需要更换套餐,可以在每月的一号到二十五号之间办理,下个月生效。",
    "非常抱歉给您带来不便,也非常感谢您的耐心等候,我尽快帮您处理。",
    "您可以通过我们的手机营业厅或者拨打客服热线随时查询余额和流量。",
    "这个业务需要您本人携带身份证到附近的营业厅办理,请您谅解。",
    "我再跟您确认一下,您是要取消每月十元的彩铃业务,对吗?",
    "已经为您办理成功了,稍后您会收到一条确认短信,请您注意查收。",
    "您的宽带预约已经安排好了,师傅会提前一个小时和您电话联系。",
    "根据您的使用习惯,推荐您办理流量加油包,每月十元十G,比较划算。",
]
CUSTOMER_LINES = [
    "你好,我想查一下我这个月的话费怎么这么多。",
    "我记得我的套餐是五十八的,怎么扣了六十八块钱?",
    "那流量超出了为什么没有短信提醒我呢?",
    "好的,那我想换一个流量多一点的套餐可以吗?",
    "下个月生效啊,那这个月还是按原来的算是吧。",
    "那我家里的宽带也有问题,晚上经常断网。",
    "可以,你们尽快安排人来看一下吧,我白天都在家。",
    "嗯,明白了,那我再考虑一下吧。",
    "那个彩铃我从来没用过,帮我取消掉吧。",
    "行,那就这样吧。",
]
VIOLATIONS = [
    ("agent", "你到底想怎么样?我不清楚,你找营业厅问。"),
    ("agent", "这是公司规定,我们也没有办法。"),
    ("agent", "还有问题吗?"),
    ("customer", "我的手机号是13812345678,你记一下。"),
    ("customer", "谢谢你啊,你服务真好。"),
]


def make_batch(n: int, seed: int = 20261124) -> list[Conversation]:
    rng = random.Random(seed)
    batch: list[Conversation] = []
    start = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    for k in range(n):
        started = start + timedelta(minutes=7 * k % (60 * 24 * 20))
        morning = started.hour < 12
        opening = ("早上好" if morning else "您好") + "!工号1024为您服务,请问有什么可以帮您?"
        lines: list[tuple[str, str]] = [("agent", opening)]
        while len(lines) < 27:
            lines.append(("customer", rng.choice(CUSTOMER_LINES) + rng.choice(CUSTOMER_LINES)))
            lines.append(("agent", rng.choice(AGENT_LINES) + rng.choice(AGENT_LINES)))
        if rng.random() < 0.2:
            lines.insert(rng.randrange(2, len(lines)), rng.choice(VIOLATIONS))
        lines.append(("customer", "没有了。"))
        lines.append(("agent", "请问您还有其他要补充的吗?"))
        lines.append(("customer", "没有了,再见。"))
        lines.append(("agent", "感谢您的来电,再见!"))
        segments: list[Segment] = []
        at = 6500
        for speaker, text in lines:
            length = int(len(text) / 2 * 1000)  # about 120 characters a minute
            segments.append(Segment(speaker=speaker, text=text, start_ms=at, end_ms=at + length))  # type: ignore[arg-type]
            at += length + rng.randint(300, 1500)
        events = (
            CallEvent("ring", 0),
            CallEvent("answer", rng.choice((3000, 6000, 9000))),
            CallEvent("hangup", at, by="customer"),
        )
        batch.append(
            Conversation(
                id=f"bench-{k:05d}",
                channel="phone",
                segments=tuple(segments),
                started_at=started,
                agent={"id": "a17", "employee_no": "1024"},
                events=events,
            )
        )
    return batch


def best_of_interleaved(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """The best time of each run over ``repeat`` rounds, the runs taking turns within a round, so
    that the baseline and the engine see the same state of a shared, noisy machine."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            t0 = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    rulebook = default_rulebook()
    calendar = default_calendar()
    inspect(make_batch(1)[0], rulebook, calendar=calendar)  # builds the normalisation tables
    rss_engine_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    batch = make_batch(args.n)
    texts = ["\x00".join(s.text for s in c.segments) for c in batch]
    chars = sum(len(t) for t in texts) / len(texts)
    turns = sum(len(c.segments) for c in batch) / len(batch)
    inspect(batch[0], rulebook, calendar=calendar)  # warm the normalisation tables

    bare = ahocorasick_rs.AhoCorasick(list(rulebook.patterns))
    bare_dfa = ahocorasick_rs.AhoCorasick(
        list(rulebook.patterns), implementation=ahocorasick_rs.Implementation.DFA
    )

    def scan() -> None:
        for text in texts:
            bare.find_matches_as_indexes(text, overlapping=True)

    def scan_dfa() -> None:
        for text in texts:
            bare_dfa.find_matches_as_indexes(text, overlapping=True)

    def run_inspect() -> None:
        for conversation in batch:
            inspect(conversation, rulebook, calendar=calendar)

    def run_inspect_json() -> None:
        for conversation in batch:
            json.dumps(
                inspect(conversation, rulebook, calendar=calendar).to_json(), ensure_ascii=False
            )

    t_scan, t_scan_dfa, t_inspect, t_json = best_of_interleaved(
        args.repeat, scan, scan_dfa, run_inspect, run_inspect_json
    )
    tracemalloc.start()
    run_inspect()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"engine: {compiled.status}")
    findings = sum(len(inspect(c, rulebook, calendar=calendar).findings) for c in batch[:1000])
    n = len(batch)
    print(
        f"{n} conversations, {chars:.0f} characters and {turns:.0f} turns each on average; "
        f"{len(rulebook.rules)} rules, {len(rulebook.patterns)} phrases; "
        f"{findings / min(n, 1000):.2f} findings per conversation"
    )
    print(
        f"bare ahocorasick-rs scan : {n / t_scan:12,.0f} conversations/s  ({t_scan * 1e6 / n:7.1f} us each)"
    )
    print(
        f"bare scan, DFA automaton : {n / t_scan_dfa:12,.0f} conversations/s  ({t_scan_dfa * 1e6 / n:7.1f} us each)"
    )
    print(
        f"inspect                  : {n / t_inspect:12,.0f} conversations/s  ({t_inspect * 1e6 / n:7.1f} us each)"
    )
    print(
        f"inspect + JSON report    : {n / t_json:12,.0f} conversations/s  ({t_json * 1e6 / n:7.1f} us each)"
    )
    print(f"ratio inspect / bare scan: {t_inspect / t_scan:.1f}x  (goal: within 5x)")
    print(f"ratio inspect / DFA scan : {t_inspect / t_scan_dfa:.1f}x")
    print(
        f"peak memory: {peak / 2**10:.0f} KiB traced during one inspection pass (beyond the batch); "
        f"resident set {rss_engine_mb:.0f} MiB with the engine loaded, "
        f"{maxrss_mb:.0f} MiB with the whole batch in memory"
    )
    ok = n / t_inspect >= 1000
    print("goal >= 1,000 conversations/s on one core:", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
