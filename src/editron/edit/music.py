"""Music bed: beats from a user-supplied audio file, cuts snapped to them, and ducking under
speech planned as gain keyframes.

``detect_beats`` is the only I/O (PyAV decode); everything else is pure. Beats come from an
onset envelope (half-wave rectified spectral flux), the tempo from its autocorrelation between
60 and 180 BPM, and the beat phase that collects the most onset strength.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from editron.domain.timeline import Blueprint, DuckKeyframe, FrameRate
from editron.errors import MediaError
from editron.story.cuts import FileCuts

__all__ = ["ENVELOPE_OFFSET", "beats_from_envelope", "decode_mono", "detect_beats",
           "onset_envelope", "plan_ducking", "snap_to_beats"]

SAMPLE_RATE = 22050
HOP = 512
DUCK_DB = -12.0
ATTACK_SECONDS = 0.25
RELEASE_SECONDS = 0.5
MERGE_GAP_SECONDS = 0.8
N_FFT = 2048
# Flux rises in the first window a sound enters, at the window's trailing edge: stamp each
# envelope value there (minus half a hop) rather than at the window start.
ENVELOPE_OFFSET = (N_FFT - HOP / 2) / SAMPLE_RATE


def decode_mono(path: Path, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The file's first audio stream as mono float32 at ``sample_rate``."""
    import av  # local: only the music bed needs PyAV here

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError("the music bed has no audio stream", path=str(path))
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            chunks: list[np.ndarray] = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot decode the music bed: {exc}", path=str(path)) from exc
    except OSError as exc:
        raise MediaError(f"cannot open the music bed: {exc}", path=str(path)) from exc
    if not chunks:
        raise MediaError("the music bed decoded to no audio", path=str(path))
    samples: np.ndarray = np.concatenate(chunks).astype(np.float32)
    return samples


def onset_envelope(samples: np.ndarray, *, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Spectral flux per hop: how much new energy each frame brings."""
    if samples.size < n_fft:
        samples = np.pad(samples, (0, n_fft - samples.size))
    count = 1 + (samples.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(count)[:, None]
    frames = samples[idx] * np.hanning(n_fft)[None, :]
    mag = np.log1p(np.abs(np.fft.rfft(frames, axis=1)) * 10.0)
    flux = np.maximum(0.0, np.diff(mag, axis=0)).sum(axis=1)
    env: np.ndarray = np.concatenate([[0.0], flux])
    env = np.maximum(env - np.median(env), 0.0)
    peak = float(env.max()) if env.size else 0.0
    out: np.ndarray = env / peak if peak > 0 else env
    return out


def beats_from_envelope(env: np.ndarray, *, frame_rate: float, offset: float = 0.0,
                        bpm_range: tuple[float, float] = (60.0, 180.0)) -> list[float]:
    """Beat times (seconds) for an onset envelope sampled at ``frame_rate`` per second whose
    value ``k`` describes time ``k / frame_rate + offset``."""
    if env.size < 8 or not np.any(env > 0):
        return []
    centred = env - env.mean()
    ac = np.correlate(centred, centred, mode="full")[env.size - 1:]
    lo = max(1, int(frame_rate * 60.0 / bpm_range[1]))
    hi = min(env.size - 1, int(frame_rate * 60.0 / bpm_range[0]))
    if hi <= lo:
        return []
    band = ac[lo:hi + 1]
    # a pulse train correlates as well at two beats as at one: take the shortest strong lag
    strong = np.flatnonzero(band >= 0.8 * float(band.max()))
    peaks = [i for i in strong if (i == 0 or band[i] >= band[i - 1])
             and (i + 1 >= band.size or band[i] >= band[i + 1])]
    period = lo + int(peaks[0] if peaks else np.argmax(band))
    # phase from the first few beats only: a whole-frame period drifts over a long track
    phase = max(range(period), key=lambda p: float(env[p:p + 4 * period:period].sum()))
    # Follow the beat from one found onset to the next: a fixed grid of a whole-frame period
    # would drift by up to half a frame per beat.
    beats: list[float] = []
    window = max(1, period // 4)
    centre = phase
    while centre < env.size:
        a, b = max(0, centre - window), min(env.size, centre + window + 1)
        best = a + int(np.argmax(env[a:b])) if env[a:b].max() > 0.1 else centre
        beats.append(best / frame_rate + offset)
        centre = best + period
    return beats


def detect_beats(path: Path) -> list[float]:
    """Beat times in seconds of the music file at ``path``."""
    env = onset_envelope(decode_mono(path))
    return beats_from_envelope(env, frame_rate=SAMPLE_RATE / HOP, offset=ENVELOPE_OFFSET)


def snap_to_beats(blueprint: Blueprint, beats: Sequence[float], cuts: Mapping[str, FileCuts], *,
                  tolerance_frames: int = 6, min_frames: int = 1) -> Blueprint:
    """Move each cut between two moments onto the nearest beat within ``tolerance_frames``.

    A cut moves by shifting the outgoing moment's end and the incoming moment's start by the
    same amount, so the total length is kept to the frame; a move is taken only when both new
    edges are legal cut frames of their files."""
    rate = blueprint.rate
    beat_frames = sorted({rate.frames(b) for b in beats})
    if not beat_frames or len(blueprint.moments) < 2:
        return blueprint
    moments = list(blueprint.moments)
    record = 0
    for i in range(len(moments) - 1):
        record += moments[i].frames
        nearest = min(beat_frames, key=lambda b: abs(b - record))
        for d in sorted(range(-tolerance_frames, tolerance_frames + 1),
                        key=lambda d: (abs(nearest - record - d), abs(d))):
            if abs(nearest - (record + d)) > tolerance_frames:
                break
            a, b = moments[i], moments[i + 1]
            new_end, new_start = a.source_end + d, b.source_start + d
            fa, fb = cuts[a.file_id], cuts[b.file_id]
            if (new_end - a.source_start >= min_frames and b.source_end - new_start >= min_frames
                    and fa.legal(new_end) and fb.legal(new_start)):
                moments[i] = replace(a, source_end=new_end)
                moments[i + 1] = replace(b, source_start=new_start)
                record += d
                break
    return replace(blueprint, moments=tuple(moments))


def plan_ducking(speech: Sequence[tuple[int, int]], *, rate: FrameRate, total_frames: int,
                 duck_db: float = DUCK_DB) -> tuple[DuckKeyframe, ...]:
    """Gain keyframes for the bed: down by ``duck_db`` while anyone speaks (record frames),
    easing in before and out after; pauses shorter than ``MERGE_GAP_SECONDS`` stay ducked."""
    merged: list[list[int]] = []
    gap = rate.frames(MERGE_GAP_SECONDS)
    for s, e in sorted(speech):
        if merged and s - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    attack, release = rate.frames(ATTACK_SECONDS), rate.frames(RELEASE_SECONDS)
    keys: list[DuckKeyframe] = [DuckKeyframe(0, 0.0)]
    for s, e in merged:
        down_from = max(keys[-1].frame, s - attack)
        up_to = min(total_frames, e + release)
        if down_from > keys[-1].frame:
            keys.append(DuckKeyframe(down_from, 0.0))
        keys.append(DuckKeyframe(max(s, down_from), duck_db))
        keys.append(DuckKeyframe(max(e, s), duck_db))
        if up_to > e:
            keys.append(DuckKeyframe(up_to, 0.0))
    out: list[DuckKeyframe] = []
    for k in keys:  # one value per frame: the later key wins
        if out and out[-1].frame == k.frame:
            out[-1] = k
        else:
            out.append(k)
    return tuple(out)
