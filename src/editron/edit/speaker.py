"""Who is speaking, frame by frame of a clip: the face whose mouth moves with the speech.

The speech is the transcript's words (else the audio labels' speech spans); its sentences end
where a word ends in ``.``, ``?`` or ``!``, where a transcript segment ends, or at a pause of
``PAUSE_SECONDS`` between two words (speech recognition drops full stops: tiny.en heard "in a
garage. And what comes next" as one sentence, and both faces spoke in it). Between two sentence
ends (or a sentence end and a shot change) every tracked face is scored by how much more its
mouth moves while someone speaks than while nobody does (``analysis.tracking``'s mouth
signal); the best, if its mouth moves at all, is that stretch's speaker. The framed face
changes only at a sentence end or a shot change, and at most once every ``SWITCH_SECONDS``
(a shot change always re-chooses: the faces are new; a clip's first face counts as a switch).
A switch the 3 s rule holds back at a sentence end is made once the 3 s are up if nobody has
started speaking yet (still the pause between the sentences), so the next speaker is not left
out of frame for a whole sentence.
A face the tracker lost and found again (a new track on the same place) stays the same
person; a speaker who leaves the frame hands over to the largest face left. With no speech
to match, every face about as large as the largest matters (two of them too far apart are
the reframer's pad).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from editron.domain.analysis import AudioSegment, Box, FaceTrack, TranscriptSegment

__all__ = ["SWITCH_SECONDS", "Framing", "Speech", "frame_speakers", "speech_of"]

SWITCH_SECONDS = 3.0
MOUTH_FLOOR = 0.004  # mouth motion over speech (above silence) below this: nobody visibly talks
BOTH = 0.7  # a second face matching the speech this well (share of the best) speaks too
SAME_FACE = 0.3  # IoU: a new track this much over a lost one's last box is the same face
MATTERS = 0.6  # with no speech: a face this share of the largest's area matters too
SENTENCE_END = (".", "?", "!")
PAUSE_SECONDS = 1.0  # silence between two words this long ends a sentence (words: ~0.15 s)


@dataclass(frozen=True, slots=True)
class Speech:
    """When someone speaks (``spans``, seconds of the source) and where sentences end."""

    spans: tuple[tuple[float, float], ...] = ()
    sentence_ends: tuple[float, ...] = ()

    def voiced(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.spans)


def speech_of(file_id: str, transcript: Sequence[TranscriptSegment],
              audio_segments: Sequence[AudioSegment] = ()) -> Speech:
    """The speech of one file: its words, else its speech-labelled audio."""
    segments = [s for s in transcript if s.file_id == file_id]
    words = [w for s in segments for w in s.words]
    if words:
        ends = {round(w.end, 3) for w in words if w.word.strip().endswith(SENTENCE_END)}
        ends |= {round(s.end, 3) for s in segments}
        ordered = sorted(words, key=lambda w: w.start)
        ends |= {round(a.end, 3) for a, b in itertools.pairwise(ordered)
                 if b.start - a.end >= PAUSE_SECONDS}
        return Speech(tuple(sorted((w.start, w.end) for w in words)), tuple(sorted(ends)))
    spoken = sorted((a.start, a.end) for a in audio_segments
                    if a.file_id == file_id and a.label == "speech")
    return Speech(tuple(spoken), tuple(b for _, b in spoken))


@dataclass(frozen=True, slots=True)
class Framing:
    """Per clip frame, the faces that matter (the speaker alone when one is known; the lead
    first), the frames where the window must jump (a switch or a shot change), and how many
    times the speaker changed."""

    subjects: tuple[tuple[Box, ...], ...]
    cuts: tuple[int, ...]
    switches: int
    speakers: tuple[int | None, ...]  # the followed track per frame
    spoken: bool = False  # whether any face's mouth moved with the speech


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / max(1e-9, a[2] * a[3] + b[2] * b[3] - inter)


def _visible(tracks: Sequence[FaceTrack], t: float) -> dict[int, Box]:
    out: dict[int, Box] = {}
    for tr in tracks:
        i = tr.index(t)
        if i is not None:
            out[tr.track] = tr.boxes[i]
    return out


def _scores(tracks: Sequence[FaceTrack], speech: Speech, a: float, b: float
            ) -> dict[int, float]:
    """How much more each face's mouth moves in ``[a, b)`` while someone speaks than not."""
    out: dict[int, float] = {}
    for tr in tracks:
        on: list[float] = []
        off: list[float] = []
        for k, m in enumerate(tr.mouth):
            t = tr.start + k * tr.step
            if a <= t < b:
                (on if speech.voiced(t) else off).append(m)
        if on:
            out[tr.track] = sum(on) / len(on) - (sum(off) / len(off) if off else 0.0)
    return out


def _largest(faces: dict[int, Box]) -> int | None:
    return max(faces, key=lambda k: faces[k][2] * faces[k][3]) if faces else None


@dataclass(slots=True)
class _Walk:
    """The speaker choice as it goes through the clip's frames."""

    current: int | None = None
    last_box: Box | None = None
    last_switch: float = -math.inf
    switches: int = 0
    pending: int | None = None  # the next sentence's speaker, held back by the 3 s rule

    def step(self, faces: dict[int, Box], candidate: int | None, t: float, *,
             shot_change: bool, sentence_end: bool, voiced: bool) -> bool:
        """Choose the face at ``t``; whether the window jumps here."""
        jump = False
        pick = candidate if candidate in faces else _largest(faces)
        if shot_change:
            self.current, jump, self.pending = pick, True, None
        elif sentence_end:
            self.pending = candidate if candidate in faces and candidate != self.current \
                else None
        elif voiced:
            self.pending = None  # the next sentence began: its speaker waits for its end
        if self.pending is not None and self.pending in faces \
                and t - self.last_switch >= SWITCH_SECONDS - 1e-6:
            self.current, jump, self.pending = self.pending, True, None
            self.switches, self.last_switch = self.switches + 1, t
        if self.current not in faces and faces:
            same = self._continued(faces)
            if same is not None:  # the tracker lost the face and found it again
                self.current = same
            else:  # the speaker left: the largest face left (or the speaker) takes over
                self.current, jump = pick, True
                self.switches, self.last_switch = self.switches + 1, t
        if self.current in faces:
            self.last_box = faces[self.current] if self.current is not None else None
        return jump

    def _continued(self, faces: dict[int, Box]) -> int | None:
        last = self.last_box
        if last is None:
            return None
        best = max(faces, key=lambda k: _iou(faces[k], last))
        return best if _iou(faces[best], last) >= SAME_FACE else None


def _verdict(scores: dict[int, float]) -> tuple[int | None, int | None]:
    """The stretch's speaker (None: no mouth moves with the speech) and a second face that
    speaks about as much (None: one speaker)."""
    ranked = sorted(scores, key=lambda k: -scores[k])
    if not ranked or scores[ranked[0]] <= MOUTH_FLOOR:
        return None, None
    second = ranked[1] if len(ranked) > 1 and scores[ranked[1]] > max(
        MOUTH_FLOOR, BOTH * scores[ranked[0]]) else None
    return ranked[0], second


def _subject(faces: dict[int, Box], current: int | None, partner: int | None,
             any_speaker: bool) -> tuple[Box, ...]:
    if current is None or current not in faces:
        return ()
    lead = faces[current]
    if any_speaker:
        return (lead,) + ((faces[partner],) if partner in faces and partner != current else ())
    others = [b for k, b in faces.items()
              if k != current and b[2] * b[3] >= MATTERS * lead[2] * lead[3]]
    return (lead, *others)


def frame_speakers(tracks: Sequence[FaceTrack], speech: Speech, shot_starts: Sequence[float],
                   times: Sequence[float]) -> Framing:
    """The faces to frame at each of ``times`` (a clip's frames, seconds of the source)."""
    if not times:
        return Framing((), (), 0, ())
    t0, t1 = times[0], times[-1]
    speech = Speech(tuple(sp for sp in speech.spans if sp[1] > t0 and sp[0] <= t1),
                    speech.sentence_ends)
    shots = {s for s in shot_starts if t0 < s <= t1}
    marks = sorted({*shots, *(e for e in speech.sentence_ends if t0 < e <= t1)})
    bounds = [t0, *marks]
    verdicts = [_verdict(_scores(tracks, speech, a, b))
                for a, b in zip(bounds, [*marks, t1 + 1e-6], strict=True)]
    any_speaker = any(v[0] is not None for v in verdicts)
    walk = _Walk(last_switch=t0)  # the clip's opening face holds for the first 3 s too
    subjects: list[tuple[Box, ...]] = []
    speakers: list[int | None] = []
    cuts: list[int] = []
    seg = 0
    for i, t in enumerate(times):
        crossed = [b for b in bounds[seg + 1:] if b <= t + 1e-9]
        seg += len(crossed)
        faces = _visible(tracks, t)
        candidate, partner = verdicts[seg]
        if walk.step(faces, candidate, t, shot_change=i == 0 or any(b in shots for b in crossed),
                     sentence_end=bool(crossed), voiced=speech.voiced(t)) and i > 0:
            cuts.append(i)
        speakers.append(walk.current if walk.current in faces else None)
        subjects.append(_subject(faces, walk.current, partner, any_speaker))
    return Framing(tuple(subjects), tuple(cuts), walk.switches, tuple(speakers), any_speaker)
