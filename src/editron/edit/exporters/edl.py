"""CMX3600 EDL, written directly: one file per timeline (so one per ratio), an ``FCM`` line,
one event per cut carrying its picture and its sound (``AA/V`` for stereo and wider files,
``B`` for mono, ``V`` for a silent clip; a clip whose sound is another file's, as in a multicam
moment cut between angles over one microphone, is a ``V`` event and then an ``AA`` (``A``)
event at the same record time from the sound file's reel), record timecode from
``Timeline.start_timecode``, source timecode from each file's timecode track, reel names by
the rule in ``conform``.

Each event is followed by the comments that let an editor relink and reframe it:
``* FROM CLIP NAME`` (file and moment), ``* FROM CLIP`` (the media URL, which OpenTimelineIO
and Avid read), ``* SOURCE FILE`` (the file name, which pycmx and Premiere read), and for a
vertical or square timeline the crop window the render uses, in source pixels, with where it
starts and ends and the Premiere-style scale and centre (``motion``). Columns follow the
3600 layout exactly (8-character reel field), so fixed-column readers parse it.

CMX3600 timecode exists at 24, 25 and 30 frames a second (23.976 and 29.97 with them) and at
48, 50 and 60 (47.952, 59.94): a 12, 15, 20 or 120 fps timeline has no EDL, and the exporter
says so instead of writing timecode a conform would misread.
"""

from __future__ import annotations

from typing import ClassVar

from editron.domain.timecode import frames_to_timecode, is_drop_frame
from editron.domain.timeline import Clip, Timeline
from editron.edit.conform import (
    clip_label,
    file_stem,
    record_start,
    reel_names,
    source_offset,
    title,
)
from editron.edit.exporters.base import Exporter, PathMode, media_url, register
from editron.edit.exporters.motion import clip_motion

__all__ = ["EDL_TIMEBASES", "EdlExporter"]

EDL_TIMEBASES = (24, 25, 30, 48, 50, 60)


def _audio(clip: Clip, tl: Timeline) -> str | None:
    """The sound channels of ``clip``'s sound source (``None``: silent)."""
    info = tl.media[clip.sound_file]
    if not (clip.audio and info.has_audio):
        return None
    return "AA" if info.audio_channels >= 2 else "A"


def _channels(clip: Clip, tl: Timeline) -> str:
    sound = _audio(clip, tl)
    if sound is None or clip.sound_file != clip.file_id:
        return "V"
    return "AA/V" if sound == "AA" else "B"


def _sound_event(number: int, clip: Clip, tl: Timeline, reels: dict[str, str]) -> list[str]:
    """A clip whose sound is another file's (a multicam moment's one microphone under a
    switching picture) gets a second event at the same record time: that file's reel and
    source timecode, sound only."""
    sound = _audio(clip, tl)
    if sound is None or clip.sound_file == clip.file_id:
        return []
    start = record_start(tl)
    src = source_offset(tl.media[clip.sound_file], tl.rate) + clip.sound_start
    times = (src, src + clip.duration, start + clip.record_start, start + clip.record_end)
    info = tl.media[clip.sound_file]
    return [_event(number, reels[clip.sound_file], sound, times, tl),
            f"* FROM CLIP NAME: {clip_label(tl, clip)} SOUND",
            f"* SOURCE FILE: {file_stem(info)}{_suffix(info.path)}", ""]


def _event(number: int, reel: str, channels: str, times: tuple[int, int, int, int],
           tl: Timeline) -> str:
    tc = [frames_to_timecode(t, tl.rate) for t in times]
    return f"{number:03d}  {reel:<8} {channels:<4}  {'C':<4} {'':>3} {' '.join(tc)}"


def _reframe_comments(clip: Clip, tl: Timeline) -> list[str]:
    info = tl.media[clip.file_id]
    motion = clip_motion(clip, info, tl.width, tl.height)
    ratio = f"{tl.aspect_ratio} {tl.width}X{tl.height}"
    if motion.padded:
        return [f"* REFRAME {ratio}: WHOLE FRAME FITTED, SCALE {100 * motion.scale:.2f}%, "
                "OVER A BLURRED FILL OF ITSELF"]
    if motion.window is None:
        return [f"* REFRAME {ratio}: WHOLE FRAME, SCALE {100 * motion.scale:.2f}%"]
    first, last = motion.path[0], motion.path[-1]
    w, h = motion.window or (info.width, info.height)

    def corner(dx: float, dy: float) -> str:  # the window's top-left, source pixels
        x = info.width / 2 - dx / motion.scale - w / 2
        y = info.height / 2 - dy / motion.scale - h / 2
        return f"X {x:.0f} Y {y:.0f}"

    lines = [f"* REFRAME {ratio}: CROP {w}X{h} SOURCE PIXELS AT {corner(first.dx, first.dy)}, "
             f"SCALE {100 * motion.scale:.2f}%, "
             f"CENTRE {first.dx / tl.width:+.4f} {first.dy / tl.height:+.4f}"]
    if motion.moves:
        lines.append(f"* PAN: TO {corner(last.dx, last.dy)} BY FRAME {last.frame}, "
                     f"CENTRE {last.dx / tl.width:+.4f} {last.dy / tl.height:+.4f}, "
                     f"{len(motion.path)} KEYFRAMES")
    return lines


def _comments(clip: Clip, tl: Timeline, path_mode: PathMode, relative_to: str | None
              ) -> list[str]:
    info = tl.media[clip.file_id]
    url = media_url(info, path_mode=path_mode, relative_to=relative_to, timeline=tl)
    lines = [f"* FROM CLIP NAME: {clip_label(tl, clip)}", f"* FROM CLIP: {url}",
             f"* SOURCE FILE: {file_stem(info)}{_suffix(info.path)}"]
    if clip.transition_in.kind != "cut" and clip.transition_in.frames > 0:
        lines.append(f"* TRANSITION IN: {clip.transition_in.kind.upper()} "
                     f"{clip.transition_in.frames} FRAMES")
    return lines + _reframe_comments(clip, tl)


def _suffix(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


@register
class EdlExporter(Exporter):
    NAME: ClassVar[str] = "edl"
    EXTENSION: ClassVar[str] = "edl"
    MEDIA_TYPE: ClassVar[str] = "text/plain"
    LABEL: ClassVar[str] = "the EDL (CMX3600)"

    def unavailable(self, timeline: Timeline) -> str | None:
        rate = timeline.rate
        if rate.den in (1, 1001) and rate.timebase in EDL_TIMEBASES and (
                rate.den == 1 or rate.num == rate.timebase * 1000):
            return None
        return (f"CMX3600 timecode counts 24, 25, 30, 48, 50 or 60 frames a second (and their "
                f"NTSC rates); a {rate} fps timeline has no EDL timecode")

    def export(self, timeline: Timeline, *, path_mode: PathMode = "absolute",
               relative_to: str | None = None) -> str:
        tl = timeline
        fcm = "DROP FRAME" if is_drop_frame(tl.rate) else "NON-DROP FRAME"
        lines = [f"TITLE: {title(tl)}", f"FCM: {fcm}", ""]
        reels = reel_names(tl)
        start = record_start(tl)
        number = 0
        for clip in tl.clips:
            number += 1
            src = source_offset(tl.media[clip.file_id], tl.rate) + clip.source_start
            times = (src, src + clip.duration, start + clip.record_start,
                     start + clip.record_end)
            lines.append(_event(number, reels[clip.file_id], _channels(clip, tl), times, tl))
            lines += _comments(clip, tl, path_mode, relative_to)
            lines.append("")
            sound = _sound_event(number + 1, clip, tl, reels)
            number += bool(sound)
            lines += sound
        if tl.music is not None:
            lines.append(f"* MUSIC BED: {_music_name(tl.music.path)} AT "
                         f"{tl.music.gain_db:+.1f} DB WITH {len(tl.music.ducking)} DUCKING "
                         "KEYFRAMES, IN THE OTIO, FCPXML AND PREMIERE XML EXPORTS")
        return "\n".join(lines).rstrip("\n") + "\n"


def _music_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
