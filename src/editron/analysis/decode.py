"""The one decode pass: each file is demuxed and decoded once; every visual analyser gets the
same downscaled frames, every audio analyser the same 16 kHz mono blocks.

The pass also spools to the file's work folder what pass 2 needs — the 16 kHz audio and small
grey frames sampled a few times a second, plus every frame at 48x27 RGB when the accurate shot
mode asked for it — so speech, faces, logo matching and TransNetV2 never decode the file again,
and memory stays bounded however long the file is.

When ingest made a proxy (``FileContext.proxy``: 540p, upright, same frames and times), the
pass decodes that instead of the original: ingest already paid for decoding the original once,
and the proxy decodes about eight times faster than a noisy 1080p original, every frame.

Speed: H.264 decoding is most of the cost, so the decoder skips what analysis cannot see
(deblocking, spec-exact rounding via ``flags2=fast``) and, for sources above 720p30, decodes
reference frames only (``skip_frame=NONREF``). That drops about half the frames of a typical
B-frame stream and halves decode time; shot boundaries stay within one or two frames because
encoders put a reference frame at a cut, and every sample keeps its true source frame number.
The accurate shot mode decodes every frame (TransNetV2 reads runs of consecutive frames).
Each frame is downscaled by one swscale call through a reformatter kept for the whole file:
PyAV's ``frame.to_ndarray(width=...)`` builds a new scaler (filter tables and all) for every
frame, which cost three times the scaling itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import av
import cv2
import numpy as np
import numpy.typing as npt
from av.video.reformatter import VideoReformatter

from editron.analysis.base import (
    AudioAnalyser,
    AudioBlock,
    FileContext,
    FrameSample,
    VideoAnalyser,
)
from editron.errors import MediaError
from editron.media.streams import choose_audio

__all__ = ["ANALYSIS_WIDTH", "AUDIO_RATE", "SKIP_NONREF_ABOVE", "SMALL_RGB", "FileSpool",
           "decode_pass", "skips_nonref"]

log = logging.getLogger(__name__)

ANALYSIS_WIDTH = 320  # frames are scaled to this width (height keeps the display aspect)
AUDIO_RATE = 16_000
SPOOL_FPS = 4.0
AUDIO_BLOCK_SECONDS = 1.0
SKIP_NONREF_ABOVE = 1280 * 720 * 30  # pixels a second; above this, reference frames only
SMALL_RGB = (48, 27)  # TransNetV2's input size (width, height)


@dataclass(frozen=True, slots=True)
class FileSpool:
    """What the decode pass left on disk for pass 2."""

    audio_path: Path | None
    audio_seconds: float
    frames_path: Path | None
    frame_times: tuple[float, ...]
    frame_shape: tuple[int, int]  # height, width
    small_rgb_path: Path | None = None  # every decoded frame at 48x27 RGB (accurate mode)
    small_rgb_count: int = 0

    def small_rgb(self) -> npt.NDArray[np.uint8]:
        """Every decoded frame at 48x27 RGB, (N, 27, 48, 3); empty unless it was spooled."""
        w, h = SMALL_RGB
        if self.small_rgb_path is None or self.small_rgb_count == 0:
            return np.zeros((0, h, w, 3), dtype=np.uint8)
        return np.memmap(self.small_rgb_path, dtype=np.uint8, mode="r",
                         shape=(self.small_rgb_count, h, w, 3))

    def audio(self, start: float = 0.0, end: float | None = None) -> npt.NDArray[np.float32]:
        if self.audio_path is None or self.audio_seconds <= 0:
            return np.zeros(0, dtype=np.float32)
        data = np.memmap(self.audio_path, dtype=np.float32, mode="r")
        a = max(0, int(start * AUDIO_RATE))
        b = len(data) if end is None else min(len(data), int(end * AUDIO_RATE))
        return np.array(data[a:b], dtype=np.float32)

    def frames(self) -> npt.NDArray[np.uint8]:
        h, w = self.frame_shape
        if self.frames_path is None or not self.frame_times:
            return np.zeros((0, h, w), dtype=np.uint8)
        return np.memmap(self.frames_path, dtype=np.uint8, mode="r",
                         shape=(len(self.frame_times), h, w))

    def frame_at(self, t: float) -> npt.NDArray[np.uint8] | None:
        if not self.frame_times:
            return None
        index = int(np.argmin(np.abs(np.asarray(self.frame_times) - t)))
        return np.array(self.frames()[index])

    def save_index(self, path: Path) -> None:
        path.write_text(json.dumps({"audio_seconds": self.audio_seconds,
                                    "frame_times": self.frame_times,
                                    "frame_shape": self.frame_shape}))


def _display_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    return (height, width) if rotation % 180 == 90 else (width, height)


def _rotate(gray: npt.NDArray[Any], rotation: int) -> npt.NDArray[np.uint8]:
    # Display matrix rotation is counter-clockwise; np.rot90 turns counter-clockwise too.
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, turns)) if turns else gray


def skips_nonref(context: FileContext, *, every_frame: bool = False) -> bool:
    """Whether the decode pass reads reference frames only (see the module docstring)."""
    probe = context.probe
    if every_frame or context.model_hint == "accurate" or not probe.width or not probe.height:
        return False
    if context.proxy is not None:  # small, and cheap to decode in full
        return False
    return probe.width * probe.height * (probe.fps or 30.0) > SKIP_NONREF_ABOVE


def decode_pass(
    context: FileContext,
    video_analysers: Sequence[VideoAnalyser],
    audio_analysers: Sequence[AudioAnalyser],
    *,
    progress: Callable[[float], None] | None = None,
    small_rgb: bool = False,
) -> FileSpool:
    """Decode ``context.path`` once, feeding the analysers and writing the spool.

    ``small_rgb`` spools every frame at 48x27 RGB for the accurate shot mode (and turns off
    reference-frame-only decoding)."""
    work = context.work_dir
    work.mkdir(parents=True, exist_ok=True)
    name = str(context.decode_path)
    try:
        container = av.open(name)
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot open for analysis: {exc}", path=name) from exc
    with container:
        video, audio, skip = _choose_streams(container, context, small_rgb=small_rgb,
                                             want_video=bool(video_analysers))
        feed = _VideoFeed.open(context, video, video_analysers, skip=skip, small_rgb=small_rgb,
                               progress=progress) if video is not None else None
        audio_file = (work / "audio16k.f32").open("wb") if audio is not None else None
        state = _AudioState()
        try:
            _decode_all(container, [s for s in (video, audio) if s is not None], feed, state,
                        audio_analysers, audio_file, filename=context.path.name)
        finally:
            if audio_file is not None:
                audio_file.close()
            if feed is not None:
                feed.close()
    if progress is not None:
        progress(1.0)
    return FileSpool(
        audio_path=work / "audio16k.f32" if audio is not None else None,
        audio_seconds=state.total / AUDIO_RATE,
        frames_path=work / "frames.u8" if feed is not None else None,
        frame_times=tuple(feed.frame_times) if feed is not None else (),
        frame_shape=(feed.size[1], feed.size[0]) if feed is not None else (9, 16),
        small_rgb_path=work / "frames48.u8" if feed is not None and feed.small_file else None,
        small_rgb_count=feed.small_count if feed is not None else 0,
    )


def _decode_all(container: Any, streams: Sequence[Any], feed: _VideoFeed | None,
                state: _AudioState, audio_analysers: Sequence[AudioAnalyser],
                audio_file: IO[bytes] | None, *, filename: str) -> None:
    """Decode every packet of ``streams`` once: video frames to ``feed``, the audio resampled
    to mono at ``AUDIO_RATE`` into ``state`` (and the audio spool)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
    for packet in container.demux(*streams):
        try:
            decoded = packet.decode()
        except av.error.FFmpegError as exc:
            # A corrupt packet (often a damaged tail): note it and keep what we have.
            log.warning("%s: skipped a damaged packet at %s: %s", filename, packet.pts, exc)
            continue
        for frame in decoded:
            if isinstance(frame, av.VideoFrame) and feed is not None:
                feed.push(frame)
            elif isinstance(frame, av.AudioFrame):
                for out in resampler.resample(frame):
                    state.push(out.to_ndarray().reshape(-1).astype(np.float32),
                               audio_analysers, audio_file)
    for out in resampler.resample(None):
        state.push(out.to_ndarray().reshape(-1).astype(np.float32), audio_analysers, audio_file)
    state.flush(audio_analysers)


def _choose_streams(container: Any, context: FileContext, *, small_rgb: bool,
                    want_video: bool) -> tuple[Any, Any, bool]:
    """The first video stream (when a video analyser wants it) and the audio stream the probe
    chose (a proxy has only that one: a scratch track first in the file must not become the
    analysed sound), with their decoders set for speed; and whether only reference frames
    are decoded."""
    videos = list(container.streams.video)[:1]
    choice = choose_audio(list(container.streams.audio))
    audios = [container.streams.audio[choice.index]] if choice is not None else []
    for stream in (*videos, *audios):
        stream.codec_context.thread_type = "AUTO"
    skip = skips_nonref(context, every_frame=small_rgb)
    for stream in videos:
        # Deblocking and spec-exact rounding only polish the picture for the eye.
        stream.codec_context.options = {"skip_loop_filter": "all", "flags2": "+fast"}
        if skip:
            stream.codec_context.skip_frame = "NONREF"
    return (videos[0] if want_video and videos else None, audios[0] if audios else None,
            skip)


@dataclass(slots=True)
class _VideoFeed:
    """Scales each decoded frame once, feeds it to the video analysers and spools what pass
    2 reads (grey frames a few times a second; every frame small in RGB on request)."""

    analysers: Sequence[VideoAnalyser]
    size: tuple[int, int]  # analysis width, height (upright)
    rotation: int
    fps: float
    skip: bool
    need_rgb: bool
    duration: float
    frames_file: Any
    small_file: Any
    progress: Callable[[float], None] | None
    scaler: VideoReformatter = field(default_factory=VideoReformatter)  # caches swscale
    frame_times: list[float] = field(default_factory=list)
    small_count: int = 0
    first_t: float | None = None
    last_index: int = -1
    index: int = 0
    next_spool: float = 0.0
    last_report: float = -1.0

    @classmethod
    def open(cls, context: FileContext, video: Any, analysers: Sequence[VideoAnalyser], *,
             skip: bool, small_rgb: bool,
             progress: Callable[[float], None] | None) -> _VideoFeed:
        rotation = 0 if context.proxy is not None else context.probe.rotation  # upright proxy
        w, h = _display_size(video.codec_context.width, video.codec_context.height, rotation)
        size = (ANALYSIS_WIDTH, max(2, round(ANALYSIS_WIDTH * h / max(w, 1) / 2) * 2))
        fps = context.probe.fps or (float(video.average_rate) if video.average_rate else 25.0)
        work = context.work_dir
        return cls(analysers=analysers, size=size, rotation=rotation, fps=fps, skip=skip,
                   need_rgb=any(a.NEEDS_RGB for a in analysers) or small_rgb,
                   duration=max(context.probe.duration_seconds, 0.001),
                   frames_file=(work / "frames.u8").open("wb"),
                   small_file=(work / "frames48.u8").open("wb") if small_rgb else None,
                   progress=progress)

    def push(self, frame: av.VideoFrame) -> None:
        t = float(frame.time or 0.0)
        if self.first_t is None:
            self.first_t = t
        if self.skip:  # the true frame number, since skipped frames leave gaps
            self.index = max(self.last_index + 1, round((t - self.first_t) * self.fps))
        self.last_index = self.index
        gray, rgb = self._scale(frame)
        if self.small_file is not None and rgb is not None:
            self.small_file.write(cv2.resize(rgb, SMALL_RGB,
                                             interpolation=cv2.INTER_AREA).tobytes())
            self.small_count += 1
        sample = FrameSample(self.index, t, gray, rgb)
        for analyser in self.analysers:
            analyser.on_frame(sample)
        if t >= self.next_spool:
            self.frames_file.write(gray.tobytes())
            self.frame_times.append(t)
            self.next_spool = t + 1.0 / SPOOL_FPS
        self.index += 1
        if self.progress is not None and t - self.last_report >= 1.0:
            self.last_report = t
            self.progress(min(1.0, t / self.duration))

    def _scale(self, frame: av.VideoFrame
               ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8] | None]:
        """Grey (and RGB when an analyser needs colour) at the analysis size, upright; one
        scaling for both, grey being derived from colour."""
        w, h = (self.size[1], self.size[0]) if self.rotation % 180 == 90 else self.size
        if not self.need_rgb:
            return _rotate(self.scaler.reformat(frame, width=w, height=h,
                                                format="gray").to_ndarray(),
                           self.rotation), None
        rgb = _rotate(self.scaler.reformat(frame, width=w, height=h,
                                           format="rgb24").to_ndarray(), self.rotation)
        return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.uint8), rgb

    def close(self) -> None:
        self.frames_file.close()
        if self.small_file is not None:
            self.small_file.close()


class _AudioState:
    """Cuts the resampled audio into fixed blocks for the analysers."""

    def __init__(self) -> None:
        self.pending: list[npt.NDArray[np.float32]] = []
        self.pending_len = 0
        self.total = 0
        self.block = int(AUDIO_RATE * AUDIO_BLOCK_SECONDS)

    def push(self, samples: npt.NDArray[np.float32], analysers: Sequence[AudioAnalyser],
             spool: object) -> None:
        if samples.size == 0:
            return
        if spool is not None:
            spool.write(samples.tobytes())  # type: ignore[attr-defined]
        self.pending.append(samples)
        self.pending_len += samples.size
        while self.pending_len >= self.block:
            data = np.concatenate(self.pending)
            self._emit(data[: self.block], analysers)
            rest = data[self.block:]
            self.pending = [rest] if rest.size else []
            self.pending_len = rest.size

    def flush(self, analysers: Sequence[AudioAnalyser]) -> None:
        if self.pending_len:
            self._emit(np.concatenate(self.pending), analysers)
            self.pending, self.pending_len = [], 0

    def _emit(self, data: npt.NDArray[np.float32], analysers: Sequence[AudioAnalyser]) -> None:
        block = AudioBlock(self.total / AUDIO_RATE, data, AUDIO_RATE)
        self.total += data.size
        for analyser in analysers:
            analyser.on_audio(block)
