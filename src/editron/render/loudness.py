"""Loudness planning: measure the program mix with audio-only passes, then render it with one
fixed gain and a true-peak limiter, so every deliverable lands on its profile's target.

Single-pass ``loudnorm`` guesses the gain as it goes and misses peaky event audio (a quiet
room, then a roaring crowd) by several LU; measuring first costs an audio decode of the clips,
a few seconds, against a render of minutes. Later passes measure after the limiter,
because limiting the cheers takes some loudness away.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from editron.domain.timeline import Timeline
from editron.errors import ProcessError, ProcessTimeoutError
from editron.media.children import die_with_parent
from editron.media.ffmpeg import crash_error, ffmpeg_path
from editron.render.graph_audio import LIMITER_HEADROOM_DB, build_loudness_probe_args
from editron.render.profiles import RenderProfile
from editron.render.qc_parse import EbuR128Summary, parse_ebur128_summary
from editron.render.segments import RenderSource

__all__ = ["CLOSE_ENOUGH_LU", "LIMITER_HEADROOM_DB", "MAX_CORRECTIONS", "MAX_GAIN_DB",
           "LoudnessPlan", "measure_program", "measure_summary", "next_gain", "plan_gain",
           "plan_key", "plan_loudness", "plan_loudness_cached"]

log = logging.getLogger(__name__)
MAX_GAIN_DB = 30.0  # never lift near-silence into hiss
MAX_CORRECTIONS = 5
CLOSE_ENOUGH_LU = 0.3
_SILENT_LUFS = -60.0
_PEAK_MARGIN_DB = 0.5  # peaks this close to the ceiling may still touch the limiter


def next_gain(gain_db: float, measured_lufs: float | None, target_lufs: float) -> float:
    """The gain that moves ``measured_lufs`` (heard with ``gain_db`` applied) onto the target
    (pure). Silence keeps the current gain."""
    if measured_lufs is None or measured_lufs <= _SILENT_LUFS:
        return gain_db
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, gain_db + target_lufs - measured_lufs))


def measure_program(timeline: Timeline, profile: RenderProfile, *,
                    sources: Mapping[str, RenderSource], gain_db: float | None = None,
                    timeout: float | None = None) -> float | None:
    """Integrated loudness (LUFS) of the timeline's mix, after ``gain_db`` and the limiter
    when given; None for a program with no measurable sound."""
    return measure_summary(timeline, profile, sources=sources, gain_db=gain_db,
                           timeout=timeout).integrated_lufs


def measure_summary(timeline: Timeline, profile: RenderProfile, *,
                    sources: Mapping[str, RenderSource], gain_db: float | None = None,
                    timeout: float | None = None) -> EbuR128Summary:
    """Integrated loudness and true peak of the timeline's mix (see ``measure_program``)."""
    args = build_loudness_probe_args(timeline, profile, sources=sources, gain_db=gain_db)
    cmd = [ffmpeg_path(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=timeout, check=False, preexec_fn=die_with_parent())
    except subprocess.TimeoutExpired as exc:
        # The render job's time limit covers its loudness plan too: say so the same way, not
        # with the whole command line.
        raise ProcessTimeoutError(f"loudness measurement of {timeline.name}: ffmpeg timed out "
                                  f"after {exc.timeout:g} s and was stopped") from exc
    except OSError as exc:
        raise ProcessError(f"loudness measurement of {timeline.name} failed: cannot start "
                           f"ffmpeg: {exc.strerror or exc}") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-10:])
        if proc.returncode < 0:
            raise crash_error(f"loudness measurement of {timeline.name}", proc.returncode,
                              stderr_tail=tail)
        raise ProcessError(f"loudness measurement of {timeline.name} failed: "
                           f"{tail.splitlines()[-1] if tail else proc.returncode}",
                           stderr_tail=tail)
    return parse_ebur128_summary(proc.stderr)


@dataclass(frozen=True, slots=True)
class LoudnessPlan:
    """The gain a render applies, and the integrated loudness QC should then find: the
    profile's target, or less when the program is too quiet to lift that far without raising
    its noise floor to broadcast level (``None``: nothing measurable to check)."""

    gain_db: float
    expected_lufs: float | None
    note: str = ""


def plan_gain(timeline: Timeline, profile: RenderProfile, *,
              sources: Mapping[str, RenderSource], timeout: float | None = None) -> float:
    """The gain (dB, applied before the limiter) for ``plan_loudness``'s plan."""
    return plan_loudness(timeline, profile, sources=sources, timeout=timeout).gain_db


def plan_loudness(timeline: Timeline, profile: RenderProfile, *,
                  sources: Mapping[str, RenderSource],
                  timeout: float | None = None) -> LoudnessPlan:
    """Find the gain that brings the program to the profile's integrated loudness: one pass on
    the raw mix, then passes after gain and limiter to correct for what the limiter took."""
    target = profile.loudness_target_lufs
    summary = measure_summary(timeline, profile, sources=sources, timeout=timeout)
    raw = summary.integrated_lufs
    if raw is None or raw <= _SILENT_LUFS:
        return LoudnessPlan(0.0, None, "no measurable sound: left as it is")
    gain = next_gain(0.0, raw, target)
    ceiling = profile.true_peak - LIMITER_HEADROOM_DB
    if summary.true_peak is not None and summary.true_peak + gain <= ceiling - _PEAK_MARGIN_DB:
        # The peaks stay under the limiter's ceiling after the gain, so it never acts and the
        # loudness moves by exactly the gain: no correction pass is needed.
        if raw + gain >= target - CLOSE_ENOUGH_LU:
            return LoudnessPlan(gain, target)
        return _short_of_target(timeline, raw, raw + gain, gain, target)
    # The limiter's loss grows with the gain, so search for the gain with short audio passes:
    # a plain step first, then secant steps on the measured (gain, loudness) curve.
    tried: list[tuple[float, float]] = [(0.0, raw)]
    for _ in range(MAX_CORRECTIONS):
        limited = measure_program(timeline, profile, sources=sources, gain_db=gain,
                                  timeout=timeout)
        if limited is None or abs(limited - target) <= CLOSE_ENOUGH_LU:
            return LoudnessPlan(gain, target)
        tried.append((gain, limited))
        (g0, m0), (g1, m1) = tried[-2], tried[-1]
        slope = (m1 - m0) / (g1 - g0) if abs(g1 - g0) > 1e-6 else 1.0
        slope = min(1.0, max(0.05, slope))  # loudness never rises faster than the gain
        gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, g1 + (target - m1) / slope))
        log.info("loudness of %s: %.1f LUFS after %+.1f dB and the limiter; trying %+.1f dB",
                 timeline.name, m1, g1, gain)
    final = measure_program(timeline, profile, sources=sources, gain_db=gain, timeout=timeout)
    if final is None or abs(final - target) <= CLOSE_ENOUGH_LU:
        return LoudnessPlan(gain, target)
    return _short_of_target(timeline, raw, final, gain, target)


def _short_of_target(timeline: Timeline, raw: float, reached: float, gain: float,
                     target: float) -> LoudnessPlan:
    """The plan for a program the most lift allowed leaves short of the target: QC then
    expects the loudness it reaches, and the log says why."""
    note = (f"{raw:.1f} LUFS of program audio reaches {reached:.1f} LUFS with the most lift "
            f"allowed ({gain:+.1f} dB), not {target:.0f}")
    log.warning("loudness of %s: %s", timeline.name, note)
    return LoudnessPlan(gain, reached, note)


def plan_key(timeline: Timeline, profile: RenderProfile, *,
             sources: Mapping[str, RenderSource]) -> str:
    """What a plan depends on, hashed: the audio program's graph (clips, fades, music), the
    target and ceiling, and each source file's size and modification time. The 16:9, 9:16 and
    1:1 timelines of one deliverable cut the same sound, so they share one plan."""
    files = sorted({str(src.path) for src in sources.values()}
                   | ({timeline.music.path} if timeline.music is not None else set()))
    stamps = []
    for name in files:
        try:
            st = Path(name).stat()
            stamps.append([name, st.st_size, st.st_mtime_ns])
        except OSError:
            stamps.append([name, None, None])
    doc = {"args": build_loudness_probe_args(timeline, profile, sources=sources),
           "target": profile.loudness_target_lufs, "true_peak": profile.true_peak,
           "rate": profile.audio_rate, "max_gain": MAX_GAIN_DB, "files": stamps, "v": 1}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def plan_loudness_cached(timeline: Timeline, profile: RenderProfile, *,
                         sources: Mapping[str, RenderSource], cache_dir: Path,
                         timeout: float | None = None) -> LoudnessPlan:
    """``plan_loudness``, remembered in ``cache_dir`` by ``plan_key``: the other aspect
    ratios of a deliverable, and a retried render, skip the measuring passes."""
    path = cache_dir / f"{plan_key(timeline, profile, sources=sources)}.json"
    try:
        return LoudnessPlan(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass  # not measured yet, or unreadable: measure
    plan = plan_loudness(timeline, profile, sources=sources, timeout=timeout)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.stem}.{secrets.token_hex(6)}.part")
        partial.write_text(json.dumps(asdict(plan)), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:  # a cache that cannot be written only costs the next render time
        log.warning("cannot remember the loudness plan in %s: %s", cache_dir, exc)
    return plan
