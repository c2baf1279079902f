"""Working files made at ingest, by storage tier, in ONE ffmpeg decode pass per file.

hot:  540p H.264/AAC fast-start proxy + poster + thumbnail sprite sheet + waveform peaks
warm: poster + sprite sheet
cold: nothing (the original stays at its source)

``build_derivative_args`` is pure (unit-tested without ffmpeg); ``make_derivatives`` runs it and
turns the low-rate PCM side output into waveform peaks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from editron.domain.media import MediaProbe
from editron.errors import MediaError
from editron.media.ffmpeg import FfmpegProgress, run_ffmpeg

__all__ = [
    "PEAKS_PER_SECOND",
    "DerivativePlan",
    "Derivatives",
    "SpriteGrid",
    "build_derivative_args",
    "make_derivatives",
    "plan_derivatives",
    "waveform_peaks",
]

PROXY_SHORT_SIDE = 540
TILE_WIDTH = 160
SPRITE_COLUMNS = 10
MAX_TILES = 100
PEAKS_PER_SECOND = 20
PEAK_SAMPLE_RATE = 8000


@dataclass(frozen=True, slots=True)
class SpriteGrid:
    interval: float  # seconds between tiles
    columns: int
    rows: int
    tile_width: int
    tile_height: int
    count: int

    def as_dict(self) -> dict[str, float | int]:
        return {"interval": self.interval, "columns": self.columns, "rows": self.rows,
                "tile_width": self.tile_width, "tile_height": self.tile_height,
                "count": self.count}


@dataclass(frozen=True, slots=True)
class DerivativePlan:
    proxy: Path | None
    poster: Path | None
    sprite: Path | None
    sprite_grid: SpriteGrid | None
    pcm: Path | None  # temporary low-rate mono PCM for the peaks


@dataclass(frozen=True, slots=True)
class Derivatives:
    proxy: Path | None = None
    poster: Path | None = None
    sprite: Path | None = None
    sprite_index: Path | None = None
    waveform: Path | None = None


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def sprite_grid(probe: MediaProbe) -> SpriteGrid:
    duration = max(probe.duration_seconds, 0.04)
    interval = max(1.0, math.ceil(duration / MAX_TILES))
    count = max(1, math.ceil(duration / interval))
    columns = min(SPRITE_COLUMNS, count)
    rows = math.ceil(count / columns)
    width, height = probe.width or 16, probe.height or 9
    return SpriteGrid(interval, columns, rows, TILE_WIDTH, _even(TILE_WIDTH * height / width),
                      count)


def plan_derivatives(probe: MediaProbe, out_dir: Path, *, tier: str) -> DerivativePlan:
    if tier == "cold":
        return DerivativePlan(None, None, None, None, None)
    video = probe.has_video
    hot = tier == "hot"
    return DerivativePlan(
        proxy=out_dir / ("proxy.mp4" if video else "proxy.m4a") if hot else None,
        poster=out_dir / "poster.jpg" if video else None,
        sprite=out_dir / "sprite.jpg" if video else None,
        sprite_grid=sprite_grid(probe) if video else None,
        pcm=out_dir / "peaks.pcm" if hot and probe.has_audio else None,
    )


def _proxy_scale() -> str:
    short = PROXY_SHORT_SIDE
    return (f"scale='if(gte(iw,ih),-2,trunc(min({short},iw)/2)*2)':"
            f"'if(gte(iw,ih),trunc(min({short},ih)/2)*2,-2)'")


def build_derivative_args(source: Path, probe: MediaProbe, plan: DerivativePlan) -> list[str]:
    """The ffmpeg arguments (without the binary) producing every planned output at once."""
    args = ["-i", str(source)]
    graph: list[str] = []
    outputs: list[list[str]] = []
    video_users = [p for p in (plan.proxy if probe.has_video else None, plan.poster, plan.sprite)
                   if p is not None]
    if probe.has_video and video_users:
        labels = [f"v{i}" for i in range(len(video_users))]
        graph.append(f"[0:v:0]split={len(labels)}" + "".join(f"[{x}]" for x in labels))
        i = 0
        if plan.proxy is not None:
            graph.append(f"[v{i}]{_proxy_scale()},format=yuv420p[proxy]")
            out = ["-map", "[proxy]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "26",
                   "-g", "48"]
            if probe.has_audio:
                out += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
            outputs.append([*out, "-movflags", "+faststart", str(plan.proxy)])
            i += 1
        if plan.poster is not None:
            at = min(probe.duration_seconds * 0.1, 5.0)
            graph.append(f"[v{i}]trim=start={at:.3f},setpts=PTS-STARTPTS,"
                         f"scale=640:-2,format=yuvj420p[poster]")
            outputs.append(["-map", "[poster]", "-frames:v", "1", "-q:v", "3",
                            "-update", "1", str(plan.poster)])
            i += 1
        if plan.sprite is not None and plan.sprite_grid is not None:
            g = plan.sprite_grid
            graph.append(f"[v{i}]fps=1/{g.interval:g},scale={g.tile_width}:{g.tile_height},"
                         f"tile={g.columns}x{g.rows},format=yuvj420p[sprite]")
            outputs.append(["-map", "[sprite]", "-frames:v", "1", "-q:v", "4",
                            "-update", "1", str(plan.sprite)])
    elif plan.proxy is not None and probe.has_audio:
        outputs.append(["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
                        "-movflags", "+faststart", str(plan.proxy)])
    if plan.pcm is not None:
        graph.append(f"[0:a:0]aresample={PEAK_SAMPLE_RATE},"
                     "aformat=sample_fmts=s16:channel_layouts=mono[pcm]")
        outputs.append(["-map", "[pcm]", "-f", "s16le", "-c:a", "pcm_s16le", str(plan.pcm)])
    if graph:
        args += ["-filter_complex", ";".join(graph)]
    for out in outputs:
        args += out
    return args


def waveform_peaks(samples: npt.NDArray[np.int16], *, sample_rate: int,
                   per_second: int = PEAKS_PER_SECOND) -> list[list[float]]:
    """(min, max) pairs per bucket, normalised to -1..1."""
    if samples.size == 0:
        return []
    bucket = max(1, sample_rate // per_second)
    count = math.ceil(samples.size / bucket)
    padded = np.zeros(count * bucket, dtype=np.float32)
    padded[: samples.size] = samples.astype(np.float32) / 32768.0
    frames = padded.reshape(count, bucket)
    lows, highs = frames.min(axis=1), frames.max(axis=1)
    return [[round(float(lo), 4), round(float(hi), 4)] for lo, hi in zip(lows, highs,
                                                                           strict=True)]


def make_derivatives(
    source: Path,
    out_dir: Path,
    probe: MediaProbe,
    *,
    tier: str,
    progress: Callable[[FfmpegProgress], None] | None = None,
) -> Derivatives:
    """Make the tier's working files in ``out_dir``; raises ``MediaError`` naming the file."""
    plan = plan_derivatives(probe, out_dir, tier=tier)
    args = build_derivative_args(source, probe, plan)
    if "-map" not in args:
        return Derivatives()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(args, duration=probe.duration_seconds, on_progress=progress,
               label=f"derivatives of {source.name}")
    for made in (plan.proxy, plan.poster, plan.sprite):
        if made is not None and (not made.exists() or made.stat().st_size == 0):
            raise MediaError(f"ffmpeg produced no {made.name}", path=str(source))
    sprite_index = waveform = None
    if plan.sprite is not None and plan.sprite_grid is not None:
        sprite_index = out_dir / "sprite.json"
        sprite_index.write_text(json.dumps(plan.sprite_grid.as_dict()))
    if plan.pcm is not None:
        samples = np.fromfile(plan.pcm, dtype=np.int16)
        plan.pcm.unlink(missing_ok=True)
        waveform = out_dir / "waveform.json"
        waveform.write_text(json.dumps({
            "peaks_per_second": PEAKS_PER_SECOND,
            "duration": probe.duration_seconds,
            "peaks": waveform_peaks(samples, sample_rate=PEAK_SAMPLE_RATE),
        }))
    return Derivatives(proxy=plan.proxy, poster=plan.poster, sprite=plan.sprite,
                       sprite_index=sprite_index, waveform=waveform)
