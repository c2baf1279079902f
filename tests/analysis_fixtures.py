"""Footage with known truth for the analysis tests: shot boundaries at known frames, speech
with known words, crowd bursts at known times, a sponsor name spoken once, a sponsor logo on
screen for a known span. Every source is fully specified (seeds and colours included), so the
footage is the same on every run."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.media_factory import X264, run_ffmpeg

__all__ = ["CutClip", "make_cut_clip", "make_event_audio", "make_event_clip", "make_face_clip",
           "make_logo", "make_logo_clip", "speak"]

FPS = 25
SIZE = "320x180"
SOURCES = (
    "testsrc2=size={s}:rate={r}",
    "mandelbrot=size={s}:rate={r}",
    "smptebars=size={s}:rate={r}",
    "cellauto=size={s}:rate={r}:rule=30:seed=7",
    "rgbtestsrc=size={s}:rate={r}",
    "life=size={s}:rate={r}:mold=10:seed=7:life_color=#00ff00:death_color=#400000",
    # gradients picks random colours unless told them (its seed only places the line), and
    # where a dissolve into it is found depends on them: now and then 3 frames late, outside
    # the tests' tolerance. These colours are fixed, and distinct from life's.
    "gradients=size={s}:rate={r}:speed=0.05:seed=7:type=linear:nb_colors=2:c0=0x3050e0:"
    "c1=0xe0e0e0:x0=0:y0=0:x1=320:y1=180",
    "testsrc=size={s}:rate={r}",
)


@dataclass(frozen=True)
class CutClip:
    path: Path
    boundaries: tuple[int, ...]  # frame numbers where a new shot starts
    kinds: tuple[str, ...]
    frames: int


def make_cut_clip(path: Path, *, shot_seconds: Sequence[float], transitions: Sequence[str],
                  flash_at: Sequence[int] = (), dissolve_frames: int = 12, size: str = SIZE,
                  preset: str = "ultrafast") -> CutClip:
    """Shots of different lavfi sources joined by ``cut`` or ``dissolve``/``fade`` (xfade).

    The boundary of a gradual transition is its middle frame. ``preset="veryfast"`` gives an
    H.264 stream with B-frames (non-reference frames), as cameras and exports have."""
    assert len(transitions) == len(shot_seconds) - 1
    inputs: list[str] = []
    for k, seconds in enumerate(shot_seconds):
        src = SOURCES[k % len(SOURCES)].format(s=size, r=FPS)
        inputs += ["-f", "lavfi", "-i", f"{src},trim=duration={seconds},setpts=PTS-STARTPTS"]
    chains = [f"[{k}:v]format=yuv420p,setsar=1,fps={FPS},settb=1/{FPS}[s{k}]"
              for k in range(len(shot_seconds))]
    current, length = "s0", round(shot_seconds[0] * FPS)
    boundaries: list[int] = []
    d = dissolve_frames / FPS
    for k, kind in enumerate(transitions, start=1):
        out = f"j{k}"
        if kind == "cut":
            chains.append(f"[{current}][s{k}]concat=n=2:v=1:a=0,settb=1/{FPS}[{out}]")
            boundaries.append(length)
            length += round(shot_seconds[k] * FPS)
        else:
            offset = length / FPS - d
            name = "fadeblack" if kind == "fade" else "fade"
            chains.append(f"[{current}][s{k}]xfade=transition={name}:duration={d}:"
                          f"offset={offset:.4f}[{out}]")
            boundaries.append(length - dissolve_frames // 2)
            length += round(shot_seconds[k] * FPS) - dissolve_frames
        current = out
    graph = ";".join(chains)
    if flash_at:
        expr = "+".join(f"between(n,{f},{f + 1})" for f in flash_at)
        graph += f";[{current}]drawbox=color=white:t=fill:enable='{expr}'[final]"
        current = "final"
    run_ffmpeg([*inputs, "-filter_complex", graph, "-map", f"[{current}]", *X264,
                "-preset", preset, "-crf", "18", "-pix_fmt", "yuv420p", "-r", str(FPS),
                str(path)])
    return CutClip(path, tuple(boundaries), tuple(transitions), length)


def speak(text: str, path: Path, *, speed: int = 150) -> Path:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/setup.sh installs it)"
    subprocess.run([espeak, "-s", str(speed), "-w", str(path), text], check=True)
    return path


def make_event_audio(path: Path, *, seconds: float, speech: Sequence[tuple[float, str]],
                     cheers: Sequence[tuple[float, float, float]]) -> Path:
    """Room tone, speech at given times, crowd bursts (start, length, volume) from sox noise."""
    sox = shutil.which("sox")
    assert sox, "sox is needed (scripts/setup.sh installs it)"
    work = path.parent / (path.stem + "_parts")
    work.mkdir(exist_ok=True)
    layers: list[tuple[Path, float]] = []
    bed = work / "bed.wav"
    subprocess.run([sox, "-R", "-n", "-r", "16000", "-c", "1", str(bed), "synth", str(seconds),
                    "brownnoise", "vol", "0.01"], check=True)
    layers.append((bed, 0.0))
    for k, (at, text) in enumerate(speech):
        layers.append((speak(text, work / f"speech{k}.wav"), at))
    for k, (at, length, volume) in enumerate(cheers):
        cheer = work / f"cheer{k}.wav"
        subprocess.run([sox, "-R", "-n", "-r", "16000", "-c", "1", str(cheer), "synth", str(length),
                        "pinknoise", "fade", "q", f"{length * 0.2:.2f}", str(length),
                        f"{length * 0.3:.2f}", "vol", str(volume)], check=True)
        layers.append((cheer, at))
    inputs: list[str] = []
    chains: list[str] = []
    for k, (layer, at) in enumerate(layers):
        inputs += ["-i", str(layer)]
        chains.append(f"[{k}:a]aresample=16000,aformat=channel_layouts=mono,"
                      f"adelay={int(at * 1000)}[a{k}]")
    mix = "".join(f"[a{k}]" for k in range(len(layers)))
    graph = ";".join(chains) + f";{mix}amix=inputs={len(layers)}:normalize=0:duration=first," \
        f"atrim=duration={seconds}[out]"
    run_ffmpeg([*inputs, "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le",
                str(path)])
    return path


def make_event_clip(path: Path, audio: Path, *, seconds: float, size: str = SIZE) -> Path:
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={FPS}:duration={seconds}",
                "-i", str(audio), "-map", "0:v", "-map", "1:a", *X264,
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(path)])
    return path


def make_face_clip(path: Path, *, before: float = 3.0, face: float = 3.0) -> Path:
    """``before`` seconds of a face-free gradient, then a hard cut to a real photograph of a
    face (scikit-image's ``astronaut``, 512x512, face at about x 0.33-0.55, y 0.08-0.32 of
    the image) centred on a dark 640x360 frame for ``face`` seconds."""
    from PIL import Image
    from skimage import data

    photo = path.with_suffix(".png")
    Image.fromarray(data.astronaut()).resize((360, 360)).save(photo)
    run_ffmpeg(["-f", "lavfi", "-i", f"gradients=size=640x360:rate={FPS}:duration={before}:"
                "seed=3:speed=0.01:type=linear:nb_colors=2:c0=0x304860:c1=0xa08060:"
                "x0=0:y0=0:x1=640:y1=360", "-f", "lavfi", "-i",
                f"color=c=0x202020:size=640x360:rate={FPS}:duration={face}", "-loop", "1",
                "-i", str(photo), "-filter_complex",
                "[1:v][2:v]overlay=140:0:shortest=1,setsar=1[f];[0:v]setsar=1[g];"
                "[g][f]concat=n=2:v=1:a=0,format=yuv420p[v]", "-map", "[v]", *X264,
                "-preset", "ultrafast", "-crf", "18", str(path)])
    return path


def make_logo(path: Path) -> Path:
    """A busy, high-contrast sponsor mark (240x120 PNG, seeded): plenty of corners to match."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 120), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(11)
    for _ in range(40):
        x, y = rng.integers(0, 220), rng.integers(0, 100)
        w, h = rng.integers(8, 40), rng.integers(8, 30)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.rectangle([int(x), int(y), int(x + w), int(y + h)], fill=colour, outline=(0, 0, 0))
    draw.text((20, 50), "NORTHWIND", fill=(0, 0, 0))
    image.save(path)
    return path


def make_logo_clip(path: Path, logo: Path, *, seconds: float = 10.0) -> Path:
    """``seconds`` of a slowly turning 640x360 gradient with ``logo`` (scaled to 320 wide)
    overlaid at (160, 100) from 4 s to 7 s."""
    run_ffmpeg(["-f", "lavfi", "-i", f"gradients=size=640x360:rate=25:duration={seconds}:"
                "speed=0.01:seed=5:type=linear:nb_colors=2:c0=0x203050:c1=0x806040:"
                "x0=0:y0=360:x1=640:y1=0",
                "-i", str(logo), "-filter_complex",
                "[1:v]scale=320:-1[l];[0:v][l]overlay=160:100:enable='between(t,4,7)'",
                *X264, "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])
    return path
