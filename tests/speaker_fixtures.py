"""Two people on screen, one of them talking: footage whose speaker is known to the frame.

The picture (640x360, 25 fps) is two copies of a real photograph of a face (scikit-image's
``astronaut``, resized to 360x360 and its left 320 columns kept) side by side, so the faces
sit about 320 px apart: too far for one 9:16 or 1:1 window. The sound is espeak-ng lines at
known times over a quiet room bed (``tests.audio_fixtures.event_audio``), each line said by
one of the two; while a line is spoken, that face's mouth opens and closes with the loudness
of the voice (a dark ellipse over the mouth, its height following the 40 ms level), and the
other face stays still. Every parameter is fixed, so the footage is the same on every run.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.audio_fixtures import RATE, AudioTruth, TrueWord, event_audio, read_wav
from tests.media_factory import FFMPEG, X264

__all__ = ["FACES", "LINES", "SpeakerClip", "make_speaker_clip", "speaker_at"]

FPS, W, H = 25, 640, 360
PHOTO = 360
HALF = 320
# The astronaut's face in the 360x360 photograph (x, y, w, h, pixels) and her mouth's centre.
FACE = (124.0, 47.0, 66.0, 66.0)
MOUTH = (158, 104)
FACES = tuple((FACE[0] + k * HALF, FACE[1], FACE[2], FACE[3]) for k in range(2))
# (start, who speaks: 0 left, 1 right, text); each line is a sentence.
LINES: tuple[tuple[float, int, str], ...] = (
    (0.6, 0, "Welcome to the launch of our new product."),
    (4.8, 1, "Thank you, it is good to be here."),
    (9.0, 0, "Let me show you what we built."),
)
SECONDS = 13.0


@dataclass(frozen=True)
class SpeakerClip:
    path: Path
    truth: AudioTruth
    speakers: tuple[int, ...]  # who says each of ``truth.words``
    lines: tuple[tuple[float, int, str], ...]

    def spoken(self) -> list[tuple[TrueWord, int]]:
        return list(zip(self.truth.words, self.speakers, strict=True))


def speaker_at(clip: SpeakerClip, t: float) -> int | None:
    """Who is talking at ``t`` (inside a word), else None."""
    for word, who in clip.spoken():
        if word.start <= t < word.end:
            return who
    return None


def _photo() -> np.ndarray:  # type: ignore[type-arg]
    from PIL import Image
    from skimage import data

    image = Image.fromarray(data.astronaut()).resize((PHOTO, PHOTO), Image.Resampling.LANCZOS)
    return np.asarray(image)[:, :HALF].copy()


def _frames(clip: SpeakerClip, level: np.ndarray, seconds: float):  # type: ignore[no-untyped-def, type-arg]
    import cv2

    photo = _photo()
    top = (H - PHOTO) // 2  # 0 for 360: the photo fills the height
    peak = float(level.max()) or 1.0
    for n in range(round(seconds * FPS)):
        t = n / FPS
        frame = np.full((H, W, 3), 32, np.uint8)
        who = speaker_at(clip, t)
        for k in range(2):
            half = photo.copy()
            if who == k:
                opening = float(np.clip(level[min(n, level.size - 1)] / peak * 1.6, 0, 1))
                if opening > 0.1:
                    cv2.ellipse(half, MOUTH, (11, max(1, round(6 * opening))), 0, 0, 360,
                                (90, 35, 40), -1)
            frame[top:top + PHOTO, k * HALF:(k + 1) * HALF] = half
        yield frame


def make_speaker_clip(path: Path, *, lines: Sequence[tuple[float, int, str]] = LINES,
                      seconds: float = SECONDS) -> SpeakerClip:
    """The two-face footage (H.264 + AAC MP4 at ``path``) and who says what, when."""
    work = path.parent / f"{path.stem}-parts"
    work.mkdir(parents=True, exist_ok=True)
    truth = event_audio(work / "voice.wav", seconds=seconds,
                        speech=[(at, text) for at, _, text in lines], bed_volume=0.01)
    starts = [at for at, _, _ in lines]
    speakers = tuple(lines[max(i for i, s in enumerate(starts) if s <= w.start + 1e-6)][1]
                     for w in truth.words)
    clip = SpeakerClip(path, truth, speakers, tuple(lines))
    audio = read_wav(truth.path)
    hop = RATE // FPS
    level = np.array([float(np.sqrt(np.mean(audio[i * hop:(i + 1) * hop] ** 2)))
                      if i * hop < audio.size else 0.0 for i in range(round(seconds * FPS))])
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo",
           "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-",
           "-i", str(truth.path), "-map", "0:v", "-map", "1:a", *X264, "-preset", "ultrafast",
           "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest",
           str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    for frame in _frames(clip, level, seconds):
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    proc.stdin = None  # communicate() must not flush the closed pipe
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')}")
    return clip
