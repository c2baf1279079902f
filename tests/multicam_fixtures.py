"""One sound field recorded by several cameras, with the truth known to the sample.

The field: espeak-ng phrases laid at random times (each at its own speed and level, so no two
stretches of it are the same waveform), crowd bursts cut from one long ``sox -R`` pink noise
under fade envelopes, and a room tone. Everything comes from fixed seeds.

A camera "records" it from its own start time (never on a frame boundary, nor on a sample),
at its own sample rate, gain, self-noise and microphone colour ("phone": 300–3400 Hz), and
optionally with a clock that runs ``drift_ppm`` fast: its sample n is taken at event time
``start + n / (rate * (1 + drift_ppm * 1e-6))``, the convention of ``editron.domain.sync``.
Short recordings are made exactly (fractional delay and resampling in the frequency domain);
long ones by linear interpolation, which is fast and shifts nothing. A B-roll file has a
field of its own (other phrases, another voice, other bursts).

``write_camera_file`` muxes a recording under a lavfi picture (all parameters fixed) at the
camera's own sample rate, for tests that go through Editron's decode path.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.media_factory import run_ffmpeg

__all__ = ["PHRASES", "Camera", "Recording", "record", "shaded_picture", "sound_field",
           "write_camera_file"]

F32 = npt.NDArray[np.float32]

PHRASES = (
    "Welcome everyone to the opening night of the festival",
    "Please give a warm round of applause for our first speaker",
    "The winners of this year's award are about to be announced",
    "Thank you all so much for coming out tonight",
    "Our sponsors made this evening possible",
    "Let's hear it for the band",
    "We will take a short break and be right back",
    "The next performance starts in five minutes",
    "Raise your hands if you are having a good time",
    "And now the moment you have all been waiting for",
)
BROLL_PHRASES = (
    "The river runs quietly past the old mill",
    "Fresh bread is baked here every morning at six",
    "Trains leave the north station every twenty minutes",
    "The museum opens its doors at ten o'clock",
    "Clouds gathered over the hills before the storm",
)


@dataclass(frozen=True)
class Camera:
    name: str
    start: float  # event seconds at which its first sample is taken
    seconds: float
    rate: int = 16_000
    gain: float = 1.0
    noise_db: float = -60.0  # self-noise level, dBFS RMS
    colour: str = "flat"  # flat | phone (300–3400 Hz) | dull (a camera mic's soft top)
    drift_ppm: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class Recording:
    camera: Camera
    samples: F32


def _wav(path: Path) -> tuple[F32, int]:
    with wave.open(str(path)) as w:
        rate, ch = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)
    return data.reshape(-1, ch).mean(axis=1) / 32768.0, rate


def _phrases(work: Path, texts: tuple[str, ...], voice: str, rate: int) -> list[F32]:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    out = []
    for k, text in enumerate(texts):
        path = work / f"{voice.replace('+', '_')}_{k}.wav"
        if not path.exists():
            subprocess.run([espeak, "-v", voice, "-s", "165", "-w", str(path), text],
                           check=True, capture_output=True)
        data, src = _wav(path)
        out.append(np.interp(np.arange(0, data.size, src / rate), np.arange(data.size),
                             data).astype(np.float32))
    return out


def _pink(work: Path, rate: int, seconds: float) -> F32:
    sox = shutil.which("sox")
    assert sox, "sox is needed (scripts/setup.sh installs it)"
    path = work / f"pink_{rate}.wav"
    if not path.exists():
        subprocess.run([sox, "-R", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(path),
                        "synth", f"{seconds:g}", "pinknoise", "vol", "0.5"], check=True)
    return _wav(path)[0]


def sound_field(work: Path, *, seconds: float, rate: int = 16_000, seed: int = 1,
                broll: bool = False) -> F32:
    """The event's sound at ``rate``: speech most of the time, a crowd burst every ~15 s,
    room tone under it all."""
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    total = round(seconds * rate)
    tone = np.cumsum(rng.normal(0, 1, total))  # brown room tone, less its slow wander
    sums = np.concatenate([[0.0], np.cumsum(tone)])
    lo, hi = np.clip(np.arange(total) - 200, 0, total), np.clip(np.arange(total) + 201, 0, total)
    tone = (tone - (sums[hi] - sums[lo]) / (hi - lo)).astype(np.float32)
    field = (tone / (np.abs(tone).max() + 1e-9) * 0.02).astype(np.float32)
    voices = _phrases(work, BROLL_PHRASES if broll else PHRASES,
                      "en-us+f3" if broll else "en", rate)
    t = float(rng.uniform(0.2, 1.0))
    while t < seconds:
        phrase = voices[int(rng.integers(len(voices)))]
        speed = float(rng.uniform(0.85, 1.15))
        piece = np.interp(np.arange(0, phrase.size - 1, speed), np.arange(phrase.size),
                          phrase).astype(np.float32) * float(rng.uniform(0.25, 0.6))
        a = round(t * rate)
        b = min(total, a + piece.size)
        field[a:b] += piece[: b - a]
        t += piece.size / rate + float(rng.uniform(0.3, 2.5))
    pink = _pink(work, rate, 120.0)
    t = float(rng.uniform(3, 10))
    while t < seconds:
        length = float(rng.uniform(1.0, 4.0))
        n = round(length * rate)
        cut = int(rng.integers(0, pink.size - n))
        envelope = np.minimum(1.0, np.minimum(np.arange(n) / (0.2 * n),
                                              np.arange(n)[::-1] / (0.4 * n)))
        a = round(t * rate)
        b = min(total, a + n)
        field[a:b] += (pink[cut: cut + n] * envelope * rng.uniform(0.3, 0.9))[: b - a]
        t += length + float(rng.uniform(6, 20))
    return field


def _colour_mask(freqs: npt.NDArray[np.float64], colour: str) -> npt.NDArray[np.float64]:
    if colour == "phone":  # a narrowband voice channel, with soft edges
        low = np.clip((freqs - 250) / 100, 0, 1)
        high = np.clip((3500 - freqs) / 200, 0, 1)
        return low * high
    if colour == "dull":  # a cheap camera microphone: the top rolls off from 4 kHz
        return 1.0 / np.sqrt(1 + (freqs / 4000.0) ** 4)
    return np.ones_like(freqs)


def record(field: F32, field_rate: int, camera: Camera) -> Recording:
    """What ``camera`` hears of ``field`` (see the module docstring)."""
    rng = np.random.default_rng(10_000 + camera.seed)
    n_out = round(camera.seconds * camera.rate)
    exact = camera.drift_ppm == 0 and camera.seconds <= 900
    if exact:  # fractional delay + resampling in one FFT over a padded segment
        pad = field_rate  # one second each side keeps the FFT's wrap-around out of the take
        first = int(np.floor(camera.start * field_rate))
        frac = camera.start * field_rate - first
        block = field_rate // np.gcd(field_rate, camera.rate)
        n_in = -(-(n_out * field_rate // camera.rate + 2 * pad) // block) * block
        seg = np.zeros(n_in, dtype=np.float64)
        lo = first - pad
        src = field[max(0, lo): max(0, lo + n_in)]
        seg[max(0, -lo): max(0, -lo) + src.size] = src
        spec = np.fft.rfft(seg)
        freqs = np.fft.rfftfreq(n_in, 1.0 / field_rate)
        spec *= np.exp(-2j * np.pi * freqs * (-frac / field_rate)) * _colour_mask(freqs,
                                                                                  camera.colour)
        m = n_in * camera.rate // field_rate
        out_spec = np.zeros(m // 2 + 1, dtype=np.complex128)
        keep = min(out_spec.size, spec.size)
        out_spec[:keep] = spec[:keep]
        if camera.rate < field_rate:
            out_spec[-1] = out_spec[-1].real  # Nyquist bin of the shorter transform
        out = np.fft.irfft(out_spec, m) * (m / n_in)
        skip = pad * camera.rate // field_rate
        samples = out[skip: skip + n_out]
    else:  # a clock that runs fast or slow: sample n at start + n / (rate * (1 + drift))
        when = camera.start + np.arange(n_out) / (camera.rate * (1 + camera.drift_ppm * 1e-6))
        samples = np.interp(when * field_rate, np.arange(field.size), field, left=0.0,
                            right=0.0)
        if camera.colour != "flat":
            spec = np.fft.rfft(samples)
            spec *= _colour_mask(np.fft.rfftfreq(samples.size, 1.0 / camera.rate),
                                 camera.colour)
            samples = np.fft.irfft(spec, samples.size)
    noise = rng.normal(0, 10 ** (camera.noise_db / 20), n_out)
    return Recording(camera, (samples * camera.gain + noise).astype(np.float32))


def shaded_picture(bright: str, dark: str, lit: Sequence[tuple[float, float]]) -> str:
    """A lavfi picture of one solid colour, ``bright`` (``0xRRGGBB``) during the ``lit``
    spans of the file's seconds and ``dark`` otherwise: each change is a hard cut, a shot
    boundary, and the colour says which camera a rendered frame came from."""
    boxes = "".join(f",drawbox=x=0:y=0:w=iw:h=ih:color={bright}:t=fill:"
                    f"enable='between(t,{a:.6f},{b - 1e-6:.6f})'" for a, b in lit)
    return f"color=c={dark}{boxes}"


def write_camera_file(rec: Recording, path: Path, *, source: str = "testsrc2",
                      audio_codec: str = "aac", extra: Sequence[str] = (),
                      picture: str | None = None) -> Path:
    """The recording under a lavfi picture (320x180, 30 fps, ``source``; or ``picture``, a
    source with its filters such as ``shaded_picture`` makes) in ``path``'s container, audio
    at the camera's own rate."""
    raw = path.with_suffix(".f32")
    raw.write_bytes(np.clip(rec.samples, -1, 1).astype("<f4").tobytes())
    codec = ["-c:a", "aac", "-b:a", "128k"] if audio_codec == "aac" else ["-c:a", audio_codec]
    seconds = rec.samples.size / rec.camera.rate
    video = f"{source}=size=320x180:rate=30:duration={seconds:.6f}"
    if picture is not None:
        head, _, tail = picture.partition(",")
        video = f"{head}:size=320x180:rate=30:duration={seconds:.6f}" + (f",{tail}" if tail
                                                                           else "")
    run_ffmpeg(["-f", "lavfi", "-i", video,
                "-f", "f32le", "-ar", str(rec.camera.rate), "-ac", "1", "-i", str(raw),
                "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-g", "30", *codec, *extra, str(path)])
    raw.unlink()
    return path
