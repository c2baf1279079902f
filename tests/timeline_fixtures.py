"""Analysis results built by hand (and by hypothesis) as the input of story and edit tests.

``make_event`` lays out an event of several files with shots, speech (word timings with
sentence punctuation), an energy curve, crowd peaks, faces and hero moments at known places,
so tests can check what the story forge does with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from editron.domain.analysis import (
    AnalysisResult,
    EnergyPoint,
    FaceBox,
    HeroMoment,
    Shot,
    ShotSignals,
    TranscriptSegment,
    Word,
)
from editron.domain.timeline import MediaInfo

__all__ = ["Event", "analyses", "make_event"]

SENTENCES = (
    "Welcome everyone to the summit.",
    "Tonight we celebrate our amazing community!",
    "Please thank Acme for sponsoring the stage.",
    "The next speaker needs no introduction.",
    "Let us make some noise for the finalists!",
)


@dataclass(frozen=True)
class Event:
    analysis: AnalysisResult
    media: dict[str, MediaInfo]


def _speech(file_id: str, start: float, text: str, *, pace: float = 0.32,
            gap: float = 0.08) -> TranscriptSegment:
    words: list[Word] = []
    t = start
    for token in text.split():
        length = pace * max(0.5, len(token) / 6)
        words.append(Word(token, round(t, 3), round(t + length, 3)))
        t += length + gap
    return TranscriptSegment(file_id, words[0].start, words[-1].end, text, tuple(words))


def make_event(*, files: int = 3, seconds: float = 40.0, fps: float = 25.0,
               shot_seconds: float = 4.0, width: int = 1920, height: int = 1080,
               fps_per_file: tuple[float, ...] | None = None, vfr: tuple[bool, ...] = (),
               root: str = "/media/event") -> Event:
    shots: list[Shot] = []
    signals: list[ShotSignals] = []
    transcript: list[TranscriptSegment] = []
    energy: list[EnergyPoint] = []
    heroes: list[HeroMoment] = []
    media: dict[str, MediaInfo] = {}
    for k in range(files):
        fid = f"f{k + 1}"
        rate = fps_per_file[k] if fps_per_file else fps
        media[fid] = MediaInfo(fid, f"{root}/clip_{k + 1}.mp4", seconds, rate, width, height,
                               True, bool(vfr[k]) if k < len(vfr) else False, order=k)
        t = 0.0
        n = 0
        while t < seconds - 1e-9:
            end = min(seconds, t + shot_seconds + (n % 3) * 0.6)
            shots.append(Shot(fid, t, end, round(t * rate), round(end * rate)))
            cx = 0.25 + 0.5 * ((n * 7 + k) % 5) / 4
            boxes = tuple(FaceBox(t + j * 0.5, cx - 0.05 + 0.01 * j, 0.3, 0.1, 0.18)
                          for j in range(int((end - t) / 0.5)))
            signals.append(ShotSignals(fid, t, end, motion=0.2 + 0.15 * (n % 5),
                                       sharpness=100.0, brightness=120.0,
                                       faces=1 if n % 2 == 0 else 0,
                                       face_boxes=boxes if n % 2 == 0 else (),
                                       motion_center=(cx, 0.5)))
            t, n = end, n + 1
        for j in range(int(seconds * 2)):
            tt = j * 0.5
            energy.append(EnergyPoint(fid, tt, 0.3 + 0.6 * ((j * 13 + k * 5) % 17) / 16, -20.0))
        for s, sentence in enumerate(SENTENCES[k % 2::2]):
            seg = _speech(fid, 2.0 + s * 11.0 + k, sentence)
            if seg.end < seconds:
                transcript.append(seg)
        for h in range(3):
            start = 5.0 + h * 12.0 + k * 0.7
            if start + 4 < seconds:
                conf = 0.9 - 0.15 * h - 0.05 * k
                heroes.append(HeroMoment(fid, start, start + 4.0, conf,
                                         (f"crowd cheer at {start:.0f}s",), ("crowd",),
                                         score=conf))
    analysis = AnalysisResult(passes_completed=1, shots=shots, shot_signals=signals,
                              transcript=transcript, energy_curve=energy,
                              hero_moments=heroes)
    return Event(analysis, media)


@st.composite
def analyses(draw: st.DrawFn) -> Event:
    """Random but well-formed events: 1–4 files of 12–90 s at any common rate."""
    files = draw(st.integers(1, 4))
    rates = tuple(draw(st.sampled_from([23.976, 25.0, 29.97, 30.0, 50.0, 59.94]))
                  for _ in range(files))
    seconds = draw(st.floats(20.0, 90.0))
    shot = draw(st.floats(1.0, 8.0))
    return make_event(files=files, seconds=round(seconds, 2), fps_per_file=rates,
                      shot_seconds=round(shot, 2))
