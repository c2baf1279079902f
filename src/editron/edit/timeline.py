"""Blueprint → one Timeline per aspect ratio: clips placed back to back at the timeline rate,
reframed for vertical and square, captions re-timed to the edit, transitions from the style,
and an optional music bed with ducking under speech.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from editron.domain.analysis import AnalysisResult
from editron.domain.timecode import DEFAULT_START, timecode_to_frames
from editron.domain.timeline import (
    Blueprint,
    BrandPod,
    Clip,
    FrameRate,
    MediaInfo,
    MusicBed,
    StylePreset,
    Timeline,
    Transition,
)
from editron.edit.angles import sound_runs, switched_angles, with_microphones
from editron.edit.captions import build_captions, safe_area
from editron.edit.conform import clip_label
from editron.edit.music import plan_ducking, snap_to_beats
from editron.edit.reframe import plan_reframe
from editron.edit.speaker import speech_of
from editron.errors import InputError
from editron.story.cuts import file_cuts

__all__ = ["ASPECT_RATIOS", "build_timelines", "parse_ratio"]
log = logging.getLogger(__name__)

ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
}


def parse_ratio(text: str) -> str:
    """``16:9``, ``16x9`` or ``16/9`` → ``16:9``."""
    norm = text.strip().lower().replace("x", ":").replace("/", ":")
    if norm not in ASPECT_RATIOS:
        raise InputError(f"unknown aspect ratio {text!r}; use 16:9, 9:16 or 1:1")
    return norm


@dataclass(frozen=True, slots=True)
class _Cut:
    """What every ratio's timeline of one blueprint shares."""

    blueprint: Blueprint
    analysis: AnalysisResult
    media: Mapping[str, MediaInfo]
    style: StylePreset
    brand: BrandPod | None
    include_captions: bool
    project_name: str
    music_path: str | None
    music_beats: Sequence[float]
    start_timecode: str
    revision: int


def build_timelines(blueprint: Blueprint, *, aspect_ratios: Sequence[str],
                    analysis: AnalysisResult, media: Mapping[str, MediaInfo],
                    style: StylePreset, brand: BrandPod | None = None,
                    include_captions: bool = True, project_name: str = "Editron",
                    music_path: str | None = None, music_beats: Sequence[float] = (),
                    start_timecode: str = DEFAULT_START, revision: int = 1
                    ) -> list[Timeline]:
    """One timeline per aspect ratio, all cut identically from ``blueprint``; with a music
    bed (``music_path`` and its ``music_beats`` in seconds) the cuts first snap to the beats.
    Synced moments take their sound from the best microphone and their picture from the
    best angles for each ratio (``edit.angles``). Every export of them starts at
    ``start_timecode``; clips are named by file and moment."""
    rate = blueprint.rate
    timecode_to_frames(start_timecode, rate)  # refuse a bad start before any work
    missing = sorted({m.file_id for m in blueprint.moments} - set(media))
    if missing:
        raise InputError(f"the blueprint uses files with no media info: {', '.join(missing)}")
    if music_path is not None and music_beats:
        cuts = {fid: file_cuts(analysis, media[fid], rate)
                for fid in {m.file_id for m in blueprint.moments}}
        blueprint = snap_to_beats(blueprint, music_beats, cuts,
                                  min_frames=rate.frames(style.min_shot_seconds) // 2)
    cut = _Cut(blueprint, analysis, media, style, brand, include_captions, project_name,
               music_path, music_beats, start_timecode, revision)
    base = with_microphones(_base_clips(blueprint, media, style), analysis, media, rate)
    return [_timeline_for(cut, parse_ratio(ratio), base) for ratio in aspect_ratios]


def _base_clips(blueprint: Blueprint, media: Mapping[str, MediaInfo], style: StylePreset
                ) -> list[Clip]:
    """The blueprint's moments back to back, each from its own file, with the style's
    transitions."""
    rate = blueprint.rate
    base: list[Clip] = []
    record = 0
    trans_frames = rate.frames(style.transition_seconds)
    for i, m in enumerate(blueprint.moments):
        info = media[m.file_id]
        end = min(m.source_end, rate.frames_floor(info.duration))
        if end <= m.source_start:
            raise InputError(f"moment {m.key or i} lies outside {info.path}", path=info.path)
        kind = "cut" if i == 0 or style.transition == "cut" else style.transition
        base.append(Clip(
            file_id=m.file_id, source_start=m.source_start, source_end=end, record_start=record,
            transition_in=Transition(kind, 0 if kind == "cut" else
                                     min(trans_frames, (end - m.source_start) // 2)),
            audio=info.has_audio, why=m.why,
        ))
        record += end - m.source_start
    return base


def _timeline_for(cut: _Cut, key: str, base: Sequence[Clip]) -> Timeline:
    """The timeline of ratio ``key``: angles, reframing, captions, music, clip names."""
    rate, analysis, media = cut.blueprint.rate, cut.analysis, cut.media
    width, height = ASPECT_RATIOS[key]
    clips = tuple(_reframed(c, analysis, media[c.file_id], rate, width, height)
                  for c in switched_angles(base, analysis, media, rate, key, cut.style))
    heard = sound_runs(clips)
    captions = (build_captions(heard, analysis.transcript, rate=rate,
                               style=cut.style.caption_style, box=safe_area(key, width, height))
                if cut.include_captions else ())
    music = None
    if cut.music_path is not None:
        music = MusicBed(
            path=cut.music_path,
            beats=tuple(sorted({rate.frames(b) for b in cut.music_beats if b >= 0})),
            ducking=plan_ducking(_speech_spans(heard, analysis, rate), rate=rate,
                                 total_frames=max((c.record_end for c in base), default=0)),
            gain_db=cut.style.music_gain_db,
        )
    used = [c.file_id for c in clips] + [c.sound_file for c in clips]
    tl = Timeline(
        name=cut.project_name, deliverable=cut.blueprint.deliverable,
        variant=cut.blueprint.variant, aspect_ratio=key, width=width, height=height,
        rate=rate, clips=clips,
        media={fid: media[fid] for fid in dict.fromkeys(
            used + [f for c in clips for f, _ in c.angles])},
        captions=captions, style=cut.style.name, brand=cut.brand, music=music,
        start_timecode=cut.start_timecode, revision=cut.revision,
    )
    return replace(tl, clips=tuple(replace(c, name=clip_label(tl, c)) for c in tl.clips))


def _reframed(clip: Clip, analysis: AnalysisResult, info: MediaInfo, rate: FrameRate,
              width: int, height: int) -> Clip:
    signals = [s for s in analysis.shot_signals if s.file_id == clip.file_id]
    speech = speech_of(clip.file_id, analysis.transcript, analysis.audio_segments)
    plan = plan_reframe(media=info, rate=rate, source_start=clip.source_start,
                        source_end=clip.source_end, signals=signals, out_w=width, out_h=height,
                        speech=speech)
    return replace(clip, crop=plan.keyframes, pad_blur=plan.pad_blur, max_crop_step=plan.max_step)


def _speech_spans(clips: Sequence[Clip], analysis: AnalysisResult, rate: FrameRate
                  ) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for c in clips:
        shift = c.record_start - c.source_start
        for seg in analysis.transcript:
            if seg.file_id != c.file_id:
                continue
            for w in seg.words:
                s, e = rate.frames(w.start), rate.frames(w.end)
                if s < c.source_end and e > c.source_start:
                    spans.append((max(s, c.source_start) + shift, min(e, c.source_end) + shift))
    return spans
