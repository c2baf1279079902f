"""Event audio whose truth is known to the sample: espeak-ng words at known times, crowd bursts
(sox pink noise with a fade envelope) at known times over a quiet room bed, a sponsor name
spoken once; optionally muxed with a lavfi picture.

Word truth comes from synthesising every word on its own, trimming espeak's leading and
trailing silence from the samples, and laying the words down with known gaps, so each word's
start and end are exact (to 10 ms, the trim resolution) rather than estimated.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.media_factory import X264, run_ffmpeg

__all__ = ["RATE", "AudioTruth", "TrueWord", "event_audio", "mux_with_picture", "read_wav",
           "spoken_words", "write_wav"]

RATE = 16_000
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class TrueWord:
    word: str
    start: float
    end: float


@dataclass
class AudioTruth:
    path: Path
    seconds: float
    words: list[TrueWord] = field(default_factory=list)
    # start, length, RMS level in dBFS over the burst
    cheers: list[tuple[float, float, float]] = field(default_factory=list)
    sponsor: TrueWord | None = None

    @property
    def loudest_cheer(self) -> tuple[float, float, float]:
        """The loudest burst long enough to be applause (0.7 s or more)."""
        return max((c for c in self.cheers if c[1] >= 0.7), key=lambda c: c[2])


def read_wav(path: Path) -> F32:
    with wave.open(str(path)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)
    data = data.reshape(-1, channels).mean(axis=1) / 32768.0
    if rate != RATE:  # espeak-ng writes 22.05 kHz; linear resampling is plenty for tests
        positions = np.arange(0, data.size, rate / RATE)
        data = np.interp(positions, np.arange(data.size), data)
    return data.astype(np.float32)


def write_wav(path: Path, samples: F32) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return path


def _espeak(text: str, path: Path, *, speed: int) -> F32:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    subprocess.run([espeak, "-s", str(speed), "-w", str(path), text], check=True,
                   capture_output=True)
    return read_wav(path)


def _trim(samples: F32) -> F32:
    """Drop the silence espeak puts around a word (10 ms frames below 2 % of the peak)."""
    hop = RATE // 100
    frames = samples[: samples.size // hop * hop].reshape(-1, hop)
    loud = np.flatnonzero(np.abs(frames).max(axis=1) > 0.02 * np.abs(samples).max())
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] * hop: (loud[-1] + 1) * hop]


def spoken_words(text: str, work: Path, *, gap: float = 0.15, speed: int = 160
                 ) -> tuple[F32, list[TrueWord]]:
    """``text`` spoken word by word with ``gap`` seconds between words; truth relative to 0."""
    work.mkdir(parents=True, exist_ok=True)
    pieces: list[F32] = []
    truth: list[TrueWord] = []
    t = 0.0
    silence = np.zeros(round(gap * RATE), dtype=np.float32)
    for k, word in enumerate(text.split()):
        clean = word.strip(".,!?")
        samples = _trim(_espeak(clean, work / f"w{abs(hash(word)) % 10**8}_{k}.wav",
                                speed=speed))
        truth.append(TrueWord(clean, round(t, 3), round(t + samples.size / RATE, 3)))
        pieces += [samples, silence]
        t += samples.size / RATE + gap
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32), truth


def _cheer(work: Path, k: int, length: float, volume: float) -> F32:
    sox = shutil.which("sox")
    assert sox, "sox is needed (scripts/setup.sh installs it)"
    path = work / f"cheer{k}.wav"
    subprocess.run([sox, "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(path),
                    "synth", str(length), "pinknoise", "fade", "q", f"{length * 0.2:.2f}",
                    str(length), f"{length * 0.3:.2f}", "vol", str(volume)], check=True)
    return read_wav(path)


def event_audio(path: Path, *, seconds: float, speech: Sequence[tuple[float, str]] = (),
                cheers: Sequence[tuple[float, float, float]] = (),
                sponsor: tuple[float, str, str] | None = None, speech_gain: float = 0.6,
                bed_volume: float = 0.03, seed: int = 5) -> AudioTruth:
    """Mix a quiet room bed, phrases (start, text), crowd bursts (start, length, volume) and
    one sponsor line (start, text, sponsor word) into a 16 kHz mono WAV; return the truth."""
    work = path.parent / f"{path.stem}_parts"
    rng = np.random.default_rng(seed)
    total = round(seconds * RATE)
    # Brown-ish room tone: integrated white noise, high-passed by removing its drift.
    bed = np.cumsum(rng.normal(0, 1, total))
    bed -= np.convolve(bed, np.ones(801) / 801, mode="same")
    mix = (bed / (np.abs(bed).max() + 1e-9) * bed_volume).astype(np.float32)
    truth = AudioTruth(path, seconds)

    def lay(at: float, samples: F32) -> None:
        a = round(at * RATE)
        b = min(total, a + samples.size)
        mix[a:b] += samples[: b - a]

    lines = [(at, text, None) for at, text in speech]
    if sponsor is not None:
        lines.append((sponsor[0], sponsor[1], sponsor[2]))
    for k, (at, text, name) in enumerate(lines):
        samples, words = spoken_words(text, work / f"line{k}")
        lay(at, samples * speech_gain)
        shifted = [TrueWord(w.word, round(w.start + at, 3), round(w.end + at, 3)) for w in words]
        truth.words += shifted
        if name is not None:
            truth.sponsor = next(w for w in shifted if w.word.lower() == name.lower())
    for k, (at, length, volume) in enumerate(cheers):
        burst = _cheer(work, k, length, volume)
        lay(at, burst)
        rms = float(np.sqrt(np.mean(burst.astype(np.float64) ** 2)))
        truth.cheers.append((at, length, round(float(20 * np.log10(max(rms, 1e-9))), 2)))
    truth.words.sort(key=lambda w: w.start)
    write_wav(path, mix)
    return truth


def mux_with_picture(audio: Path, path: Path, *, seconds: float, size: str = "320x180",
                     fps: int = 25) -> Path:
    """The event audio under a lavfi test picture, as H.264 + AAC in MP4."""
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}",
                "-i", str(audio), "-map", "0:v", "-map", "1:a", *X264,
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
                "-shortest", str(path)])
    return path
