"""A synced timeline's cameras: each moment's sound from its best microphone, and its picture
cut between the angles that cover it (``story.switching``), on the event clock.

The microphone is chosen once per moment, before the ratios part, so every ratio plays the
same sound; the picture is cut per ratio, because the 9:16 crop may favour another camera.
A moment cut into pieces keeps one sound source running across the pieces (each piece's
``audio_start`` follows on from the last), so the render reads it as one stretch of audio.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from editron.domain.analysis import AnalysisResult
from editron.domain.timeline import Clip, FrameRate, MediaInfo, StylePreset, Transition
from editron.story.multicam import EventSpan, file_clocks
from editron.story.switching import (
    MIN_ANGLE_HOLD_SECONDS,
    best_microphone,
    plan_switches,
    sound_levels,
)

__all__ = ["sound_runs", "switched_angles", "with_microphones"]
log = logging.getLogger(__name__)


def _clocks(
    analysis: AnalysisResult,
    media: Mapping[str, MediaInfo],
    rate: FrameRate,
    with_audio: bool = False,
) -> tuple[dict[str, EventSpan], dict[str, tuple[float, float]]]:
    """Each synced file's event clock at the timeline rate, and the files as the switching
    reads them (id to fps and seconds), only those with sound when ``with_audio``."""
    clocks = file_clocks(analysis.sync, {}, {f: rate.fps for f in media})
    files = {
        f: (rate.fps, m.duration)
        for f, m in media.items()
        if f in clocks and (m.has_audio or not with_audio)
    }
    return clocks, files


def with_microphones(
    clips: Sequence[Clip], analysis: AnalysisResult, media: Mapping[str, MediaInfo], rate: FrameRate
) -> list[Clip]:
    """Each synced clip with the sound of the covering file whose microphone heard its
    moment best (``audio_file_id``/``audio_start``, the reason added to ``why``)."""
    if analysis.sync is None:
        return list(clips)
    clocks, files = _clocks(analysis, media, rate, with_audio=True)
    levels = sound_levels(analysis)
    out = []
    for c in clips:
        mic = best_microphone(
            (clocks.get(c.file_id), c.file_id, c.source_start, c.source_end),
            c.duration,
            analysis,
            files,
            levels,
        )
        if mic is None:
            out.append(c)
            continue
        log.info("%s@%d: %s", c.file_id, c.source_start, mic.reason)
        out.append(
            replace(
                c,
                audio_file_id=mic.file_id,
                audio_start=mic.source_start,
                audio=media[mic.file_id].has_audio,
                why=(*c.why, mic.reason),
            )
        )
    return out


def switched_angles(
    clips: Sequence[Clip],
    analysis: AnalysisResult,
    media: Mapping[str, MediaInfo],
    rate: FrameRate,
    ratio: str,
    style: StylePreset,
) -> list[Clip]:
    """Each synced clip as pieces of the angles with the best picture for ``ratio``, cut on
    the angles' shot boundaries and held at least ``MIN_ANGLE_HOLD_SECONDS`` (or the
    style's shortest shot); the other covering angles recorded on each piece."""
    if analysis.sync is None:
        return list(clips)
    clocks, files = _clocks(analysis, media, rate)
    min_hold = rate.frames(max(MIN_ANGLE_HOLD_SECONDS, style.min_shot_seconds))
    max_hold = rate.frames(style.max_shot_seconds)
    out: list[Clip] = []
    for c in clips:
        cuts = plan_switches(
            (clocks.get(c.file_id), c.file_id, c.source_start, c.source_end),
            c.duration,
            analysis,
            files,
            ratio,
            min_hold=min_hold,
            max_hold=max_hold,
        )
        if cuts is None:
            out.append(c)
            continue
        group = {f: clocks[f] for f in files if clocks[f].group == clocks[c.file_id].group}
        if len(cuts) == 1 and cuts[0].file_id == c.file_id:  # its own angle, its own sound
            out.append(
                replace(c, angles=_others(c.file_id, c.source_start, c.duration, c, group, media))
            )
            continue
        ends = [k.offset for k in cuts[1:]] + [c.duration]
        for n, (cut, end) in enumerate(zip(cuts, ends, strict=True)):
            out.append(
                _piece(
                    c,
                    cut.file_id,
                    cut.source_start,
                    cut.offset,
                    end,
                    group,
                    first=n == 0,
                    reason=cut.reason,
                    media=media,
                )
            )
    return out


def _piece(
    c: Clip,
    file_id: str,
    source_start: int,
    offset: int,
    end: int,
    clocks: Mapping[str, EventSpan],
    *,
    first: bool,
    reason: str,
    media: Mapping[str, MediaInfo],
) -> Clip:
    """The part ``offset``–``end`` of the moment ``c`` from ``file_id`` (``clocks``: its
    group's files), the other angles that cover the part beside it; the sound keeps running
    from where the moment's sound is at ``offset``."""
    length = end - offset
    # the clock's rounding may land a frame past the angle's last one: hold it inside
    source_start = max(
        0, min(source_start, int(media[file_id].duration * clocks[file_id].fps) - length)
    )
    angles = _others(file_id, c.source_start + offset, length, c, clocks, media)
    sound, sound_start = c.sound_file, c.sound_start + offset
    log.info("%s+%d: angle %s (%s)", c.file_id, offset, file_id, reason)
    return replace(
        c,
        file_id=file_id,
        source_start=source_start,
        source_end=source_start + length,
        record_start=c.record_start + offset,
        transition_in=c.transition_in if first else Transition("cut"),
        angles=tuple(angles),
        audio_file_id=sound,
        audio_start=sound_start,
        why=(*c.why, f"angle: {reason}"),
    )


def _others(
    file_id: str,
    own_frame: int,
    length: int,
    c: Clip,
    clocks: Mapping[str, EventSpan],
    media: Mapping[str, MediaInfo],
) -> tuple[tuple[str, int], ...]:
    """The files of ``clocks`` but ``file_id`` that show all ``length`` frames from frame
    ``own_frame`` of ``c``'s file, each with its first frame there."""
    event_t = clocks[c.file_id].seconds(own_frame)
    out = []
    for fid, clock in clocks.items():
        frame = clock.frame(event_t)
        if fid != file_id and frame >= 0 and frame + length <= int(media[fid].duration * clock.fps):
            out.append((fid, frame))
    return tuple(out)


def sound_runs(clips: Sequence[Clip]) -> list[Clip]:
    """The clips as their sound plays them: each one in its sound file's frames, and the
    pieces of one moment (cut-joined, their chosen sound running on, as the render's
    ``segments.audio_runs``) joined back into one, so a word that spans a picture cut is
    still wholly inside one clip for captions and ducking."""
    out: list[Clip] = []
    for c in clips:
        heard = replace(
            c,
            file_id=c.sound_file,
            source_start=c.sound_start,
            source_end=c.sound_start + c.duration,
            audio_file_id=None,
            audio_start=0,
        )
        prev = out[-1] if out else None
        if (
            prev is not None
            and c.audio_file_id is not None
            and c.transition_in.kind == "cut"
            and prev.file_id == heard.file_id
            and prev.source_end == heard.source_start
            and prev.record_end == c.record_start
        ):
            out[-1] = replace(prev, source_end=heard.source_end)
            continue
        out.append(heard)
    return out
