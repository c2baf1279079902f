"""Sample event footage the project makes itself, so a newcomer sees the whole lane offline.

Several clips of a fictional "Aurora Summit": a keynote speaker (espeak-ng) naming the sponsor,
crowd cheers (seeded pink noise with an envelope) at known times, and varied moving pictures from
ffmpeg's lavfi sources with hard cuts between them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from editron.errors import ProcessError
from editron.media.ffmpeg import ffmpeg_path

__all__ = ["SAMPLE_CLIPS", "SampleClip", "make_sample_event"]


@dataclass(frozen=True, slots=True)
class SampleClip:
    name: str
    seconds: float
    pictures: tuple[str, ...]  # lavfi video sources, one shot each, equal lengths
    speech: str  # what the speaker says (empty: none)
    speech_at: float
    cheers: tuple[tuple[float, float], ...]  # (start, length) of crowd bursts
    recorded_at: str = ""  # the camera's creation time, so the edit knows the event's order


SAMPLE_CLIPS: tuple[SampleClip, ...] = (
    SampleClip(
        "keynote_open.mp4", 24.0,
        ("testsrc2", "mandelbrot", "smptehdbars", "cellauto"),
        "Welcome everyone to the Aurora Summit. Tonight is brought to you by Northwind Energy.",
        2.0, ((14.0, 4.0),), "2026-11-27T19:00:00Z",
    ),
    SampleClip(
        "main_stage.mp4", 24.0,
        ("life", "testsrc", "rgbtestsrc", "mandelbrot"),
        "Please give a huge round of applause for our headline act.",
        3.0, ((9.0, 5.0), (19.0, 3.0)), "2026-11-27T19:40:00Z",
    ),
    SampleClip(
        "awards.mp4", 20.0,
        ("cellauto", "testsrc2", "life", "smptebars"),
        "And the award for innovation goes to team Borealis.",
        1.5, ((8.0, 6.0),), "2026-11-27T21:15:00Z",
    ),
)

_SOURCE_ARGS = {
    "mandelbrot": "mandelbrot=size={size}:rate={fps}",
    "life": "life=size={size}:rate={fps}:mold=10:ratio=0.1:seed=3:death_color=#101040:"
            "life_color=#f0c020",
    "cellauto": "cellauto=size={size}:rate={fps}:rule=110:seed=3",
}


# x264's pictures depend on its thread count (its default is 1.5 x the cores), so the sample is
# encoded with a fixed count and comes out the same on every machine: the tests analyse it.
_X264_THREADS = "3"


def _run(cmd: Sequence[str]) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ProcessError(
            f"{Path(cmd[0]).name} failed while making sample footage (exit {proc.returncode})",
            stderr_tail=proc.stderr[-2000:],
        )


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise ProcessError(f"{tool} is not installed; run `make setup` (scripts/setup.sh) first")
    return found


def _video_source(name: str, size: str, fps: int, seconds: float) -> str:
    template = _SOURCE_ARGS.get(name, name + "=size={size}:rate={fps}")
    return template.format(size=size, fps=fps) + f",trim=duration={seconds:.3f},setpts=PTS-STARTPTS"


def _noise(path: Path, colour: str, seconds: float, amplitude: float, seed: int,
           shape: str = "") -> None:
    """Seeded noise (the same every run) as a 48 kHz mono WAV, through ``shape`` filters."""
    source = f"anoisesrc=d={seconds}:c={colour}:r=48000:a={amplitude}:s={seed % 2**31}"
    _run([ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
          source + ("," + shape if shape else ""), "-c:a", "pcm_s16le", str(path)])


def _make_audio(clip: SampleClip, work: Path) -> Path:
    """Room tone + speech + crowd bursts, mixed to one 48 kHz stereo WAV."""
    espeak = _require("espeak-ng")
    # Each clip's noise has a seed of its own: were the room tone and the cheers the same
    # waveform in every clip, the clips would share sound and sync as one take.
    seed = zlib.crc32(clip.name.encode())
    bed = work / "bed.wav"
    _noise(bed, "brown", clip.seconds, 0.02, seed)
    layers = [bed]
    delays = [0.0]
    if clip.speech:
        speech = work / "speech.wav"
        _run([espeak, "-s", "150", "-w", str(speech), clip.speech])
        layers.append(speech)
        delays.append(clip.speech_at)
    for i, (start, length) in enumerate(clip.cheers):
        cheer = work / f"cheer{i}.wav"
        _noise(cheer, "pink", length, 0.6, seed + 1 + i,
               f"afade=t=in:curve=qsin:d={length * 0.25:.2f},"
               f"afade=t=out:curve=qsin:st={length * 0.6:.2f}:d={length * 0.4:.2f}")
        layers.append(cheer)
        delays.append(start)
    out = work / "mix.wav"
    inputs: list[str] = []
    chains: list[str] = []
    for i, (layer, delay) in enumerate(zip(layers, delays, strict=True)):
        inputs += ["-i", str(layer)]
        ms = int(delay * 1000)
        chains.append(f"[{i}:a]aresample=48000,aformat=channel_layouts=mono,adelay={ms}[a{i}]")
    mix = "".join(f"[a{i}]" for i in range(len(layers)))
    graph = (
        ";".join(chains)
        + f";{mix}amix=inputs={len(layers)}:normalize=0:duration=first,"
        + f"apad=whole_dur={clip.seconds},atrim=duration={clip.seconds},"
        + "pan=stereo|c0=c0|c1=c0[out]"
    )
    _run([ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", *inputs,
          "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", str(out)])
    return out


def make_sample_event(out_dir: Path, *, size: str = "1280x720", fps: int = 30) -> list[Path]:
    """Write the sample clips into ``out_dir`` (skipping ones already there) and return them.

    They have one-second GOPs, as camera and phone files do (x264's own default is 250
    frames, which would make every cut's seek decode several seconds it then discards)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for clip in SAMPLE_CLIPS:
        target = out_dir / clip.name
        if target.exists() and target.stat().st_size > 0:
            made.append(target)
            continue
        with tempfile.TemporaryDirectory(prefix="editron-sample-") as tmp:
            work = Path(tmp)
            audio = _make_audio(clip, work)
            shot = clip.seconds / len(clip.pictures)
            inputs: list[str] = []
            for source in clip.pictures:
                inputs += ["-f", "lavfi", "-i", _video_source(source, size, fps, shot)]
            n = len(clip.pictures)
            graph = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(n))
            graph += "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
            partial = work / clip.name
            _run([ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", *inputs,
                  "-i", str(audio), "-filter_complex", graph, "-map", "[v]", "-map", f"{n}:a",
                  "-c:v", "libx264", "-threads", _X264_THREADS, "-preset", "veryfast",
                  "-crf", "23", "-g", str(fps),
                  "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart",
                  "-shortest",
                  *(["-metadata", f"creation_time={clip.recorded_at}"] if clip.recorded_at
                    else []),
                  str(partial)])
            # Move into place only when complete, so a crash never leaves a half clip behind.
            shutil.move(str(partial), target)
        made.append(target)
    return made
