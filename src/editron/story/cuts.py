"""Where a cut may fall: on a shot boundary or in a gap between words, never inside a word,
and always inside the media. Speech-led ranges grow to whole sentences.

Everything here works in timeline-rate frames of one source file; ``FileCuts`` gathers what
one file offers (shot boundaries, words, sentences, length).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from editron.domain.analysis import AnalysisResult, TranscriptSegment
from editron.domain.timeline import FrameRate, MediaInfo

__all__ = ["FileCuts", "file_cuts", "sentence_texts", "sentences"]

_SENTENCE_END = re.compile(r"[.!?…]['\")\]]*$")


@dataclass(frozen=True, slots=True)
class FileCuts:
    file_id: str
    rate: FrameRate
    media_frames: int  # frames of the source at the timeline rate (exclusive upper bound)
    boundaries: tuple[int, ...]  # shot boundary frames, sorted
    words: tuple[tuple[float, float], ...]  # (start, end) seconds, sorted
    sentences: tuple[tuple[float, float], ...]
    blocked: tuple[tuple[int, int], ...] = ()  # frames no clip may reach (must-avoid speech)

    def inside_word(self, frame: int) -> bool:
        t = self.rate.seconds(frame)
        i = bisect.bisect_left(self.words, (t, math.inf))
        # words are sorted by start and barely overlap: the two before ``t`` can contain it
        return any(s < t < e for s, e in self.words[max(0, i - 2):i])

    def legal(self, frame: int) -> bool:
        return 0 <= frame <= self.media_frames and not self.inside_word(frame)

    def nearest_legal(self, frame: int, *, lo: int, hi: int, prefer: int = 0) -> int | None:
        """The legal frame nearest ``frame`` within ``[lo, hi]``; a shot boundary within
        ``prefer`` frames wins, because a cut on a boundary is invisible."""
        lo, hi = max(lo, 0), min(hi, self.media_frames)
        if lo > hi:
            return None
        near = [b for b in self.boundaries if lo <= b <= hi and abs(b - frame) <= prefer]
        near = [b for b in near if self.legal(b)]
        if near:
            return min(near, key=lambda b: abs(b - frame))
        frame = min(max(frame, lo), hi)
        for step in range(0, hi - lo + 1):
            for cand in (frame - step, frame + step):
                if lo <= cand <= hi and self.legal(cand):
                    return cand
        return None

    def speech_in(self, start: int, end: int) -> float:
        """Fraction of ``[start, end)`` covered by words."""
        a, b = self.rate.seconds(start), self.rate.seconds(end)
        if b <= a:
            return 0.0
        covered = sum(max(0.0, min(e, b) - max(s, a)) for s, e in self.words)
        return covered / (b - a)

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        """Grow ``[start, end)`` to the whole sentences it touches (clamped to the media)."""
        a, b = self.rate.seconds(start), self.rate.seconds(end)
        hit = [(s, e) for s, e in self.sentences if s < b and e > a]
        if not hit:
            return start, end
        s0 = min(start, self.rate.frames_floor(min(s for s, _ in hit)))
        e0 = max(end, self.rate.frames_ceil(max(e for _, e in hit)))
        return max(0, s0), min(self.media_frames, e0)

    def fit(self, start: int, end: int, *, min_frames: int, max_frames: int,
            speech_led: bool, prefer: int) -> tuple[int, int] | None:
        """A legal range close to ``[start, end)``: sentences kept whole when speech-led,
        otherwise between ``min_frames`` and ``max_frames`` long."""
        start, end = max(0, start), min(self.media_frames, end)
        if speech_led:
            start, end = self.sentence_span(start, end)
        elif end - start > max_frames:
            mid = (start + end) // 2
            start, end = mid - max_frames // 2, mid - max_frames // 2 + max_frames
        if end - start < min_frames:
            grow = min_frames - (end - start)
            start, end = start - grow // 2, end + grow - grow // 2
            if start < 0:
                start, end = 0, end - start
            if end > self.media_frames:
                start, end = max(0, start - (end - self.media_frames)), self.media_frames
        s = self.nearest_legal(start, lo=0, hi=end - 1, prefer=prefer)
        if s is None:
            return None
        hi = self.media_frames if speech_led else s + max(max_frames, min_frames)
        e = self.nearest_legal(end, lo=s + 1, hi=hi, prefer=prefer)
        if e is None or e <= s:
            return None
        return s, e


def sentence_texts(segments: Iterable[TranscriptSegment]) -> list[tuple[float, float, str]]:
    """(start, end, text) of each sentence, split on end punctuation (a segment without
    words is one sentence)."""
    out: list[tuple[float, float, str]] = []
    for seg in segments:
        if not seg.words:
            out.append((seg.start, seg.end, seg.text))
            continue
        first = 0
        for i, w in enumerate(seg.words):
            if _SENTENCE_END.search(w.word.strip()) or i == len(seg.words) - 1:
                words = seg.words[first:i + 1]
                out.append((words[0].start, w.end, " ".join(x.word.strip() for x in words)))
                first = i + 1
    return sorted(out)


def sentences(segments: Iterable[TranscriptSegment]) -> list[tuple[float, float]]:
    return [(a, b) for a, b, _ in sentence_texts(segments)]


def file_cuts(analysis: AnalysisResult, media: MediaInfo, rate: FrameRate, *,
              avoid: Sequence[str] = ()) -> FileCuts:
    """What one file offers the cutter; sentences that mention an ``avoid`` term are blocked."""
    fid = media.file_id
    media_frames = rate.frames_floor(media.duration)
    bounds = sorted({rate.frames(s.start) for s in analysis.shots if s.file_id == fid}
                    | {rate.frames(s.end) for s in analysis.shots if s.file_id == fid})
    segs: Sequence[TranscriptSegment] = [t for t in analysis.transcript if t.file_id == fid]
    words = sorted((w.start, w.end) for seg in segs for w in seg.words if w.end > w.start)
    terms = [t.lower() for t in avoid if t.strip()]
    blocked = tuple((rate.frames_floor(a), rate.frames_ceil(b))
                    for a, b, text in sentence_texts(segs)
                    if any(t in text.lower() for t in terms))
    return FileCuts(
        file_id=fid, rate=rate, media_frames=media_frames,
        boundaries=tuple(b for b in bounds if 0 < b < media_frames),
        words=tuple(words), sentences=tuple(sentences(segs)), blocked=blocked,
    )
