"""What the render graph is built from: the file read for each clip (RenderSource) and the
timeline cut into segments (frames contributed, frames read, crossfades and dips at each
join), pure."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from editron.domain.timeline import Clip, FrameRate, Timeline
from editron.errors import InputError

__all__ = [
    "SEEK_SLACK_FRAMES",
    "STEREO",
    "AudioRun",
    "RenderSource",
    "Segment",
    "audio_runs",
    "join_kind",
    "samples_at",
    "segments_of",
]


SEEK_SLACK_FRAMES = 2  # read a little past the cut so rate conversion never runs dry


STEREO = {"sample_fmts": "fltp", "channel_layouts": "stereo"}


@dataclass(frozen=True, slots=True)
class RenderSource:
    """The file read for one ``file_id``: the original, or a proxy for previews. Its size
    scales the timeline's crop keyframes, which are in the original's pixels."""

    path: Path
    width: int
    height: int
    has_audio: bool = True
    # The container's start time when its header alone describes every stream (MP4/MOV, see
    # ``media.probe.declared_start``). Its inputs then skip ffmpeg's stream probe, which
    # decodes a few frames per input: most of an audio pass over two dozen cuts, and
    # seconds of a render that opens each source twice per cut. ffmpeg only learns the start
    # time from that probe, so the seek adds it here. None: probe as usual.
    start_seconds: float | None = None
    # The audio stream to read (position among the file's audio streams,
    # ``media.streams.choose_audio``) and the picture's colour tags: an HDR transfer
    # (``smpte2084``, ``arib-std-b67``) is tone-mapped to SDR by ``tonemap`` (a method of
    # ``media.colour.tonemap_filters``).
    audio_stream: int = 0
    transfer: str | None = None
    primaries: str | None = None
    matrix: str | None = None
    tonemap: str = "zscale"


@dataclass(frozen=True, slots=True)
class Segment:
    index: int
    clip: Clip
    frames: int  # frames this clip contributes to the graph, crossfade extension included
    read_frames: int  # frames read from the source (the rest hold the last frame)
    xfade_in: int  # crossfade frames shared with the previous segment
    fade_in: int  # dip-to-black frames at the start
    fade_out: int  # dip-to-black frames at the end


def segments_of(timeline: Timeline) -> list[Segment]:
    """The clips in record order, checked to tile ``[0, duration_frames)`` with no gap."""
    clips = sorted(timeline.clips, key=lambda c: c.record_start)
    if not clips:
        raise InputError(f"timeline {timeline.name!r} has no clips to render")
    at = 0
    for c in clips:
        if c.duration <= 0:
            raise InputError(f"clip {c.name or c.file_id!r} is empty")
        if c.record_start != at:
            raise InputError(f"timeline {timeline.name!r} is not contiguous: a clip starts at "
                             f"frame {c.record_start}, expected {at}")
        for fid in (c.file_id, c.sound_file):
            if fid not in timeline.media:
                raise InputError(f"clip {c.name or c.file_id!r} uses unknown media {fid!r}")
        at = c.record_end
    joins = [join_kind(prev, cur) for prev, cur in itertools.pairwise(clips)]
    out: list[Segment] = []
    for i, c in enumerate(clips):
        kind_in, t_in = joins[i - 1] if i > 0 else ("cut", 0)
        kind_out, t_out = joins[i] if i < len(joins) else ("cut", 0)
        ext = t_out if kind_out == "crossfade" else 0
        handles = timeline.rate.frames_floor(timeline.media[c.file_id].duration) - c.source_end
        out.append(Segment(
            index=i, clip=c, frames=c.duration + ext,
            read_frames=c.duration + min(ext, max(handles, 0)),
            xfade_in=t_in if kind_in == "crossfade" else 0,
            fade_in=t_in // 2 if kind_in == "dip_to_black" else 0,
            fade_out=t_out - t_out // 2 if kind_out == "dip_to_black" else 0,
        ))
    return out


@dataclass(frozen=True, slots=True)
class AudioRun:
    """Segments whose sound is one unbroken stretch of one file: the pieces of a moment cut
    between angles over its best microphone, read as one input and trimmed once, so the
    picture cuts inside it leave no step in the waveform."""

    index: int  # the first segment's
    segments: tuple[Segment, ...]

    @property
    def first(self) -> Clip:
        return self.segments[0].clip

    @property
    def record_start(self) -> int:
        return self.first.record_start

    @property
    def record_end(self) -> int:
        return self.segments[-1].clip.record_end

    @property
    def frames(self) -> int:
        return self.record_end - self.record_start

    @property
    def fade_in(self) -> int:
        return self.segments[0].fade_in

    @property
    def fade_out(self) -> int:
        return self.segments[-1].fade_out


def audio_runs(segments: list[Segment]) -> list[AudioRun]:
    """The segments grouped into runs of continuous sound: a segment whose sound was chosen
    for it (``Clip.audio_file_id``) joins the run before it when it follows it with a plain
    cut and its sound is the same file's next frames."""
    runs: list[list[Segment]] = []
    for seg in segments:
        prev = runs[-1][-1] if runs else None
        if prev is not None and _sound_runs_on(prev, seg):
            runs[-1].append(seg)
        else:
            runs.append([seg])
    return [AudioRun(run[0].index, tuple(run)) for run in runs]


def _sound_runs_on(prev: Segment, seg: Segment) -> bool:
    a, b = prev.clip, seg.clip
    plain_cut = not (seg.xfade_in or seg.fade_in or prev.fade_out)
    return (plain_cut and b.audio_file_id is not None and a.audio == b.audio
            and a.sound_file == b.sound_file
            and b.sound_start == a.sound_start + a.duration)


def join_kind(prev: Clip, cur: Clip) -> tuple[str, int]:
    kind = cur.transition_in.kind
    if kind not in ("cut", "crossfade", "dip_to_black"):
        raise InputError(f"unknown transition {kind!r} into clip {cur.name or cur.file_id!r}")
    frames = min(cur.transition_in.frames, prev.duration, cur.duration)
    return (kind, frames) if kind != "cut" and frames > 0 else ("cut", 0)


def samples_at(frames: int, rate: FrameRate, audio_rate: int) -> int:
    """Audio samples before timeline frame ``frames``; per-clip counts telescope to the
    program's exact length."""
    return round(rate.exact(frames) * audio_rate)
