"""Normalisation: matching ignores form, evidence points into the original text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.inspection.normalize import fold, normalise, normalise_phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你 到底 想 怎么样?", "你到底想怎么样"),
        ("你到底想怎麼樣?", "你到底想怎么样"),  # traditional
        ("你到底想怎么样?", "你到底想怎么样"),  # full-width punctuation
        ("工号１０２４", "工号1024"),  # full-width digits
        ("ＡＢＣ abc", "abcabc"),  # full-width letters, case
        ("“不行就是不行,这是规定。”", "不行就是不行这是规定"),
        ("我\t不\n清楚", "我不清楚"),
        ("", ""),
    ],
)
def test_normalise_folds_form_and_drops_spaces_and_punctuation(text: str, expected: str) -> None:
    assert normalise(text).text == expected
    assert normalise_phrase(text) == expected


def test_fold_keeps_positions() -> None:
    text = "這個細節我不太清楚,ＡＢ。"
    assert len(fold(text)) == len(text)
    assert fold(text) == "这个细节我不太清楚,ab。"


@pytest.mark.parametrize(
    ("text", "phrase", "evidence"),
    [
        ("好的。你 到底 想 怎麼樣?", "你到底想怎么样", "你 到底 想 怎麼樣"),
        ("我不清楚,你找营业厅问。", "你找营业厅问", "你找营业厅问"),
        ("ＡＢＣ号码", "号码", "号码"),
    ],
)
def test_to_original_maps_a_match_back_to_the_words_as_written(
    text: str, phrase: str, evidence: str
) -> None:
    n = normalise(text)
    start = n.text.index(normalise_phrase(phrase))
    o_start, o_end = n.to_original(start, start + len(normalise_phrase(phrase)))
    assert text[o_start:o_end] == evidence


@pytest.mark.parametrize(
    ("text", "phrase", "whole"),
    [
        ("什么?", "什么", True),
        ("你说什么?我听不见", "你说什么", True),
        ("请问有什么可以帮您?", "什么", False),
        ("身份证!", "身份证", True),
        ("请出示一下身份证。", "身份证", False),
        ("好的, 身份证 。", "身份证", True),
    ],
)
def test_whole_clause_needs_punctuation_or_the_ends_around(
    text: str, phrase: str, whole: bool
) -> None:
    n = normalise(text)
    start = n.text.index(phrase)
    assert n.is_whole_clause(start, start + len(phrase)) is whole


@given(st.text(alphabet=st.sampled_from(list("你好吗我不清楚,。! ?,ＡaB1１\t喂說話")), max_size=40))
def test_every_normalised_slice_maps_back_to_text_that_normalises_to_it(text: str) -> None:
    n = normalise(text)
    for start in range(len(n.text)):
        for end in range(start + 1, min(len(n.text), start + 6) + 1):
            o_start, o_end = n.to_original(start, end)
            assert normalise(text[o_start:o_end]).text == n.text[start:end]
