"""Blueprint → one Timeline per aspect ratio: clips placed back to back at the timeline rate,
reframed for vertical and square, captions re-timed to the edit, transitions from the style,
and an optional music bed with ducking under speech.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

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
from editron.edit.captions import build_captions, safe_area
from editron.edit.conform import clip_label
from editron.edit.music import plan_ducking, snap_to_beats
from editron.edit.reframe import plan_reframe
from editron.errors import InputError
from editron.story.cuts import file_cuts
from editron.story.multicam import angle_for_ratio, file_clocks

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


def build_timelines(blueprint: Blueprint, *, aspect_ratios: Sequence[str],
                    analysis: AnalysisResult, media: Mapping[str, MediaInfo],
                    style: StylePreset, brand: BrandPod | None = None,
                    include_captions: bool = True, project_name: str = "Editron",
                    music_path: str | None = None, music_beats: Sequence[float] = (),
                    start_timecode: str = DEFAULT_START, revision: int = 1
                    ) -> list[Timeline]:
    """One timeline per aspect ratio, all cut identically from ``blueprint``; with a music
    bed (``music_path`` and its ``music_beats`` in seconds) the cuts first snap to the beats.
    Every export of them starts at ``start_timecode``; clips are named by file and moment."""
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
    out: list[Timeline] = []
    for ratio in aspect_ratios:
        key = parse_ratio(ratio)
        width, height = ASPECT_RATIOS[key]
        clips = tuple(_reframed(c, analysis, media[c.file_id], rate, width, height)
                      for c in _best_angles(base, analysis, media, rate, key))
        box = safe_area(key, width, height)
        captions = (build_captions(clips, analysis.transcript, rate=rate,
                                   style=style.caption_style, box=box)
                    if include_captions else ())
        music = None
        if music_path is not None:
            speech = _speech_spans(clips, analysis, rate)
            music = MusicBed(
                path=music_path,
                beats=tuple(sorted({rate.frames(b) for b in music_beats if b >= 0})),
                ducking=plan_ducking(speech, rate=rate, total_frames=record),
                gain_db=style.music_gain_db,
            )
        tl = Timeline(
            name=project_name, deliverable=blueprint.deliverable, variant=blueprint.variant,
            aspect_ratio=key, width=width, height=height, rate=rate, clips=clips,
            media={fid: media[fid] for fid in dict.fromkeys(
                [c.file_id for c in clips] + [f for c in clips for f, _ in c.angles])},
            captions=captions, style=style.name, brand=brand, music=music,
            start_timecode=start_timecode, revision=revision,
        )
        out.append(replace(tl, clips=tuple(replace(c, name=clip_label(tl, c))
                                           for c in tl.clips)))
    return out


def _best_angles(clips: Sequence[Clip], analysis: AnalysisResult,
                 media: Mapping[str, MediaInfo], rate: FrameRate, ratio: str) -> list[Clip]:
    """Each clip from the synced camera with the best picture for ``ratio`` at its event time
    (``story.multicam``): the 9:16 cut may take another angle than the 16:9."""
    if analysis.sync is None:
        return list(clips)
    clocks = file_clocks(analysis.sync, {}, {f: rate.fps for f in media})
    files = {f: (rate.fps, m.duration) for f, m in media.items() if f in clocks}
    out = []
    for c in clips:
        pick = angle_for_ratio((clocks.get(c.file_id), c.file_id, c.source_start,
                                c.source_end), c.duration, analysis, files, ratio)
        if pick is None:
            out.append(c)
            continue
        if pick[0] != c.file_id:
            log.info("%s: angle %s over %s (%s)", ratio, pick[0], c.file_id, pick[2])
        out.append(replace(c, file_id=pick[0], source_start=pick[1],
                           source_end=pick[1] + c.duration, audio=media[pick[0]].has_audio,
                           angles=pick[3]))
    return out


def _reframed(clip: Clip, analysis: AnalysisResult, info: MediaInfo, rate: FrameRate,
              width: int, height: int) -> Clip:
    signals = [s for s in analysis.shot_signals if s.file_id == clip.file_id]
    plan = plan_reframe(media=info, rate=rate, source_start=clip.source_start,
                        source_end=clip.source_end, signals=signals, out_w=width, out_h=height)
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
