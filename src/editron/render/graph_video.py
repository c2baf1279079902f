"""The video half of the render graph: each clip read, conformed, cropped or padded and
trimmed to its frames, and the clips joined with cuts, crossfades and dips (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from editron.domain.timeline import FrameRate, Timeline
from editron.media.colour import tonemap_filters
from editron.render.filters import (
    crop_filter,
    filter_spec,
    fit_filters,
    number,
    seconds,
    statement,
)
from editron.render.profiles import RenderProfile
from editron.render.segments import SEEK_SLACK_FRAMES, RenderSource, Segment

__all__ = [
    "clip_video",
    "input_window",
    "join_video",
    "source_window",
]


def clip_video(seg: Segment, src: RenderSource, timeline: Timeline,
                profile: RenderProfile) -> list[str]:
    clip, i, rate = seg.clip, seg.index, timeline.rate
    info = timeline.media[clip.file_id]
    head = ["setpts=PTS-STARTPTS", filter_spec("fps", {"fps": f"{rate.num}/{rate.den}"})]
    crop = crop_filter(clip.crop, scale_x=src.width / info.width,
                       scale_y=src.height / info.height, src_w=src.width, src_h=src.height)
    if crop is not None:
        head.append(crop)
    # After the crop, so only the pixels kept are tone-mapped (HDR sources only).
    head += tonemap_filters(src.transfer or "", method=src.tonemap, matrix=src.matrix,
                            primaries=src.primaries)
    tail = ["tpad=stop_mode=clone:stop=-1", f"trim=end_frame={seg.frames}",
            "setpts=PTS-STARTPTS"]
    if seg.fade_in:
        tail.append(filter_spec("fade", {"t": "in", "start_frame": 0,
                                         "nb_frames": seg.fade_in}))
    if seg.fade_out:
        # fade's last frame is still 1/nb lit: end one frame early so the cut itself is black.
        nb = max(1, seg.fade_out - 1)
        tail.append(filter_spec("fade", {"t": "out", "start_frame": max(0, seg.frames - 1 - nb),
                                         "nb_frames": nb}))
    return [statement([f"{i}:v"], head, f"c{i}"),
            *fit_filters(f"c{i}", f"f{i}", width=profile.width, height=profile.height,
                         pad_blur=clip.pad_blur),
            statement([f"f{i}"], tail, f"v{i}")]


def input_window(seg: Segment, rate: FrameRate, src: RenderSource) -> list[str]:
    """The seek and read length of a clip's picture input."""
    return source_window(seg.clip.source_start, seg.read_frames, rate, src)


def source_window(start: int, frames: int, rate: FrameRate, src: RenderSource) -> list[str]:
    """The seek to frame ``start`` and the read length of ``frames``: a little past the cut,
    so rate conversion never runs dry (see ``RenderSource.start_seconds`` for the stream
    probe)."""
    length = ["-t", seconds(frames + SEEK_SLACK_FRAMES, rate.num, rate.den)]
    if src.start_seconds is None:
        return ["-ss", seconds(start, rate.num, rate.den), *length]
    at = Fraction(src.start_seconds) + rate.exact(start)
    return ["-nofind_stream_info", "-ss", number(at), *length]


def join_video(segments: Sequence[Segment], rate: FrameRate, graph: list[str]) -> str:
    """Cut-joined runs are concatenated, runs meet in an ``xfade`` at each crossfade."""
    runs: list[list[Segment]] = []
    for seg in segments:
        if seg.xfade_in and runs:
            runs.append([seg])
        elif runs:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    labels: list[tuple[str, int]] = []
    for r, run in enumerate(runs):
        names = [f"v{s.index}" for s in run]
        frames = sum(s.frames for s in run)
        if len(names) == 1:
            labels.append((names[0], frames))
            continue
        graph.append(statement(names, [f"concat=n={len(names)}:v=1:a=0"], f"run{r}"))
        labels.append((f"run{r}", frames))
    label, length = labels[0]
    for r in range(1, len(runs)):
        nxt, frames = labels[r]
        overlap = runs[r][0].xfade_in
        out = f"xf{r}"
        graph.append(statement([label, nxt], [filter_spec("xfade", {
            "transition": "fade", "duration": seconds(overlap, rate.num, rate.den),
            "offset": seconds(length - overlap, rate.num, rate.den)})], out))
        label, length = out, length + frames - overlap
    return label
