"""The signal measures behind sync by sound: onset envelopes for the coarse search, a whitened
cross-correlation for the sample-accurate one, and SMPTE timecode (read by ``domain.timecode``).

Coarse: each file becomes a 100 Hz, five-band spectral-flux envelope (the rise of log band
energy from one 10 ms hop to the next). Only 300–3400 Hz is used, the band a phone keeps, so a
phone and a camera with a good microphone describe the same events; log energy makes a gain
difference a constant that the rise removes, and a floor at a low percentile of each band's
energy keeps the hiss of a noisy recorder from counting as events. Cross-correlating these
envelopes by FFT over every lag at once costs a few FFTs of 100 values a second per file.

Fine: around the coarse lag, a few seconds of the two files at 16 kHz are cross-correlated
with the phase transform (GCC-PHAT: the cross spectrum divided by its magnitude, so every
frequency counts by its phase alone and microphone colour and gain drop out), limited to the
same band, and the peak is placed between samples by a parabola through its neighbours.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from editron.domain.timecode import timecode_to_frames
from editron.domain.timeline import FrameRate
from editron.errors import InputError

__all__ = ["BANDS", "ENV_RATE", "F32", "F64", "fast_length", "flux_envelope", "level_db",
           "phat_lag", "timecode_seconds"]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

ENV_RATE = 100  # envelope frames a second
FRAME = 256  # 16 ms at 16 kHz: three bins even in the lowest band, and a sharp rise
BANDS = ((300.0, 500.0), (500.0, 800.0), (800.0, 1250.0), (1250.0, 2000.0), (2000.0, 3400.0))
FLOOR_PERCENTILE = 20.0  # per band: quieter than this is the recorder's own noise
CHUNK_FRAMES = 16_384  # frames per FFT batch: bounds memory for files of any length
PHAT_BAND = (250.0, 3600.0)


def _band_bins(rate: int) -> tuple[int, int, npt.NDArray[np.intp]]:
    """The FFT bins the bands span (first, last + 1) and where each band starts among them."""
    freqs = np.fft.rfftfreq(FRAME, 1.0 / rate)
    starts = [int(np.searchsorted(freqs, lo)) for lo, _ in BANDS]
    stop = int(np.searchsorted(freqs, BANDS[-1][1]))
    return starts[0], stop, np.asarray(starts, dtype=np.intp) - starts[0]


def flux_envelope(audio: F32, rate: int) -> F32:
    """(frames, bands) spectral flux at ``ENV_RATE``, each band zero-mean and unit-variance
    (a band with no variation stays 0). Reads ``audio`` in chunks, so a memmap is fine."""
    hop = rate // ENV_RATE
    n = 0 if audio.size < FRAME else 1 + (audio.size - FRAME) // hop
    first_bin, stop_bin, band_starts = _band_bins(rate)
    window = np.hanning(FRAME)
    energy = np.empty((n, len(BANDS)), dtype=np.float32)
    for first in range(0, n, CHUNK_FRAMES):
        count = min(CHUNK_FRAMES, n - first)
        # float64: pocketfft runs batches of short transforms faster in double than single
        piece = np.asarray(audio[first * hop: (first + count - 1) * hop + FRAME],
                           dtype=np.float64)
        frames = np.lib.stride_tricks.sliding_window_view(piece, FRAME)[::hop][:count]
        spectrum = np.fft.rfft(frames * window, axis=1)[:, first_bin:stop_bin]
        power = spectrum.real ** 2 + spectrum.imag ** 2
        energy[first: first + count] = np.add.reduceat(power, band_starts, axis=1)
    if n < 2:
        return np.zeros((0, len(BANDS)), dtype=np.float32)
    floor = np.percentile(energy, FLOOR_PERCENTILE, axis=0) + 1e-10
    log = np.log(energy + floor)
    flux = np.maximum(np.diff(log, axis=0), 0.0)
    flux -= flux.mean(axis=0)
    std = flux.std(axis=0)
    flux /= np.where(std > 1e-6, std, np.inf)
    return flux.astype(np.float32)


def level_db(audio: F32, rate: int) -> float:
    """The 99th percentile of the 100 ms RMS level, in dBFS: what the file's loud parts reach
    (a file whose loud parts are near digital silence has nothing to sync on)."""
    block = rate // 10
    count = audio.size // block
    if count == 0:
        return -200.0
    step = max(1, count // 4000)  # a sample of blocks is plenty for a percentile
    picks = np.arange(0, count, step)
    rms = np.array([np.sqrt(np.mean(np.square(audio[i * block:(i + 1) * block],
                                              dtype=np.float64))) for i in picks])
    return float(20 * np.log10(np.percentile(rms, 99) + 1e-12))


def phat_lag(a: F32, b: F32, rate: int) -> tuple[float, float]:
    """Where window ``a`` best matches inside the longer ``b``: (samples into ``b``, with a
    sub-sample parabolic fit; peak strength in RMS of the other lags)."""
    span = b.size - a.size
    if span < 2 or a.size < 64:
        return 0.0, 0.0
    # Lags 0..span of a circular correlation over b's length never wrap: a is shorter.
    nfft = fast_length(b.size)
    fa = np.fft.rfft(a.astype(np.float64) - float(a.mean()), nfft)
    fb = np.fft.rfft(b.astype(np.float64) - float(b.mean()), nfft)
    cross = fb * np.conj(fa)
    freqs = np.fft.rfftfreq(nfft, 1.0 / rate)
    lo, hi = PHAT_BAND
    taper = np.clip(np.minimum((freqs - lo * 0.8) / (lo * 0.2), (hi * 1.1 - freqs) / (hi * 0.1)),
                    0.0, 1.0)
    mag = np.abs(cross)
    cross = cross * taper / (mag + 1e-3 * float(mag.mean()) + 1e-30)
    corr = np.fft.irfft(cross, nfft)[: span + 1]
    k = int(np.argmax(corr))
    peak = float(corr[k])
    others = np.delete(corr, np.arange(max(0, k - 8), min(corr.size, k + 9)))
    rms = float(np.sqrt(np.mean(others ** 2))) if others.size else 0.0
    frac = 0.0
    if 0 < k < span:
        y0, y1, y2 = float(corr[k - 1]), peak, float(corr[k + 1])
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            frac = float(np.clip(0.5 * (y0 - y2) / denom, -0.5, 0.5))
    return k + frac, peak / rms if rms > 0 else 0.0


def fast_length(n: int) -> int:
    """The smallest 2^i 3^j 5^k >= n: an FFT length pocketfft does at full speed."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def timecode_seconds(timecode: str, fps: float) -> float | None:
    """Seconds since midnight of a file's SMPTE start timecode at its frame rate (``;`` before
    the frames marks drop-frame, as a timecode track writes it), or ``None`` when it cannot
    be read: a timecode is only a first guess, so a bad one is ignored, not an error."""
    if fps <= 0:
        return None
    rate = FrameRate.from_fps(fps)
    try:
        frames = timecode_to_frames(timecode, rate, drop=";" in timecode)
    except InputError:
        return None
    return frames * rate.den / rate.num
