"""Analysis speed: whole analysis of generated 1080p30 H.264 event footage, in x real time.

    .venv/bin/python benchmarks/analysis.py   # 3 min of footage, with and without speech
    .venv/bin/python benchmarks/analysis.py --minutes 1

Targets (issue: Analysis engine, point 12) on this 2-core machine: without speech >= 8x real
time; with speech on event-like audio (about 30 % speech) >= 4x real time. Prints JSON.

Each run reports wall time and the process's CPU time (all threads): on a shared machine the
wall time swings with the load while the CPU time moves much less, so the CPU time (and the
ratio to the decode-only runs made in the same invocation) is what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.shots import score  # noqa: E402
from tests.analysis_fixtures import make_event_audio  # noqa: E402
from tests.media_factory import X264, run_ffmpeg  # noqa: E402

from editron.analysis.base import FileContext  # noqa: E402
from editron.analysis.brief import parse_brief  # noqa: E402
from editron.analysis.engine import analyze_files  # noqa: E402
from editron.analysis.speech import WhisperTranscriber  # noqa: E402
from editron.media.derivatives import make_derivatives  # noqa: E402
from editron.media.probe import probe  # noqa: E402

WORK = HERE / ".work" / "analysis"
SCENES = 12  # equal scenes joined by hard cuts: the shot truth
FPS = 30
LINES = ["Welcome everyone to the Aurora Summit, we are so glad you could make it tonight.",
         "Please give a huge round of applause for our first speaker of the evening.",
         "This evening is brought to you by Northwind Energy and our friends at Borealis."]


def make_footage(minutes: float) -> Path:
    seconds = minutes * 60
    target = WORK / f"event-{minutes:g}min-1080p30.mp4"
    if target.exists():
        return target
    WORK.mkdir(parents=True, exist_ok=True)
    speech: list[tuple[float, str]] = []
    cheers: list[tuple[float, float, float]] = []
    t = 2.0
    while t < seconds - 10:
        # ~30 % speech: a 5 s line every 16 s; a cheer after every second line.
        speech.append((t, LINES[len(speech) % len(LINES)]))
        if len(speech) % 2 == 0:
            cheers.append((t + 6.0, 3.0, 0.6))
        t += 16.0
    audio = make_event_audio(WORK / "event.wav", seconds=seconds, speech=speech, cheers=cheers)
    # life and cellauto fill their first grid at random unless seeded: the footage (and so the
    # figures measured on it) would change each time it is made.
    scenes = ["testsrc2", "mandelbrot", "life=mold=10:ratio=0.2:seed=3", "cellauto=rule=110:seed=3"]
    inputs: list[str] = []
    each = seconds / SCENES
    for k in range(SCENES):
        src = scenes[k % len(scenes)]
        sep = ":" if "=" in src else "="
        inputs += ["-f", "lavfi", "-i",
                   f"{src}{sep}size=1920x1080:rate={FPS},trim=duration={each:.3f},"
                   "setpts=PTS-STARTPTS"]
    graph = "".join(f"[{k}:v]format=yuv420p,setsar=1[v{k}];" for k in range(SCENES))
    graph += "".join(f"[v{k}]" for k in range(SCENES)) + f"concat=n={SCENES}:v=1:a=0[v]"
    partial = WORK / "partial.mp4"
    run_ffmpeg([*inputs, "-i", str(audio), "-filter_complex", graph, "-map", "[v]",
                "-map", f"{SCENES}:a", *X264, "-preset", "veryfast", "-crf", "23",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(partial)])
    shutil.move(partial, target)
    return target


def scene_cuts(path: Path) -> list[int]:
    """The true shot boundaries: where each generated scene starts."""
    frames = round(probe(path).duration_seconds * FPS)
    return [round(k * frames / SCENES) for k in range(1, SCENES)]


def run(path: Path, *, speech: bool, proxy: Path | None = None,
        model: str = "fast") -> dict[str, float]:
    info = probe(path)
    work = WORK / ("spool-speech" if speech else "spool")
    shutil.rmtree(work, ignore_errors=True)
    ctx = FileContext("bench", path, info, parse_brief("Sponsors: Northwind"), work,
                      proxy=proxy, model_hint=model)
    transcriber = WhisperTranscriber() if speech else None
    if transcriber is not None:
        transcriber._model()  # load once, outside the timing, as a worker would
    started, cpu = time.perf_counter(), time.process_time()
    result, _ = analyze_files([ctx], max_iterations=3, transcriber=transcriber)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    shutil.rmtree(work, ignore_errors=True)
    return {"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
            "x_real_time": round(info.duration_seconds / elapsed, 2),
            "shots": len(result.shots),
            "shot_f1": score([s.start_frame for s in result.shots[1:]], scene_cuts(path))["f1"],
            "words": sum(len(t.words) for t in result.transcript),
            "crowd_peaks": len(result.crowd_peaks), "hero_moments": len(result.hero_moments)}


def make_proxy(path: Path) -> tuple[Path, float]:
    """The ingest pass of a hot-tier batch (proxy, poster, sprite, waveform PCM in one
    ffmpeg run), timed: what the analysis of an ingested batch decodes instead."""
    out = WORK / "derivatives"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    made = make_derivatives(path, out, probe(path), tier="hot")
    assert made.proxy is not None
    return made.proxy, round(time.perf_counter() - started, 2)


def decode_only(path: Path, *, skip_frame: Literal["NONREF"] | None = None
                ) -> dict[str, float]:
    """The ceiling: PyAV decoding with threads and doing nothing else — every frame, or with
    ``skip_frame="NONREF"`` the reference frames the analysis decodes at 1080p30."""
    import av

    started, cpu = time.perf_counter(), time.process_time()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        stream.codec_context.options = {"skip_loop_filter": "all"}
        if skip_frame:
            stream.codec_context.skip_frame = skip_frame
        frames = sum(1 for _ in container.decode(stream))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2), "frames": frames,
            "x_real_time": round(probe(path).duration_seconds / elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--no-speech", action="store_true", help="skip the run with speech")
    args = parser.parse_args()
    footage = make_footage(args.minutes)
    duration = probe(footage).duration_seconds
    ceiling = decode_only(footage)
    reference = decode_only(footage, skip_frame="NONREF")
    without = run(footage, speech=False)
    with_speech = None if args.no_speech else run(footage, speech=True)
    proxy, ingest_seconds = make_proxy(footage)
    from_proxy = run(footage, speech=False, proxy=proxy)
    from editron.analysis.shots_transnet import _network, available

    accurate: dict[str, float] | str = "unavailable: install the ml extra (make bench-deps)"
    if available():
        _network()  # load the weights once, outside the timing, as a worker would
        accurate = run(footage, speech=False, model="accurate")
    targets = {"without_speech>=8x": without["x_real_time"] >= 8,
               "without_speech_from_ingest_proxy>=8x": from_proxy["x_real_time"] >= 8}
    if with_speech is not None:
        targets["with_speech>=4x"] = with_speech["x_real_time"] >= 4
    print(json.dumps({
        "benchmark": "analysis", "footage": "1920x1080 30 fps H.264, AAC",
        "duration_seconds": round(duration, 1),
        "decode_only": ceiling, "decode_only_reference_frames": reference,
        "without_speech": without, "with_speech": with_speech,
        # An ingested (hot-tier) batch: ingest decoded the original once to make the proxy
        # (timed here as ingest_pass_seconds, part of ingest), and the analysis decodes that.
        "ingest_pass_seconds": ingest_seconds,
        "without_speech_from_ingest_proxy": from_proxy,
        # The accurate shot mode decodes every frame and lets TransNetV2 check the fast
        # detector's unsure calls (not a target here; shots.py measures it against TransNetV2).
        "without_speech_accurate_shots": accurate,
        # Wall time of the analysis over the every-frame decode in the same invocation: the
        # load on a shared machine hits both alike, so this ratio travels between runs.
        "without_speech_over_decode_only": round(without["seconds"] / ceiling["seconds"], 3),
        "targets": targets,
    }, indent=2))


if __name__ == "__main__":
    main()
