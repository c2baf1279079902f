"""Pure helpers the templates use: sizes, times, progress, and the energy chart's geometry."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EnergyChart",
    "batch_progress",
    "clock",
    "describe_adjustments",
    "energy_chart",
    "human_bytes",
    "preview_key",
    "ratio_slug",
    "webvtt",
]

CHART_WIDTH = 600
CHART_HEIGHT = 120


def human_bytes(n: int | float | None) -> str:
    value = float(n or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def clock(seconds: float | None) -> str:
    """``83.4`` -> ``1:23.4`` (what a person reads off a player)."""
    if seconds is None:
        return "-"
    whole = max(0.0, float(seconds))
    minutes, rest = divmod(whole, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{int(hours)}:{int(minutes):02d}:{rest:04.1f}"
    return f"{int(minutes)}:{rest:04.1f}"


def batch_progress(tasks: Iterable[Any]) -> dict[str, float]:
    """Percent done of the download (ingest) and analysis stages, from the board cards."""
    found = {"ingest": 0.0, "analyze": 0.0}
    for task in tasks:
        stage = getattr(task, "stage", None)
        if stage in found:
            done = getattr(task, "status", "") == "done"
            found[stage] = 100.0 if done else float(getattr(task, "progress_percent", 0.0))
    return found


def ratio_slug(key: str) -> str:
    """``"16:9 v1"`` -> ``"16x9-v1"``: a preview's key as a URL path segment."""
    return key.replace(":", "x").replace(" ", "-")


def preview_key(slug: str) -> str:
    return slug.replace("x", ":", 1).replace("-", " ", 1)


@dataclass(frozen=True)
class EnergyChart:
    """An inline SVG: one polyline per file's energy over its own time, peaks as markers."""

    width: int
    height: int
    lines: list[tuple[str, str]]  # (file id, "x,y x,y ...")
    peaks: list[tuple[float, float, str, float]]  # (x, y, file id, seconds)
    duration: float


def energy_chart(curve: Sequence[Mapping[str, Any]], peaks: Sequence[Mapping[str, Any]],
                 *, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> EnergyChart:
    """Files share the x axis (seconds of each file), energy 0..1 is the y axis (pure). Each
    file's line keeps the loudest point of every half pixel, so an hour of 100 ms energy
    values draws as about ``2 * width`` points and no peak is smoothed away."""
    duration = max([float(p["t"]) for p in curve] + [float(p.get("t", 0)) for p in peaks]
                   + [1.0])
    by_file: dict[str, list[tuple[float, float]]] = {}
    for point in curve:
        by_file.setdefault(str(point["file_id"]), []).append(
            (float(point["t"]), float(point["energy"])))
    thinned = {fid: _loudest_per_column(sorted(points), duration, 2 * width)
               for fid, points in by_file.items()}

    def xy(t: float, e: float) -> tuple[float, float]:
        return (round(t / duration * width, 1),
                round(height - max(0.0, min(1.0, e)) * (height - 4) - 2, 1))

    lines = [(fid, " ".join(f"{x},{y}" for x, y in (xy(t, e) for t, e in points)))
             for fid, points in thinned.items()]
    marks = []
    for peak in peaks:
        fid, t = str(peak["file_id"]), float(peak["t"])
        x, y = xy(t, _level_at(thinned.get(fid, []), t))
        marks.append((x, y, fid, t))
    return EnergyChart(width=width, height=height, lines=lines, peaks=marks,
                       duration=duration)


def _loudest_per_column(points: list[tuple[float, float]], duration: float, columns: int
                        ) -> list[tuple[float, float]]:
    """The loudest of the time-ordered ``points`` in each of ``columns`` equal spans."""
    best: dict[int, tuple[float, float]] = {}
    for t, e in points:
        column = min(columns - 1, int(t / duration * columns))
        if column not in best or e > best[column][1]:
            best[column] = (t, e)
    return [best[c] for c in sorted(best)]


def _level_at(points: list[tuple[float, float]], t: float) -> float:
    """The energy of the time-ordered ``points`` nearest ``t`` (1.0 for a file with none)."""
    if not points:
        return 1.0
    i = bisect_left(points, (t, float("-inf")))
    near = points[max(0, i - 1): i + 1]
    return min(near, key=lambda p: abs(p[0] - t))[1]


def _vtt_time(seconds: float) -> str:
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def webvtt(captions: Sequence[Mapping[str, Any]]) -> str:
    """Caption cues (``start``, ``end``, ``text`` in seconds of the cut) as WebVTT (pure)."""
    cues = [f"{_vtt_time(float(c['start']))} --> {_vtt_time(float(c['end']))}\n"
            f"{str(c['text']).replace('-->', '->')}" for c in captions]
    return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")


def describe_adjustments(adjustments: Mapping[str, Any]) -> list[str]:
    """What a review changed, in words (``pace 1.25``, ``comment at 0:01.0: too dark``)."""
    said: list[str] = []
    for key, value in adjustments.items():
        if key == "schema_version" or value in (None, [], {}, ""):
            continue
        if key == "comments" and isinstance(value, list):
            said += [f"comment at {clock(float(c.get('at', 0)))}: {c.get('text', '')}"
                     for c in value if isinstance(c, Mapping)]
        elif isinstance(value, list):
            said.append(f"{key}: {len(value)}")
        else:
            said.append(f"{key} {value}")
    return said
