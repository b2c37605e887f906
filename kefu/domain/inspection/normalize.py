"""Text normalisation for matching, with a way back to the original text.

Matching must not care about full-width vs half-width forms, traditional vs simplified characters,
letter case, spaces or punctuation ("你 到底 想 怎麼樣?" says "你到底想怎么样"), but evidence must
point into the words as they were written. So each text is normalised once into a string without
spaces and punctuation plus a table of the runs of kept characters; a position in the normalised
string maps back to the original by one bisect.

Traditional-to-simplified conversion is done character by character (a table built once from
OpenCC's t2s data), which keeps positions stable; phrase-level conversions that change length are
not needed for matching service phrases.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

# Characters that end a clause: a phrase marked "whole clause" must sit between two of these.
CLAUSE_MARKS = frozenset(",.!?;。!?,;…~～\n\x00")

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _is_dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    if ch == "\x00":  # the segment separator must survive normalisation
        return False
    return category[0] in "PZ" or category in ("Cc", "Sk", "Sm", "So", "Cf")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
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
    dropped = [
        chr(code)
        for code in range(0, 0x10000)
        if not 0xD800 <= code <= 0xDFFF and _is_dropped(chr(code))
    ]
    dropped_class = "".join(re.escape(ch) for ch in dropped)
    keep_runs = re.compile(f"[^{dropped_class}]+")
    drop_runs = re.compile(f"[{dropped_class}]+")
    # Most texts are simplified Chinese already: one regex search tells whether folding is needed,
    # which is several times cheaper than str.translate over every character.
    changing = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")
    return table, keep_runs, drop_runs, changing


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


@dataclass(frozen=True, slots=True)
class Normalised:
    """One text normalised for matching, and the way back to positions in the original."""

    original: str
    folded: str  # the original with characters folded one to one (same length, same positions)
    text: str  # folded without spaces and punctuation: what phrases are matched against
    run_norm_starts: tuple[int, ...]  # where each run of kept characters starts in `text`
    run_orig_starts: tuple[int, ...]  # ... and in `original`

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Maps [start, end) in `text` to [start, end) in `original` (end > start)."""
        return self._position(start), self._position(end - 1) + 1

    def _position(self, at: int) -> int:
        run = bisect_right(self.run_norm_starts, at) - 1
        return self.run_orig_starts[run] + at - self.run_norm_starts[run]

    def is_whole_clause(self, start: int, end: int) -> bool:
        """Whether [start, end) of `text` is a whole clause of the original (punctuation around)."""
        o_start, o_end = self.to_original(start, end)
        before = self.folded[:o_start].rstrip(" \t")
        after = self.folded[o_end:].lstrip(" \t")
        return (not before or before[-1] in CLAUSE_MARKS) and (
            not after or after[0] in CLAUSE_MARKS
        )


def fold(text: str) -> str:
    """Full-width to half-width, traditional to simplified, lower case; positions unchanged."""
    table, _, _, changing = _tables()
    found = changing.findall(text)
    if not found:
        return text
    if len(found) > 32:  # mostly traditional or full-width text: one pass over everything
        return text.translate(table)
    for ch in set(found):  # a few letters to lower-case: replace just those
        text = text.replace(ch, table[ord(ch)])
    return text


def dropped_runs() -> re.Pattern[str]:
    """The pattern of runs of spaces and punctuation (what matching ignores)."""
    return _tables()[2]


def squeeze(folded: str) -> str:
    """A folded text without its spaces and punctuation."""
    return _tables()[2].sub("", folded)


def normalise(text: str) -> Normalised:
    """The full normalisation with the run table (for mapping matches back to the original)."""
    keep_runs = _tables()[1]
    folded = fold(text)
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    parts: list[str] = []
    at = 0
    for match in keep_runs.finditer(folded):
        norm_starts.append(at)
        orig_starts.append(match.start())
        part = match.group()
        parts.append(part)
        at += len(part)
    if not norm_starts:
        norm_starts, orig_starts = [0], [0]
    return Normalised(
        original=text,
        folded=folded,
        text="".join(parts),
        run_norm_starts=tuple(norm_starts),
        run_orig_starts=tuple(orig_starts),
    )


def normalise_phrase(phrase: str) -> str:
    """A phrase of the rulebook in the form it is matched in."""
    return squeeze(fold(phrase))


def warm_up() -> None:
    """Builds the tables now (about 0.1 s) instead of on the first conversation."""
    _tables()
