"""Working files made at ingest, by storage tier, in ONE ffmpeg process (one decode) per file.

==========  ==============================================================================
tier        files written to ``out_dir``
==========  ==============================================================================
hot         ``proxy.mp4`` (``proxy.m4a`` for audio-only), ``poster.jpg``, ``sprite.jpg`` +
            ``sprite.json``, ``waveform.json``
warm        ``poster.jpg``, ``sprite.jpg`` + ``sprite.json`` (video only; audio-only: none)
cold        nothing (the original stays at its source)
==========  ==============================================================================

Video-only files get no waveform; audio-only files get no images.

Proxy: H.264 + AAC stereo, ``+faststart`` (index first, so it streams and scrubs), a
keyframe every 48 frames for scrubbing. x264's ``ultrafast`` preset: the ingest pass is
bound by decoding the original, and ``ultrafast`` keeps the proxy encode to about a tenth of
that (``veryfast`` added about 40 % to the pass on noisy 1080p footage) at about 1.7x the
size; no B-frames, so the proxy is also cheap to decode, which the analysis relies on
(``services/analyze.py`` analyses the proxy when there is one). Its rate is capped at
3 Mbit/s (a usual rate for 540p edit proxies): CRF alone gave busy, noisy footage 10 Mbit/s,
nearly the original's size, and every extra bit costs the encoder and each later decode.
Its SHORT side is 540 (1920x1080 -> 960x540, a 1080x1920 portrait clip -> 540x960);
sources already smaller keep their size (never upscaled), and the shrink averages areas
(see ``_proxy_scale``). Both sides are even. ffmpeg applies
the display rotation while decoding, so the proxy is stored upright (rotation 0) with the
same display size and aspect as the source.

Several audio streams: the one the probe chose (``MediaProbe.audio_stream``, see
``media.streams.choose_audio``) is the proxy's sound and the waveform. HDR footage (PQ or
HLG) is tone-mapped to SDR BT.709 first (``media.colour``), so the proxy, poster and sprite
look as the delivery will, and the analysis sees the contrast a viewer sees.

Sprite sheet: one tile every ``interval`` whole seconds, chosen so there are at most 100
tiles, in a grid of up to 10 columns; ``sprite.json`` describes it (``SpriteGrid.as_dict``).
Tile ``k`` (row-major) shows the source at ``k * interval`` seconds.

``plan_derivatives`` and ``build_derivative_args`` are pure; ``make_derivatives`` runs them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editron.domain.media import MediaProbe
from editron.domain.status import StorageTier
from editron.errors import InputError, MediaError, ProcessError
from editron.media.colour import tonemap_filters, tonemap_method
from editron.media.ffmpeg import CancelCheck, ProgressCallback, run_ffmpeg
from editron.media.waveform import PEAK_SAMPLE_RATE, peaks_document, read_pcm_s16le

__all__ = [
    "MAX_TILES",
    "PROXY_SHORT_SIDE",
    "SPRITE_VERSION",
    "DerivativePlan",
    "Derivatives",
    "SpriteGrid",
    "build_derivative_args",
    "make_derivatives",
    "plan_derivatives",
    "sprite_grid",
]

PROXY_SHORT_SIDE = 540
PROXY_PRESET = "ultrafast"
PROXY_MAXRATE = "3M"
PROXY_BUFSIZE = "6M"  # two seconds of the cap: quality moves smoothly within a scene
POSTER_MAX_SIDE = 640
TILE_LONG_SIDE = 160
SPRITE_COLUMNS = 10
MAX_TILES = 100
SPRITE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SpriteGrid:
    interval: float  # seconds between tiles
    columns: int
    rows: int
    tile_width: int
    tile_height: int
    count: int  # tiles holding a picture; the rest of the last row is black

    def as_dict(self, image: str = "sprite.jpg") -> dict[str, Any]:
        return {"version": SPRITE_VERSION, "image": image, "interval": self.interval,
                "columns": self.columns, "rows": self.rows, "tile_width": self.tile_width,
                "tile_height": self.tile_height, "count": self.count,
                "width": self.columns * self.tile_width,
                "height": self.rows * self.tile_height}


@dataclass(frozen=True, slots=True)
class DerivativePlan:
    tier: StorageTier
    proxy: Path | None = None
    poster: Path | None = None
    sprite: Path | None = None
    sprite_grid: SpriteGrid | None = None
    pcm: Path | None = None  # temporary low-rate mono PCM, turned into the waveform peaks

    @property
    def outputs(self) -> list[Path]:
        return [p for p in (self.proxy, self.poster, self.sprite, self.pcm) if p is not None]


@dataclass(frozen=True, slots=True)
class Derivatives:
    """What ``make_derivatives`` wrote; ``None`` for what the tier or the media kind skips."""

    proxy: Path | None = None
    poster: Path | None = None
    sprite: Path | None = None
    sprite_index: Path | None = None  # sprite.json
    waveform: Path | None = None  # waveform.json
    sprite_grid: SpriteGrid | None = None


def _even(n: float) -> int:
    return max(2, round(n / 2) * 2)


def sprite_grid(probe: MediaProbe) -> SpriteGrid:
    """At most ``MAX_TILES`` tiles, a whole number of seconds apart, aspect kept."""
    duration = max(probe.duration_seconds, 0.04)
    interval = float(max(1, math.ceil(duration / MAX_TILES)))
    count = max(1, math.ceil(duration / interval))
    columns = min(SPRITE_COLUMNS, count)
    rows = math.ceil(count / columns)
    width, height = probe.width or 16, probe.height or 9
    if width >= height:
        tile = (TILE_LONG_SIDE, _even(TILE_LONG_SIDE * height / width))
    else:
        tile = (_even(TILE_LONG_SIDE * width / height), TILE_LONG_SIDE)
    return SpriteGrid(interval, columns, rows, tile[0], tile[1], count)


def plan_derivatives(probe: MediaProbe, out_dir: Path, *,
                     tier: StorageTier | str) -> DerivativePlan:
    """Which files the tier and the media kind call for (pure)."""
    try:
        level = StorageTier(tier)
    except ValueError:
        raise InputError(f"unknown storage tier {tier!r}: expected hot, warm or cold") from None
    if level is StorageTier.COLD:
        return DerivativePlan(level)
    hot, video = level is StorageTier.HOT, probe.has_video
    proxy = None
    if hot and (video or probe.has_audio):
        proxy = out_dir / ("proxy.mp4" if video else "proxy.m4a")
    return DerivativePlan(
        level,
        proxy=proxy,
        poster=out_dir / "poster.jpg" if video else None,
        sprite=out_dir / "sprite.jpg" if video else None,
        sprite_grid=sprite_grid(probe) if video else None,
        pcm=out_dir / "peaks.pcm" if hot and probe.has_audio else None,
    )


def _proxy_scale() -> str:
    # Scale the short side to min(540, itself), keep aspect; -2 keeps the long side even.
    # Area averaging: the proxy only ever shrinks, and swscale's default bicubic filter
    # cost a third of the original's decode (11.6 s of CPU over 38 s for two minutes of
    # 1080p30); area averages each output pixel's footprint for 4.3 s, with no ringing.
    short = PROXY_SHORT_SIDE
    return (f"scale='if(gte(iw,ih),-2,trunc(min({short},iw)/2)*2)':"
            f"'if(gte(iw,ih),trunc(min({short},ih)/2)*2,-2)':flags=area")


def _poster_frame(probe: MediaProbe) -> int:
    """A frame a little way in (10 %, at most 5 s): frame 0 is often black or a slate.
    Counted in frames, not seconds, so a stream that starts at a non-zero time still works."""
    fps = probe.fps or 25.0
    index = round(min(probe.duration_seconds * 0.1, 5.0) * fps)
    if probe.frame_count:
        index = min(index, probe.frame_count - 1)
    return max(0, index)


AUDIO_PROXY_ARGS = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]


def build_derivative_args(source: Path, probe: MediaProbe, plan: DerivativePlan, *,
                          tonemap: str = "zscale") -> list[str]:
    """The ffmpeg arguments (without the binary) producing every planned output at once;
    ``tonemap`` names the method for an HDR source (``media.colour.tonemap_filters``)."""
    audio = f"0:a:{probe.audio_stream}"
    graph: list[str] = []
    outputs: list[list[str]] = []
    if probe.has_video:
        _video_outputs(probe, plan, audio, tonemap, graph, outputs)
    elif plan.proxy is not None and probe.has_audio:
        outputs.append(["-map", audio, "-vn", *AUDIO_PROXY_ARGS, "-movflags", "+faststart",
                        str(plan.proxy)])
    if plan.pcm is not None:
        graph.append(f"[{audio}]aresample={PEAK_SAMPLE_RATE},"
                     "aformat=sample_fmts=s16:channel_layouts=mono[pcm]")
        outputs.append(["-map", "[pcm]", "-f", "s16le", "-c:a", "pcm_s16le", str(plan.pcm)])
    if not outputs:
        return []
    args = ["-i", str(source)]
    if graph:
        args += ["-filter_complex", ";".join(graph)]
    for out in outputs:
        args += out
    return args


def _video_outputs(probe: MediaProbe, plan: DerivativePlan, audio: str, tonemap: str,
                   graph: list[str], outputs: list[list[str]]) -> None:
    """Append the filter chains and output options of the proxy, poster and sprite: one
    decode of the picture, tone-mapped once, split to each."""
    video_outputs = [p for p in (plan.proxy, plan.poster, plan.sprite) if p is not None]
    if not video_outputs:
        return
    branches = [f"v{i}" for i in range(len(video_outputs))]
    fork = f"split={len(branches)}" + "".join(f"[{b}]" for b in branches)
    # With a proxy, the full-size frames are scaled once, to the proxy's size, and the
    # poster and sprite are made from those (both are smaller than the proxy).
    shrink = f"{_proxy_scale()},format=yuv420p," if plan.proxy is not None else ""
    sdr = "".join(f"{f}," for f in tonemap_filters(probe.color_transfer or "",
                                                   method=tonemap,
                                                   matrix=probe.color_matrix,
                                                   primaries=probe.color_primaries))
    graph.append(f"[0:v:0]{sdr}{shrink}{fork}")
    free = iter(branches)
    if plan.proxy is not None:
        graph.append(f"[{next(free)}]null[proxy]")
        out = ["-map", "[proxy]", "-c:v", "libx264", "-preset", PROXY_PRESET,
               "-crf", "23", "-maxrate", PROXY_MAXRATE, "-bufsize", PROXY_BUFSIZE,
               "-g", "48"]
        if probe.has_audio:
            out += ["-map", audio, *AUDIO_PROXY_ARGS]
        outputs.append([*out, "-movflags", "+faststart", str(plan.proxy)])
    if plan.poster is not None:
        side = POSTER_MAX_SIDE
        # end_frame: the branch stops at the poster frame instead of scaling every
        # later frame for an output that is already written (a tenth of the pass).
        first = _poster_frame(probe)
        graph.append(f"[{next(free)}]trim=start_frame={first}:end_frame={first + 1},"
                     f"setpts=PTS-STARTPTS,scale='min({side},iw)':'min({side},ih)'"
                     ":force_original_aspect_ratio=decrease:force_divisible_by=2,"
                     "format=yuvj420p[poster]")
        outputs.append(["-map", "[poster]", "-frames:v", "1", "-q:v", "3",
                        "-update", "1", str(plan.poster)])
    if plan.sprite is not None and plan.sprite_grid is not None:
        g = plan.sprite_grid
        graph.append(f"[{next(free)}]fps=1/{g.interval:g},"
                     f"scale={g.tile_width}:{g.tile_height},setsar=1,"
                     f"tile={g.columns}x{g.rows},format=yuvj420p[sprite]")
        outputs.append(["-map", "[sprite]", "-frames:v", "1", "-q:v", "4",
                        "-update", "1", str(plan.sprite)])


def make_derivatives(
    source: Path,
    out_dir: Path,
    probe: MediaProbe,
    *,
    tier: StorageTier | str,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    timeout: float | None = None,
) -> Derivatives:
    """Make the tier's working files in ``out_dir`` (created when needed) in one ffmpeg run.

    Raises ``InputError`` for an unknown tier, ``ProcessError`` (or its cancelled/timeout
    subclasses) when ffmpeg fails, ``MediaError`` when an expected output is missing or empty;
    every error names ``source``. Partial outputs are removed on failure.
    """
    plan = plan_derivatives(probe, out_dir, tier=tier)
    args = build_derivative_args(source, probe, plan,
                                 tonemap=tonemap_method() if probe.color_transfer else "zscale")
    if not args:
        return Derivatives()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        run_ffmpeg(args, duration=probe.duration_seconds, on_progress=progress,
                   should_cancel=should_cancel, timeout=timeout,
                   label=f"{plan.tier.value} derivatives", path=source)
        for made in plan.outputs:
            if not made.exists() or made.stat().st_size == 0:
                raise MediaError(f"ffmpeg produced no {made.name} for this file",
                                 path=str(source))
        return _finish(plan, out_dir)
    except (ProcessError, MediaError, OSError) as exc:
        for made in plan.outputs:
            made.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise MediaError(f"cannot write derivatives: {exc.strerror or exc}",
                             path=str(source)) from exc
        raise


def _finish(plan: DerivativePlan, out_dir: Path) -> Derivatives:
    sprite_index = waveform = None
    if plan.sprite is not None and plan.sprite_grid is not None:
        sprite_index = out_dir / "sprite.json"
        sprite_index.write_text(json.dumps(plan.sprite_grid.as_dict(plan.sprite.name)))
    if plan.pcm is not None:
        samples = read_pcm_s16le(plan.pcm)
        plan.pcm.unlink(missing_ok=True)
        waveform = out_dir / "waveform.json"
        waveform.write_text(json.dumps(peaks_document(samples)))
    return Derivatives(proxy=plan.proxy, poster=plan.poster, sprite=plan.sprite,
                       sprite_index=sprite_index, waveform=waveform,
                       sprite_grid=plan.sprite_grid)
