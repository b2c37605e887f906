"""Precision and recall of the default rulebook per STANDARDS id on the labelled corpus.

`python -m tests.domain.inspection.corpus_eval` prints the table kept in docs/inspection.md.
A conversation counts as flagged for an id when any finding names it; the labels say which ids
must be flagged (everything else must not be).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from kefu.domain.conversation import parse_paths
from kefu.domain.inspection import default_rulebook, inspect

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_labels() -> dict[str, set[str]]:
    data = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    return {str(cid): set(entry.get("flag") or []) for cid, entry in data.items()}


def evaluate() -> tuple[dict[str, Score], list[str], int]:
    """Scores per STANDARDS id, the mistakes (for a readable failure), conversations evaluated."""
    labels = load_labels()
    rulebook = default_rulebook()
    scores: dict[str, Score] = {}
    mistakes: list[str] = []
    seen = 0
    for source, result in parse_paths(sorted(CORPUS.glob("*.json"))):
        assert not result.problems, f"{source}: {result.problems}"
        for conversation in result.conversations:
            seen += 1
            expected = labels[conversation.id]
            report = inspect(conversation, rulebook)
            flagged: Counter[str] = Counter(s for f in report.findings for s in f.standards)
            for sid in set(flagged) | expected:
                score = scores.setdefault(sid, Score())
                if sid in expected:
                    score.support += 1
                if sid in flagged and sid in expected:
                    score.tp += 1
                elif sid in flagged:
                    score.fp += 1
                    rules = sorted({f.rule for f in report.findings if sid in f.standards})
                    mistakes.append(
                        f"{conversation.id}: {sid} flagged but not labelled ({', '.join(rules)})"
                    )
                else:
                    score.fn += 1
                    mistakes.append(f"{conversation.id}: {sid} labelled but not flagged")
    return scores, mistakes, seen


def table(scores: dict[str, Score]) -> str:
    def key(sid: str) -> tuple[str, int]:
        prefix, _, number = sid.partition("-")
        return prefix, int(number)

    lines = [
        "| STANDARDS id | conversations that break it | flagged right | false alarms | missed | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for sid in sorted(scores, key=key):
        s = scores[sid]
        lines.append(
            f"| {sid} | {s.support} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.2f} | {s.recall:.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    scores, mistakes, seen = evaluate()
    print(f"{seen} conversations, {len(load_labels())} labels")
    print(table(scores))
    for mistake in mistakes:
        print(mistake, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
