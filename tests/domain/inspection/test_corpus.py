"""The acceptance measure of issue 3: precision and recall >= 0.95 per STANDARDS id."""

from __future__ import annotations

import pytest

from tests.domain.inspection.corpus_eval import CORPUS, evaluate, load_labels

MINIMUM = 0.95


def test_corpus_has_at_least_60_labelled_conversations() -> None:
    files = sorted(p.stem for p in CORPUS.glob("*.json"))
    assert len(files) >= 60
    assert set(files) == set(load_labels())


def test_precision_and_recall_per_standards_id_reach_095() -> None:
    scores, mistakes, seen = evaluate()
    assert seen >= 60
    low = {
        sid: (round(s.precision, 2), round(s.recall, 2))
        for sid, s in scores.items()
        if s.precision < MINIMUM or s.recall < MINIMUM
    }
    if low:
        pytest.fail(f"below {MINIMUM}: {low}\n" + "\n".join(mistakes))


def test_every_section_4_standard_is_exercised_by_the_corpus() -> None:
    scores, _, _ = evaluate()
    exercised = {sid for sid, s in scores.items() if s.support >= 2}
    expected = {f"SCRIPT-{n}" for n in range(1, 17)} | {"SLA-6", "SLA-9"}
    assert expected <= exercised, sorted(expected - exercised)
