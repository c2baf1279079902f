"""Sync by sound: Editron against audio-offset-finder, audalign and syncstart on the same files.

    make bench-sync-deps                      # the peers' venvs and a private ffprobe (.bench/)
    .venv/bin/python benchmarks/sync.py       # 4-minute room set + the 2-hour, 4-camera case
    .venv/bin/python benchmarks/sync.py --minutes 2 --long-hours 0   # quick look

The room set (``tests.multicam_fixtures``, fixed seeds; made once in benchmarks/.work/sync):
one sound field recorded by a wide camera (PCM 48 kHz, MOV), a stage camera (AAC 44.1 kHz,
quiet and noisy) and a phone (AAC 48 kHz, 300–3400 Hz) that starts a third of the way in,
all off the frame grid; plus two files of other places (B-roll speech, another crowd). Each
tool is used as its documentation shows: the pairwise tools match every file against the
wide camera. Per tool: worst offset error of the cameras (ms), whether each unrelated file
was rejected, and wall time per hour of audio in the set. Then, Editron only: four cameras of
two hours each with clocks 45 to 95 ppm apart (16 kHz arrays, as the spool holds them), the
speed and the worst error at the end of each recording once drift is corrected.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.multicam_fixtures import (  # noqa: E402
    Camera,
    record,
    sound_field,
    write_camera_file,
)

from editron.analysis.base import FileContext  # noqa: E402
from editron.analysis.brief import parse_brief  # noqa: E402
from editron.analysis.decode import decode_pass  # noqa: E402
from editron.analysis.sync import SyncSource, source_from_spool, sync_files  # noqa: E402
from editron.media.probe import probe  # noqa: E402

BENCH = ROOT / ".bench"
FFMPEG_ROOT = BENCH / "ffmpeg-root"
UNRELATED = ("broll", "elsewhere")
FRAME_30_MS = 1000 / 30
T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``, its wall time and its CPU time (this process and every child it waited for:
    on a shared 2-core machine the wall time swings with the load, the CPU time much less)."""
    def cpu() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + kids.ru_utime + kids.ru_stime

    wall, used = time.perf_counter(), cpu()
    value = fn()
    return value, time.perf_counter() - wall, cpu() - used


def _speed(wall: float, cpu: float, hours: float) -> dict[str, float]:
    return {"wall_seconds_per_hour": round(wall / hours, 2),
            "cpu_seconds_per_hour": round(cpu / hours, 2),
            "x_real_time_wall": round(3600 / (wall / hours), 1),
            "x_real_time_cpu": round(3600 / (cpu / hours), 1)}


def _room_cameras(total: float) -> list[tuple[Camera, str, str]]:
    return [
        (Camera("wide", 0.513_7, 0.95 * total, rate=48_000, gain=0.8, noise_db=-52,
                colour="dull", seed=1), "mov", "pcm_s16le"),
        (Camera("stage", 0.07 * total + 0.012_3, 0.85 * total, rate=44_100, gain=0.35,
                noise_db=-46, seed=2), "mp4", "aac"),
        (Camera("phone", 0.33 * total + 0.317_1, 0.45 * total, rate=48_000, gain=1.5,
                noise_db=-42, colour="phone", seed=3), "mp4", "aac"),
    ]


def make_room_set(work: Path, minutes: float) -> tuple[list[Path], dict[str, float]]:
    """The files and each camera's true start on the event clock (cached by ``minutes``)."""
    folder = work / f"room_{minutes:g}min"
    truth_path = folder / "truth.json"
    cams = _room_cameras(minutes * 60)
    names = [f"{c.name}.{ext}" for c, ext, _ in cams] + [f"{n}.mp4" for n in UNRELATED]
    if truth_path.exists():
        return [folder / n for n in names], json.loads(truth_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    parts = work / "parts"
    field = sound_field(parts, seconds=minutes * 60 + 10, rate=48_000, seed=71)
    for cam, ext, codec in cams:
        write_camera_file(record(field, 48_000, cam), folder / f"{cam.name}.{ext}",
                          audio_codec=codec)
    del field
    for k, name in enumerate(UNRELATED):
        other = sound_field(parts, seconds=minutes * 18 + 5, rate=48_000, seed=73 + k,
                            broll=name == "broll")
        cam = Camera(name, 1.0, minutes * 18, rate=48_000, gain=0.7, noise_db=-50, seed=4 + k)
        write_camera_file(record(other, 48_000, cam), folder / f"{name}.mp4",
                          source="testsrc")
    truth = {c.name: c.start for c, _, _ in cams}
    truth_path.write_text(json.dumps(truth))
    return [folder / n for n in names], truth


def _peer_env() -> dict[str, str]:
    """PATH and LD_LIBRARY_PATH for Debian's ffmpeg/ffprobe unpacked under .bench/ (never on
    the system PATH, where it would change the ffmpeg Editron's own tests use)."""
    lib = FFMPEG_ROOT / "usr/lib/x86_64-linux-gnu"
    env = dict(os.environ)
    env["PATH"] = f"{FFMPEG_ROOT / 'usr/bin'}:{env.get('PATH', '')}"
    env["LD_LIBRARY_PATH"] = ":".join(str(p) for p in (lib, lib / "pulseaudio", lib / "blas",
                                                      lib / "lapack"))
    env["MPLBACKEND"] = "Agg"
    return env


def _score(offsets: dict[str, float | None], truth: dict[str, float]) -> dict[str, Any]:
    """Offsets are each file's start on the wide camera's clock (None: not synced)."""
    errors = {}
    for name, start in truth.items():
        if name == "wide":
            continue
        found = offsets.get(name)
        errors[name] = None if found is None else round(abs(found - (start - truth["wide"]))
                                                        * 1000, 4)
    known = [e for e in errors.values() if e is not None]
    return {"worst_error_ms": max(known) if len(known) == len(errors) else None,
            "camera_error_ms": errors,
            "unrelated_rejected": {n: offsets.get(n) is None for n in UNRELATED}}


def run_editron(files: list[Path], truth: dict[str, float], work: Path) -> dict[str, Any]:
    def decode() -> list[SyncSource]:
        sources = []
        for path in files:
            info = probe(path)
            ctx = FileContext(path.stem, path, info, parse_brief(None),
                              work / "spool" / path.stem)
            sources.append(source_from_spool(path.stem, decode_pass(ctx, [], [])))
        return sources

    sources, decode_wall, decode_cpu = _timed(decode)
    result, wall, cpu = _timed(lambda: sync_files(sources))
    wide = result.for_file("wide")
    offsets: dict[str, float | None] = {}
    for f in result.files:
        offsets[f.file_id] = None if not f.synced or wide is None or not wide.synced else \
            wide.to_file(f.to_event(0.0))
    hours = sum(s.audio.size / s.rate for s in sources) / 3600
    # Each pair measurement by itself, before the group solve averages them.
    pairs_us = {f"{p.a}-{p.b}": round(abs(p.offset - (truth[p.b] - truth[p.a])) * 1e6, 2)
                for p in result.pairs if p.used}
    return {**_score(offsets, truth), "pair_error_us": pairs_us, **_speed(wall, cpu, hours),
            "decode_pass": _speed(decode_wall, decode_cpu, hours),
            "confidence": {f.file_id: f.confidence for f in result.files},
            "reasons": {f.file_id: f.reason for f in result.files if f.reason}}


def run_audio_offset_finder(files: list[Path], truth: dict[str, float]) -> dict[str, Any]:
    cli = BENCH / "venvs/audio-offset-finder/bin/audio-offset-finder"

    def each() -> dict[str, dict[str, float]]:
        found = {}
        for path in files[1:]:
            out = subprocess.run([str(cli), "--find-offset-of", str(path), "--within",
                                  str(files[0]), "--json"], capture_output=True, text=True,
                                 env=_peer_env(), check=True)
            found[path.stem] = json.loads(out.stdout.strip().splitlines()[-1])
        return found

    found, wall, cpu = _timed(each)
    # Its README: a standard score above 10 is likely right, below 5 unlikely.
    offsets = {n: float(f["time_offset"]) if f["standard_score"] >= 10 else None
               for n, f in found.items()}
    return {**_score(offsets, truth), **_speed(wall, cpu, _hours(files)),
            "standard_score": {n: round(float(f["standard_score"]), 2)
                               for n, f in found.items()}}


def run_syncstart(files: list[Path], truth: dict[str, float], take: float | None
                  ) -> dict[str, Any]:
    cli = BENCH / "venvs/syncstart/bin/syncstart"

    def each() -> dict[str, float | None]:
        offsets: dict[str, float | None] = {}
        for path in files[1:]:
            args = [str(cli), "-s", "-q", *(["-t", f"{take:g}"] if take else []),
                    str(files[0]), str(path)]
            # Its CLI exits 1 after printing the answer, so the answer line is what counts.
            out = subprocess.run(args, capture_output=True, text=True, env=_peer_env(),
                                 check=False)
            line = next(x for x in out.stdout.splitlines() if x and not x.startswith("("))
            advanced, seconds = line.rsplit(",", 1)
            # "Cut this much from the start of that file": the other file starts later when
            # the cut is from the wide camera. It has no way to say "no match".
            sign = 1.0 if Path(advanced).name == files[0].name else -1.0
            offsets[path.stem] = sign * float(seconds)
        return offsets

    offsets, wall, cpu = _timed(each)
    return {**_score(offsets, truth), **_speed(wall, cpu, _hours(files))}


def run_audalign(files: list[Path], truth: dict[str, float]) -> dict[str, Any]:
    python = BENCH / "venvs/audalign/bin/python"
    out, wall, cpu = _timed(lambda: subprocess.run(
        [str(python), str(HERE / "sync_audalign.py"), str(files[0].parent)],
        capture_output=True, text=True, env=_peer_env(), check=True))
    found = json.loads(out.stdout.strip().splitlines()[-1])
    report: dict[str, Any] = {}
    for stage in ("coarse", "fine"):
        shifts = {Path(k).stem: v for k, v in found[stage].items()}
        base = shifts.get("wide")
        offsets = {n: None if base is None or n not in shifts else shifts[n] - base
                   for n in [p.stem for p in files]}
        report[stage] = _score(offsets, truth)
    return {**report["fine"], "fingerprint_stage": report["coarse"],
            **_speed(wall, cpu, _hours(files))}


def _hours(files: list[Path]) -> float:
    return sum(probe(p).duration_seconds for p in files) / 3600


def run_long_case(work: Path, hours: float) -> dict[str, Any]:
    """Four cameras of ``hours`` each, 16 kHz arrays, clocks drifting apart."""
    total = hours * 3600
    field = sound_field(work / "parts", seconds=total + 100, rate=16_000, seed=5)
    cams = [Camera("wide", 0.432_1, total, gain=0.8, noise_db=-50, seed=1),
            Camera("stage", 12.345_67, total - 50, gain=0.5, noise_db=-45, colour="dull",
                   drift_ppm=45, seed=2),
            Camera("phone", 95.111_1, total * 0.75, gain=1.4, noise_db=-42, colour="phone",
                   drift_ppm=-70, seed=3),
            Camera("cam4", 40.777, total - 200, gain=0.6, noise_db=-48, drift_ppm=95, seed=4)]
    recs = [record(field, 16_000, c) for c in cams]
    del field
    result, wall, cpu = _timed(lambda: sync_files([SyncSource(r.camera.name, r.samples)
                                                   for r in recs]))
    wide = result.for_file("wide")
    ends, uncorrected = {}, {}
    for cam in cams[1:]:
        placed = result.for_file(cam.name)
        if wide is None or placed is None or not placed.synced:
            ends[cam.name] = None
            continue
        end = cam.seconds - 1
        true_in_wide = cam.start + end / (1 + cam.drift_ppm * 1e-6) - cams[0].start
        ends[cam.name] = round(abs(wide.to_file(placed.to_event(end)) - true_in_wide) * 1000, 3)
        uncorrected[cam.name] = round(abs(placed.event_offset + end - wide.event_offset
                                          - true_in_wide) * 1000, 1)
    audio_hours = sum(c.seconds for c in cams) / 3600
    known = [e for e in ends.values() if e is not None]
    return {"cameras": len(cams), "audio_hours": round(audio_hours, 2),
            "wall_seconds": round(wall, 2), **_speed(wall, cpu, audio_hours),
            "drift_ppm": {f.file_id: f.drift_ppm for f in result.files},
            "true_drift_ppm": {c.name: c.drift_ppm for c in cams},
            "end_error_ms": ends, "end_error_uncorrected_ms": uncorrected,
            "worst_end_error_ms": max(known) if len(known) == len(ends) else None,
            "within_a_frame": bool(known and len(known) == len(ends)
                                   and max(known) < FRAME_30_MS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="room set length")
    parser.add_argument("--long-hours", type=float, default=2.0, help="0 skips the long case")
    parser.add_argument("--work", type=Path, default=HERE / ".work" / "sync")
    args = parser.parse_args()
    files, truth = make_room_set(args.work, args.minutes)
    whole = max(probe(p).duration_seconds for p in files)
    report: dict[str, Any] = {
        "room_set": {"files": [p.name for p in files], "true_start": truth,
                     "audio_hours": round(_hours(files), 3)},
        "editron": run_editron(files, truth, args.work),
        "audio-offset-finder": run_audio_offset_finder(files, truth),
        "audalign": run_audalign(files, truth),
        "syncstart (default -t 20)": run_syncstart(files, truth, None),
        "syncstart (-t whole file)": run_syncstart(files, truth, whole),
    }
    if args.long_hours > 0:
        report["editron_long_case"] = run_long_case(args.work, args.long_hours)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
