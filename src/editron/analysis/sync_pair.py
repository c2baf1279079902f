"""One pair of files: where the second one's first sample sits on the first one's clock, how
fast its clock runs against it, and whether the match is real.

1. Coarse: the files' flux envelopes (``sync_signal``) are cross-correlated over every lag that
   leaves enough overlap, each lag's sum divided by the square root of its overlap so a short
   overlap is judged on the same scale as a long one. The peak must stand ``peak_score``
   robust standard deviations (median and MAD of all other lags) above the rest, and clear the
   best lag a second or more away by ``peak_ratio``: unrelated sound has peaks too, just no
   outstanding one. With timecode on both files the lags around the timecode's guess are
   tried first, at a lower bar, since far fewer lags could have produced a peak by chance.
2. Fine: windows spread over the overlap are matched at 16 kHz by GCC-PHAT around the coarse
   lag. Unrelated sound puts each window's peak anywhere in the search range; shared sound
   puts them on one line. A line is fitted (Theil–Sen, then least squares on the windows
   within ``tolerance_ms``); its slope is the drift when the overlap is long enough to measure
   it. The match stands only when most of the windows agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from editron.analysis.sync_signal import (
    ENV_RATE,
    F32,
    F64,
    flux_envelope,
    level_db,
    phat_lag,
    timecode_seconds,
)
from editron.domain.sync import SyncPair

__all__ = ["PreparedSource", "SyncSettings", "SyncSource", "measure_pair", "prepare"]


@dataclass(frozen=True, slots=True)
class SyncSource:
    """One file's input: its mono audio at ``rate`` (the analysis spool's 16 kHz; a memmap is
    read in pieces, never whole), and its SMPTE start timecode with the file's fps if any."""

    file_id: str
    audio: F32
    rate: int = 16_000
    duration: float | None = None  # seconds; defaults to the audio's length
    timecode: str | None = None
    fps: float | None = None


@dataclass(frozen=True, slots=True)
class SyncSettings:
    min_seconds: float = 3.0  # a file with less audio is too short to sync
    silence_db: float = -60.0  # a file whose loud parts stay below this is silent
    min_overlap: float = 8.0  # seconds of shared sound a match needs (or 80 % of the shorter)
    # Coarse peak over the other lags, in robust standard deviations: unrelated recordings
    # made of the same phrases reached 8.9 in 28 pairs of the generated set.
    peak_score: float = 10.0
    peak_ratio: float = 1.25  # coarse peak over the best lag a second or more away
    timecode_window: float = 2.0  # seconds either side of the timecode's guess
    timecode_peak_score: float = 6.0
    window_seconds: float = 4.0  # fine windows
    short_windows: int = 12  # fine windows over an overlap too short to measure drift
    long_spacing: float = 30.0  # seconds between fine windows when drift is measured
    drift_min_seconds: float = 600.0  # overlaps at least this long have their drift measured
    max_drift_ppm: float = 200.0  # widest clock drift searched for
    tolerance_ms: float = 2.0  # a window agrees when this close to the fitted line
    min_agreeing: int = 4
    min_agreement: float = 0.5  # fraction of the fine windows that must agree
    # Without an outstanding coarse peak, the fine windows alone can carry the match: under
    # unrelated sound each lands within 2 ms of a line with odds of about 1 in 15, so 9 of 12
    # doing it by chance is a one-in-a-billion event. Noisy, quiet recordings pass this way.
    coarse_candidates: int = 3  # coarse peaks tried when the best one does not stand out
    fine_only_agreeing: int = 9
    fine_only_agreement: float = 0.75  # of all the windows, measured or not
    phat_strength: float = 5.0  # a window's PHAT peak over its RMS to count as measured


@dataclass(frozen=True, slots=True)
class PreparedSource:
    """A source with what every pair needs computed once."""

    file_id: str
    audio: F32
    rate: int
    duration: float
    envelope: F32  # (frames, bands) at ENV_RATE
    activity: F64  # cumulative positive flux, for placing fine windows on events
    timecode_seconds: float | None
    level_db: float


@dataclass(frozen=True, slots=True)
class _Coarse:
    offset: float  # seconds: b's first sample on a's clock
    score: float
    ratio: float
    via_timecode: bool


@dataclass(frozen=True, slots=True)
class _Fit:
    offset: float
    drift_ppm: float
    windows: int  # placed (a window whose PHAT peak is too weak counts against agreement)
    agreeing: int
    residual_ms: float


def prepare(source: SyncSource) -> PreparedSource:
    duration = source.duration if source.duration is not None else \
        source.audio.size / source.rate
    envelope = flux_envelope(source.audio, source.rate)
    activity = np.concatenate([[0.0], np.cumsum(np.maximum(envelope, 0).sum(axis=1),
                                                dtype=np.float64)])
    tc = None
    if source.timecode and source.fps:
        tc = timecode_seconds(source.timecode, source.fps)
    return PreparedSource(source.file_id, source.audio, source.rate, float(duration), envelope,
                          activity, tc, level_db(source.audio, source.rate))


def _correlate(a: F32, b: F32) -> tuple[F64, F64, F64]:
    """Sum over bands of the envelopes' cross-correlation: (lags in frames, sums, overlaps)."""
    na, nb = a.shape[0], b.shape[0]
    nfft = 1 << int(np.ceil(np.log2(na + nb)))
    spectrum = (np.fft.rfft(a, nfft, axis=0) * np.conj(np.fft.rfft(b, nfft, axis=0))).sum(axis=1)
    corr = np.fft.irfft(spectrum, nfft)
    values = np.concatenate([corr[nfft - (nb - 1):], corr[:na]]).astype(np.float64)
    lags = np.arange(-(nb - 1), na, dtype=np.float64)
    overlap = np.minimum(na, lags + nb) - np.maximum(0, lags)
    return lags, values, overlap


def _coarse(a: PreparedSource, b: PreparedSource, s: SyncSettings) -> list[_Coarse]:
    """The coarse candidates, best first: the peak near the timecode's guess when there is one
    and it clears the timecode bar, then the best peak over every lag."""
    if a.envelope.shape[0] < 2 or b.envelope.shape[0] < 2:
        return []
    lags, values, overlap = _correlate(a.envelope, b.envelope)
    need = min(s.min_overlap, 0.8 * min(a.duration, b.duration)) * ENV_RATE
    valid = overlap >= max(need, 2)
    if valid.sum() < 3:
        return []
    z = np.where(valid, values / np.sqrt(np.maximum(overlap, 1) * a.envelope.shape[1]), -np.inf)
    body = z[valid]
    median = float(np.median(body))
    spread = 1.4826 * float(np.median(np.abs(body - median))) or 1.0
    score = (z - median) / spread
    picks: list[tuple[int, bool]] = []
    if a.timecode_seconds is not None and b.timecode_seconds is not None:
        guess = (b.timecode_seconds - a.timecode_seconds) * ENV_RATE
        near = np.flatnonzero(valid & (np.abs(lags - guess) <= s.timecode_window * ENV_RATE))
        if near.size:
            k = int(near[np.argmax(score[near])])
            if score[k] >= s.timecode_peak_score:
                picks.append((k, True))
    ranked = np.where(valid, score, -np.inf)
    for _ in range(s.coarse_candidates):  # the best peaks, each a second or more from the rest
        k = int(np.argmax(ranked))
        if not np.isfinite(ranked[k]):
            break
        if not picks or abs(lags[k] - lags[picks[0][0]]) >= ENV_RATE:
            picks.append((k, False))
        ranked[np.abs(lags - lags[k]) < ENV_RATE] = -np.inf
    out = []
    for k, via_timecode in picks:
        far = valid & (np.abs(lags - lags[k]) >= ENV_RATE)
        second = float(score[far].max()) if np.any(far) else 0.0
        frac = 0.0
        if 0 < k < z.size - 1 and np.isfinite(z[k - 1]) and np.isfinite(z[k + 1]):
            y0, y1, y2 = z[k - 1], z[k], z[k + 1]
            denom = y0 - 2 * y1 + y2
            if denom < 0:
                frac = float(np.clip(0.5 * (y0 - y2) / denom, -0.5, 0.5))
        ratio = float(score[k]) / second if second > 0 else float("inf")
        out.append(_Coarse(float(lags[k] + frac) / ENV_RATE, float(score[k]), ratio, via_timecode))
    return out


def _window_centres(a: PreparedSource, lo: float, hi: float, width: float,
                    count: int) -> list[float]:
    """``count`` window centres in [lo, hi] on a's clock, each the busiest spot of its slot
    (events, not silence, are what can be matched)."""
    if hi <= lo:
        return [0.5 * (lo + hi)] if count else []
    edges = np.linspace(lo, hi, count + 1)
    half = int(width * ENV_RATE / 2)
    centres = []
    for left, right in pairwise(edges):
        c = np.arange(int(left * ENV_RATE), int(right * ENV_RATE) + 1)
        c = c[(c - half >= 0) & (c + half < a.activity.size)]
        if c.size == 0:
            centres.append(0.5 * (left + right))
            continue
        busy = a.activity[c + half] - a.activity[c - half]
        centres.append(float(c[int(np.argmax(busy))]) / ENV_RATE)
    return centres


def _fine(a: PreparedSource, b: PreparedSource, offset: float, s: SyncSettings, *,
          screen: bool = False) -> list[tuple[float, float, float]]:
    """(centre on a's clock, lag = a time - b time, PHAT strength) of each fine window."""
    start, end = max(0.0, offset), min(a.duration, offset + b.duration)
    overlap = end - start
    radius = 0.03 + s.max_drift_ppm * 1e-6 * overlap
    width = float(np.clip(min(s.window_seconds, overlap / 4), 0.25, s.window_seconds))
    lo, hi = start + width / 2 + radius, end - width / 2 - radius
    if hi < lo:
        radius = max(0.015, radius + (hi - lo) / 2)
        lo, hi = start + width / 2 + radius, end - width / 2 - radius
        if hi < lo:
            return []
    count = s.short_windows if overlap < s.drift_min_seconds or screen else \
        int(np.clip(overlap / s.long_spacing, s.short_windows, 400))
    rate = a.rate
    n, r = round(width * rate), round(radius * rate)
    out = []
    for t in _window_centres(a, lo, hi, width, count):
        a0 = round((t - width / 2) * rate)
        b0 = round((t - width / 2 - offset) * rate) - r
        if a0 < 0 or b0 < 0 or a0 + n > a.audio.size or b0 + n + 2 * r > b.audio.size:
            continue
        wa = np.asarray(a.audio[a0: a0 + n], dtype=np.float32)
        wb = np.asarray(b.audio[b0: b0 + n + 2 * r], dtype=np.float32)
        if not (np.any(wa) and np.any(wb)):
            continue
        pos, strength = phat_lag(wa, wb, rate)
        out.append((t, a0 / rate - (b0 + pos) / rate, strength))
    return out


def _fit(windows: list[tuple[float, float, float]], s: SyncSettings, drift: bool) -> _Fit:
    measured = [(t, lag) for t, lag, strength in windows if strength >= s.phat_strength]
    if not measured:
        return _Fit(0.0, 0.0, len(windows), 0, 0.0)
    t = np.array([m[0] for m in measured])
    lag = np.array([m[1] for m in measured])
    tol = s.tolerance_ms / 1000
    slope = 0.0
    if drift and t.size >= 4:
        i, j = np.triu_indices(t.size, 1)
        apart = np.abs(t[j] - t[i]) > 1.0
        if np.any(apart):
            slopes = (lag[j] - lag[i])[apart] / (t[j] - t[i])[apart]
            slope = float(np.clip(np.median(slopes), -s.max_drift_ppm * 1e-6,
                                  s.max_drift_ppm * 1e-6))
    intercept = float(np.median(lag - slope * t))
    inliers = np.abs(lag - (intercept + slope * t)) < tol
    if drift and inliers.sum() >= 3:
        slope, intercept = (float(v) for v in np.polyfit(t[inliers], lag[inliers], 1))
    elif inliers.any():
        intercept = float(np.mean(lag[inliers]))
    inliers = np.abs(lag - (intercept + slope * t)) < tol
    resid = lag[inliers] - (intercept + slope * t[inliers])
    rms = float(np.sqrt(np.mean(resid ** 2))) * 1000 if resid.size else 0.0
    d = -slope  # lag(t) = offset * (1 + d) - d * t
    return _Fit(intercept / (1 + d), d * 1e6, len(windows), int(inliers.sum()), rms)


def measure_pair(a: PreparedSource, b: PreparedSource, s: SyncSettings) -> SyncPair:
    """Where ``b`` sits on ``a``'s clock, with the evidence; ``accepted`` only when the fine
    windows agree and either the coarse peak stands out or nearly all of them agree."""
    candidates = _coarse(a, b, s)
    if not candidates:
        return SyncPair(a.file_id, b.file_id, 0.0, 0.0, 0.0, 0.0, 0, 0, 0.0, False,
                        note="too little overlap to compare")
    tried = []
    for n, coarse in enumerate(candidates):
        # Later candidates are screened on a dozen windows before a long overlap's full set.
        pair = _judge(a, b, coarse, s, screen=n > 0)
        if pair.accepted and n > 0:
            pair = _judge(a, b, coarse, s, screen=False)
        tried.append(pair)
        if pair.accepted:
            return pair
    return max(tried, key=lambda p: (p.agreeing, p.peak_score))


def _judge(a: PreparedSource, b: PreparedSource, coarse: _Coarse, s: SyncSettings, *,
           screen: bool) -> SyncPair:
    outstanding = coarse.via_timecode or (coarse.score >= s.peak_score and
                                          coarse.ratio >= s.peak_ratio)
    overlap = min(a.duration, coarse.offset + b.duration) - max(0.0, coarse.offset)
    fit = _fit(_fine(a, b, coarse.offset, s, screen=screen), s,
               overlap >= s.drift_min_seconds)
    total = max(fit.windows, 1)
    agreement = fit.agreeing / total
    agreed = fit.agreeing >= s.min_agreeing and agreement >= s.min_agreement
    fine_only = fit.agreeing >= s.fine_only_agreeing and agreement >= s.fine_only_agreement
    accepted = (outstanding and agreed) or fine_only
    notes = []
    if not outstanding:
        notes.append(f"no outstanding coarse peak ({coarse.score:.1f} sd, "
                     f"{coarse.ratio:.2f}x the next)")
    if not accepted:
        notes.append(f"{fit.agreeing} of {fit.windows} fine windows agreed")
    # Evidence adds: the coarse peak's height and each agreeing window.
    evidence = max(coarse.score, 0.0) + 0.5 * fit.agreeing
    confidence = agreement * (1 - np.exp(-evidence / 12)) if accepted else 0.0
    start = max(0.0, coarse.offset)
    return SyncPair(a.file_id, b.file_id, float(fit.offset if accepted else coarse.offset),
                    fit.drift_ppm if accepted else 0.0, round(float(confidence), 4),
                    round(coarse.score, 2), fit.windows, fit.agreeing,
                    round(fit.residual_ms, 4), accepted, via_timecode=coarse.via_timecode,
                    drift_measured=bool(overlap >= s.drift_min_seconds),
                    anchor=float(start + max(overlap, 0.0) / 2), note="; ".join(notes))
