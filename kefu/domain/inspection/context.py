"""One conversation prepared for evaluation: normalised once, scanned once.

The segments are joined with a separator that no phrase contains, normalised in one vectorised
pass (`normalise`), and the whole text goes through the rulebook's single automaton once. Every
phrase condition then reads its hits from ``pattern_hits``; nothing scans the text again except
the few regex and similarity operators, which look only at the segments in their scope. What
several checks need (timing facts, the moment of the call, promised delays, whether the call was
silent) is worked out once, when first asked for.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from kefu.domain.calendar import WorkCalendar
from kefu.domain.conversation import Conversation
from kefu.domain.inspection.extract import Delay, find_delay
from kefu.domain.inspection.normalize import normalise

if TYPE_CHECKING:
    from kefu.domain.inspection.conditions import Scope
    from kefu.domain.inspection.moments import Moment
    from kefu.domain.inspection.rulebook import CompiledRulebook

SEPARATOR = "\x00"


class Timing(NamedTuple):
    agent_chars: int  # normalised characters the agent said or wrote
    customer_chars: int
    agent_timed_chars: int  # ... in turns with start and end times (for the speech rate)
    agent_talk_ms: int  # how long those turns lasted
    timed: bool  # whether any turn has an end time
    end_of_talk_ms: int
    gaps: list[tuple[int, int, int]]  # (after segment, from, to) between consecutive turns
    longest_gap_ms: int


class Context:
    def __init__(
        self, conversation: Conversation, rulebook: CompiledRulebook, calendar: WorkCalendar
    ) -> None:
        self.conversation = conversation
        self.rulebook = rulebook
        self.calendar = calendar
        segments = conversation.segments
        # Plain loops over the turns, typed: compiled (compiled.py) they run as native code.
        texts: list[str] = []
        speakers: list[str] = []
        agent: list[int] = []
        customer: list[int] = []
        system: list[int] = []
        start_ms: list[int | None] = []
        end_ms: list[int | None] = []
        for i, segment in enumerate(segments):
            texts.append(segment.text)
            start_ms.append(segment.start_ms)
            end_ms.append(segment.end_ms)
            who: str = segment.speaker
            speakers.append(who)
            if who == "agent":
                agent.append(i)
            elif who == "customer":
                customer.append(i)
            else:
                system.append(i)
        raw = SEPARATOR.join(texts)
        if raw.count(SEPARATOR) > len(texts) - 1:  # a text holds the separator itself
            texts = [t.replace(SEPARATOR, " ") for t in texts]
            raw = SEPARATOR.join(texts)
        self.texts = texts
        self.speakers = speakers
        self._start_ms = start_ms
        self._end_ms = end_ms
        self._turns: dict[str, list[int]] = {
            "agent": agent,
            "customer": customer,
            "system": system,
            "any": list(range(len(speakers))),
        }
        self._joined = normalise(raw)
        joined = self._joined.text  # the turns' normalised texts joined by SEPARATOR
        self.folded_codes = self._joined.folded  # ... before dropping, as code points
        seg_norm = joined.split(SEPARATOR)
        self.seg_norm: list[str] = seg_norm
        # Where each turn starts in the joined text (one entry more: where the next would).
        starts: list[int] = [0]
        at = 0
        for text in seg_norm:
            at += len(text) + 1
            starts.append(at)
        self._norm_starts = starts
        hits: dict[int, list[tuple[int, int, int]]] = {}
        # Overlapping matches come in order of their ends and none spans a separator, so the
        # turn of each match is the same as the previous one's or later.
        seg = 0
        base = 0
        following = starts[1]
        matches = rulebook.automaton.find_matches_as_indexes(joined, overlapping=True)
        for pattern, start, end in matches:
            if start >= following:
                seg = bisect_right(starts, start) - 1
                base = starts[seg]
                following = starts[seg + 1]
            found = hits.get(pattern)
            if found is None:
                hits[pattern] = [(seg, start - base, end - base)]
            else:
                found.append((seg, start - base, end - base))
        self.pattern_hits = hits
        self.found: set[int] = set(hits)  # the patterns found at least once
        self.scope_cache: dict[Any, Any] = {}
        self.warnings: list[str] = []
        # Worked out when first needed (functools.cached_property takes a lock on Python 3.11).
        self._cache_orig_starts: list[int] | None = None
        self._cache_is_silent_call: bool | None = None
        self._cache_timing: Timing | None = None
        self._cache_moment: Moment | None = None
        self._delays: dict[int, Delay | None] = {}

    # ------------------------------------------------------------------ speakers and turns

    def turns_of(self, speaker: str) -> list[int]:
        return self._turns[speaker]

    def segments_for(self, speaker: str, scope: Scope, only: frozenset[int] | None) -> list[int]:
        turns = scope.turns(self, speaker)
        return turns if only is None else [i for i in turns if i in only]

    def next_turns(self, speaker: str, after: int, count: int) -> list[int]:
        turns = self.turns_of(speaker)
        first = bisect_right(turns, after)
        return turns[first : first + count]

    @property
    def _orig_starts(self) -> list[int]:
        found = self._cache_orig_starts
        if found is None:
            found = self._cache_orig_starts = self._compute_orig_starts()
        return found

    def _compute_orig_starts(self) -> list[int]:
        starts: list[int] = []
        at = 0
        for text in self.texts:
            starts.append(at)
            at += len(text) + 1
        return starts

    def to_original(self, segment: int, start: int, end: int) -> tuple[int, int]:
        """Maps [start, end) of a segment's normalised text to its original text."""
        base = self._norm_starts[segment]
        o_start, o_end = self._joined.to_original(base + start, base + end)
        origin = self._orig_starts[segment]
        return o_start - origin, o_end - origin

    def is_whole_clause(self, segment: int, start: int, end: int) -> bool:
        """Whether [start, end) of a segment is a whole clause (punctuation or the turn's ends
        around: the separator between turns counts as a clause mark)."""
        base = self._norm_starts[segment]
        return self._joined.is_whole_clause(base + start, base + end)

    @property
    def is_silent_call(self) -> bool:
        found = self._cache_is_silent_call
        if found is None:
            found = self._cache_is_silent_call = self._compute_is_silent_call()
        return found

    def _compute_is_silent_call(self) -> bool:
        """A call in which the customer said nothing (SCRIPT-13)."""
        return self.conversation.channel == "phone" and not any(
            self.seg_norm[i] for i in self._turns["customer"]
        )

    def delay_in(self, segment: int) -> Delay | None:
        """The delay promised in a segment ("24小时内"), if any (read by two checks)."""
        cache = self._delays
        if segment not in cache:
            cache[segment] = find_delay(self.seg_norm[segment])
        return cache[segment]

    # ------------------------------------------------------------------ times

    @property
    def timing(self) -> Timing:
        found = self._cache_timing
        if found is None:
            found = self._cache_timing = self._compute_timing()
        return found

    def _compute_timing(self) -> Timing:
        """What the timing checks and the metrics read, gathered in one pass over the turns."""
        agent_chars = customer_chars = timed_chars = talk_ms = 0
        end_of_talk = 0
        timed = False
        gaps: list[tuple[int, int, int]] = []
        previous_end: int | None = None
        longest_gap = 0
        seg_norm = self.seg_norm
        speakers = self.speakers
        starts = self._start_ms
        ends = self._end_ms
        for i in range(len(speakers)):
            start = starts[i]
            end = ends[i]
            chars = len(seg_norm[i])
            who = speakers[i]
            if who == "agent":
                agent_chars += chars
                if start is not None and end is not None and end > start:
                    timed_chars += chars
                    talk_ms += end - start
            elif who == "customer":
                customer_chars += chars
            if previous_end is not None and start is not None and start > previous_end:
                gaps.append((i - 1, previous_end, start))
                if start - previous_end > longest_gap:
                    longest_gap = start - previous_end
            if end is not None:
                timed = True
                if end > end_of_talk:
                    end_of_talk = end
            previous_end = end
        return Timing(
            agent_chars=agent_chars,
            customer_chars=customer_chars,
            agent_timed_chars=timed_chars,
            agent_talk_ms=talk_ms,
            timed=timed,
            end_of_talk_ms=end_of_talk,
            gaps=gaps,
            longest_gap_ms=longest_gap,
        )

    def start_ms(self, segment: int) -> int | None:
        return self._start_ms[segment]

    def end_ms(self, segment: int) -> int | None:
        return self._end_ms[segment]

    def end_of_talk_ms(self) -> int:
        return self.timing.end_of_talk_ms

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

    @property
    def moment(self) -> Moment:
        found = self._cache_moment
        if found is None:
            found = self._cache_moment = self._compute_moment()
        return found

    def _compute_moment(self) -> Moment:
        from kefu.domain.inspection.moments import moment_of

        found = moment_of(
            self.conversation.started_at,
            self.rulebook.greetings,
            self.calendar,
            self.rulebook.moment_cache,
        )
        self.warnings.extend(found.warnings)
        return found
