"""Text normalisation for matching, with a way back to the original text.

Matching must not care about full-width vs half-width forms, traditional vs simplified characters,
letter case, spaces or punctuation ("你 到底 想 怎麼樣?" says "你到底想怎么样"), but evidence must
point into the words as they were written. So each text is normalised once into a string without
spaces and punctuation plus, for every character kept, its position in the original.

Every character maps to at most one character, so normalisation is one lookup per code point in
a table (numpy, built once): inspecting a conversation spends most of its time preparing text,
and a vectorised lookup is several times faster than regex substitution or ``str.translate``.

Traditional-to-simplified conversion is done character by character (a table built once from
OpenCC's t2s data), which keeps positions stable; phrase-level conversions that change length are
not needed for matching service phrases.
"""

from __future__ import annotations

import codecs
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt

# Characters that end a clause: a phrase marked "whole clause" must sit between two of these.
CLAUSE_MARKS = frozenset(",.!?;。!?,;…~～\n\x00")

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# Marks a dropped character in the code table: U+0001, a control character, itself dropped. Folded
# text is decoded whole and the marks removed with `str.replace`, cheaper than a boolean mask.
DROPPED_MARK = "\x01"
_DROPPED = np.uint32(ord(DROPPED_MARK))
_CODEC = "utf-32-le"


def _is_dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    if ch == "\x00":  # the segment separator must survive normalisation
        return False
    return category[0] in "PZ" or category in ("Cc", "Sk", "Sm", "So", "Cf")  # U+0001 is Cc


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Code point -> its folded character, for the characters that change."""
    table: dict[int, str] = {}
    # Full-width ASCII variants to ASCII, and the ideographic space to a space.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(0xFF21, 0xFF3B):  # full-width capitals straight to lower case
        table[code] = chr(code - 0xFEE0 + 32)
    table.update(_traditional_to_simplified())
    return table


@lru_cache(maxsize=1)
def _code_tables() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """(fold, squeeze): for every code point, its folded code point; squeeze also marks the
    characters matching ignores (spaces, punctuation, symbols, controls) as dropped."""
    fold = np.arange(0x110000, dtype=np.uint32)
    for code, folded in _fold_table().items():
        fold[code] = ord(folded)
    dropped = np.zeros(0x110000, dtype=bool)
    # Beyond these planes there are only letters (CJK extensions) and private or unassigned codes.
    for code in (*range(0x20000), *range(0xE0000, 0xE1000)):
        if not 0xD800 <= code <= 0xDFFF and _is_dropped(chr(code)):
            dropped[code] = True
    # Dropping is decided on the folded character (the ideographic space folds to a space).
    squeeze = np.where(dropped[fold], _DROPPED, fold).astype(np.uint32)
    return fold, squeeze


def _traditional_to_simplified() -> dict[int, str]:
    import opencc

    converter = opencc.OpenCC("t2s")
    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1)]
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC never merges lines
        return {}
    return {
        ord(src): dst
        for src, dst in zip(chars, converted, strict=True)
        if len(dst) == 1 and dst != src
    }


def _codes(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode(_CODEC, "surrogatepass"), dtype=np.uint32)


def _text(codes: npt.NDArray[np.uint32]) -> str:
    # The codec function itself: `bytes.decode` goes through a Python-level wrapper for UTF-32.
    return codecs.utf_32_le_decode(codes.tobytes(), "surrogatepass")[0]


class Normalised:
    """One text normalised for matching, and the way back to positions in the original."""

    __slots__ = ("_positions", "folded", "original", "text")

    def __init__(self, original: str, folded: npt.NDArray[np.uint32]) -> None:
        self.original = original
        # Each character of `original` folded, or DROPPED_MARK where matching ignores it: for
        # vectorised checks (see `extract.may_hold_long_number`) and the way back to the original.
        self.folded = folded
        # Folded, without spaces and punctuation: what phrases match.
        self.text = _text(folded).replace(DROPPED_MARK, "")
        self._positions: npt.NDArray[np.intp] | None = None

    @property
    def codes(self) -> npt.NDArray[np.uint32]:
        """The code points of `text`."""
        folded = self.folded
        return folded[folded != _DROPPED]

    def _kept_positions(self) -> npt.NDArray[np.intp]:
        """Where each character of `text` is in `original`."""
        positions = self._positions
        if positions is None:  # most texts never need it: only findings map back
            positions = self._positions = (self.folded != _DROPPED).nonzero()[0]
        return positions

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Maps [start, end) in `text` to [start, end) in `original` (end > start)."""
        positions = self._kept_positions()
        return int(positions[start]), int(positions[end - 1]) + 1

    def is_whole_clause(self, start: int, end: int) -> bool:
        """Whether [start, end) of `text` is a whole clause of the original (punctuation around)."""
        positions = self._kept_positions()
        marks, blanks = _clause_chars()
        original = self.original
        at = int(positions[start]) - 1
        while at >= 0 and original[at] in blanks:
            at -= 1
        if at >= 0 and original[at] not in marks:
            return False
        at = int(positions[end - 1]) + 1
        while at < len(original) and original[at] in blanks:
            at += 1
        return at >= len(original) or original[at] in marks


@lru_cache(maxsize=1)
def _clause_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(characters that end a clause, spaces and tabs), as written: before folding."""
    folded = _fold_table()
    marks = set(CLAUSE_MARKS) | {chr(c) for c, ch in folded.items() if ch in CLAUSE_MARKS}
    blanks = {" ", "\t"} | {chr(c) for c, ch in folded.items() if ch in (" ", "\t")}
    return frozenset(marks), frozenset(blanks)


def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; positions unchanged."""
    if not text:
        return text
    return _text(_code_tables()[0].take(_codes(text)))


def normalise(text: str) -> Normalised:
    """The text folded and without spaces and punctuation, with each kept character's position."""
    return Normalised(text, _code_tables()[1].take(_codes(text)))


def normalise_phrase(phrase: str) -> str:
    """A phrase of the rulebook in the form it is matched in."""
    return normalise(phrase).text


def warm_up() -> None:
    """Builds the tables now (about 0.3 s) instead of on the first conversation."""
    _code_tables()
