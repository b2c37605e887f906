"""One conversation prepared for evaluation: normalised once, scanned once.

The segments are joined with a separator that no phrase contains, folded and squeezed in one pass
each, and the whole text goes through the rulebook's single automaton once. Every phrase
condition then reads its hits from ``pattern_hits``; nothing scans the text again except the few
regex and similarity operators, which look only at the segments in their scope.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kefu.domain.calendar import WorkCalendar
from kefu.domain.conversation import Conversation
from kefu.domain.inspection.normalize import Normalised, fold, normalise, squeeze

if TYPE_CHECKING:
    from kefu.domain.inspection.moments import Moment
    from kefu.domain.inspection.rulebook import CompiledRulebook

SEPARATOR = "\x00"


class Context:
    def __init__(
        self, conversation: Conversation, rulebook: CompiledRulebook, calendar: WorkCalendar
    ) -> None:
        self.conversation = conversation
        self.rulebook = rulebook
        self.calendar = calendar
        segments = conversation.segments
        texts = [
            s.text if SEPARATOR not in s.text else s.text.replace(SEPARATOR, " ") for s in segments
        ]
        self.texts = texts
        joined = squeeze(fold(SEPARATOR.join(texts)))
        self.seg_norm: list[str] = joined.split(SEPARATOR)
        starts: list[int] = []
        at = 0
        for part in self.seg_norm:
            starts.append(at)
            at += len(part) + 1
        self._normalised: dict[int, Normalised] = {}
        self.speakers: list[str] = [s.speaker for s in segments]
        hits: dict[int, list[tuple[int, int, int]]] = {}
        if len(starts) == 1:
            for pattern, start, end in rulebook.automaton.find_matches_as_indexes(
                joined, overlapping=True
            ):
                hits.setdefault(pattern, []).append((0, start, end))
        else:
            for pattern, start, end in rulebook.automaton.find_matches_as_indexes(
                joined, overlapping=True
            ):
                seg = bisect_right(starts, start) - 1
                base = starts[seg]
                hits.setdefault(pattern, []).append((seg, start - base, end - base))
        self.pattern_hits = hits
        self.scope_cache: dict[Any, Any] = {}
        self.warnings: list[str] = []

    # ------------------------------------------------------------------ speakers and turns

    @cached_property
    def _turns(self) -> dict[str, list[int]]:
        turns: dict[str, list[int]] = {"agent": [], "customer": [], "system": []}
        for index, speaker in enumerate(self.speakers):
            turns[speaker].append(index)
        turns["any"] = list(range(len(self.speakers)))
        return turns

    def turns_of(self, speaker: str) -> list[int]:
        return self._turns[speaker]

    @cached_property
    def _speaker_sets(self) -> dict[str, frozenset[int]]:
        return {name: frozenset(turns) for name, turns in self._turns.items()}

    def speaker_filter(self, speaker: str) -> frozenset[int] | None:
        return None if speaker == "any" else self._speaker_sets[speaker]

    def segments_for(self, speaker: str, scope: Any, only: frozenset[int] | None) -> list[int]:
        allowed = scope.segments(self, speaker)
        turns = self.turns_of(speaker)
        return [
            i for i in turns if (allowed is None or i in allowed) and (only is None or i in only)
        ]

    def next_turns(self, speaker: str, after: int, count: int) -> list[int]:
        turns = self.turns_of(speaker)
        first = bisect_right(turns, after)
        return turns[first : first + count]

    def normalised(self, segment: int) -> Normalised:
        """A segment's full normalisation, with the way back to its words (built when needed:
        only findings and whole-clause checks need it, so most segments never pay for it)."""
        found = self._normalised.get(segment)
        if found is None:
            found = self._normalised[segment] = normalise(self.texts[segment])
        return found

    def to_original(self, segment: int, start: int, end: int) -> tuple[int, int]:
        """Maps [start, end) of a segment's normalised text to its original text."""
        return self.normalised(segment).to_original(start, end)

    def is_whole_clause(self, segment: int, start: int, end: int) -> bool:
        """Whether [start, end) of a segment is a whole clause (punctuation or the turn's ends around)."""
        return self.normalised(segment).is_whole_clause(start, end)

    @cached_property
    def is_silent_call(self) -> bool:
        """A call in which the customer said nothing (SCRIPT-13)."""
        return self.conversation.channel == "phone" and not any(
            self.seg_norm[i] for i in self._turns["customer"]
        )

    # ------------------------------------------------------------------ times

    def start_ms(self, segment: int) -> int | None:
        return self.conversation.segments[segment].start_ms

    def end_ms(self, segment: int) -> int | None:
        return self.conversation.segments[segment].end_ms

    def end_of_talk_ms(self) -> int:
        ends = [s.end_ms for s in self.conversation.segments if s.end_ms is not None]
        return max(ends) if ends else 0

    def said_at(self, segment: int) -> datetime | None:
        """When a segment was said or written, if the conversation tells."""
        seg = self.conversation.segments[segment]
        if seg.at is not None:
            return seg.at
        started = self.conversation.started_at
        if started is None:
            return None
        if seg.start_ms is not None:
            return started + timedelta(milliseconds=seg.start_ms)
        return started

    @cached_property
    def moment(self) -> Moment:
        from kefu.domain.inspection.moments import moment_of

        found = moment_of(self.conversation.started_at, self.rulebook.greetings, self.calendar)
        self.warnings.extend(found.warnings)
        return found
